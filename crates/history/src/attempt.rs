//! One restore attempt as the history keeps it: never the ECID, only its salted hash.

use rd_logs::{Diagnosis, Outcome};
use rd_model::Family;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The verdict of a checkup, kept so an attempt shortly after it can say how the computer looked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckupVerdict {
    /// When the checkup ran, seconds since the Unix epoch.
    pub at: u64,
    /// The worst severity found (`ok`, `info`, `warn`, `fail`).
    pub worst: String,
    /// How many checks failed.
    pub failures: usize,
    /// How many checks warned.
    pub warnings: usize,
    /// Ids of the checks that failed or warned (at most 20).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

impl CheckupVerdict {
    /// The verdict of a checkup report run at `at`.
    pub fn of(report: &rd_model::Report, at: u64) -> Self {
        let problems = report
            .findings
            .iter()
            .filter(|f| f.severity >= rd_model::Severity::Warn)
            .map(|f| f.id.clone())
            .take(20)
            .collect();
        CheckupVerdict {
            at,
            worst: report.worst().as_str().to_string(),
            failures: report.summary.fail,
            warnings: report.summary.warn,
            problems,
        }
    }

    /// `2 failures, 1 warning` or `all fine`.
    pub fn summary(&self) -> String {
        match (self.failures, self.warnings) {
            (0, 0) => "all fine".to_string(),
            (f, w) => format!("{f} failure(s), {w} warning(s)"),
        }
    }
}

/// One restore attempt on one device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempt {
    /// The device: a salted hash of its ECID (16 hex digits), never the ECID.
    pub device: String,
    /// Product type, e.g. `iPhone9,3`, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_type: Option<String>,
    /// When it was recorded, seconds since the Unix epoch.
    pub at: u64,
    /// The restore-doctor command that recorded it (`log`).
    pub command: String,
    /// The restore tool whose log it was (`idevicerestore`, `itunes`, …), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool: Option<String>,
    /// How it ended: `success`, `failure`, `incomplete`, `unknown`.
    pub outcome: String,
    /// The stage reached (or failed at), by name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    /// The stage's stable id, when the log gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage_id: Option<String>,
    /// The family of cause.
    pub family: Family,
    /// Restore error numbers the cause shows up as.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub error_codes: Vec<String>,
    /// The mode the device was in (`Recovery`, `DFU`, `Normal`), when logged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// The checkup that ran shortly before, when one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkup: Option<CheckupVerdict>,
    /// A fingerprint of the diagnosed log, so diagnosing the same log twice is one attempt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
}

impl Attempt {
    /// The attempt a log's diagnosis describes, for `device` (a key from
    /// [`crate::Store::device_key`]) at time `at`.
    pub fn from_diagnosis(device: String, d: &Diagnosis, at: u64) -> Self {
        Attempt {
            device,
            product_type: d.device.as_ref().and_then(|i| i.product_type.clone()),
            at,
            command: "log".to_string(),
            tool: d
                .tool
                .as_ref()
                .map(|t| t.id.clone())
                .or_else(|| (d.format != "unknown").then(|| d.format.clone())),
            outcome: d.outcome.as_str().to_string(),
            stage: d.failed_stage.as_ref().map(|s| s.name.clone()),
            stage_id: d.failed_stage.as_ref().and_then(|s| s.id.clone()),
            family: d.category,
            error_codes: d.error_codes.clone(),
            mode: d.device.as_ref().and_then(|i| i.mode.clone()),
            checkup: None,
            fingerprint: Some(fingerprint(d)),
        }
    }

    /// True when the restore failed (or stopped before it ended).
    pub fn failed(&self) -> bool {
        self.outcome == Outcome::Failure.as_str() || self.outcome == Outcome::Incomplete.as_str()
    }

    /// What identifies "the same stage": its id when the log gives one, else its name.
    pub fn stage_key(&self) -> Option<&str> {
        self.stage_id.as_deref().or(self.stage.as_deref())
    }

    /// The stage as people read it.
    pub fn stage_label(&self) -> String {
        self.stage
            .clone()
            .or_else(|| self.stage_id.clone())
            .unwrap_or_else(|| "an unknown stage".to_string())
    }
}

/// A fingerprint of a diagnosis that does not depend on where the log was read from.
fn fingerprint(d: &Diagnosis) -> String {
    let mut h = Sha256::new();
    h.update(d.lines.to_le_bytes());
    h.update(d.bytes.to_le_bytes());
    h.update(d.format.as_bytes());
    for e in &d.evidence {
        h.update(e.line.to_le_bytes());
        h.update(e.text.as_bytes());
    }
    hex::encode(&h.finalize()[..8])
}
