//! Linux captures: `systemctl is-active`/`systemctl status`, `pgrep -a`, `dpkg-query -W`, and
//! udev rule files.

/// A systemd unit's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnitState {
    /// active (running, or active waiting for a socket/device).
    Active(String),
    /// inactive (dead): normal for usbmuxd while no device is plugged in.
    Inactive,
    /// failed.
    Failed(String),
    /// The unit does not exist.
    NotFound,
    /// Something else, first line kept.
    Unknown(String),
}

/// Reads `systemctl is-active UNIT` (one word) or `systemctl status UNIT` (its `Active:` line).
pub fn parse_systemctl(text: &str) -> UnitState {
    let t = text.trim();
    for line in t.lines() {
        if let Some(rest) = line.trim().strip_prefix("Active:") {
            let rest = rest.trim();
            return if rest.starts_with("active") {
                UnitState::Active(rest.to_string())
            } else if rest.starts_with("failed") {
                UnitState::Failed(rest.to_string())
            } else if rest.starts_with("inactive") {
                UnitState::Inactive
            } else {
                UnitState::Unknown(rest.to_string())
            };
        }
        if line.contains("could not be found") || line.contains("not-found") {
            return UnitState::NotFound;
        }
    }
    match t.lines().next().unwrap_or("").trim() {
        "active" | "activating" | "reloading" => UnitState::Active(t.to_string()),
        "inactive" | "deactivating" => UnitState::Inactive,
        "failed" => UnitState::Failed(t.to_string()),
        other => UnitState::Unknown(other.to_string()),
    }
}

/// Lines of `pgrep -a NAME` (or `pgrep -l`) that name the process.
pub fn running_processes<'a>(text: &'a str, name: &str) -> Vec<&'a str> {
    text.lines()
        .map(str::trim)
        .filter(|l| {
            l.split_whitespace()
                .next()
                .is_some_and(|pid| pid.chars().all(|c| c.is_ascii_digit()))
        })
        .filter(|l| l.contains(name))
        .collect()
}

/// `(package, version)` pairs from `dpkg-query -W` (`name<TAB>version`; an empty version means
/// known but not installed).
pub fn parse_dpkg_query(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter(|l| !l.starts_with("dpkg-query:"))
        .filter_map(|l| l.split_once('\t'))
        .map(|(p, v)| (p.trim().to_string(), v.trim().to_string()))
        .filter(|(p, _)| !p.is_empty())
        .collect()
}

/// 1-based numbers of the active lines of a udev rules file that match Apple's vendor id
/// (`ATTR{idVendor}=="05ac"`, or usbmuxd's `ENV{PRODUCT}=="5ac/12[9a]…"`).
pub fn apple_rule_lines(text: &str) -> Vec<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim_start().starts_with('#'))
        .filter(|(_, l)| {
            let l = l.to_ascii_lowercase();
            l.contains("05ac") || l.contains("\"5ac/")
        })
        .map(|(i, _)| i + 1)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn systemctl_forms() {
        assert_eq!(parse_systemctl("inactive\n"), UnitState::Inactive);
        assert!(matches!(parse_systemctl("active\n"), UnitState::Active(_)));
        assert_eq!(
            parse_systemctl("Unit usbmuxd.service could not be found.\n"),
            UnitState::NotFound
        );
        assert!(matches!(
            parse_systemctl(
                "x.service - X\n     Loaded: loaded\n     Active: failed (Result: exit-code) since Mon\n"
            ),
            UnitState::Failed(_)
        ));
    }

    #[test]
    fn pgrep_dpkg_udev() {
        assert_eq!(
            running_processes(
                "1234 /usr/sbin/usbmuxd --user usbmux --systemd\n",
                "usbmuxd"
            )
            .len(),
            1
        );
        assert!(running_processes("", "usbmuxd").is_empty());
        assert_eq!(
            parse_dpkg_query("usbmuxd\t1.1.1-5\nlibimobiledevice-utils\t\n"),
            vec![
                ("usbmuxd".into(), "1.1.1-5".into()),
                ("libimobiledevice-utils".into(), String::new())
            ]
        );
        let rules = "# 05ac in a comment\nSUBSYSTEM==\"usb\", ATTR{idVendor}==\"05AC\", MODE=\"0666\"\nSUBSYSTEM==\"usb\", ENV{PRODUCT}==\"5ac/12[9a][0-9a-f]/*\", TAG+=\"systemd\"\nSUBSYSTEM==\"usb\", ATTR{idVendor}==\"18d1\"\n";
        assert_eq!(apple_rule_lines(rules), vec![2, 3]);
    }
}
