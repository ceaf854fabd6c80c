//! Linux: usbmuxd installed and running, and udev rules that give the user Apple's devices.

use super::{finding, not_read, quote};
use crate::inputs::{HostInputs, names};
use crate::parse::linux::{
    UnitState, apple_rule_lines, parse_dpkg_query, parse_systemctl, running_processes,
};
use crate::parse::version::parse_build;
use rd_model::{Confidence, Evidence, Finding, Severity};

/// Every Linux finding.
pub fn findings(i: &HostInputs) -> Vec<Finding> {
    vec![usbmuxd(i), udev(i)]
}

fn usbmuxd(i: &HostInputs) -> Finding {
    const ID: rd_kb::CheckId = rd_kb::check_id!("host.usbmuxd");
    let unit_text = i.text(names::SYSTEMCTL_USBMUXD);
    let unit = unit_text.as_deref().map(parse_systemctl);
    let pgrep = i.text(names::PGREP_USBMUXD).unwrap_or_default();
    let procs = running_processes(&pgrep, "usbmuxd");
    let dpkg = i.text(names::DPKG_QUERY).map(|t| parse_dpkg_query(&t));
    let tool = i
        .text(&names::tool("usbmuxd"))
        .and_then(|t| parse_build(&t));
    if unit.is_none() && dpkg.is_none() && tool.is_none() && i.bytes(names::PGREP_USBMUXD).is_none()
    {
        return not_read(ID, "The usbmuxd state", names::SYSTEMCTL_USBMUXD);
    }
    let pkg = dpkg.as_ref().and_then(|d| {
        d.iter()
            .find(|(p, v)| p == "usbmuxd" && !v.is_empty())
            .cloned()
    });
    let mut ev = Vec::new();
    if let Some(t) = &unit_text {
        let line = t
            .lines()
            .map(str::trim)
            .find(|l| l.starts_with("Active:"))
            .or_else(|| t.lines().map(str::trim).find(|l| !l.is_empty()))
            .unwrap_or("");
        ev.push(quote(
            line.to_string(),
            "systemctl",
            names::SYSTEMCTL_USBMUXD,
        ));
    }
    for p in &procs {
        ev.push(quote(
            p.to_string(),
            "running process",
            names::PGREP_USBMUXD,
        ));
    }
    if let Some((p, v)) = &pkg {
        ev.push(quote(
            format!("{p} {v}"),
            "installed package",
            names::DPKG_QUERY,
        ));
    }
    if let Some(t) = &tool {
        ev.push(quote(
            format!("usbmuxd {}", t.display()),
            "usbmuxd --version",
            &names::tool("usbmuxd"),
        ));
    }
    // `systemctl is-active` prints `inactive` for a unit that does not exist too, so an idle
    // unit alone does not prove usbmuxd is installed.
    let installed = pkg.is_some()
        || tool.is_some()
        || !procs.is_empty()
        || matches!(unit, Some(UnitState::Active(_) | UnitState::Failed(_)));
    let absence_known = dpkg.is_some() || matches!(unit, Some(UnitState::NotFound));
    let running = !procs.is_empty() || matches!(unit, Some(UnitState::Active(_)));
    let mut f = if running {
        finding(
            ID,
            None,
            Severity::Ok,
            "usbmuxd is installed and running",
            "The daemon restore tools talk to the device through is up.",
        )
    } else if let Some(UnitState::Failed(s)) = &unit {
        finding(
            ID,
            Some("failed"),
            Severity::Warn,
            "usbmuxd failed",
            format!(
                "systemd reports the usbmuxd unit as {s}; restore tools cannot reach a device in normal or restore mode. See `journalctl -u usbmuxd`."
            ),
        )
    } else if installed {
        finding(
            ID,
            Some("idle"),
            Severity::Info,
            "usbmuxd is installed but not running now",
            "Normal while no device is connected: udev starts usbmuxd when an iPhone or iPad is plugged in. If it still does not run with the device connected, start it with `sudo systemctl start usbmuxd`.",
        )
        .with_confidence(Confidence::Medium)
    } else if !absence_known {
        finding(
            ID,
            Some("not_found"),
            Severity::Warn,
            "usbmuxd was not found",
            "No usbmuxd answered on PATH or in /usr/sbin and no package database was read to confirm it is absent. idevicerestore and futurerestore need it once the device leaves Recovery mode.",
        )
        .with_confidence(Confidence::Medium)
    } else {
        finding(
            ID,
            Some("missing"),
            Severity::Fail,
            "usbmuxd is not installed",
            "idevicerestore and futurerestore reach a device in normal and restore mode through usbmuxd; without it a restore stops once the device leaves Recovery mode.",
        )
        .with_confidence(Confidence::High)
    };
    f.evidence.extend(ev);
    f
}

fn udev(i: &HostInputs) -> Finding {
    const ID: rd_kb::CheckId = rd_kb::check_id!("host.udev_rules");
    let rules = i.udev_rules();
    let mut ev: Vec<Evidence> = Vec::new();
    for (name, text) in &rules {
        for n in apple_rule_lines(text) {
            let line = text.lines().nth(n - 1).unwrap_or("").trim();
            let shown: String = line.chars().take(160).collect();
            ev.push(
                quote(
                    shown,
                    "matches Apple's vendor id",
                    &format!("{}{name}", names::UDEV_PREFIX),
                )
                .at_line(n as u64),
            );
        }
    }
    if ev.is_empty() {
        if rules.is_empty() && i.bytes("udev_scanned.txt").is_none() {
            return not_read(ID, "The udev rule folders", "udev/");
        }
        return finding(
            ID,
            Some("missing"),
            Severity::Warn,
            "No udev rule mentions Apple's vendor id (05ac)",
            "Without a rule, only root can open the device, and usbmuxd is not started when a device is plugged in. Installing usbmuxd (and libirecovery's tools) adds the rules.",
        )
        .with_confidence(Confidence::Medium);
    }
    let files: std::collections::BTreeSet<&str> =
        ev.iter().filter_map(|e| e.source.as_deref()).collect();
    let mut f = finding(
        ID,
        None,
        Severity::Ok,
        format!(
            "udev rules for Apple devices: {}",
            files.into_iter().collect::<Vec<_>>().join(", ")
        ),
        "Rules for vendor 05ac hand the device to usbmuxd and the user's restore tools.",
    );
    f.evidence.extend(ev);
    f
}
