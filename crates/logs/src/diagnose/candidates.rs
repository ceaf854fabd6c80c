//! The likely causes offered when a log does not settle one (`unknown`, or a low-confidence
//! answer): the families the log's own lines point at (failures, then hints such as a newer SEP
//! chosen for an older iOS), the tool when an old build meets newer firmware, and the usual
//! suspects of the stage where the log fails or stops (`data/stages.toml`). Each comes with its
//! evidence and what would settle it.

use super::Signals;
use crate::analyzer::Analyzer;
use crate::data::{self, Phrase, phrase};
use crate::report::{CandidateCause, Diagnosis, EvidenceLine};
use rd_model::Family;

/// Most candidates offered.
const MAX_CANDIDATES: usize = 3;

fn line(line: u64, text: &str, why: &str) -> EvidenceLine {
    EvidenceLine {
        line,
        text: text.to_string(),
        why: why.to_string(),
    }
}

fn push(out: &mut Vec<CandidateCause>, c: CandidateCause) {
    if matches!(c.family, Family::Unknown | Family::Success) {
        return;
    }
    if out.len() < MAX_CANDIDATES && !out.iter().any(|x| x.family == c.family) {
        out.push(c);
    }
}

/// The two or three likely causes, best first.
pub(crate) fn build(d: &Diagnosis, s: &Signals, a: &Analyzer) -> Vec<CandidateCause> {
    let mut out = Vec::new();
    let mut failures: Vec<_> = s.failures.iter().collect();
    failures.sort_by_key(|c| std::cmp::Reverse(c.rank()));
    let staged = stage_suspects(d, a);
    // The family named (at low confidence) first.
    if d.category != Family::Unknown {
        if let Some(c) = failures.iter().find(|c| c.rule.def.family == d.category) {
            push(&mut out, from_rule(c));
        } else if d.category == Family::RestoreTool
            && let Some(t) = &a.tool
        {
            push(&mut out, tool_candidate(t, a));
        } else if let Some(c) = staged.iter().find(|c| c.family == d.category) {
            push(&mut out, c.clone());
        } else if let Some(sus) = data::default_suspects()
            .iter()
            .find(|s| s.family == d.category)
        {
            push(&mut out, suspect(sus, Vec::new()));
        }
    }
    if let Some(t) = &a.tool
        && t.older_than_firmware == Some(true)
    {
        push(&mut out, tool_candidate(t, a));
    }
    for c in &failures {
        push(&mut out, from_rule(c));
    }
    // What the run was set up to do (a newer SEP for an older iOS …) before the stage's usual
    // suspects: the log itself points there.
    for c in &s.hints {
        push(&mut out, from_rule(c));
    }
    for c in staged {
        push(&mut out, c);
    }
    if out.len() < 2 {
        let third_party = d.tool.is_some()
            || data::formats()
                .iter()
                .any(|f| f.third_party && d.formats.contains(&f.id));
        for sus in data::default_suspects() {
            if sus.family == Family::RestoreTool && !third_party {
                continue;
            }
            push(&mut out, suspect(sus, Vec::new()));
        }
    }
    out
}

/// The usual suspects of the stage where the log fails or stops, with the line that reached it.
fn stage_suspects(d: &Diagnosis, a: &Analyzer) -> Vec<CandidateCause> {
    let Some(stage) = d
        .failed_stage
        .as_ref()
        .and_then(|st| st.id.as_deref())
        .and_then(|id| data::stages().iter().find(|s| s.id == id))
    else {
        return Vec::new();
    };
    let at = a
        .stages
        .iter()
        .rev()
        .find(|m| m.stage.id.as_deref() == Some(stage.id.as_str()));
    let evidence = at
        .map(|m| {
            vec![line(
                m.at.line,
                &m.at.text,
                &phrase(Phrase::StageReached, &[("stage", &stage.name)]),
            )]
        })
        .unwrap_or_default();
    stage
        .suspect
        .iter()
        .map(|sus| suspect(sus, evidence.clone()))
        .collect()
}

fn suspect(sus: &data::SuspectDef, evidence: Vec<EvidenceLine>) -> CandidateCause {
    CandidateCause {
        family: sus.family,
        rule: None,
        why: sus.why.clone(),
        evidence,
        settle: sus.settle.clone(),
    }
}

fn from_rule(c: &super::Candidate) -> CandidateCause {
    let def = &c.rule.def;
    CandidateCause {
        family: def.family,
        rule: Some(def.id.clone()),
        why: def.title.clone(),
        evidence: vec![line(c.first.line, &c.first.text, c.why)],
        settle: def
            .settle
            .clone()
            .unwrap_or_else(|| phrase(Phrase::DefaultSettle, &[])),
    }
}

fn tool_candidate(t: &crate::report::ToolInfo, a: &Analyzer) -> CandidateCause {
    let why = match (t.older_than_firmware, &t.built_before) {
        (Some(true), Some(b)) => format!(
            "{} {} was built no later than {b}, before the firmware was released ({})",
            t.name,
            t.version,
            super::cause::released_phrase(t)
        ),
        _ => format!(
            "{} {} may not support this device or firmware",
            t.name, t.version
        ),
    };
    CandidateCause {
        family: Family::RestoreTool,
        rule: None,
        why,
        evidence: vec![line(
            t.line,
            a.tool_banner
                .as_ref()
                .map_or(t.version.as_str(), |b| b.text.as_str()),
            &phrase(Phrase::Banner, &[]),
        )],
        settle: phrase(Phrase::NewestBuildSettles, &[]),
    }
}
