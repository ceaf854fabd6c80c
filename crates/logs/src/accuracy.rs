//! Measuring the diagnosis on a labelled corpus of real logs (`corpus/real`, see
//! `coord/CORPUS.md` for the index format and the labelling guide for the labels).
//!
//! The corpus has a tuned part (rules may be written from it) and a blind part (no rule may be
//! written from it); both are scored the same way, but only aggregates are meant to be shown
//! for the blind part. A label `unknown` means the thread did not settle the cause, so such logs
//! are counted but excluded from right/wrong.

use crate::Diagnosis;
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

impl Scored {
    /// Right, wrong, unknown, or not scored.
    pub fn verdict(&self) -> Verdict {
        if self.entry.label == Family::Unknown {
            Verdict::Unlabelled
        } else if self.got == Family::Unknown {
            Verdict::Unknown
        } else if self.got == self.entry.label {
            Verdict::Right
        } else {
            Verdict::Wrong
        }
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

/// Diagnoses every entry of `part` (logs that cannot be read are reported as errors).
pub fn score(root: &Path, entries: &[Entry], part: Part) -> Result<Vec<Scored>, CorpusError> {
    let mut out = Vec::new();
    for e in entries.iter().filter(|e| e.part() == Some(part)) {
        let path = root.join(&e.file);
        let bytes = std::fs::read(&path).map_err(|source| CorpusError::Io {
            path: path.display().to_string(),
            source,
        })?;
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
    /// Per confidence the tool gave (scored logs): (n, right).
    pub by_confidence: BTreeMap<Confidence, (usize, usize)>,
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
        let c = s.by_confidence.entry(x.confidence).or_default();
        c.0 += 1;
        if v == Verdict::Right {
            c.1 += 1;
        }
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
    let _ = writeln!(o, "by confidence given:");
    for c in [Confidence::High, Confidence::Medium, Confidence::Low] {
        let (n, r) = s.by_confidence.get(&c).copied().unwrap_or((0, 0));
        let pct = if n == 0 {
            "    -".to_string()
        } else {
            format!("{:5.1}%", 100.0 * r as f64 / n as f64)
        };
        let _ = writeln!(
            o,
            "  {:<6} {:>3} given, {:>3} right {pct}",
            c.as_str(),
            n,
            r
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
        let frac = |a: usize, b: usize| {
            if b == 0 {
                "    -".to_string()
            } else {
                format!("{:5.1}%", 100.0 * a as f64 / b as f64)
            }
        };
        let _ = writeln!(
            o,
            "  {:<17} precision {} ({right}/{named})  recall {} ({right}/{labelled})",
            f.as_str(),
            frac(right, named),
            frac(right, labelled)
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
