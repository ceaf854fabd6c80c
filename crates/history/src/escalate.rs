//! Escalation: the second identical failure on a device is the real signal. When the same
//! family of cause fails at the same stage again, the next remedy moves one rung up the ladder
//! kept as data in `data/escalation.toml` (DFU instead of Recovery → another computer and cable
//! → service), and says why. [`escalate`] is a pure function over past attempts.

use crate::Attempt;
use rd_model::{Evidence, Family, Finding, Remedy, Severity};
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// The ladder as data.
#[derive(Debug, Clone, Deserialize)]
pub struct Ladder {
    /// When the ladder applies.
    pub policy: Policy,
    /// The rungs, lowest first.
    #[serde(rename = "rung")]
    pub rungs: Vec<Rung>,
}

/// When the ladder applies.
#[derive(Debug, Clone, Deserialize)]
pub struct Policy {
    /// The same failure this many times (the current one included) starts the ladder.
    pub repeats: usize,
    /// Attempts older than this many days do not count.
    pub window_days: u64,
    /// Families the ladder never applies to.
    pub never: Vec<Family>,
}

/// One rung of the ladder.
#[derive(Debug, Clone, Deserialize)]
pub struct Rung {
    /// Stable id, e.g. `dfu`.
    pub id: String,
    /// One-line summary.
    pub title: String,
    /// What to do.
    pub remedy: String,
    /// Why this rung helps.
    pub why: String,
    /// Families this rung applies to.
    pub families: Vec<Family>,
    /// Skip the rung when the failing attempts were already in this mode.
    #[serde(default)]
    pub skip_if_mode: Option<String>,
}

/// The embedded ladder (validated by the tests).
pub fn ladder() -> &'static Ladder {
    static LADDER: OnceLock<Ladder> = OnceLock::new();
    LADDER.get_or_init(|| {
        toml::from_str(include_str!("../data/escalation.toml"))
            .expect("data/escalation.toml is valid (checked by the tests)")
    })
}

/// The next remedy, one rung up, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Escalation {
    /// The rung's id, e.g. `dfu`.
    pub rung: String,
    /// One-line summary of the rung.
    pub title: String,
    /// What to do.
    pub remedy: String,
    /// Why, in plain words: "second time this device failed at … with …; …".
    pub reason: String,
    /// How many times this failure has now happened (the current one included).
    pub repeats: usize,
    /// The family of the repeated failure.
    pub family: Family,
    /// When the earlier identical failures were recorded (seconds since the Unix epoch).
    pub earlier: Vec<u64>,
}

impl Escalation {
    /// The remedy as the finding model carries it (id `escalate.<rung>`).
    pub fn as_remedy(&self) -> Remedy {
        Remedy {
            id: format!("escalate.{}", self.rung),
            text: format!("{} — {}", capitalise(&self.reason), self.remedy),
            check: None,
        }
    }

    /// The escalation as a finding (`history.escalation`), for surfaces that list findings.
    pub fn as_finding(&self) -> Finding {
        let mut f = Finding::new(
            "history.escalation",
            self.family,
            Severity::Warn,
            format!("Same failure again: {}", self.title),
            capitalise(&self.reason),
        )
        .with_remedies([self.as_remedy()]);
        for at in &self.earlier {
            f = f.with_evidence(Evidence::new(
                format!("earlier attempt recorded {}", crate::time::format_utc(*at)),
                "the same family of cause at the same stage, on the same device",
            ));
        }
        f
    }
}

/// Decides whether `current` escalates, given the device's `previous` attempts (any order, any
/// device: others are ignored). Pure: no store, no clock besides the attempts' own times.
pub fn escalate(previous: &[Attempt], current: &Attempt) -> Option<Escalation> {
    escalate_with(ladder(), previous, current)
}

/// [`escalate`] over a given ladder.
pub fn escalate_with(
    ladder: &Ladder,
    previous: &[Attempt],
    current: &Attempt,
) -> Option<Escalation> {
    if !current.failed() || ladder.policy.never.contains(&current.family) {
        return None;
    }
    let window = ladder.policy.window_days * 86_400;
    let mut mine: Vec<&Attempt> = previous
        .iter()
        .filter(|a| a.device == current.device)
        .filter(|a| current.at.saturating_sub(a.at) <= window)
        .filter(|a| {
            a.fingerprint.is_none()
                || current.fingerprint.is_none()
                || a.fingerprint != current.fingerprint
        })
        .collect();
    mine.sort_by_key(|a| a.at);
    // A success resets the count: only failures since the last success matter.
    if let Some(last_ok) = mine.iter().rposition(|a| a.outcome == "success") {
        mine.drain(..=last_ok);
    }
    let same: Vec<&Attempt> = mine
        .into_iter()
        .filter(|a| {
            a.failed() && a.family == current.family && a.stage_key() == current.stage_key()
        })
        .collect();
    let repeats = same.len() + 1;
    if repeats < ladder.policy.repeats.max(2) {
        return None;
    }
    let all_in_mode = |mode: &str| {
        std::iter::once(current)
            .chain(same.iter().copied())
            .all(|a| {
                a.mode
                    .as_deref()
                    .is_some_and(|m| m.eq_ignore_ascii_case(mode))
            })
    };
    let rungs: Vec<&Rung> = ladder
        .rungs
        .iter()
        .filter(|r| r.families.contains(&current.family))
        .filter(|r| !r.skip_if_mode.as_deref().is_some_and(all_in_mode))
        .collect();
    let step = (repeats - ladder.policy.repeats.max(2)).min(rungs.len().checked_sub(1)?);
    let rung = rungs[step];
    let reason = format!(
        "{} time this device failed at {} with {}; {}",
        ordinal(repeats),
        current.stage_label(),
        current.family.label(),
        rung.why
    );
    Some(Escalation {
        rung: rung.id.clone(),
        title: rung.title.clone(),
        remedy: rung.remedy.clone(),
        reason,
        repeats,
        family: current.family,
        earlier: same.iter().map(|a| a.at).collect(),
    })
}

fn ordinal(n: usize) -> String {
    match n {
        2 => "second".into(),
        3 => "third".into(),
        4 => "fourth".into(),
        5 => "fifth".into(),
        n => format!("{n}th"),
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(at: u64, family: Family, stage: &str, outcome: &str) -> Attempt {
        Attempt {
            device: "aaaa".into(),
            product_type: Some("iPhone9,3".into()),
            at,
            command: "log".into(),
            tool: Some("idevicerestore".into()),
            outcome: outcome.into(),
            stage: Some(stage.into()),
            stage_id: None,
            family,
            error_codes: vec!["4013".into()],
            mode: Some("Recovery".into()),
            checkup: None,
            fingerprint: Some(format!("fp{at}")),
        }
    }

    #[test]
    fn ladder_is_valid_data() {
        let l = ladder();
        assert!(l.policy.repeats >= 2);
        assert!(!l.rungs.is_empty());
        let mut ids: Vec<&str> = l.rungs.iter().map(|r| r.id.as_str()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), l.rungs.len(), "rung ids are unique");
        for r in &l.rungs {
            assert!(!r.families.is_empty() && !r.remedy.is_empty() && !r.why.is_empty());
            for f in &r.families {
                assert!(!l.policy.never.contains(f), "{} names a never-family", r.id);
            }
        }
    }

    #[test]
    fn first_failure_does_not_escalate() {
        let cur = attempt(1000, Family::Usb, "Sending filesystem", "failure");
        assert_eq!(escalate(&[], &cur), None);
    }

    #[test]
    fn second_identical_failure_moves_to_dfu_and_says_why() {
        let first = attempt(1000, Family::Usb, "Sending filesystem", "failure");
        let cur = attempt(2000, Family::Usb, "Sending filesystem", "failure");
        let e = escalate(&[first], &cur).expect("escalates");
        assert_eq!(e.rung, "dfu");
        assert_eq!(e.repeats, 2);
        assert!(
            e.reason.starts_with(
                "second time this device failed at Sending filesystem with USB connection"
            ),
            "{}",
            e.reason
        );
        assert_eq!(e.earlier, [1000]);
        assert_eq!(e.as_remedy().id, "escalate.dfu");
    }

    #[test]
    fn third_and_later_climb_and_stop_at_the_top() {
        let p: Vec<Attempt> = (1..=5)
            .map(|i| attempt(i * 100, Family::Hardware, "Updating baseband", "failure"))
            .collect();
        let rung_after = |n: usize| {
            escalate(
                &p[..n],
                &attempt(10_000, Family::Hardware, "Updating baseband", "failure"),
            )
            .map(|e| e.rung)
        };
        assert_eq!(rung_after(1).as_deref(), Some("dfu"));
        assert_eq!(rung_after(2).as_deref(), Some("other-computer"));
        assert_eq!(rung_after(3).as_deref(), Some("service"));
        assert_eq!(rung_after(5).as_deref(), Some("service"));
    }

    #[test]
    fn different_stage_family_device_or_a_success_in_between_do_not_count() {
        let cur = attempt(5000, Family::Usb, "Sending filesystem", "failure");
        let other_stage = attempt(1000, Family::Usb, "Updating baseband", "failure");
        let other_family = attempt(1100, Family::Network, "Sending filesystem", "failure");
        let mut other_device = attempt(1200, Family::Usb, "Sending filesystem", "failure");
        other_device.device = "bbbb".into();
        assert_eq!(
            escalate(&[other_stage, other_family, other_device], &cur),
            None
        );
        let before = attempt(1000, Family::Usb, "Sending filesystem", "failure");
        let ok = attempt(2000, Family::Success, "done", "success");
        assert_eq!(escalate(&[before.clone(), ok], &cur), None);
        assert!(escalate(&[before], &cur).is_some());
    }

    #[test]
    fn the_same_log_twice_is_one_attempt() {
        let first = attempt(1000, Family::Usb, "Sending filesystem", "failure");
        let mut again = attempt(2000, Family::Usb, "Sending filesystem", "failure");
        again.fingerprint = first.fingerprint.clone();
        assert_eq!(escalate(&[first], &again), None);
    }

    #[test]
    fn signing_never_escalates_and_dfu_is_skipped_when_already_in_dfu() {
        let a = attempt(1000, Family::Signing, "tss", "failure");
        let b = attempt(2000, Family::Signing, "tss", "failure");
        assert_eq!(escalate(&[a], &b), None);
        let mut a = attempt(1000, Family::Usb, "Sending filesystem", "failure");
        let mut b = attempt(2000, Family::Usb, "Sending filesystem", "failure");
        a.mode = Some("DFU".into());
        b.mode = Some("DFU".into());
        assert_eq!(escalate(&[a], &b).unwrap().rung, "other-computer");
    }

    #[test]
    fn old_attempts_fall_out_of_the_window() {
        let old = attempt(0, Family::Usb, "Sending filesystem", "failure");
        let cur = attempt(
            ladder().policy.window_days * 86_400 + 10,
            Family::Usb,
            "Sending filesystem",
            "failure",
        );
        assert_eq!(escalate(&[old], &cur), None);
    }
}
