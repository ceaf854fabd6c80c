//! Measuring the diagnosis on a labelled corpus of real logs (`corpus/real`, see
//! `coord/CORPUS.md` for the index format and the labelling guide for the labels).
//!
//! The corpus has a tuned part (rules may be written from it) and a blind part (no rule may be
//! written from it); both are scored the same way, but only aggregates are meant to be shown
//! for the blind part. A label `unknown` means the thread did not settle the cause, so such logs
//! are counted but excluded from right/wrong.

use crate::Diagnosis;
use crate::diagnose::fallback;
use rd_model::{Confidence, Family};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Which part of the corpus an entry belongs to (by the folder of its file).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Part {
    /// Rules may be written and tuned from these logs.
    Tuned,
    /// Held out: measured only, never tuned on.
    Blind,
}

impl Part {
    /// The folder name (`tuned` / `blind`).
    pub fn as_str(self) -> &'static str {
        match self {
            Part::Tuned => "tuned",
            Part::Blind => "blind",
        }
    }
}

/// One `[[log]]` entry of an index file (only the fields the measurement needs).
#[derive(Debug, Clone, Deserialize)]
pub struct Entry {
    /// The log's number.
    pub id: u32,
    /// Path relative to the corpus root (`tuned/104.log`).
    pub file: String,
    /// The restore tool the log comes from.
    #[serde(default)]
    pub tool: String,
    /// The root cause the thread establishes.
    pub label: Family,
    /// How sure the label is (`high`, `medium`, `low`).
    #[serde(default)]
    pub label_confidence: String,
    /// Only a slice of a longer paste.
    #[serde(default)]
    pub partial: bool,
    /// The thread the log comes from (logs of one thread share their wording).
    #[serde(default)]
    pub source: String,
}

impl Entry {
    /// The part the entry belongs to, from its file's folder.
    pub fn part(&self) -> Option<Part> {
        if self.file.starts_with("tuned/") {
            Some(Part::Tuned)
        } else if self.file.starts_with("blind/") {
            Some(Part::Blind)
        } else {
            None
        }
    }
}

#[derive(Deserialize)]
struct IndexFile {
    #[serde(default)]
    log: Vec<Entry>,
}

/// Why the corpus could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CorpusError {
    /// A file or folder could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// An index file is not valid TOML of the expected shape.
    #[error("index {path} is invalid: {reason}")]
    Index {
        /// The index file.
        path: String,
        /// The parser's message.
        reason: String,
    },
}

/// Every entry of every `index/*.toml` under `root`, ordered by id.
pub fn load_index(root: &Path) -> Result<Vec<Entry>, CorpusError> {
    let dir = root.join("index");
    let io = |path: &Path, source| CorpusError::Io {
        path: path.display().to_string(),
        source,
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| io(&dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).map_err(|e| io(&f, e))?;
        let parsed: IndexFile = toml::from_str(&text).map_err(|e| CorpusError::Index {
            path: f.display().to_string(),
            reason: e.to_string(),
        })?;
        out.extend(parsed.log);
    }
    out.sort_by_key(|e| e.id);
    Ok(out)
}

/// What the diagnosis said about one labelled log.
#[derive(Debug, Clone)]
pub struct Scored {
    /// The index entry.
    pub entry: Entry,
    /// The family the diagnosis named (`unknown` when it did not name one).
    pub got: Family,
    /// Its confidence.
    pub confidence: Confidence,
    /// The decisive rule, when one decided.
    pub rule: Option<String>,
    /// Families offered as candidates when the answer was `unknown`.
    pub candidates: Vec<Family>,
    /// The tool build the log shows and whether it is older than the firmware.
    pub tool: Option<(String, Option<bool>)>,
}

/// How a diagnosis compares with the label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The named family is the label.
    Right,
    /// A named family that is not the label.
    Wrong,
    /// The diagnosis named no family.
    Unknown,
    /// The label itself is `unknown`: not scored.
    Unlabelled,
}

impl Verdict {
    /// How the family `got` compares with the label `label`.
    pub fn of(label: Family, got: Family) -> Verdict {
        if label == Family::Unknown {
            Verdict::Unlabelled
        } else if got == Family::Unknown {
            Verdict::Unknown
        } else if got == label {
            Verdict::Right
        } else {
            Verdict::Wrong
        }
    }
}

impl Scored {
    /// Right, wrong, unknown, or not scored.
    pub fn verdict(&self) -> Verdict {
        Verdict::of(self.entry.label, self.got)
    }

    /// A wrong answer given with medium or high confidence.
    pub fn confidently_wrong(&self) -> bool {
        self.verdict() == Verdict::Wrong && self.confidence >= Confidence::Medium
    }

    /// `success` for a restore whose label names a failure cause.
    pub fn success_for_failure(&self) -> bool {
        self.got == Family::Success
            && !matches!(self.entry.label, Family::Success | Family::Unknown)
    }
}

/// The bytes of one entry's log.
fn read_log(root: &Path, e: &Entry) -> Result<Vec<u8>, CorpusError> {
    let path = root.join(&e.file);
    std::fs::read(&path).map_err(|source| CorpusError::Io {
        path: path.display().to_string(),
        source,
    })
}

/// Diagnoses every entry of `part` (logs that cannot be read are reported as errors).
pub fn score(root: &Path, entries: &[Entry], part: Part) -> Result<Vec<Scored>, CorpusError> {
    let mut out = Vec::new();
    for e in entries.iter().filter(|e| e.part() == Some(part)) {
        let bytes = read_log(root, e)?;
        let d: Option<Diagnosis> = crate::diagnose_bytes(&bytes).ok();
        out.push(match d {
            Some(d) => Scored {
                entry: e.clone(),
                got: d.category,
                confidence: d.confidence,
                rule: d.rule.clone(),
                candidates: d.candidates.iter().map(|c| c.family).collect(),
                tool: d
                    .tool
                    .as_ref()
                    .map(|t| (format!("{} {}", t.id, t.version), t.older_than_firmware)),
            },
            None => Scored {
                entry: e.clone(),
                got: Family::Unknown,
                confidence: Confidence::Low,
                rule: None,
                candidates: Vec::new(),
                tool: None,
            },
        });
    }
    Ok(out)
}

/// The aggregate figures of one part.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Logs in the part.
    pub total: usize,
    /// Logs labelled `unknown` (not scored).
    pub unlabelled: usize,
    /// Scored logs whose family matched.
    pub right: usize,
    /// Scored logs with a wrong family.
    pub wrong: usize,
    /// Scored logs where the diagnosis said `unknown`.
    pub unknown: usize,
    /// Wrong with medium or high confidence.
    pub confidently_wrong: usize,
    /// `success` said for a failed restore.
    pub success_for_failure: usize,
    /// Scored `unknown` answers whose candidates include the label.
    pub label_in_candidates: usize,
    /// Scored logs where the label is the answer or one of the candidates listed with it (what
    /// a user who reads the whole answer is pointed at).
    pub label_listed: usize,
    /// Per confidence the tool gave (scored logs): (n, right).
    pub by_confidence: BTreeMap<Confidence, (usize, usize)>,
    /// Per confidence of the label itself (`high`: a maintainer's statement or confirmed fix;
    /// `medium`: a plausible answer; `low`: the log alone), over scored logs: (n, right).
    pub by_label_confidence: BTreeMap<String, (usize, usize)>,
    /// (label, got) → count over scored logs.
    pub confusion: BTreeMap<(Family, Family), usize>,
}

impl Summary {
    /// Scored logs (labelled with a cause or success).
    pub fn scored(&self) -> usize {
        self.right + self.wrong + self.unknown
    }

    /// `part / scored` as a percentage (0 when nothing was scored).
    pub fn pct(&self, part: usize) -> f64 {
        if self.scored() == 0 {
            0.0
        } else {
            100.0 * part as f64 / self.scored() as f64
        }
    }

    /// Precision and recall of one family: (named, right when named, labelled).
    pub fn family_counts(&self, f: Family) -> (usize, usize, usize) {
        let mut named = 0;
        let mut right = 0;
        let mut labelled = 0;
        for ((label, got), n) in &self.confusion {
            if *got == f {
                named += n;
                if *label == f {
                    right += n;
                }
            }
            if *label == f {
                labelled += n;
            }
        }
        (named, right, labelled)
    }
}

/// Folds scored logs into the aggregate figures.
pub fn summarize(scored: &[Scored]) -> Summary {
    let mut s = Summary {
        total: scored.len(),
        ..Default::default()
    };
    for x in scored {
        if x.success_for_failure() {
            s.success_for_failure += 1;
        }
        let v = x.verdict();
        if v == Verdict::Unlabelled {
            s.unlabelled += 1;
            continue;
        }
        match v {
            Verdict::Right => s.right += 1,
            Verdict::Wrong => s.wrong += 1,
            Verdict::Unknown => {
                s.unknown += 1;
                if x.candidates.contains(&x.entry.label) {
                    s.label_in_candidates += 1;
                }
            }
            Verdict::Unlabelled => {}
        }
        if x.confidently_wrong() {
            s.confidently_wrong += 1;
        }
        if v == Verdict::Right || x.candidates.contains(&x.entry.label) {
            s.label_listed += 1;
        }
        let right = usize::from(v == Verdict::Right);
        let c = s.by_confidence.entry(x.confidence).or_default();
        c.0 += 1;
        c.1 += right;
        let l = s
            .by_label_confidence
            .entry(x.entry.label_confidence.clone())
            .or_default();
        l.0 += 1;
        l.1 += right;
        *s.confusion.entry((x.entry.label, x.got)).or_default() += 1;
    }
    s
}

fn short(f: Family) -> &'static str {
    match f {
        Family::Network => "net",
        Family::Signing => "sign",
        Family::SecuritySoftware => "secsw",
        Family::Usb => "usb",
        Family::Hardware => "hw",
        Family::SoftwareVersion => "swver",
        Family::WrongFirmware => "wrfw",
        Family::DeviceState => "devst",
        Family::RestoreTool => "tool",
        Family::Success => "ok",
        Family::Unknown => "unk",
    }
}

/// `part / whole` as a right-aligned percentage, `-` for none.
fn pct_of(part: usize, whole: usize) -> String {
    if whole == 0 {
        "    -".to_string()
    } else {
        format!("{:5.1}%", 100.0 * part as f64 / whole as f64)
    }
}

/// The report of one part as plain text: totals, per-family precision and recall, the confusion
/// matrix and the hit rate per confidence level.
pub fn render(part: Part, s: &Summary) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "== {} part: {} logs, {} labelled with a cause or success, {} labelled unknown (not scored)",
        part.as_str(),
        s.total,
        s.scored(),
        s.unlabelled
    );
    let _ = writeln!(
        o,
        "right {:>3} ({:5.1}%)   wrong {:>3} ({:5.1}%)   unknown {:>3} ({:5.1}%; label among candidates in {})",
        s.right,
        s.pct(s.right),
        s.wrong,
        s.pct(s.wrong),
        s.unknown,
        s.pct(s.unknown),
        s.label_in_candidates
    );
    let _ = writeln!(
        o,
        "confidently wrong (medium/high) {:>3} ({:5.1}%)   success said for a failed restore: {}",
        s.confidently_wrong,
        s.pct(s.confidently_wrong),
        s.success_for_failure
    );
    let _ = writeln!(
        o,
        "the label is the answer or among its candidates: {:>3} ({:5.1}%)",
        s.label_listed,
        s.pct(s.label_listed)
    );
    let _ = writeln!(o, "by confidence given:");
    for c in [Confidence::High, Confidence::Medium, Confidence::Low] {
        let (n, r) = s.by_confidence.get(&c).copied().unwrap_or((0, 0));
        let _ = writeln!(
            o,
            "  {:<6} {:>3} given, {:>3} right {}",
            c.as_str(),
            n,
            r,
            pct_of(r, n)
        );
    }
    let _ = writeln!(o, "by how sure the label is (its thread's evidence):");
    for c in ["high", "medium", "low"] {
        let (n, r) = s.by_label_confidence.get(c).copied().unwrap_or((0, 0));
        let _ = writeln!(
            o,
            "  label {:<6} {:>3} scored, {:>3} right {}",
            c,
            n,
            r,
            pct_of(r, n)
        );
    }
    let _ = writeln!(
        o,
        "per family (precision = right/named, recall = right/labelled):"
    );
    for f in Family::ALL {
        if f == Family::Unknown {
            continue;
        }
        let (named, right, labelled) = s.family_counts(f);
        if named == 0 && labelled == 0 {
            continue;
        }
        let _ = writeln!(
            o,
            "  {:<17} precision {} ({right}/{named})  recall {} ({right}/{labelled})",
            f.as_str(),
            pct_of(right, named),
            pct_of(right, labelled)
        );
    }
    let _ = writeln!(o, "confusion (rows: label, columns: diagnosis):");
    let cols: Vec<Family> = Family::ALL
        .into_iter()
        .filter(|f| s.confusion.keys().any(|(_, g)| g == f))
        .collect();
    let rows: Vec<Family> = Family::ALL
        .into_iter()
        .filter(|f| s.confusion.keys().any(|(l, _)| l == f))
        .collect();
    let _ = write!(o, "  {:<6}", "");
    for c in &cols {
        let _ = write!(o, "{:>6}", short(*c));
    }
    let _ = writeln!(o);
    for r in &rows {
        let _ = write!(o, "  {:<6}", short(*r));
        for c in &cols {
            let n = s.confusion.get(&(*r, *c)).copied().unwrap_or(0);
            if n == 0 {
                let _ = write!(o, "{:>6}", ".");
            } else {
                let _ = write!(o, "{n:>6}");
            }
        }
        let _ = writeln!(o);
    }
    o
}

/// One tuned log as the learned fallback sees it: the rules' answer, how they reached it and
/// the features the model reads.
#[derive(Debug, Clone)]
pub struct FallbackCase {
    /// The index entry.
    pub entry: Entry,
    /// The rules' family (without the fallback).
    pub today: Family,
    /// How the rules answered (`settled`, `tool_guess`, `incomplete` …).
    pub basis: &'static str,
    /// Whether the rules' answer is settled (the model is never asked).
    pub settled: bool,
    /// The rules' answer is low-confidence.
    pub low: bool,
    /// The model's features of the log.
    pub features: Vec<String>,
    /// The model may not say `success` (the log shows a failure).
    pub no_success: bool,
}

/// The fallback's view of every TUNED log (the blind part is never read here).
pub fn fallback_cases(root: &Path, entries: &[Entry]) -> Result<Vec<FallbackCase>, CorpusError> {
    fallback_cases_with_tail(root, entries, 0)
}

/// [`fallback_cases`] with the word tokens of the log's last `tail` lines added (an experiment:
/// the analyzer does not keep such a tail, so the diagnosis itself cannot read it).
pub fn fallback_cases_with_tail(
    root: &Path,
    entries: &[Entry],
    tail: usize,
) -> Result<Vec<FallbackCase>, CorpusError> {
    let mut out = Vec::new();
    for e in entries.iter().filter(|e| e.part() == Some(Part::Tuned)) {
        let bytes = read_log(root, e)?;
        let Ok(mut i) = crate::inspect_bytes(&bytes) else {
            continue;
        };
        if tail > 0 {
            let text = String::from_utf8_lossy(&bytes);
            let mut words = std::collections::BTreeSet::new();
            for l in text
                .lines()
                .rev()
                .filter(|l| !l.trim().is_empty())
                .take(tail)
            {
                fallback::tokens(&crate::clean_line(l).text, &mut words);
            }
            i.features.extend(words);
            i.features.sort();
            i.features.dedup();
        }
        out.push(FallbackCase {
            entry: e.clone(),
            today: i.diagnosis.category,
            basis: i.basis.as_str(),
            settled: i.basis == fallback::Basis::Settled,
            low: i.diagnosis.confidence == Confidence::Low,
            features: i.features,
            no_success: i.no_success,
        });
    }
    Ok(out)
}

/// The knobs of one cross-validation run.
#[derive(Debug, Clone)]
pub struct CvSettings {
    /// A feature is kept when logs of at least this many threads show it (a thread's own
    /// wording does not generalise).
    pub min_threads: u32,
    /// Train on every labelled tuned log, not only those the rules do not settle.
    pub train_all: bool,
    /// The model answers only when its top family has at least this probability.
    pub min_p: f64,
    /// Also answer the low-confidence answers of failure rules (option b).
    pub low_settled: bool,
    /// Bernoulli rather than multinomial naive Bayes.
    pub bernoulli: bool,
    /// Feature prefixes used (`w:`, `r:` …); empty: all.
    pub groups: Vec<String>,
}

/// One log's answer before and after the fallback in cross-validation.
#[derive(Debug, Clone)]
pub struct CvRow {
    /// The index entry.
    pub entry: Entry,
    /// How the rules answered.
    pub basis: &'static str,
    /// The rules' family.
    pub before: Family,
    /// The model's family, trained without the log's thread.
    pub after: Family,
}

/// Leave-one-thread-out cross-validation of the fallback on the labelled tuned logs where the
/// rules did not settle the cause (every basis but `settled`, reported per basis; with
/// `low_settled` also the low-confidence answers of failure rules): for each thread (`source`),
/// a model trained on the other threads answers that thread's logs, so no log is answered by a
/// model that saw its thread's wording. Where the model has no answer, the rules' answer
/// stays.
pub fn cross_validate(cases: &[FallbackCase], s: &CvSettings) -> Vec<CvRow> {
    let mut threads: Vec<&str> = cases.iter().map(|c| c.entry.source.as_str()).collect();
    threads.sort_unstable();
    threads.dedup();
    let kept = |features: &[String]| -> Vec<String> {
        features
            .iter()
            .filter(|f| s.groups.is_empty() || s.groups.iter().any(|g| f.starts_with(g.as_str())))
            .cloned()
            .collect()
    };
    let mut rows = Vec::new();
    for t in threads {
        let mut ex: Vec<fallback::Example> = cases
            .iter()
            .filter(|c| c.entry.source != t && (s.train_all || !c.settled))
            .filter(|c| c.entry.label != Family::Unknown)
            .map(|c| fallback::Example {
                features: kept(&c.features),
                label: c.entry.label,
                thread: c.entry.source.clone(),
            })
            .collect();
        ex.retain(|e| !e.features.is_empty());
        let model = fallback::Model::train(&ex, s.min_threads);
        for c in cases
            .iter()
            .filter(|c| c.entry.source == t && c.entry.label != Family::Unknown)
            .filter(|c| !c.settled || (s.low_settled && c.low))
        {
            let feats = kept(&c.features);
            let ranked = if s.bernoulli {
                model.rank_bernoulli(&feats)
            } else {
                model.rank(&feats)
            };
            let ranked = fallback::allowed(ranked, c.no_success);
            rows.push(CvRow {
                entry: c.entry.clone(),
                basis: if c.settled { "settled_low" } else { c.basis },
                before: c.today,
                after: ranked
                    .first()
                    .filter(|r| r.1 >= s.min_p)
                    .map_or(c.today, |r| r.0),
            });
        }
    }
    rows.sort_by_key(|r| r.entry.id);
    rows
}

/// The column of a cross-validation answer: right 0, wrong 1, unknown 2 (rows are labelled).
fn rwu(label: Family, got: Family) -> usize {
    match Verdict::of(label, got) {
        Verdict::Right => 0,
        Verdict::Wrong => 1,
        Verdict::Unknown | Verdict::Unlabelled => 2,
    }
}

/// The cross-validation table: right / wrong / unknown before and after, per basis and per
/// labelled family.
pub fn render_cv(rows: &[CvRow]) -> String {
    let mut o = String::new();
    let mut table = |title: &str, key: &dyn Fn(&CvRow) -> String| {
        let mut by: BTreeMap<String, [usize; 6]> = BTreeMap::new();
        for r in rows {
            for k in [key(r), "ALL".to_string()] {
                let e = by.entry(k).or_default();
                e[rwu(r.entry.label, r.before)] += 1;
                e[3 + rwu(r.entry.label, r.after)] += 1;
            }
        }
        let _ = writeln!(
            o,
            "{title:<18} {:>4}  before right/wrong/unk   after right/wrong/unk",
            "n"
        );
        for (k, v) in by {
            let _ = writeln!(
                o,
                "  {k:<16} {:>4}  {:>5} {:>5} {:>5}         {:>5} {:>5} {:>5}",
                v[0] + v[1] + v[2],
                v[0],
                v[1],
                v[2],
                v[3],
                v[4],
                v[5]
            );
        }
    };
    table("by basis", &|r| r.basis.to_string());
    table("by label", &|r| r.entry.label.as_str().to_string());
    o
}
