//! The deciding half: plain functions from parsed captures to findings, one module per platform.
//! Every finding id starts with the id of the check that produced it: a row of the knowledge
//! base's one checks table (`crates/kb/data/checks.toml`) with a `[check.host]` part, named here
//! through `rd_kb::check_id!` so that a missing row fails the build.

pub mod linux;
pub mod macos;
pub mod tools;
pub mod windows;

use rd_kb::{CheckId, check_id};
use rd_model::{Evidence, Finding, Severity};

/// Every check this crate decides, in the order of the checks table; a test keeps it equal to the
/// table's rows with a `[check.host]` part, and each has findings in [`crate::FINDING_IDS`].
pub const CHECKS: &[CheckId] = &[
    check_id!("host.software"),
    check_id!("host.apple_devices"),
    check_id!("host.itunes"),
    check_id!("host.amds"),
    check_id!("host.amds_service"),
    check_id!("host.usb_driver"),
    check_id!("host.third_party_usb_driver"),
    check_id!("host.macos_version"),
    check_id!("host.mobiledevice_update"),
    check_id!("host.usbmuxd"),
    check_id!("host.udev_rules"),
    check_id!("host.restore_tools"),
];

/// A finding of `check` (id `check` or `check.suffix`); the check's remedies are
/// attached when it is a warning or failure.
pub fn finding(
    check: CheckId,
    suffix: Option<&str>,
    severity: Severity,
    title: impl Into<String>,
    explanation: impl Into<String>,
) -> Finding {
    let def = check.def();
    let family = def
        .family()
        .unwrap_or_else(|| panic!("{check} has no family: not a host check"));
    let id = match suffix {
        Some(s) => format!("{check}.{s}"),
        None => check.to_string(),
    };
    let f = Finding::new(id, family, severity, title, explanation);
    if severity >= Severity::Warn {
        f.with_remedies(rd_kb::remedies(def.remedies()))
    } else {
        f
    }
}

/// Evidence quoted from a capture.
pub fn quote(text: impl Into<String>, why: impl Into<String>, capture: &str) -> Evidence {
    Evidence::new(text, why).from_source(capture)
}

/// The finding for a capture that could not be read (command missing, failed or timed out).
pub fn not_read(check: CheckId, what: &str, capture: &str) -> Finding {
    finding(
        check,
        Some("not_read"),
        Severity::Warn,
        format!("{} could not be read", what),
        format!(
            "restore-doctor could not read {what} (the command is missing, failed or did not answer in time), so this was not checked. Run it by hand to check."
        ),
    )
    .with_evidence(Evidence::new(format!("no capture {capture}"), "nothing to read"))
}

/// `YYYY-MM-DD` (UTC) for seconds since 1970.
pub use rd_model::civil::date_of;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(date_of(0), "1970-01-01");
        assert_eq!(date_of(1_700_000_000), "2023-11-14");
        assert_eq!(date_of(951_782_400), "2000-02-29");
    }

    #[test]
    fn warnings_carry_the_checks_remedies() {
        let f = finding(
            check_id!("host.amds_service"),
            Some("stopped"),
            Severity::Fail,
            "t",
            "e",
        );
        assert_eq!(f.id, "host.amds_service.stopped");
        assert_eq!(f.remedies[0].id, "start-amds");
        assert!(
            finding(check_id!("host.amds_service"), None, Severity::Ok, "t", "e")
                .remedies
                .is_empty()
        );
    }
}
