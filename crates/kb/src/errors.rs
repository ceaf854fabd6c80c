//! The restore error entries (`data/errors.toml`, `data/mobiledevice.toml`) and range rules
//! (`data/ranges.toml`), compiled into static data by `build.rs` (no parsing at start-up).

use crate::code;
use crate::ids::RemedyId;
use rd_model::{Confidence, Family};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

/// What an entry's `code` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A number as users see it: `4013`, `-1`, `0xE8000015`.
    Number,
    /// A pattern standing for many numbers, e.g. `0xE8xxxxxx`.
    Range,
    /// A message text, e.g. "This device isn't eligible for the requested build".
    Message,
}

/// One restore error the knowledge base knows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorEntry {
    /// Stable id; findings use `kb.<id>`.
    pub id: &'static str,
    /// The code as users see it.
    pub code: &'static str,
    /// Number, range or message.
    pub kind: Kind,
    /// Family of cause.
    pub family: Family,
    /// Short title.
    pub title: &'static str,
    /// What it means, in our own words.
    pub meaning: &'static str,
    /// How sure the sources are.
    pub confidence: Confidence,
    /// The section of Apple's error article that listed it, when it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub apple_section: Option<&'static str>,
    /// Where the facts come from (URLs or references).
    pub sources: &'static [&'static str],
    /// Remedies, best first.
    pub remedies: &'static [RemedyId],
    /// Other spellings or texts that mean this entry.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub aliases: &'static [&'static str],
    /// For `kind = range`: the id of the range rule it stands for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub range: Option<&'static str>,
    /// For MobileDevice codes: the constant's name, e.g. `kAMDMissingValueError`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub constant: Option<&'static str>,
}

impl ErrorEntry {
    /// For `kind = number`: the canonical numeric value (see [`crate::code`]).
    pub fn value(&self) -> Option<i64> {
        match self.kind {
            Kind::Number => code::parse_exact(self.code),
            Kind::Range | Kind::Message => None,
        }
    }
}

/// A rule giving a family to numbers that have no entry of their own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RangeRule {
    /// Stable id; findings use `kb.range.<id>`.
    pub id: &'static str,
    /// Lowest number in the range (inclusive, canonical value).
    pub low: i64,
    /// Highest number in the range (inclusive, canonical value).
    pub high: i64,
    /// Family every number in the range gets.
    pub family: Family,
    /// How sure the rule is.
    pub confidence: Confidence,
    /// Short title.
    pub title: &'static str,
    /// What numbers in this range mean, in our own words.
    pub note: &'static str,
    /// Which known entries the rule was decided from.
    pub basis: &'static str,
    /// Remedies, best first.
    pub remedies: &'static [RemedyId],
}

impl RangeRule {
    /// Whether `value` (canonical) falls in the range.
    pub fn contains(&self, value: i64) -> bool {
        (self.low..=self.high).contains(&value)
    }

    /// The range written as users would: `3100–3999`, `0xE8000000–0xE8FFFFFF`, `-9899 to -9800`.
    pub fn span(&self) -> String {
        let (low, high) = (code::display(self.low), code::display(self.high));
        if self.low < 0 {
            format!("{low} to {high}")
        } else {
            format!("{low}–{high}")
        }
    }
}

/// The data, compiled from `data/*.toml` by `build.rs`.
mod compiled {
    use super::{ErrorEntry, Kind, RangeRule, RemedyId};
    use rd_model::{Confidence, Family};

    include!(concat!(env!("OUT_DIR"), "/kb_data.rs"));
}

/// Indexes over the compiled data for lookup.
pub(crate) struct Kb {
    pub(crate) by_value: HashMap<i64, usize>,
    pub(crate) by_text: HashMap<String, usize>,
    pub(crate) by_id: HashMap<&'static str, usize>,
}

fn index() -> Kb {
    let mut by_value = HashMap::new();
    let mut by_text = HashMap::new();
    let mut by_id = HashMap::new();
    for (i, e) in compiled::ENTRIES.iter().enumerate() {
        if let Some(v) = e.value() {
            by_value.entry(v).or_insert(i);
        }
        by_id.entry(e.id).or_insert(i);
        let own_text = (e.kind != Kind::Number).then_some(&e.code);
        for text in own_text.into_iter().chain(e.aliases) {
            by_text.entry(crate::similar::fold(text)).or_insert(i);
        }
    }
    Kb {
        by_value,
        by_text,
        by_id,
    }
}

pub(crate) fn kb() -> &'static Kb {
    static KB: OnceLock<Kb> = OnceLock::new();
    KB.get_or_init(index)
}

/// Every entry: errors.toml order, then the MobileDevice codes.
pub fn entries() -> &'static [ErrorEntry] {
    compiled::ENTRIES
}

/// The entry with this id (e.g. `4013`, `0xe8000015`, `not-eligible-for-the-requested-build`).
pub fn by_id(id: &str) -> Option<&'static ErrorEntry> {
    kb().by_id.get(id).map(|&i| &compiled::ENTRIES[i])
}

/// The entry for a canonical numeric value (see [`crate::code::canonical`]).
pub fn by_value(value: i64) -> Option<&'static ErrorEntry> {
    kb().by_value.get(&value).map(|&i| &compiled::ENTRIES[i])
}

/// Entries of one family, in data order.
pub fn entries_in_family(family: Family) -> Vec<&'static ErrorEntry> {
    entries().iter().filter(|e| e.family == family).collect()
}

/// The error numbers a cause of this family shows up as, most certain first (for "this would show
/// up as errors 3194, 3004, 3014").
pub fn codes_for_family(family: Family) -> Vec<&'static str> {
    let mut found: Vec<&ErrorEntry> = entries()
        .iter()
        .filter(|e| e.family == family && e.kind == Kind::Number)
        .collect();
    found.sort_by_key(|e| std::cmp::Reverse(e.confidence));
    found.into_iter().map(|e| e.code).collect()
}

/// Every range rule.
pub fn ranges() -> &'static [RangeRule] {
    compiled::RANGES
}

/// The range rule a canonical numeric value falls in, if any.
pub fn range_for(value: i64) -> Option<&'static RangeRule> {
    ranges().iter().find(|r| r.contains(value))
}

/// The range rule with this id.
pub fn range_by_id(id: &str) -> Option<&'static RangeRule> {
    ranges().iter().find(|r| r.id == id)
}

/// Checks the whole knowledge base: unique ids and codes, known remedies, numbers that parse,
/// range links that resolve, ranges that do not overlap, no empty text. Returns every problem.
pub fn validate() -> Result<(), Vec<String>> {
    let mut problems = Vec::new();
    let mut ids = HashSet::new();
    let mut values = HashSet::new();
    let mut texts = HashSet::new();
    for e in entries() {
        let at = e.id;
        if !ids.insert(e.id) {
            problems.push(format!("{at}: duplicate id"));
        }
        if let Some(v) = e.value()
            && !values.insert(v)
        {
            problems.push(format!("{at}: duplicate number {}", e.code));
        }
        let own_text = (e.kind != Kind::Number).then_some(&e.code);
        for text in own_text.into_iter().chain(e.aliases) {
            if !texts.insert(crate::similar::fold(text)) {
                problems.push(format!("{at}: text '{text}' is used twice"));
            }
            if code::parse_exact(text).is_some() {
                problems.push(format!(
                    "{at}: alias '{text}' is a number; numbers need an entry"
                ));
            }
        }
        for (name, text) in [
            ("title", &e.title),
            ("meaning", &e.meaning),
            ("code", &e.code),
        ] {
            if text.trim().is_empty() {
                problems.push(format!("{at}: empty {name}"));
            }
        }
        if e.remedies.is_empty() {
            problems.push(format!("{at}: no remedies"));
        }
        let mut seen = HashSet::new();
        for r in e.remedies {
            if !seen.insert(r) {
                problems.push(format!("{at}: remedy {r} listed twice"));
            }
        }
        if e.sources.is_empty() {
            problems.push(format!("{at}: no sources"));
        }
        match e.kind {
            Kind::Number if e.value().is_none() => {
                problems.push(format!("{at}: code {} is not a number", e.code));
            }
            Kind::Range => match e.range.map(range_by_id) {
                Some(Some(_)) => {}
                _ => problems.push(format!("{at}: range entry without a known range rule")),
            },
            Kind::Message if code::parse_exact(e.code).is_some() => {
                problems.push(format!("{at}: message entry whose code is a number"));
            }
            _ => {}
        }
        if e.kind != Kind::Range && e.range.is_some() {
            problems.push(format!("{at}: only range entries may name a range rule"));
        }
    }
    let mut rule_ids = HashSet::new();
    for (i, r) in ranges().iter().enumerate() {
        if !rule_ids.insert(r.id) {
            problems.push(format!("range {}: duplicate id", r.id));
        }
        if r.low > r.high {
            problems.push(format!("range {}: low is above high", r.id));
        }
        if r.remedies.is_empty() {
            problems.push(format!("range {}: no remedies", r.id));
        }
        for other in &ranges()[i + 1..] {
            if r.low <= other.high && other.low <= r.high {
                problems.push(format!("ranges {} and {} overlap", r.id, other.id));
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}
