//! A learned fallback for logs the rules do not settle, MEASURED but NOT wired into the
//! diagnosis: naive Bayes over what the engine already gathered (rules that fired, stages,
//! formats, the tool and its age, terminal lines, and word tokens of the bounded set of lines
//! the analyzer keeps). It never reads the log again, so it would add nothing to the scan's
//! cost.
//!
//! Why naive Bayes, written by hand: with ~130 labelled logs the model is a table of integer
//! counts, exactly reproducible (no floating-point training loop, no seed), auditable, and
//! needs no dependency.
//!
//! Why it is not wired: leave-one-thread-out cross-validation on the tuned corpus
//! (`diagnosis_accuracy --cv`, 2026-11-30) found no gain on the 44 labelled logs the rules do
//! not settle: before 17 right / 14 wrong / 13 unknown, after 18 / 26 / 0 (multinomial, the
//! default settings). No variant tried did better than 19 / 25 / 0 (Bernoulli, training on
//! every tuned log, vocabulary cut-offs of 1-3 threads, feature groups alone, the words of the
//! log's last 10-100 lines); a probability floor of 0.95 gave 18 / 15 / 11, one right and one
//! wrong more than today, after trying some forty settings. Each unknown it filled was about
//! as often wrong as right, and it broke right tool guesses. On the low-confidence answers of
//! failure rules it was far worse (47 / 5 / 0 → 21 / 31 / 0). The labels of these logs depend
//! on what the threads say, not on anything in the logs that 130 examples can teach.

use crate::analyzer::Analyzer;
use crate::data::{self, RuleKind};
use crate::report::{Diagnosis, Outcome};
use rd_model::Family;
use std::collections::{BTreeMap, BTreeSet};

/// Additive smoothing of the feature counts (Laplace).
const ALPHA: f64 = 1.0;
/// Stage marks whose line words count (the latest ones).
const STAGE_LINES: usize = 8;
/// Device status lines whose words count (the latest ones).
const STATUS_LINES: usize = 8;
/// Longest token kept (longer words are cut).
const MAX_TOKEN: usize = 24;

/// How the rules answered a log, for deciding whether the model may answer instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Basis {
    /// A failure rule named the cause, a success rule decided, or a pasted dialog was looked up:
    /// the model never answers.
    Settled,
    /// A generic failure line only, no cause named: the answer is `unknown`.
    Generic,
    /// A generic failure line only, and the default guess named the tool.
    ToolGuess,
    /// The measured usual cause of the failed or last stage named at low confidence.
    StageLead,
    /// A tool build older than the firmware made the tool the suspect.
    OldTool,
    /// A log that stops, from a third-party tool: the tool named by default.
    ToolIncomplete,
    /// A log that stops, with nothing named.
    Incomplete,
    /// Nothing recognised as a restore log.
    Unrecognised,
}

impl Basis {
    /// A short name for reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Basis::Settled => "settled",
            Basis::Generic => "generic",
            Basis::ToolGuess => "tool_guess",
            Basis::StageLead => "stage_lead",
            Basis::OldTool => "old_tool",
            Basis::ToolIncomplete => "tool_incomplete",
            Basis::Incomplete => "incomplete",
            Basis::Unrecognised => "unrecognised",
        }
    }
}

/// The features of one log: sorted, each once.
pub type Features = Vec<String>;

/// Lower-cased word tokens of `text`, numbers and hex folded, added to `out`.
pub(crate) fn tokens(text: &str, out: &mut BTreeSet<String>) {
    for w in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
        if w.len() < 2 {
            continue;
        }
        let digits = w
            .strip_prefix("0x")
            .or_else(|| w.strip_prefix("0X"))
            .unwrap_or(w);
        let has_digit = w.bytes().any(|b| b.is_ascii_digit());
        let all_hex = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_hexdigit());
        let folded = if has_digit && all_hex {
            if digits.len() >= 6 {
                "<hex>".to_string()
            } else {
                "<num>".to_string()
            }
        } else {
            let mut s = String::with_capacity(w.len());
            let mut prev_digit = false;
            for c in w.chars().take(MAX_TOKEN) {
                if c.is_ascii_digit() {
                    if !prev_digit {
                        s.push('0');
                    }
                    prev_digit = true;
                } else {
                    s.push(c.to_ascii_lowercase());
                    prev_digit = false;
                }
            }
            s
        };
        out.insert(format!("w:{folded}"));
    }
}

/// The features of one log, from what the analyzer kept and how the rules answered.
pub(crate) fn features(a: &Analyzer, d: &Diagnosis) -> Features {
    let rules = data::rules();
    let mut f = BTreeSet::new();
    f.insert(format!("o:{:?}", d.outcome).to_ascii_lowercase());
    for (h, r) in a.hits.iter().zip(rules) {
        let Some(h) = h else { continue };
        f.insert(format!("r:{}", r.def.id));
        f.insert(format!("k:{:?}", r.def.kind).to_ascii_lowercase());
        if r.def.terminal {
            let side = if r.def.kind == RuleKind::Success {
                "ok"
            } else {
                "fail"
            };
            f.insert(format!("term:{side}"));
        }
        tokens(&h.first.text, &mut f);
        tokens(&h.last.text, &mut f);
    }
    for inf in &a.inferred {
        f.insert(format!("r:{}", rules[inf.rule].def.id));
        tokens(&inf.at.text, &mut f);
    }
    for m in &a.stages {
        if let Some(id) = &m.stage.id {
            f.insert(format!("s:{id}"));
        }
    }
    for m in a.stages.iter().rev().take(STAGE_LINES) {
        tokens(&m.at.text, &mut f);
    }
    if let Some(id) = a.stages.back().and_then(|m| m.stage.id.as_ref()) {
        f.insert(format!("ls:{id}"));
    }
    for x in &d.formats {
        f.insert(format!("f:{x}"));
    }
    if let Some(t) = &a.tool {
        f.insert(format!("t:{}", t.id));
        match t.older_than_firmware {
            Some(true) => f.insert("t:older".to_string()),
            Some(false) => f.insert("t:newer".to_string()),
            None => f.insert("t:age_unknown".to_string()),
        };
    }
    if !a.failed_checkpoints.is_empty() {
        f.insert("cp:failed".to_string());
    }
    for c in &a.failed_checkpoints {
        tokens(&c.text, &mut f);
    }
    for s in a.statuses.iter().rev().take(STATUS_LINES) {
        tokens(&s.text, &mut f);
    }
    if let Some(l) = &a.last_line {
        tokens(&l.text, &mut f);
    }
    if let Some(b) = &a.tool_banner {
        tokens(&b.text, &mut f);
    }
    f.into_iter().collect()
}

/// The classes the model may name: every family but `unknown`.
fn classes() -> Vec<Family> {
    Family::ALL
        .into_iter()
        .filter(|f| *f != Family::Unknown)
        .collect()
}

/// One class's totals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassTotals {
    /// The family.
    pub family: Family,
    /// Training logs with this label.
    pub logs: u32,
    /// Sum of the feature counts of those logs (features of the vocabulary only).
    pub features: u32,
}

/// The model: integer counts only, so training is exact and reproducible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Model {
    /// A feature is kept when it occurs in logs of at least this many threads.
    pub min_threads: u32,
    /// Per class, in the order of the count vectors.
    pub classes: Vec<ClassTotals>,
    /// Per feature: in how many training logs of each class it occurs.
    pub counts: BTreeMap<String, Vec<u32>>,
}

/// One training log: its features, label and thread (the `source` URL).
#[derive(Debug, Clone)]
pub struct Example {
    /// The log's features.
    pub features: Features,
    /// The label.
    pub label: Family,
    /// The thread the log comes from.
    pub thread: String,
}

impl Model {
    /// Counts the features of `examples` (labels `unknown` are skipped) into a model; features
    /// seen in fewer than `min_threads` threads are dropped (a thread's own wording does not
    /// generalise).
    pub fn train(examples: &[Example], min_threads: u32) -> Model {
        let classes = classes();
        let mut threads: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for e in examples.iter().filter(|e| e.label != Family::Unknown) {
            for f in &e.features {
                threads.entry(f).or_default().insert(&e.thread);
            }
        }
        let mut counts: BTreeMap<String, Vec<u32>> = BTreeMap::new();
        let mut totals: Vec<ClassTotals> = classes
            .iter()
            .map(|f| ClassTotals {
                family: *f,
                logs: 0,
                features: 0,
            })
            .collect();
        for e in examples.iter().filter(|e| e.label != Family::Unknown) {
            let Some(ci) = classes.iter().position(|c| *c == e.label) else {
                continue;
            };
            totals[ci].logs += 1;
            for f in &e.features {
                if threads.get(f.as_str()).map_or(0, |t| t.len()) < min_threads as usize {
                    continue;
                }
                counts
                    .entry(f.clone())
                    .or_insert_with(|| vec![0; classes.len()])[ci] += 1;
                totals[ci].features += 1;
            }
        }
        Model {
            min_threads,
            classes: totals,
            counts,
        }
    }

    /// The families best first with their probabilities (classes without training logs are
    /// left out).
    pub fn rank(&self, features: &[String]) -> Vec<(Family, f64)> {
        let vocab = self.counts.len() as f64;
        self.rank_with(|i, c, mut s| {
            let denom = f64::from(c.features) + ALPHA * vocab;
            for f in features {
                if let Some(v) = self.counts.get(f) {
                    s += ((f64::from(v[i]) + ALPHA) / denom).ln();
                }
            }
            s
        })
    }

    /// Bernoulli naive Bayes over the same counts (absent features count too): the families
    /// best first with their probabilities.
    pub fn rank_bernoulli(&self, features: &[String]) -> Vec<(Family, f64)> {
        let present: BTreeSet<&str> = features.iter().map(String::as_str).collect();
        self.rank_with(|i, c, mut s| {
            let n = f64::from(c.logs);
            for (f, v) in &self.counts {
                let p = (f64::from(v[i]) + ALPHA) / (n + 2.0 * ALPHA);
                s += if present.contains(f.as_str()) {
                    p.ln()
                } else {
                    (1.0 - p).ln()
                };
            }
            s
        })
    }

    /// Each class with training logs scored by `score(index, class, log prior)` (a log
    /// likelihood), normalised to probabilities, best first.
    fn rank_with(&self, score: impl Fn(usize, &ClassTotals, f64) -> f64) -> Vec<(Family, f64)> {
        let logs: u32 = self.classes.iter().map(|c| c.logs).sum();
        let mut scores: Vec<(Family, f64)> = self
            .classes
            .iter()
            .enumerate()
            .filter(|(_, c)| c.logs > 0)
            .map(|(i, c)| {
                let prior = (f64::from(c.logs) / f64::from(logs)).ln();
                (c.family, score(i, c, prior))
            })
            .collect();
        normalise(&mut scores);
        scores
    }
}

/// The model's ranking without `success` where the log shows a failure (`no_success`): the
/// fallback must never call such a log a finished restore.
pub fn allowed(ranked: Vec<(Family, f64)>, no_success: bool) -> Vec<(Family, f64)> {
    ranked
        .into_iter()
        .filter(|(f, _)| !(no_success && *f == Family::Success))
        .collect()
}

/// Whether the model may not say `success`: the log has a failure line (a terminal one, or any
/// failure the rules read), or the rules called it a failure.
pub(crate) fn forbids_success(d: &Diagnosis, s: &super::Signals) -> bool {
    d.outcome == Outcome::Failure || !s.failures.is_empty() || !s.generics.is_empty()
}

/// Log scores to probabilities, best first; ties are broken by the family order, so the ranking
/// is deterministic.
fn normalise(scores: &mut [(Family, f64)]) {
    let max = scores.iter().map(|x| x.1).fold(f64::NEG_INFINITY, f64::max);
    let sum: f64 = scores.iter().map(|x| (x.1 - max).exp()).sum();
    for x in scores.iter_mut() {
        x.1 = (x.1 - max).exp() / sum;
    }
    scores.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ex(features: &[&str], label: Family, thread: &str) -> Example {
        Example {
            features: features.iter().map(|s| s.to_string()).collect(),
            label,
            thread: thread.to_string(),
        }
    }

    /// Two usb logs (features a; a, b) and one success log (b), each from its own thread.
    fn three_logs() -> [Example; 3] {
        [
            ex(&["a"], Family::Usb, "t1"),
            ex(&["a", "b"], Family::Usb, "t2"),
            ex(&["b"], Family::Success, "t3"),
        ]
    }

    #[test]
    fn multinomial_probabilities_match_a_hand_computation() {
        // usb: 2 logs, features a (2) b (1) -> 3; success: 1 log, b (1) -> 1; vocabulary {a, b}.
        let m = Model::train(&three_logs(), 1);
        assert_eq!(m.counts.len(), 2);
        // For {a}: usb = 2/3 * (2+1)/(3+2) = 0.4; success = 1/3 * (0+1)/(1+2) = 1/9.
        let r = m.rank(&["a".to_string(), "unseen".to_string()]);
        let usb = 0.4 / (0.4 + 1.0 / 9.0);
        assert_eq!(r[0].0, Family::Usb);
        assert!((r[0].1 - usb).abs() < 1e-12, "{r:?}");
        assert_eq!(r[1].0, Family::Success);
        assert!((r[1].1 - (1.0 - usb)).abs() < 1e-12, "{r:?}");
        assert_eq!(r.len(), 2, "classes without logs are left out");
    }

    #[test]
    fn bernoulli_counts_absent_features_too() {
        let m = Model::train(&three_logs(), 1);
        // For {a}: usb = 2/3 * (2+1)/(2+2) * (1 - (1+1)/(2+2)) = 0.25;
        // success = 1/3 * (0+1)/(1+2) * (1 - (1+1)/(1+2)) = 1/27.
        let r = m.rank_bernoulli(&["a".to_string()]);
        let usb = 0.25 / (0.25 + 1.0 / 27.0);
        assert_eq!(r[0].0, Family::Usb);
        assert!((r[0].1 - usb).abs() < 1e-12, "{r:?}");
    }

    #[test]
    fn a_word_of_one_thread_only_is_not_learned() {
        let m = Model::train(
            &[
                ex(&["shared", "mine"], Family::Usb, "t1"),
                ex(&["shared", "mine"], Family::Usb, "t1"),
                ex(&["shared"], Family::RestoreTool, "t2"),
            ],
            2,
        );
        assert!(m.counts.contains_key("shared"));
        assert!(!m.counts.contains_key("mine"));
        assert_eq!(m.classes.iter().map(|c| c.features).sum::<u32>(), 3);
    }

    #[test]
    fn success_is_never_allowed_where_the_log_fails() {
        let ranked = vec![(Family::Success, 0.9), (Family::Usb, 0.1)];
        assert_eq!(allowed(ranked.clone(), true)[0].0, Family::Usb);
        assert_eq!(allowed(ranked, false)[0].0, Family::Success);
    }

    #[test]
    fn tokens_fold_numbers_and_hex() {
        let mut t = BTreeSet::new();
        tokens(
            "ERROR: Unable to send iBEC (-8) 0x1A2B3C4D iPhone10,6 at 42",
            &mut t,
        );
        let got: Vec<&str> = t.iter().map(String::as_str).collect();
        assert_eq!(
            got,
            [
                "w:<hex>",
                "w:<num>",
                "w:at",
                "w:error",
                "w:ibec",
                "w:iphone0",
                "w:send",
                "w:to",
                "w:unable"
            ]
        );
    }
}
