//! `error` and `errors`: questions answered from the knowledge base alone (no I/O).

use crate::EngineError;
use rd_kb::{ErrorEntry, Kind, RangeRule};
use rd_model::{Confidence, Family, Report};
use serde::Serialize;

/// `error`: what an error number or message means, its family and remedies, as a report of
/// kind `error` with one finding.
pub fn error(query: &str) -> Result<Report, EngineError> {
    if query.trim().is_empty() {
        return Err(EngineError::Usage(
            "give an error number or message, e.g. `restore-doctor error 4013`".into(),
        ));
    }
    let found = rd_kb::lookup(query);
    match found.finding() {
        Some(finding) => Ok(Report::new("error", found.subject(), vec![finding])),
        None => Err(EngineError::NotFound(found.not_found_message())),
    }
}

/// One listed entry.
#[derive(Debug, Clone, Serialize)]
pub struct Listed {
    /// Entry id.
    pub id: &'static str,
    /// The code or message as written.
    pub code: &'static str,
    /// Number, message or pattern.
    pub kind: Kind,
    /// Family of cause.
    pub family: Family,
    /// One-line meaning.
    pub title: &'static str,
    /// How sure the entry is.
    pub confidence: Confidence,
    /// Remedy ids, best first.
    pub remedies: &'static [rd_kb::RemedyId],
    /// The number's value, for sorting (`None` for messages and patterns).
    #[serde(skip)]
    pub value: Option<i64>,
}

impl Listed {
    fn of(e: &ErrorEntry) -> Listed {
        Listed {
            id: e.id,
            code: e.code,
            kind: e.kind,
            family: e.family,
            title: e.title,
            confidence: e.confidence,
            remedies: e.remedies,
            value: e.value(),
        }
    }
}

/// `errors`: the knowledge base's entries and range rules, optionally one family.
#[derive(Debug, Clone, Serialize)]
pub struct Listing {
    /// The family asked for (`None`: all).
    #[serde(skip)]
    pub family: Option<Family>,
    /// Entries: numbers first (ascending), then messages and patterns.
    pub entries: Vec<Listed>,
    /// Range rules for numbers without an entry of their own.
    pub ranges: Vec<&'static RangeRule>,
}

/// `errors`: every known error, or those of `family` (a family id such as `usb`).
pub fn errors(family: Option<&str>) -> Result<Listing, EngineError> {
    let family = family
        .filter(|f| !f.trim().is_empty())
        .map(|f| f.trim().parse::<Family>())
        .transpose()
        .map_err(|e| EngineError::Usage(e.to_string()))?;
    let wanted = |f: Family| family.is_none_or(|want| want == f);
    let all: Vec<Listed> = rd_kb::entries()
        .iter()
        .filter(|e| wanted(e.family))
        .map(Listed::of)
        .collect();
    let (mut numbers, texts): (Vec<Listed>, Vec<Listed>) =
        all.into_iter().partition(|e| e.kind == Kind::Number);
    numbers.sort_by_key(|e| e.value);
    numbers.extend(texts);
    Ok(Listing {
        family,
        entries: numbers,
        ranges: rd_kb::ranges()
            .iter()
            .filter(|r| wanted(r.family))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_answers_refuses_empty_and_says_unknown() {
        let r = error("(4013)").unwrap();
        assert_eq!(r.kind, "error");
        assert_eq!(r.findings.len(), 1);
        assert!(matches!(error("  "), Err(EngineError::Usage(_))));
        assert!(matches!(error("99999"), Err(EngineError::NotFound(_))));
    }

    #[test]
    fn errors_filters_sorts_and_refuses_unknown_families() {
        let l = errors(Some("signing")).unwrap();
        assert!(!l.entries.is_empty());
        assert!(l.entries.iter().all(|e| e.family == Family::Signing));
        let values: Vec<i64> = l
            .entries
            .iter()
            .filter(|e| e.kind == Kind::Number)
            .filter_map(|e| e.value)
            .collect();
        assert!(values.windows(2).all(|w| w[0] <= w[1]), "{values:?}");
        assert!(matches!(errors(Some("cosmic")), Err(EngineError::Usage(_))));
        assert!(errors(None).unwrap().entries.len() > l.entries.len());
    }
}
