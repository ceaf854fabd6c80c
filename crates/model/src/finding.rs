//! Findings, evidence, remedies and reports.

use crate::Family;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How bad a finding is. Ordered: `Ok < Info < Warn < Fail`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Checked and fine.
    Ok,
    /// Worth knowing; not a problem.
    Info,
    /// Likely to cause trouble, or could not be checked.
    Warn,
    /// Will make a restore fail (or did).
    Fail,
}

impl Severity {
    /// The snake_case id used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Ok => "ok",
            Severity::Info => "info",
            Severity::Warn => "warn",
            Severity::Fail => "fail",
        }
    }

    /// The one-character mark shown in summaries (`✓ ! ✗`, `i` for info).
    pub fn mark(self) -> &'static str {
        match self {
            Severity::Ok => "✓",
            Severity::Info => "i",
            Severity::Warn => "!",
            Severity::Fail => "✗",
        }
    }
}

/// How sure a diagnosis or knowledge-base entry is. Ordered so that more sure is greater:
/// `Low < Medium < High` (so `max` picks the surer one and a floor is `c.max(Medium)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    /// Several signals or sources agree.
    High,
    /// One good signal or source.
    Medium,
    /// A hint; treat as a lead, not a verdict.
    Low,
}

impl Confidence {
    /// 0 for low, 1 for medium, 2 for high.
    pub fn rank(self) -> u8 {
        match self {
            Confidence::Low => 0,
            Confidence::Medium => 1,
            Confidence::High => 2,
        }
    }

    /// The snake_case id used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::High => "high",
            Confidence::Medium => "medium",
            Confidence::Low => "low",
        }
    }
}

impl PartialOrd for Confidence {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Confidence {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.rank().cmp(&other.rank())
    }
}

/// One piece of evidence behind a finding: a log line, a DNS answer, a certificate issuer…
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Evidence {
    /// The observed text, quoted as seen.
    pub text: String,
    /// Why this matters, in plain words.
    pub why: String,
    /// 1-based line number when the evidence comes from a file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// Where it was observed (file path, host, check id), when not obvious.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

impl Evidence {
    /// Evidence with text and reason only.
    pub fn new(text: impl Into<String>, why: impl Into<String>) -> Self {
        Evidence {
            text: text.into(),
            why: why.into(),
            line: None,
            source: None,
        }
    }

    /// Sets the 1-based line number.
    pub fn at_line(mut self, line: u64) -> Self {
        self.line = Some(line);
        self
    }

    /// Sets where the evidence was observed.
    pub fn from_source(mut self, source: impl Into<String>) -> Self {
        self.source = Some(source.into());
        self
    }
}

/// One step worth trying, in order, with the automated check that verifies it (if any).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Remedy {
    /// Stable id from the remedy catalog, e.g. `usb-direct-port`.
    pub id: String,
    /// What to do, in plain words.
    pub text: String,
    /// Id of the restore-doctor check that verifies this remedy worked, e.g. `usb.hub`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<String>,
}

/// The unit every check and diagnosis yields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Finding {
    /// Stable id, e.g. `kb.4013`, `checkup.hosts.redirect`, `log.tss.not_signed`.
    pub id: String,
    /// Family of cause.
    pub family: Family,
    /// How bad it is.
    pub severity: Severity,
    /// One line summary.
    pub title: String,
    /// What it means, in plain words.
    pub explanation: String,
    /// How sure this is, when it is a judgement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<Confidence>,
    /// What was observed.
    #[serde(default)]
    pub evidence: Vec<Evidence>,
    /// What to do, best first.
    #[serde(default)]
    pub remedies: Vec<Remedy>,
    /// Restore error numbers this finding would show up as (or did), e.g. `["3194", "3004"]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub error_codes: Vec<String>,
}

impl Finding {
    /// A finding with no evidence, remedies or codes yet.
    pub fn new(
        id: impl Into<String>,
        family: Family,
        severity: Severity,
        title: impl Into<String>,
        explanation: impl Into<String>,
    ) -> Self {
        Finding {
            id: id.into(),
            family,
            severity,
            title: title.into(),
            explanation: explanation.into(),
            confidence: None,
            evidence: Vec::new(),
            remedies: Vec::new(),
            error_codes: Vec::new(),
        }
    }

    /// Adds one piece of evidence.
    pub fn with_evidence(mut self, evidence: Evidence) -> Self {
        self.evidence.push(evidence);
        self
    }

    /// Appends remedies.
    pub fn with_remedies(mut self, remedies: impl IntoIterator<Item = Remedy>) -> Self {
        self.remedies.extend(remedies);
        self
    }

    /// Sets the confidence.
    pub fn with_confidence(mut self, confidence: Confidence) -> Self {
        self.confidence = Some(confidence);
        self
    }

    /// Appends related restore error codes.
    pub fn with_error_codes<S: Into<String>>(mut self, codes: impl IntoIterator<Item = S>) -> Self {
        self.error_codes.extend(codes.into_iter().map(Into::into));
        self
    }
}

/// Counts of findings by severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Summary {
    /// Findings that are fine.
    pub ok: usize,
    /// Informational findings.
    pub info: usize,
    /// Warnings.
    pub warn: usize,
    /// Failures.
    pub fail: usize,
}

/// A set of findings from one run of one command, as every surface renders it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Report {
    /// `restore-doctor <version>`.
    pub tool: String,
    /// What produced it: `error`, `checkup`, `ipsw`, `devices`, …
    pub kind: String,
    /// What it is about (an error code, a file, a host), when there is one subject.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// Counts by severity.
    pub summary: Summary,
    /// The findings, in the order to read them.
    pub findings: Vec<Finding>,
}

impl Report {
    /// Builds a report and its summary.
    pub fn new(kind: impl Into<String>, subject: Option<String>, findings: Vec<Finding>) -> Self {
        let mut summary = Summary::default();
        for f in &findings {
            match f.severity {
                Severity::Ok => summary.ok += 1,
                Severity::Info => summary.info += 1,
                Severity::Warn => summary.warn += 1,
                Severity::Fail => summary.fail += 1,
            }
        }
        Report {
            tool: format!("restore-doctor {}", env!("CARGO_PKG_VERSION")),
            kind: kind.into(),
            subject,
            summary,
            findings,
        }
    }

    /// The worst severity among the findings (`Ok` when there are none).
    pub fn worst(&self) -> Severity {
        self.findings
            .iter()
            .map(|f| f.severity)
            .max()
            .unwrap_or(Severity::Ok)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_orders_ok_to_fail() {
        assert!(Severity::Ok < Severity::Info);
        assert!(Severity::Info < Severity::Warn);
        assert!(Severity::Warn < Severity::Fail);
    }

    #[test]
    fn confidence_orders_more_sure_as_greater() {
        assert!(Confidence::Low < Confidence::Medium);
        assert!(Confidence::Medium < Confidence::High);
        assert_eq!(Confidence::Low.max(Confidence::Medium), Confidence::Medium);
        assert_eq!(Confidence::High.min(Confidence::Medium), Confidence::Medium);
    }

    #[test]
    fn report_counts_and_worst() {
        let f = |s| Finding::new("x", Family::Usb, s, "t", "e");
        let r = Report::new(
            "checkup",
            None,
            vec![f(Severity::Ok), f(Severity::Warn), f(Severity::Ok)],
        );
        assert_eq!(r.summary.ok, 2);
        assert_eq!(r.summary.warn, 1);
        assert_eq!(r.worst(), Severity::Warn);
        assert_eq!(Report::new("x", None, vec![]).worst(), Severity::Ok);
    }

    #[test]
    fn optional_fields_are_omitted_in_json() {
        let f = Finding::new("id", Family::Network, Severity::Info, "t", "e")
            .with_evidence(Evidence::new("a", "b"));
        let v = serde_json::to_value(&f).unwrap();
        assert!(v.get("confidence").is_none());
        assert!(v.get("error_codes").is_none());
        assert!(v["evidence"][0].get("line").is_none());
        let back: Finding = serde_json::from_value(v).unwrap();
        assert_eq!(back, f);
    }
}
