//! Turning what a user typed or pasted into a knowledge-base answer.
//!
//! Accepted: a bare number (`4013`, `-1`, `0xe8000015`, `3892314133`, `-402653163`), the number
//! with words around it (`Error 4013`, `(4013)`, `error code: 4013`), a whole pasted dialog ("This
//! device cannot be restored. An unknown error occurred (4013)."), or a known message text with
//! small differences. Never panics; long inputs are answered in linear time.

use crate::code;
use crate::errors::{self, ErrorEntry, Kind, RangeRule};
use crate::similar;
use rd_model::{Evidence, Finding, Severity};

/// Share of a known message's (length-weighted) words that must appear, in order, in the input.
pub const MESSAGE_THRESHOLD: f64 = 0.8;

/// Longest part of the input echoed back in answers.
const ECHO_CHARS: usize = 80;

/// How an entry was matched.
#[derive(Debug, Clone, PartialEq)]
pub enum Matched {
    /// By its number; `typed` is the form found in the input (e.g. `-402653163`).
    Number {
        /// The number as it appeared in the input.
        typed: String,
    },
    /// The input is the entry's code text or one of its aliases (case and punctuation aside).
    Text,
    /// The input resembles a known message.
    Similar {
        /// The known message text it resembles.
        message: String,
        /// Share of the message's words found (0.0–1.0).
        score: f64,
    },
}

/// The answer to one query.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// A knowledge-base entry.
    Entry {
        /// The entry.
        entry: &'static ErrorEntry,
        /// How it was matched.
        matched: Matched,
    },
    /// A number with no entry of its own that falls in a known range.
    Range {
        /// The number, normalized (`0xE8001234`, `3456`).
        code: String,
        /// The number as it appeared in the input.
        typed: String,
        /// The range rule.
        rule: &'static RangeRule,
    },
    /// Nothing matched.
    NotFound {
        /// The normalized number, when the input held one.
        code: Option<String>,
    },
}

/// A query and its answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Lookup {
    /// The input, trimmed, on one line, cut to a readable length.
    pub query: String,
    /// What it resolved to.
    pub outcome: Outcome,
}

/// Looks up an error number or message text. Never panics; unknown input gives
/// [`Outcome::NotFound`].
pub fn lookup(input: &str) -> Lookup {
    Lookup {
        query: echo(input),
        outcome: resolve(input),
    }
}

fn resolve(input: &str) -> Outcome {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Outcome::NotFound { code: None };
    }
    if let Some(&i) = errors::kb().by_text.get(&similar::fold(trimmed)) {
        return Outcome::Entry {
            entry: &errors::entries()[i],
            matched: Matched::Text,
        };
    }
    let number = whole_number(trimmed).or_else(|| number_in_text(trimmed));
    if let Some((value, typed)) = &number
        && let Some(entry) = errors::by_value(*value)
    {
        return Outcome::Entry {
            entry,
            matched: Matched::Number {
                typed: typed.clone(),
            },
        };
    }
    if let Some((value, typed)) = &number
        && let Some(rule) = errors::range_for(*value)
    {
        return Outcome::Range {
            code: code::display(*value),
            typed: typed.clone(),
            rule,
        };
    }
    if let Some(found) = similar_message(trimmed) {
        return found;
    }
    Outcome::NotFound {
        code: number.map(|(v, _)| code::display(v)),
    }
}

/// The input is one number, perhaps wrapped in brackets, quotes or an `error`/`code` prefix.
fn whole_number(text: &str) -> Option<(i64, String)> {
    let mut core = text.trim_matches(|c: char| {
        c.is_whitespace() || matches!(c, '(' | ')' | '[' | ']' | '"' | '\'' | '.' | '!')
    });
    while let Some(rest) = ["error", "err", "code", "no.", "#", ":", "="]
        .iter()
        .find(|p| {
            core.as_bytes()
                .get(..p.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(p.as_bytes()))
        })
        .map(|p| &core[p.len()..])
    {
        core = rest.trim_start_matches(|c: char| c.is_whitespace() || matches!(c, '(' | '['));
    }
    let core = core.trim_end_matches(|c: char| c.is_whitespace() || matches!(c, ')' | ']'));
    code::parse_exact(core).map(|v| (v, core.to_string()))
}

/// The most telling number in a sentence: a MobileDevice hex code or a number in brackets first,
/// then one right after `error`/`code`, then one right before `error`. Bare numbers ("iPhone 11",
/// "iOS 17", "in 2024") are not taken as error codes, except in a query of at most three words
/// ("4013 iphone").
fn number_in_text(text: &str) -> Option<(i64, String)> {
    let bytes = text.as_bytes();
    let mut best: Option<(u8, i64, String)> = None;
    let mut first_bare: Option<(i64, String)> = None;
    let mut words = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_alphanumeric() {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_alphanumeric() {
            i += 1;
        }
        let end = i;
        words += 1;
        let negative = start >= 1
            && bytes[start - 1] == b'-'
            && (start < 2 || !bytes[start - 2].is_ascii_alphanumeric());
        let token_start = if negative { start - 1 } else { start };
        let token = &text[token_start..end];
        let Some(value) = code::parse_exact(token) else {
            continue;
        };
        let priority = priority_of(text, token_start, end, token);
        if priority == 0 {
            first_bare.get_or_insert_with(|| (value, token.to_string()));
        } else if best.as_ref().is_none_or(|(p, _, _)| priority > *p) {
            best = Some((priority, value, token.to_string()));
        }
    }
    match best {
        Some((_, v, t)) => Some((v, t)),
        None if words <= 3 => first_bare,
        None => None,
    }
}

fn priority_of(text: &str, start: usize, end: usize, token: &str) -> u8 {
    let is_hex = token.len() >= 8 && !token.bytes().all(|b| b.is_ascii_digit() || b == b'-');
    let before = text[..start].trim_end_matches([' ', '\t']);
    let after = text[end..].trim_start_matches([' ', '\t']);
    if is_hex || (before.ends_with(['(', '[']) && after.starts_with([')', ']'])) {
        return 4;
    }
    let before_word = before
        .trim_end_matches([':', '=', '#', ' '])
        .rsplit(|c: char| !c.is_ascii_alphanumeric())
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    if matches!(
        before_word.as_str(),
        "error" | "err" | "code" | "errno" | "status" | "errorcode"
    ) {
        return 3;
    }
    let after_word = after
        .split(|c: char| !c.is_ascii_alphanumeric())
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    if after_word == "error" {
        return 2;
    }
    0
}

fn similar_message(text: &str) -> Option<Outcome> {
    let query = similar::tokens(text);
    if query.is_empty() {
        return None;
    }
    let long = query.len() > similar::MAX_FUZZY_QUERY_TOKENS;
    let folded_query = if long {
        format!(" {} ", query.join(" "))
    } else {
        String::new()
    };
    let mut best: Option<(f64, &'static ErrorEntry, &'static str)> = None;
    for entry in errors::entries().iter().filter(|e| e.kind == Kind::Message) {
        for known in std::iter::once(&entry.code).chain(entry.aliases) {
            let words = similar::tokens(known);
            let score = if long {
                // Long inputs: exact containment only, in linear time.
                let needle = format!(" {} ", words.join(" "));
                if folded_query.contains(&needle) {
                    1.0
                } else {
                    0.0
                }
            } else {
                similar::coverage(&query, &words)
            };
            if score >= MESSAGE_THRESHOLD && best.is_none_or(|(s, _, _)| score > s) {
                best = Some((score, entry, *known));
            }
        }
    }
    best.map(|(score, entry, message)| Outcome::Entry {
        entry,
        matched: Matched::Similar {
            message: message.to_string(),
            score,
        },
    })
}

/// The input on one line, cut to [`ECHO_CHARS`] characters.
fn echo(input: &str) -> String {
    let one_line: String = input
        .trim()
        .chars()
        .take(ECHO_CHARS + 1)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if one_line.chars().count() > ECHO_CHARS {
        let cut: String = one_line.chars().take(ECHO_CHARS).collect();
        format!("{cut}…")
    } else {
        one_line
    }
}

impl Lookup {
    /// Whether the query resolved to an entry or a range.
    pub fn is_found(&self) -> bool {
        !matches!(self.outcome, Outcome::NotFound { .. })
    }

    /// The normalized code the answer is about: `4013`, `0xE8000015`, or the message text.
    pub fn subject(&self) -> Option<String> {
        match &self.outcome {
            Outcome::Entry { entry, .. } => Some(entry.code.to_string()),
            Outcome::Range { code, .. } => Some(code.clone()),
            Outcome::NotFound { code } => code.clone(),
        }
    }

    /// One line saying why there is no answer (for `NotFound`; a summary otherwise).
    pub fn not_found_message(&self) -> String {
        match &self.outcome {
            Outcome::NotFound { code: Some(code) } => format!(
                "error {code} is not in the knowledge base and falls in no known range (`restore-doctor errors` lists the known ones)"
            ),
            Outcome::NotFound { code: None } => format!(
                "no known error number or message in \"{}\"; give the number from the dialog, e.g. `restore-doctor error 4013`",
                self.query
            ),
            _ => format!("found {}", self.subject().unwrap_or_default()),
        }
    }

    /// The answer as a finding: the entry (or range) with its meaning, remedies and sources.
    pub fn finding(&self) -> Option<Finding> {
        match &self.outcome {
            Outcome::Entry { entry, matched } => Some(entry_finding(entry, matched, &self.query)),
            Outcome::Range { code, typed, rule } => Some(range_finding(code, typed, rule)),
            Outcome::NotFound { .. } => None,
        }
    }
}

/// The finding for a knowledge-base entry, as `restore-doctor error` shows it.
pub fn finding_for(entry: &ErrorEntry) -> Finding {
    entry_finding(entry, &Matched::Text, entry.code)
}

fn entry_finding(entry: &ErrorEntry, matched: &Matched, query: &str) -> Finding {
    let title = match entry.kind {
        Kind::Number => format!("Error {}: {}", entry.code, entry.title),
        Kind::Range | Kind::Message => entry.title.to_string(),
    };
    let mut explanation = entry.meaning.to_string();
    if let Some(rule) = entry.range.and_then(errors::range_by_id) {
        explanation.push_str(&format!(
            " This entry stands for the whole range {}.",
            rule.span()
        ));
    }
    let mut f = Finding::new(
        format!("kb.{}", entry.id),
        entry.family,
        Severity::Fail,
        title,
        explanation,
    )
    .with_confidence(entry.confidence)
    .with_remedies(crate::catalog::remedies(entry.remedies))
    .with_error_codes([entry.code]);
    match matched {
        Matched::Number { typed } if !typed.eq_ignore_ascii_case(entry.code) => {
            f = f.with_evidence(Evidence::new(
                typed.clone(),
                format!("the same error as {}, written another way", entry.code),
            ));
        }
        Matched::Similar { message, score } => {
            f = f.with_evidence(Evidence::new(
                query.to_string(),
                format!(
                    "close to the known message \"{message}\" ({:.0}% of its words match)",
                    score * 100.0
                ),
            ));
        }
        _ => {}
    }
    if let Some(constant) = entry.constant {
        f = f.with_evidence(Evidence::new(
            constant,
            "the name MobileDevice gives this code",
        ));
    }
    if let Some(section) = entry.apple_section {
        let mut e = Evidence::new(
            format!("Apple's error article lists it under: {section}"),
            "Apple's own grouping of this error",
        );
        if let Some(url) = entry
            .sources
            .iter()
            .find(|s| s.starts_with("https://support.apple.com/"))
        {
            e = e.from_source(*url);
        }
        f = f.with_evidence(e);
    }
    if let Some(e) = sources_evidence(entry.sources) {
        f = f.with_evidence(e);
    }
    f
}

/// One evidence line naming every source of the entry (`Sources: Apple Support article 102561;
/// The iPhone Wiki: ITunes Errors; …`), so the sources back the answer without burying it.
fn sources_evidence(sources: &[&str]) -> Option<Evidence> {
    let mut labels: Vec<String> = Vec::new();
    let mut unpublished = 0;
    for source in sources {
        match source_label(source) {
            Some(label) if !labels.contains(&label) => labels.push(label),
            Some(_) => {}
            None => unpublished += 1,
        }
    }
    if labels.is_empty() && unpublished == 0 {
        return None;
    }
    let mut text = format!("Sources: {}", labels.join("; "));
    if unpublished > 0 {
        let sep = if labels.is_empty() { "" } else { "; " };
        text.push_str(&format!("{sep}{unpublished} note(s) without a public link"));
    }
    Some(Evidence::new(
        text,
        "where the facts in this entry come from",
    ))
}

/// A short name for a source URL (`Apple Support article 102561`, `The iPhone Wiki: ITunes
/// Errors`, `owner/repo: path`); `None` when the source is not a URL.
pub fn source_label(source: &str) -> Option<String> {
    let rest = source
        .strip_prefix("https://")
        .or_else(|| source.strip_prefix("http://"))?;
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let host = host.strip_prefix("www.").unwrap_or(host);
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    let label = match (host, parts.as_slice()) {
        ("support.apple.com", [.., article]) => format!("Apple Support article {article}"),
        ("discussions.apple.com", _) => "Apple Support Communities thread".to_string(),
        ("theiphonewiki.com", [.., page]) => format!("The iPhone Wiki: {}", page.replace('_', " ")),
        ("theapplewiki.com", [.., page]) => format!("The Apple Wiki: {}", page.replace('_', " ")),
        ("github.com", [owner, repo, "blob", _commit, file @ ..]) if !file.is_empty() => {
            format!("{owner}/{repo}: {}", file.join("/"))
        }
        _ => host.to_string(),
    };
    Some(label)
}

pub(crate) fn range_finding(code: &str, typed: &str, rule: &RangeRule) -> Finding {
    let explanation = format!(
        "{code} has no entry of its own in the knowledge base; it was matched by range ({}). {}",
        rule.span(),
        rule.note
    );
    let mut f = Finding::new(
        format!("kb.range.{}", rule.id),
        rule.family,
        Severity::Fail,
        format!("Error {code}: {}", rule.title),
        explanation,
    )
    .with_confidence(rule.confidence)
    .with_remedies(crate::catalog::remedies(rule.remedies))
    .with_error_codes([code.to_string()]);
    if !typed.eq_ignore_ascii_case(code) {
        f = f.with_evidence(Evidence::new(
            typed,
            format!("the same number as {code}, written another way"),
        ));
    }
    f.with_evidence(Evidence::new(
        rule.basis,
        "the known errors this range rule was decided from",
    ))
}
