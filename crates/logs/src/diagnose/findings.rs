//! The diagnosis in the shared finding model: the main finding first, then weaker signals of
//! other families ("also seen"), then the discounted noise.

use super::{Candidate, Signals};
use crate::data::{self, TextId};
use crate::report::{Diagnosis, NoiseNote, Outcome};
use rd_model::{Confidence, Evidence, Family, Finding, Severity};

/// Most secondary findings listed.
const MAX_OTHERS: usize = 4;

fn severity(outcome: Outcome) -> Severity {
    match outcome {
        Outcome::Success => Severity::Ok,
        Outcome::Failure => Severity::Fail,
        Outcome::Incomplete => Severity::Warn,
        Outcome::Unknown => Severity::Info,
    }
}

/// One note per noise rule that fired.
pub(crate) fn noise_notes(s: &Signals) -> Vec<NoiseNote> {
    s.noise
        .iter()
        .map(|n| NoiseNote {
            id: n.rule.def.id.clone(),
            title: n.rule.def.title.clone(),
            why: n.rule.def.why.clone(),
            count: n.count,
            first_line: n.first.line,
            last_line: n.last.line,
            example: n.first.text.clone(),
        })
        .collect()
}

/// The main finding, the other signals and the noise notes.
pub(crate) fn findings(d: &Diagnosis, others: &[Candidate]) -> Vec<Finding> {
    let id = match (&d.rule, d.outcome) {
        (Some(r), _) => format!("log.{r}"),
        (None, o) => format!("log.{}", o.as_str()),
    };
    let mut explanation = d.explanation.clone();
    if let Some(s) = &d.settle {
        explanation.push_str(&format!(" What would settle it: {s}."));
    }
    if !d.candidates.is_empty() {
        let names: Vec<&str> = d.candidates.iter().map(|c| c.family.label()).collect();
        explanation.push_str(&format!(" Likely causes: {}.", names.join("; ")));
    }
    let mut main = Finding::new(
        id,
        d.category,
        severity(d.outcome),
        d.title.clone(),
        explanation,
    )
    .with_confidence(d.confidence)
    .with_remedies(d.remedies.clone())
    .with_error_codes(d.error_codes.clone());
    for e in &d.evidence {
        main = main.with_evidence(Evidence::new(e.text.clone(), e.why.clone()).at_line(e.line));
    }
    let mut out = vec![main];
    let mut sorted: Vec<&Candidate> = others.iter().collect();
    sorted.sort_by_key(|c| std::cmp::Reverse(c.rank()));
    let also = data::text(TextId::AlsoSeen);
    let mut seen: Vec<&str> = Vec::new();
    for c in sorted {
        if seen.contains(&c.rule.def.id.as_str()) || seen.len() >= MAX_OTHERS {
            continue;
        }
        seen.push(&c.rule.def.id);
        out.push(
            Finding::new(
                format!("log.{}", c.rule.def.id),
                c.rule.def.family,
                Severity::Warn,
                format!("{}: {}", also.title, c.rule.def.title.to_lowercase()),
                also.explanation.clone(),
            )
            .with_confidence(Confidence::Low)
            .with_evidence(Evidence::new(c.first.text.clone(), c.why).at_line(c.first.line))
            .with_remedies(rd_kb::remedies(&c.rule.def.remedies)),
        );
    }
    for n in &d.noise {
        out.push(
            Finding::new(
                format!("log.{}", n.id),
                Family::Unknown,
                Severity::Info,
                format!(
                    "Discounted: {} ({} line{})",
                    n.title,
                    n.count,
                    if n.count == 1 { "" } else { "s" }
                ),
                n.why.clone(),
            )
            .with_evidence(Evidence::new(n.example.clone(), n.why.clone()).at_line(n.first_line)),
        );
    }
    out
}
