//! Recovery and DFU button sequences (embedded `dfu_sequences.json`) with the helper's timings
//! (`data/dfu_timing.toml`), and the guided, timed helper that watches the bus.

pub mod clock;
pub mod helper;
pub mod report;
pub mod select;

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::OnceLock;

const SEQUENCES_JSON: &str = include_str!("../../../catalog/data/dfu_sequences.json");
const TIMING_TOML: &str = include_str!("../../data/dfu_timing.toml");

/// Which mode to reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// iBoot Recovery mode.
    Recovery,
    /// SecureROM DFU mode.
    Dfu,
}

impl Target {
    /// `Recovery mode` / `DFU mode`.
    pub fn label(self) -> &'static str {
        match self {
            Target::Recovery => "Recovery mode",
            Target::Dfu => "DFU mode",
        }
    }

    /// True when a device in `mode` has arrived.
    pub fn reached_by(self, mode: crate::Mode) -> bool {
        match self {
            Target::Recovery => mode == crate::Mode::Recovery,
            Target::Dfu => mode.is_dfu_like(),
        }
    }
}

/// One mode's part of a family's sequence, as the data file gives it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct ModeSteps {
    /// The steps, in order, in plain words.
    pub steps: Vec<String>,
    /// How to tell it worked.
    #[serde(default)]
    pub success: Option<String>,
    /// What a wrong result means.
    #[serde(default)]
    pub failure_hints: Vec<String>,
    /// How sure the data is.
    #[serde(default)]
    pub confidence: Option<String>,
    /// Extra notes.
    #[serde(default)]
    pub notes: Option<String>,
}

/// One family's sequences.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Sequence {
    /// The `dfu_family` key.
    pub key: String,
    /// Which devices it covers.
    pub applies_to: String,
    /// The buttons by role.
    #[serde(default)]
    pub buttons: BTreeMap<String, String>,
    /// Recovery mode.
    pub recovery: ModeSteps,
    /// DFU mode.
    pub dfu: ModeSteps,
    /// Member product types.
    pub product_types: Vec<String>,
}

impl Sequence {
    /// The steps for a target.
    pub fn steps(&self, target: Target) -> &ModeSteps {
        match target {
            Target::Recovery => &self.recovery,
            Target::Dfu => &self.dfu,
        }
    }
}

#[derive(Deserialize)]
struct SequencesFile {
    families: Vec<Sequence>,
}

/// How a step is carried out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// Wait until the user is ready.
    Prepare,
    /// Quick presses.
    Tap,
    /// Hold for the countdown, then go on.
    Hold,
    /// Keep holding while the bus is watched.
    HoldUntilSeen,
    /// Nothing to press.
    Info,
}

/// What to change when the device boots normally instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Advice {
    /// The step was held too long.
    Shorten,
    /// The buttons were let go too early.
    Lengthen,
}

/// Which step to change, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct IfNormal {
    /// 1-based step number.
    pub step: usize,
    /// What to do with it.
    pub advice: Advice,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct StepTiming {
    kind: StepKind,
    #[serde(default)]
    seconds: u32,
    cue: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct PlanDef {
    family: String,
    mode: Target,
    settle_seconds: u32,
    #[serde(default)]
    if_normal: Option<IfNormal>,
    steps: Vec<StepTiming>,
}

/// When Recovery is enough and when DFU is needed (our wording).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Guidance {
    /// Recovery mode is enough when…
    pub recovery_enough: String,
    /// DFU mode is needed when…
    pub dfu_needed: String,
    /// How to leave either mode.
    pub exit: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TimingFile {
    guidance: Guidance,
    plan: Vec<PlanDef>,
}

/// Every family's sequences.
pub fn sequences() -> &'static [Sequence] {
    static S: OnceLock<Vec<Sequence>> = OnceLock::new();
    S.get_or_init(|| {
        serde_json::from_str::<SequencesFile>(SEQUENCES_JSON)
            .expect("dfu_sequences.json is validated by tests")
            .families
    })
}

fn timing() -> &'static TimingFile {
    static T: OnceLock<TimingFile> = OnceLock::new();
    T.get_or_init(|| toml::from_str(TIMING_TOML).expect("dfu_timing.toml is validated by tests"))
}

/// When Recovery is enough and when DFU is needed.
pub fn guidance() -> &'static Guidance {
    &timing().guidance
}

/// The sequence for a `dfu_family` key.
pub fn sequence(family: &str) -> Option<&'static Sequence> {
    sequences().iter().find(|s| s.key == family)
}

/// One step of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanStep {
    /// 1-based number.
    pub number: usize,
    /// The full instruction.
    pub text: String,
    /// A short cue for the countdown line.
    pub cue: String,
    /// How it is carried out.
    pub kind: StepKind,
    /// Countdown length.
    pub seconds: u32,
}

/// A runnable sequence: steps with timings, for one family and target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    /// The `dfu_family` key.
    pub family: String,
    /// The mode to reach.
    pub target: Target,
    /// Which devices it covers.
    pub applies_to: String,
    /// The steps.
    pub steps: Vec<PlanStep>,
    /// How long to keep watching after the last step.
    pub settle_seconds: u32,
    /// What to change if the device boots normally.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub if_normal: Option<IfNormal>,
    /// How to tell it worked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub success: Option<String>,
    /// What a wrong result means.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub failure_hints: Vec<String>,
    /// How sure the data is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confidence: Option<String>,
    /// Extra notes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

/// Why no plan exists.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// Unknown family key.
    #[error("no button sequence is known for device family '{0}'")]
    UnknownFamily(String),
    /// The family has no user sequence for this mode.
    #[error("{devices}: there is no button sequence for {target} ({why})")]
    NoSequence {
        /// Which devices.
        devices: String,
        /// The mode asked for.
        target: &'static str,
        /// What the data says instead.
        why: String,
    },
}

impl Plan {
    /// True when the plan has something to press.
    pub fn is_actionable(&self) -> bool {
        self.steps.iter().any(|s| s.kind != StepKind::Info)
    }

    /// The step the `if_normal` advice points at.
    pub fn advised_step(&self) -> Option<&PlanStep> {
        self.steps.get(self.if_normal?.step.checked_sub(1)?)
    }

    /// A copy with the advised step made 2 s shorter or 5 s longer, for a retry after the device
    /// booted normally. Returns the changed step's number and new length.
    pub fn adjusted_after_normal_boot(&self) -> Option<(Plan, usize, u32)> {
        let advice = self.if_normal?;
        let mut p = self.clone();
        let step = p.steps.get_mut(advice.step.checked_sub(1)?)?;
        let new = match advice.advice {
            Advice::Shorten => step.seconds.saturating_sub(2).max(1),
            Advice::Lengthen => step.seconds + 5,
        };
        if new == step.seconds {
            return None;
        }
        step.seconds = new;
        Some((p, advice.step, new))
    }
}

/// The plan for a family and target.
pub fn plan(family: &str, target: Target) -> Result<Plan, PlanError> {
    let seq = sequence(family).ok_or_else(|| PlanError::UnknownFamily(family.to_string()))?;
    let ms = seq.steps(target);
    let def = timing()
        .plan
        .iter()
        .find(|p| p.family == family && p.mode == target);
    let Some(def) = def.filter(|d| d.steps.iter().any(|s| s.kind != StepKind::Info)) else {
        let why = if ms.steps.is_empty() {
            format!(
                "the sequence is not known{}",
                ms.confidence
                    .as_deref()
                    .map(|c| format!(", confidence: {c}"))
                    .unwrap_or_default()
            )
        } else {
            ms.steps.join(" ")
        };
        return Err(PlanError::NoSequence {
            devices: seq.applies_to.clone(),
            target: target.label(),
            why,
        });
    };
    let steps = ms
        .steps
        .iter()
        .zip(&def.steps)
        .enumerate()
        .map(|(i, (text, t))| PlanStep {
            number: i + 1,
            text: text.clone(),
            cue: t.cue.clone(),
            kind: t.kind,
            seconds: t.seconds,
        })
        .collect();
    Ok(Plan {
        family: family.to_string(),
        target,
        applies_to: seq.applies_to.clone(),
        steps,
        settle_seconds: def.settle_seconds,
        if_normal: def.if_normal,
        success: ms.success.clone(),
        failure_hints: ms.failure_hints.clone(),
        confidence: ms.confidence.clone(),
        notes: ms.notes.clone(),
    })
}

/// The "about N seconds" / "about N-M seconds" window a step's text gives, if any.
pub fn seconds_window(text: &str) -> Option<(u32, u32)> {
    let rest = &text[text.find("about ")? + 6..];
    let num: String = rest
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '-')
        .collect();
    let after = rest[num.len()..].trim_start();
    if !after.starts_with("seconds") && !after.starts_with("more seconds") {
        return None;
    }
    match num.split_once('-') {
        Some((a, b)) => Some((a.parse().ok()?, b.parse().ok()?)),
        None => {
            let n = num.parse().ok()?;
            Some((n, n))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_timing_plan_lines_up_with_the_sequence_data() {
        for def in &timing().plan {
            let seq =
                sequence(&def.family).unwrap_or_else(|| panic!("unknown family {}", def.family));
            let ms = seq.steps(def.mode);
            assert_eq!(
                ms.steps.len(),
                def.steps.len(),
                "{} {:?}: step count",
                def.family,
                def.mode
            );
            if let Some(n) = def.if_normal {
                assert!(
                    n.step >= 1 && n.step <= def.steps.len(),
                    "{}: if_normal step",
                    def.family
                );
            }
            for (text, t) in ms.steps.iter().zip(&def.steps) {
                assert!(!t.cue.is_empty());
                match t.kind {
                    StepKind::Prepare | StepKind::Info => assert_eq!(t.seconds, 0, "{text}"),
                    _ => assert!(t.seconds > 0, "{text}"),
                }
                if let Some((lo, hi)) = seconds_window(text) {
                    assert!(
                        (lo..=hi).contains(&t.seconds),
                        "{} {:?}: {}s outside {lo}-{hi} for {text:?}",
                        def.family,
                        def.mode,
                        t.seconds
                    );
                }
            }
        }
    }

    #[test]
    fn every_family_with_steps_has_a_plan() {
        for seq in sequences() {
            for target in [Target::Recovery, Target::Dfu] {
                let has_steps = !seq.steps(target).steps.is_empty();
                let has_plan = timing()
                    .plan
                    .iter()
                    .any(|p| p.family == seq.key && p.mode == target);
                assert_eq!(has_steps, has_plan, "{} {target:?}", seq.key);
            }
        }
    }

    #[test]
    fn plans_for_the_three_iphone_families() {
        let p8 = plan("vol_up_down_side", Target::Dfu).unwrap();
        assert_eq!(p8.steps.len(), 5);
        assert_eq!(p8.advised_step().unwrap().number, 4);
        let p7 = plan("vol_down_side", Target::Dfu).unwrap();
        assert!(p7.steps[1].text.contains("Volume Down"));
        let home = plan("home_button", Target::Dfu).unwrap();
        assert!(home.steps[2].text.contains("Home"));
        assert_eq!(home.steps[2].kind, StepKind::HoldUntilSeen);
    }

    #[test]
    fn families_without_a_sequence_say_why() {
        let e = plan("no_user_usb_restore", Target::Recovery).unwrap_err();
        assert!(e.to_string().contains("Apple service"), "{e}");
        let e = plan("homepod_mini_usbc", Target::Dfu).unwrap_err();
        assert!(matches!(e, PlanError::NoSequence { .. }));
        assert!(matches!(
            plan("nope", Target::Dfu),
            Err(PlanError::UnknownFamily(_))
        ));
    }

    #[test]
    fn adjusting_after_a_normal_boot() {
        let p = plan("vol_up_down_side", Target::Dfu).unwrap();
        let (q, step, secs) = p.adjusted_after_normal_boot().unwrap();
        assert_eq!((step, secs), (4, 3));
        assert_eq!(q.steps[3].seconds, 3);
        let r = plan("home_button", Target::Recovery).unwrap();
        let (_, step, secs) = r.adjusted_after_normal_boot().unwrap();
        assert_eq!((step, secs), (3, 35));
    }

    #[test]
    fn seconds_windows_are_read_from_text() {
        assert_eq!(seconds_window("for about 8-10 seconds."), Some((8, 10)));
        assert_eq!(seconds_window("for about 5 seconds."), Some((5, 5)));
        assert_eq!(seconds_window("for about 10 more seconds."), Some((10, 10)));
        assert_eq!(
            seconds_window("until the screen goes black (about 10 seconds)."),
            Some((10, 10))
        );
        assert_eq!(seconds_window("about time"), None);
        assert_eq!(seconds_window("no numbers"), None);
    }
}
