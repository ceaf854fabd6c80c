//! The quoted lines behind a diagnosis: the decisive line first, then supporting lines (failing
//! checkpoints, the device's final status, TSS answers, the tool's own failure line) in log
//! order, at most [`MAX_EVIDENCE`].

use super::Signals;
use crate::analyzer::Analyzer;
use crate::data::{self, Phrase, phrase};
use crate::report::{Diagnosis, EvidenceLine};
use rd_model::Family;

/// Most evidence lines quoted.
const MAX_EVIDENCE: usize = 8;

/// Gathers evidence lines, one per line number.
#[derive(Debug, Default)]
pub(crate) struct Collector {
    lines: Vec<EvidenceLine>,
    repeat: Option<EvidenceLine>,
}

impl Collector {
    /// Quotes a line (ignored when that line is already quoted or the list is full).
    pub fn push(&mut self, line: u64, text: &str, why: &str) {
        if self.lines.len() < MAX_EVIDENCE && !self.lines.iter().any(|x| x.line == line) {
            self.lines.push(EvidenceLine {
                line,
                text: text.to_string(),
                why: why.to_string(),
            });
        }
    }

    /// The last repeat of the decisive line; quoted after the supporting lines.
    pub fn push_repeat(&mut self, line: u64, text: &str, why: &str) {
        self.repeat = Some(EvidenceLine {
            line,
            text: text.to_string(),
            why: why.to_string(),
        });
    }

    /// The evidence in log order with the decisive rule's line first.
    pub fn ordered(mut self, rule: Option<&str>, s: &Signals) -> Vec<EvidenceLine> {
        if let Some(r) = self.repeat.take() {
            self.push(r.line, &r.text, &r.why);
        }
        let mut ev = self.lines;
        ev.sort_by_key(|e| e.line);
        if let Some(rule) = rule {
            let decisive = ev.iter().position(|e| {
                s.failures
                    .iter()
                    .chain(&s.successes)
                    .chain(&s.generics)
                    .any(|c| {
                        c.rule.def.id == rule && (c.first.line == e.line || c.last.line == e.line)
                    })
            });
            if let Some(i) = decisive {
                let e = ev.remove(i);
                ev.insert(0, e);
            }
        }
        ev
    }
}

/// Supporting evidence of a failure: failing checkpoints, the device's final status, TSS
/// answers (for signing causes) and the tool's first generic failure line.
pub(crate) fn supporting(d: &Diagnosis, s: &Signals, a: &Analyzer, ev: &mut Collector) {
    for c in a.failed_checkpoints.iter().take(2) {
        let why = match &c.event.name {
            Some(n) => phrase(Phrase::StepFailed, &[("step", n)]),
            None => phrase(Phrase::StepFailedUnnamed, &[]),
        };
        ev.push(c.event.line, &c.text, &why);
    }
    for st in a.statuses.iter().filter(|x| x.code != 0).take(2) {
        let meaning = data::protocol()
            .status_meaning(st.code)
            .unwrap_or("unrecognised status");
        ev.push(
            st.line,
            &st.text,
            &phrase(
                Phrase::FinalStatus,
                &[("code", &st.code.to_string()), ("meaning", meaning)],
            ),
        );
    }
    if matches!(d.category, Family::Signing | Family::RestoreTool) {
        for t in a.tss.iter().take(2) {
            let meaning = data::protocol()
                .tss_meaning(t.code)
                .unwrap_or("unlisted TSS status");
            ev.push(
                t.line,
                &t.text,
                &phrase(
                    Phrase::TssStatus,
                    &[("code", &t.code.to_string()), ("meaning", meaning)],
                ),
            );
        }
    }
    if let Some(b) = &a.tool_banner
        && d.category == Family::RestoreTool
    {
        ev.push(b.line, &b.text, &phrase(Phrase::Banner, &[]));
    }
    if let Some(g) = s.generics.iter().min_by_key(|g| g.first.line) {
        ev.push(g.first.line, &g.first.text, g.why);
    }
}
