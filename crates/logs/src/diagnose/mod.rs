//! Combining the signals of one log into a diagnosis, in steps:
//! 1. [`Signals::gather`] turns rule hits into candidates by kind;
//! 2. [`outcome::decide`] settles how the restore ended: the tool's own final message (the last
//!    terminal line) outweighs alarming lines before it;
//! 3. one of [`cause::success`], [`cause::failure`], [`cause::incomplete`],
//!    [`cause::unrecognised`] fills in family, confidence, texts and remedies: the decisive
//!    failure (highest weight in the last attempt) outweighs earlier noise, and an old tool build
//!    meeting newer firmware makes the tool the suspect;
//! 4. [`candidates::build`] lists the likely causes when the answer is not settled;
//! 5. [`evidence`] quotes the lines behind it, decisive line first; [`findings`] renders the same
//!    diagnosis in the shared finding model.

mod blob;
mod candidates;
mod cause;
mod custom;
mod evidence;
pub(crate) mod fallback;
mod findings;
mod firmware_age;
mod outcome;

use crate::analyzer::{Analyzer, LineText};
use crate::data::{self, Rule, RuleKind};
use crate::report::{Diagnosis, Outcome};
use crate::scan::ScanStats;
use fallback::Basis;
use rd_model::{Confidence, Family};

/// One candidate cause: a rule with the lines that fired it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Candidate<'a> {
    /// The rule.
    pub rule: &'static Rule,
    /// The first line that fired it.
    pub first: &'a LineText,
    /// The last line that fired it.
    pub last: &'a LineText,
    /// Why the line counts.
    pub why: &'a str,
    /// How many lines fired it.
    pub count: u64,
    /// Read from typed events (a failing checkpoint, an IPSW name) rather than a literal.
    pub inferred: bool,
}

impl Candidate<'_> {
    /// Ranks candidates: higher weight first, then the earlier line.
    pub fn rank(&self) -> (u8, std::cmp::Reverse<u64>) {
        (self.rule.def.weight, std::cmp::Reverse(self.first.line))
    }
}

/// Every rule hit of one log, by kind.
pub(crate) struct Signals<'a> {
    /// Rules naming a cause.
    pub failures: Vec<Candidate<'a>>,
    /// Rules saying the restore failed without saying why.
    pub generics: Vec<Candidate<'a>>,
    /// Rules saying the restore finished.
    pub successes: Vec<Candidate<'a>>,
    /// Alarming but normal lines.
    pub noise: Vec<Candidate<'a>>,
    /// Settings or steps that make a family a likely cause (candidates only).
    pub hints: Vec<Candidate<'a>>,
}

impl<'a> Signals<'a> {
    /// Collects the candidates of every kind from the analyzer's hits and inferences.
    pub fn gather(a: &'a Analyzer) -> Self {
        let rules = data::rules();
        let mut s = Signals {
            failures: Vec::new(),
            generics: Vec::new(),
            successes: Vec::new(),
            noise: Vec::new(),
            hints: Vec::new(),
        };
        let hits = a.hits.iter().zip(rules).filter_map(|(h, r)| {
            let h = h.as_ref()?;
            // A rule that counts only after a stage: its last line must come after the stage was
            // first reached, and it is quoted from there.
            let first = match &r.def.after_stage {
                Some(st) => {
                    let reached = a
                        .stages
                        .iter()
                        .find(|m| m.stage.id.as_deref() == Some(st.as_str()))?;
                    if h.last.line <= reached.at.line {
                        return None;
                    }
                    if h.first.line > reached.at.line {
                        &h.first
                    } else {
                        &h.last
                    }
                }
                None => &h.first,
            };
            if !whole_log_agrees(r.def.inferred_from, &h.first.text, &h.last.text, a) {
                return None;
            }
            Some(Candidate {
                rule: r,
                first,
                last: &h.last,
                why: &r.def.why,
                count: h.count,
                inferred: false,
            })
        });
        let inferred = a.inferred.iter().map(|inf| Candidate {
            rule: &rules[inf.rule],
            first: &inf.at,
            last: &inf.at,
            why: &inf.why,
            count: 1,
            inferred: true,
        });
        for c in hits.chain(inferred) {
            match c.rule.def.kind {
                RuleKind::Failure => s.failures.push(c),
                RuleKind::Generic => s.generics.push(c),
                RuleKind::Success => s.successes.push(c),
                RuleKind::Noise => s.noise.push(c),
                RuleKind::Hint => s.hints.push(c),
                RuleKind::Fact => {}
            }
        }
        s.drop_excused();
        s
    }

    /// Drops failures that fire only on lines a noise rule excuses (the line after it, see
    /// `excuses_next`): a background thread's traceback is not the run ending.
    fn drop_excused(&mut self) {
        let excused: Vec<u64> = self
            .noise
            .iter()
            .filter(|n| n.rule.def.excuses_next)
            .flat_map(|n| [n.first.line + 1, n.last.line + 1])
            .collect();
        if excused.is_empty() {
            return;
        }
        self.failures
            .retain(|c| !(excused.contains(&c.first.line) && excused.contains(&c.last.line)));
    }

    /// The last line of any failure or generic failure marker.
    pub fn last_failure_line(&self) -> Option<u64> {
        self.failures
            .iter()
            .chain(&self.generics)
            .map(|c| c.last.line)
            .max()
    }
}

/// The rules' diagnosis of one log with what a learned fallback would read from it (for
/// measuring such a fallback, see `accuracy::cross_validate`; it is not wired into the
/// diagnosis, see [`fallback`]).
pub(crate) struct Inspection {
    /// The diagnosis.
    pub diagnosis: Diagnosis,
    /// How the rules answered.
    pub basis: Basis,
    /// The fallback's features of the log.
    pub features: fallback::Features,
    /// Whether the fallback may not say `success` for it.
    pub no_success: bool,
}

/// Builds the diagnosis from everything the analyzer gathered.
pub fn diagnose(a: Analyzer, stats: ScanStats) -> Diagnosis {
    run(a, stats, false).diagnosis
}

/// The diagnosis with the fallback's inputs.
pub(crate) fn inspect(a: Analyzer, stats: ScanStats) -> Inspection {
    run(a, stats, true)
}

fn run(mut a: Analyzer, stats: ScanStats, inspecting: bool) -> Inspection {
    a.finish();
    let signals = Signals::gather(&a);
    let verdict = outcome::decide(&signals, &a);
    let mut d = base(&a, stats, verdict.outcome);
    let mut ev = evidence::Collector::default();
    let (others, basis) = match verdict.outcome {
        Outcome::Success => {
            cause::success(&mut d, &signals, &mut ev);
            (Vec::new(), Basis::Settled)
        }
        Outcome::Failure => cause::failure(&mut d, &signals, &a, &verdict, &mut ev),
        Outcome::Incomplete => cause::incomplete(&mut d, &signals, &a, &mut ev),
        Outcome::Unknown => {
            cause::unrecognised(&mut d);
            (Vec::new(), Basis::Unrecognised)
        }
    };
    let (features, no_success) = if inspecting {
        (
            fallback::features(&a, &d),
            fallback::forbids_success(&d, &signals),
        )
    } else {
        (Vec::new(), false)
    };
    if d.confidence == Confidence::Low && verdict.outcome != Outcome::Success {
        d.candidates = candidates::build(&d, &signals, &a);
    }
    d.evidence = ev.ordered(d.rule.as_deref(), &signals);
    d.noise = findings::noise_notes(&signals);
    d.findings = findings::findings(&d, &others);
    Inspection {
        diagnosis: d,
        basis,
        features,
        no_success,
    }
}

/// The diagnosis with everything that does not depend on the cause.
fn base(a: &Analyzer, stats: ScanStats, outcome: Outcome) -> Diagnosis {
    let (format, formats) = formats(a);
    Diagnosis {
        file: None,
        format,
        outcome,
        category: Family::Unknown,
        confidence: Confidence::Low,
        failed_stage: None,
        error_codes: Vec::new(),
        device: a.device.clone().map(|mut d| {
            if let Some(pt) = &d.product_type {
                d.name = rd_catalog::devices::by_product_type(pt)
                    .first()
                    .map(|x| x.name.clone());
            } else if let Some(b) = &d.board
                && let Some(x) = rd_catalog::devices::by_board(b)
            {
                d.product_type = Some(x.product_type.clone());
                d.name = Some(x.name.clone());
            }
            d
        }),
        target: (a.target.version.is_some() || a.target.build.is_some() || a.target.ipsw.is_some())
            .then(|| a.target.clone()),
        evidence: Vec::new(),
        remedies: Vec::new(),
        formats,
        title: String::new(),
        explanation: String::new(),
        settle: None,
        rule: None,
        candidates: Vec::new(),
        tool: a.tool.clone(),
        observed_codes: a.codes.clone(),
        noise: Vec::new(),
        events: a.events.clone(),
        findings: Vec::new(),
        lines: stats.lines,
        bytes: stats.bytes,
    }
}

/// Formats whose score reaches this count as detected.
pub(crate) const FORMAT_THRESHOLD: u32 = 3;

/// Whether the whole log bears out a rule whose lines count only with it (see
/// [`data::Inference`]); rules without such a condition always count. `first` and `last` are
/// the texts of the rule's first and last line.
fn whole_log_agrees(
    inference: Option<data::Inference>,
    first: &str,
    last: &str,
    a: &Analyzer,
) -> bool {
    match inference {
        Some(data::Inference::BlobBuildMismatch) => blob::other_build(first, last, a),
        Some(data::Inference::CustomFirmwareUnbootable) => custom::cannot_boot(a),
        Some(data::Inference::FirmwarePredatesBuildManifest) => {
            firmware_age::predates_build_manifest(a)
        }
        // Added by the analyzer itself once the log is read (see `Analyzer::finish`).
        Some(data::Inference::IpswProductMismatch) | None => true,
    }
}

/// The primary format id and every detected format.
pub(crate) fn formats(a: &Analyzer) -> (String, Vec<String>) {
    let defs = data::formats();
    let mut found: Vec<(usize, u32)> = a
        .format_scores
        .iter()
        .enumerate()
        .filter(|(_, s)| **s >= FORMAT_THRESHOLD)
        .map(|(i, s)| (i, *s))
        .collect();
    found.sort_by(|x, y| (defs[y.0].priority, y.1).cmp(&(defs[x.0].priority, x.1)));
    let ids: Vec<String> = found.iter().map(|(i, _)| defs[*i].id.clone()).collect();
    let primary = ids
        .first()
        .cloned()
        .unwrap_or_else(|| "unknown".to_string());
    (primary, ids)
}
