//! Windows captures: `reg query` and `reg export` text, `sc query`, `pnputil /enum-drivers`,
//! `pnputil /enum-devices`, and Store package names (from the per-user package repository key,
//! `Get-AppxPackage` or a WindowsApps listing). Field names are matched in English, as Windows
//! prints them for these tools; localized `pnputil` labels are not understood (the check says so).

use std::collections::BTreeMap;

/// One registry key and its values.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RegKey {
    /// Full key path as printed.
    pub path: String,
    /// (name, data) pairs; the default value is named `(Default)`.
    pub values: Vec<(String, String)>,
}

impl RegKey {
    /// The data of a value, by name (case-insensitive).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, d)| d.as_str())
    }
}

/// Reads `reg query … /s` output or a `reg export` file into keys.
pub fn parse_registry(text: &str) -> Vec<RegKey> {
    let export = text.lines().any(|l| l.trim_start().starts_with("[HKEY_"));
    let mut keys: Vec<RegKey> = Vec::new();
    for line in text.lines() {
        let t = line.trim();
        if export {
            if let Some(p) = t.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
                keys.push(RegKey {
                    path: p.to_string(),
                    values: Vec::new(),
                });
            } else if let (Some(k), Some((name, data))) = (keys.last_mut(), export_value(t)) {
                k.values.push((name, data));
            }
        } else if t.starts_with("HKEY_") && !line.starts_with(' ') {
            keys.push(RegKey {
                path: t.to_string(),
                values: Vec::new(),
            });
        } else if let (Some(k), Some((name, data))) = (keys.last_mut(), query_value(line)) {
            k.values.push((name, data));
        }
    }
    keys
}

/// `    Name    REG_SZ    Data` (reg query separates the three fields with four spaces).
fn query_value(line: &str) -> Option<(String, String)> {
    if !line.starts_with("    ") {
        return None;
    }
    let body = line.trim_start();
    let pos = body.find("    REG_")?;
    let name = body[..pos].trim().to_string();
    let rest = &body[pos + 4..];
    let (_ty, data) = match rest.split_once("    ") {
        Some((ty, d)) => (ty, d.to_string()),
        None => (rest, String::new()),
    };
    Some((name, data))
}

/// `"Name"="Data"`, `@="Data"`, `"Name"=dword:00000001` (string escapes `\\` and `\"` undone).
fn export_value(t: &str) -> Option<(String, String)> {
    let (name, data) = if let Some(rest) = t.strip_prefix("@=") {
        ("(Default)".to_string(), rest)
    } else {
        let rest = t.strip_prefix('"')?;
        let end = rest.find("\"=")?;
        (rest[..end].replace("\\\\", "\\"), &rest[end + 2..])
    };
    let data = match data.strip_prefix('"').and_then(|d| d.strip_suffix('"')) {
        Some(s) => s.replace("\\\"", "\"").replace("\\\\", "\\"),
        None => data.to_string(),
    };
    Some((name, data))
}

/// An installed program from the Uninstall keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installed {
    /// Registry key (product code or name).
    pub key: String,
    /// `DisplayName`.
    pub name: String,
    /// `DisplayVersion`, when set.
    pub version: Option<String>,
    /// `Publisher`, when set.
    pub publisher: Option<String>,
}

/// Programs listed in Uninstall keys (any key with a `DisplayName`).
pub fn installed_programs(keys: &[RegKey]) -> Vec<Installed> {
    keys.iter()
        .filter(|k| k.path.to_ascii_lowercase().contains("\\uninstall\\"))
        .filter_map(|k| {
            Some(Installed {
                key: k.path.clone(),
                name: k.get("DisplayName")?.to_string(),
                version: k.get("DisplayVersion").map(str::to_string),
                publisher: k.get("Publisher").map(str::to_string),
            })
        })
        .collect()
}

/// A service's state as `sc query` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServiceState {
    /// `STATE : 4  RUNNING`.
    Running,
    /// `STATE : 1  STOPPED`.
    Stopped,
    /// Another state (START_PENDING, PAUSED, …), as printed.
    Other(String),
    /// `OpenService FAILED 1060` — no such service.
    NotInstalled,
    /// Nothing recognisable (e.g. access denied), first line kept.
    Unknown(String),
}

/// Reads `sc query NAME` output.
pub fn parse_sc_query(text: &str) -> ServiceState {
    for line in text.lines() {
        let t = line.trim();
        if let Some(rest) = t.strip_prefix("STATE") {
            let state = rest
                .trim_start()
                .trim_start_matches(':')
                .split_whitespace()
                .nth(1)
                .unwrap_or("")
                .to_string();
            return match state.as_str() {
                "RUNNING" => ServiceState::Running,
                "STOPPED" => ServiceState::Stopped,
                _ => ServiceState::Other(state),
            };
        }
    }
    if text.contains("1060") {
        return ServiceState::NotInstalled;
    }
    ServiceState::Unknown(
        text.lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("")
            .trim()
            .to_string(),
    )
}

/// `Key: value` blocks separated by blank lines (pnputil's listing format); keys lower-cased.
pub fn parse_blocks(text: &str) -> Vec<BTreeMap<String, String>> {
    let mut out = Vec::new();
    let mut cur = BTreeMap::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        if let Some((k, v)) = line.split_once(':') {
            let k = k.trim().to_ascii_lowercase();
            if !k.is_empty() && !k.contains('\\') {
                // A key seen again starts the next record (output filtered through findstr
                // has no blank lines between records).
                if cur.contains_key(&k) {
                    out.push(std::mem::take(&mut cur));
                }
                cur.insert(k, v.trim().to_string());
            }
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// One driver package from `pnputil /enum-drivers` (or the legacy `pnputil -e`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriverPackage {
    /// `oemNN.inf`.
    pub published: String,
    /// The INF's own name (`usbaapl64.inf`); empty in the legacy listing.
    pub original: String,
    /// Provider (`Apple, Inc.`, `libwdi`).
    pub provider: String,
    /// Device class name.
    pub class: String,
    /// Date and version.
    pub version: String,
}

/// Driver packages from `pnputil /enum-drivers` (`Published Name`, `Original Name`,
/// `Provider Name`, `Class Name`, `Driver Version`) or `pnputil -e` (`Published name`,
/// `Driver package provider`, `Class`, `Driver date and version`).
pub fn parse_drivers(text: &str) -> Vec<DriverPackage> {
    let field = |b: &BTreeMap<String, String>, ks: &[&str]| {
        ks.iter()
            .find_map(|k| b.get(*k))
            .cloned()
            .unwrap_or_default()
    };
    parse_blocks(text)
        .into_iter()
        .filter(|b| b.contains_key("published name"))
        .map(|b| DriverPackage {
            published: field(&b, &["published name"]),
            original: field(&b, &["original name"]),
            provider: field(&b, &["provider name", "driver package provider"]),
            class: field(&b, &["class name", "class"]),
            version: field(&b, &["driver version", "driver date and version"]),
        })
        .collect()
}

/// One device from `pnputil /enum-devices`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PnpDevice {
    /// `USB\VID_05AC&PID_12A8\…`.
    pub instance_id: String,
    /// Device description.
    pub description: String,
    /// Class name.
    pub class: String,
    /// Status (`Started`, `Problem`, `Disconnected`).
    pub status: String,
    /// The published INF bound to it (`oemNN.inf`), when any.
    pub driver: Option<String>,
}

impl PnpDevice {
    /// The USB product id from the instance id (`…&PID_12A8…`).
    pub fn product_id(&self) -> Option<u16> {
        let up = self.instance_id.to_ascii_uppercase();
        let at = up.find("PID_")? + 4;
        u16::from_str_radix(up.get(at..at + 4)?, 16).ok()
    }

    /// An iPhone, iPad or iPod in any mode: vendor 05AC with a product id in Apple's 0x12xx
    /// mobile-device range (normal 0x129x/0x12Ax, DFU 0x1227, Recovery 0x1281-0x1283) or 0x1338
    /// (checkm8 DFU). Apple keyboards, trackpads and the like (other product ids) do not count.
    pub fn is_apple_mobile(&self) -> bool {
        self.instance_id.to_ascii_uppercase().contains("VID_05AC")
            && self
                .product_id()
                .is_some_and(|p| (0x1200..=0x12FF).contains(&p) || p == 0x1338)
    }
}

/// Devices from `pnputil /enum-devices [/connected]`.
pub fn parse_devices(text: &str) -> Vec<PnpDevice> {
    parse_blocks(text)
        .into_iter()
        .filter_map(|b| {
            Some(PnpDevice {
                instance_id: b.get("instance id")?.clone(),
                description: b.get("device description").cloned().unwrap_or_default(),
                class: b.get("class name").cloned().unwrap_or_default(),
                status: b.get("status").cloned().unwrap_or_default(),
                driver: b.get("driver name").cloned().filter(|d| !d.is_empty()),
            })
        })
        .collect()
}

/// An Apple Store package (`AppleInc.iTunes`, `AppleInc.AppleDevices`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorePackage {
    /// Package name, e.g. `AppleInc.AppleDevices`.
    pub name: String,
    /// Package version, e.g. `1.1028.9986.0`, when the text names a full package.
    pub version: Option<String>,
    /// The full name as found.
    pub full_name: String,
}

/// Apple Store packages named anywhere in the text (`AppleInc.<Name>_<version>_<arch>__<id>`;
/// a family name without a version also counts). One per name, the highest version kept.
pub fn store_packages(text: &str) -> Vec<StorePackage> {
    let mut found: BTreeMap<String, StorePackage> = BTreeMap::new();
    let mut rest = text;
    while let Some(pos) = rest.find("AppleInc.") {
        let tail = &rest[pos..];
        let token: String = tail
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
            .collect();
        rest = &tail["AppleInc.".len()..];
        let mut parts = token.split('_');
        let name = parts.next().unwrap_or_default().to_string();
        if name.len() <= "AppleInc.".len() {
            continue;
        }
        let dotted3 = |v: &&str| super::version::dotted(v).is_some_and(|d| d.len() >= 3);
        // `winget list` puts the version in the next column of the same line.
        let line_tail = tail[token.len()..].lines().next().unwrap_or("");
        let version = parts
            .next()
            .filter(dotted3)
            .or_else(|| line_tail.split_whitespace().find(dotted3))
            .map(str::to_string);
        let pkg = StorePackage {
            name: name.clone(),
            version,
            full_name: token.clone(),
        };
        match found.get(&name) {
            Some(old) if !newer_store(&pkg, old) => {}
            _ => {
                found.insert(name, pkg);
            }
        }
    }
    found.into_values().collect()
}

fn newer_store(new: &StorePackage, old: &StorePackage) -> bool {
    match (&new.version, &old.version) {
        (Some(a), Some(b)) => super::version::older(b, a),
        (Some(_), None) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reg_query_values_and_export() {
        let q = "\nHKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\{EB85}\n    DisplayName    REG_SZ    Apple Mobile Device Support\n    DisplayVersion    REG_SZ    19.4.0.10\n    EstimatedSize    REG_DWORD    0x6d2c\n\n";
        let keys = parse_registry(q);
        assert_eq!(keys.len(), 1);
        assert_eq!(keys[0].get("displayversion"), Some("19.4.0.10"));
        assert_eq!(keys[0].get("EstimatedSize"), Some("0x6d2c"));
        let e = "Windows Registry Editor Version 5.00\n\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\{X}]\n\"DisplayName\"=\"iTunes\"\n\"InstallLocation\"=\"C:\\\\Program Files\\\\iTunes\\\\\"\n\"VersionMajor\"=dword:0000000c\n";
        let keys = parse_registry(e);
        assert_eq!(
            keys[0].get("InstallLocation"),
            Some("C:\\Program Files\\iTunes\\")
        );
        assert_eq!(installed_programs(&keys)[0].name, "iTunes");
    }

    #[test]
    fn sc_states() {
        assert_eq!(
            parse_sc_query("SERVICE_NAME: X\n        STATE              : 1  STOPPED\n"),
            ServiceState::Stopped
        );
        assert_eq!(
            parse_sc_query(
                "[SC] EnumQueryServicesStatus:OpenService FAILED 1060:\n\nThe specified service does not exist as an installed service.\n"
            ),
            ServiceState::NotInstalled
        );
        assert!(
            matches!(parse_sc_query("[SC] OpenService FAILED 5:\n\nAccess is denied.\n"), ServiceState::Unknown(s) if s.contains("FAILED 5"))
        );
    }

    #[test]
    fn store_names() {
        let t = "AppleInc.iTunes_nzyj5cx40ttqa\nAppleInc.iTunes_12131.3.2010.0_x64__nzyj5cx40ttqa\nAppleInc.AppleDevices_1.1028.9986.0_x64__nzyj5cx40ttqa\n";
        let p = store_packages(t);
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].name, "AppleInc.AppleDevices");
        assert_eq!(p[1].version.as_deref(), Some("12131.3.2010.0"));
        assert!(store_packages("Microsoft.WindowsStore_8wekyb3d8bbwe").is_empty());
        let dev = |id: &str| PnpDevice {
            instance_id: id.into(),
            description: String::new(),
            class: String::new(),
            status: String::new(),
            driver: None,
        };
        assert!(dev(r"USB\VID_05AC&PID_12A8&MI_01\6&1&0001").is_apple_mobile());
        assert!(dev(r"USB\VID_05AC&PID_1227\CPID:8010").is_apple_mobile());
        assert!(!dev(r"USB\VID_05AC&PID_0340&MI_01\7&36db7b45&0&0001").is_apple_mobile());
        assert!(!dev(r"USB\VID_067B&PID_2303\5&12c8f4c0&0&2").is_apple_mobile());
        let winget = "iTunes     AppleInc.iTunes_nzyj5cx40ttqa     12131.3.2010.0\n";
        assert_eq!(
            store_packages(winget)[0].version.as_deref(),
            Some("12131.3.2010.0")
        );
    }
}
