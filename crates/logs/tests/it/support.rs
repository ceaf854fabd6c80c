//! What the rule tests ask of one diagnosis, shared so that each test states only its log and
//! the answer the thread (or the tool's source) established.

use rd_logs::{Family, Outcome, diagnose_bytes};

/// The parts of a diagnosis the rule tests check.
pub struct Answer {
    /// How the restore ended.
    pub outcome: Outcome,
    /// The cause family named.
    pub family: Family,
    /// The rule that decided it, if one did.
    pub rule: Option<String>,
}

/// Diagnoses `log`.
pub fn answer(log: &str) -> Answer {
    let d = diagnose_bytes(log.as_bytes()).expect("a readable log");
    Answer {
        outcome: d.outcome,
        family: d.category,
        rule: d.rule,
    }
}

/// Asserts that `log` is diagnosed as `family`, decided by the rule `rule`.
pub fn assert_decided(log: &str, family: Family, rule: &str) {
    let a = answer(log);
    assert_eq!(a.family, family, "family of:\n{log}");
    assert_eq!(a.rule.as_deref(), Some(rule), "deciding rule of:\n{log}");
}

/// Asserts that the rule `rule` does not decide `log` (a counter-case).
pub fn assert_not_decided_by(log: &str, rule: &str) {
    let a = answer(log);
    assert_ne!(a.rule.as_deref(), Some(rule), "deciding rule of:\n{log}");
}
