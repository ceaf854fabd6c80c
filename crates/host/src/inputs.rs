//! What the checks read: the raw captures of one computer, by capture name. `gather` fills it from
//! the running system; `from_dir` from a folder of captured files (another computer's, or test
//! fixtures), so the same deciding code runs on real output from any platform.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::str::FromStr;

/// The operating system the captures come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Platform {
    /// Windows 10/11.
    Windows,
    /// macOS.
    Macos,
    /// Linux.
    Linux,
}

impl Platform {
    /// The platform this program runs on (Linux for other Unixes).
    pub fn current() -> Platform {
        if cfg!(windows) {
            Platform::Windows
        } else if cfg!(target_os = "macos") {
            Platform::Macos
        } else {
            Platform::Linux
        }
    }

    /// `windows`, `macos` or `linux`.
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Windows => "windows",
            Platform::Macos => "macos",
            Platform::Linux => "linux",
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A platform name that is not windows, macos or linux.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownPlatform(pub String);

impl fmt::Display for UnknownPlatform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown platform '{}' (expected windows, macos or linux)",
            self.0
        )
    }
}

impl std::error::Error for UnknownPlatform {}

impl FromStr for Platform {
    type Err = UnknownPlatform;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "windows" | "win" => Ok(Platform::Windows),
            "macos" | "mac" | "darwin" | "osx" => Ok(Platform::Macos),
            "linux" => Ok(Platform::Linux),
            _ => Err(UnknownPlatform(s.to_string())),
        }
    }
}

/// Capture names: the file names `from_dir` reads and `gather` fills.
pub mod names {
    /// `reg query` of the Uninstall keys (64- and 32-bit views), or a `reg export` of them.
    pub const REG_UNINSTALL: &str = "reg_uninstall.txt";
    /// Store package names (package repository key, `Get-AppxPackage`, or a WindowsApps listing).
    pub const APPX_PACKAGES: &str = "appx_packages.txt";
    /// `sc query "Apple Mobile Device Service"`.
    pub const SC_AMDS: &str = "sc_query_amds.txt";
    /// `pnputil /enum-drivers`.
    pub const PNP_DRIVERS: &str = "pnputil_enum_drivers.txt";
    /// `pnputil /enum-devices /connected`.
    pub const PNP_DEVICES: &str = "pnputil_enum_devices.txt";
    /// `sw_vers`.
    pub const SW_VERS: &str = "sw_vers.txt";
    /// MobileDevice.framework's Info.plist.
    pub const MD_PLIST: &str = "mobiledevice_Info.plist";
    /// `pkgutil --pkg-info com.apple.pkg.MobileDevice`.
    pub const PKGUTIL_MD: &str = "pkgutil_mobiledevice.txt";
    /// `systemctl is-active usbmuxd` or `systemctl status usbmuxd`.
    pub const SYSTEMCTL_USBMUXD: &str = "systemctl_usbmuxd.txt";
    /// `pgrep -a usbmuxd`.
    pub const PGREP_USBMUXD: &str = "pgrep_usbmuxd.txt";
    /// `dpkg-query -W usbmuxd libimobiledevice-utils idevicerestore libirecovery-utils`.
    pub const DPKG_QUERY: &str = "dpkg_query.txt";
    /// Folder prefix of udev rule files (`udev/39-usbmuxd.rules`).
    pub const UDEV_PREFIX: &str = "udev/";
    /// The iOS/iPadOS version about to be installed (optional, one line).
    pub const TARGET_IOS: &str = "target_ios.txt";

    /// The capture of a restore tool's version output.
    pub fn tool(name: &str) -> String {
        format!("tool_{name}.txt")
    }
}

/// The raw material of the host checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostInputs {
    /// Where the captures come from.
    pub platform: Platform,
    /// The iOS/iPadOS version being installed, when known (else the newest in the catalog).
    pub target_ios: Option<String>,
    /// Capture name -> raw bytes, exactly as read or printed.
    pub captures: BTreeMap<String, Vec<u8>>,
    /// Where the captures were read from (`this computer`, or a folder).
    pub origin: String,
}

/// Largest capture file read (registry exports of the Uninstall keys stay well below it).
pub const MAX_CAPTURE_BYTES: u64 = 16 * 1024 * 1024;

impl HostInputs {
    /// Empty inputs for a platform.
    pub fn new(platform: Platform, origin: impl Into<String>) -> Self {
        HostInputs {
            platform,
            target_ios: None,
            captures: BTreeMap::new(),
            origin: origin.into(),
        }
    }

    /// Reads a folder of captures (file names from [`names`]; rule files under `udev/`).
    /// Missing files are simply absent; an unreadable folder is an error.
    pub fn from_dir(platform: Platform, dir: &Path) -> std::io::Result<HostInputs> {
        let mut inputs = HostInputs::new(platform, dir.display().to_string());
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path.is_dir() && name == "udev" {
                for rule in std::fs::read_dir(&path)? {
                    let rule = rule?;
                    if rule.path().is_file() {
                        let bytes = read_capped(&rule.path())?;
                        let rn = rule.file_name().to_string_lossy().into_owned();
                        inputs
                            .captures
                            .insert(format!("{}{rn}", names::UDEV_PREFIX), bytes);
                    }
                }
            } else if path.is_file() && name != "SOURCES.md" {
                inputs.captures.insert(name, read_capped(&path)?);
            }
        }
        if let Some(t) = inputs.text(names::TARGET_IOS) {
            let t = t.trim().to_string();
            if !t.is_empty() {
                inputs.target_ios = Some(t);
            }
        }
        Ok(inputs)
    }

    /// A capture's raw bytes.
    pub fn bytes(&self, name: &str) -> Option<&[u8]> {
        self.captures.get(name).map(Vec::as_slice)
    }

    /// A capture as text (UTF-16 exports decoded, carriage returns removed).
    pub fn text(&self, name: &str) -> Option<String> {
        self.bytes(name).map(crate::parse::decode_text)
    }

    /// The udev rule captures: (file name, text).
    pub fn udev_rules(&self) -> Vec<(String, String)> {
        self.captures
            .iter()
            .filter_map(|(k, v)| {
                k.strip_prefix(names::UDEV_PREFIX)
                    .map(|n| (n.to_string(), crate::parse::decode_text(v)))
            })
            .collect()
    }
}

fn read_capped(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut buf = Vec::new();
    std::fs::File::open(path)?
        .take(MAX_CAPTURE_BYTES)
        .read_to_end(&mut buf)?;
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platforms_parse() {
        assert_eq!("Windows".parse::<Platform>(), Ok(Platform::Windows));
        assert_eq!("darwin".parse::<Platform>(), Ok(Platform::Macos));
        assert!(
            "beos"
                .parse::<Platform>()
                .unwrap_err()
                .to_string()
                .contains("beos")
        );
    }

    #[test]
    fn from_dir_reads_captures_and_udev() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join(names::SW_VERS), "14.4\n").unwrap();
        std::fs::write(d.path().join(names::TARGET_IOS), " 18.3\n").unwrap();
        std::fs::create_dir(d.path().join("udev")).unwrap();
        std::fs::write(d.path().join("udev/39-usbmuxd.rules"), "x").unwrap();
        let i = HostInputs::from_dir(Platform::Macos, d.path()).unwrap();
        assert_eq!(i.target_ios.as_deref(), Some("18.3"));
        assert_eq!(
            i.udev_rules(),
            vec![("39-usbmuxd.rules".to_string(), "x".to_string())]
        );
        assert!(HostInputs::from_dir(Platform::Macos, &d.path().join("nope")).is_err());
    }
}
