//! The deciding half: plain functions from parsed captures to findings, one module per platform.
//! Every finding id starts with the id of the check (data/checks.toml) that produced it.

pub mod linux;
pub mod macos;
pub mod tools;
pub mod windows;

use crate::spec;
use rd_model::{Evidence, Finding, Severity};

/// A finding of check `check_id` (id `check_id` or `check_id.suffix`); the check's remedies are
/// attached when it is a warning or failure.
pub fn finding(
    check_id: &str,
    suffix: Option<&str>,
    severity: Severity,
    title: impl Into<String>,
    explanation: impl Into<String>,
) -> Finding {
    let spec = spec::check(check_id);
    let id = match suffix {
        Some(s) => format!("{check_id}.{s}"),
        None => check_id.to_string(),
    };
    let f = Finding::new(id, spec.family, severity, title, explanation);
    if severity >= Severity::Warn {
        f.with_remedies(rd_kb::remedies(&spec.remedies))
    } else {
        f
    }
}

/// Evidence quoted from a capture.
pub fn quote(text: impl Into<String>, why: impl Into<String>, capture: &str) -> Evidence {
    Evidence::new(text, why).from_source(capture)
}

/// The finding for a capture that could not be read (command missing, failed or timed out).
pub fn not_read(check_id: &str, what: &str, capture: &str) -> Finding {
    finding(
        check_id,
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
            "host.amds_service",
            Some("stopped"),
            Severity::Fail,
            "t",
            "e",
        );
        assert_eq!(f.id, "host.amds_service.stopped");
        assert_eq!(f.remedies[0].id, "start-amds");
        assert!(
            finding("host.amds_service", None, Severity::Ok, "t", "e")
                .remedies
                .is_empty()
        );
    }
}
