//! Filling in the cause for each outcome: family, confidence, texts, remedies, failed stage.
//! Confidence starts from the rule's measured confidence (see the hit rates in rules.toml); a
//! second signal of the same family lifts a low answer to medium, and a close rival of another
//! family lowers it one step.

use super::fallback::Basis;
use super::outcome::Verdict;
use super::{Candidate, Signals, evidence::Collector};
use crate::analyzer::Analyzer;
use crate::data::{self, Phrase, Rule, TextId, fill, phrase};
use crate::report::{Diagnosis, Outcome, Stage, ToolInfo};
use rd_model::{Confidence, Family, Remedy};

/// One step less sure.
fn lower(c: Confidence) -> Confidence {
    match c {
        Confidence::High => Confidence::Medium,
        _ => Confidence::Low,
    }
}

/// One step more sure.
fn raise(c: Confidence) -> Confidence {
    match c {
        Confidence::Low => Confidence::Medium,
        _ => Confidence::High,
    }
}

/// A rival of another family this close in weight makes the decisive cause less sure.
const RIVAL_WEIGHT_GAP: u8 = 5;

/// A finished restore.
pub(crate) fn success(d: &mut Diagnosis, s: &Signals, ev: &mut Collector) {
    let mut sorted: Vec<&Candidate> = s.successes.iter().collect();
    sorted.sort_by_key(|c| {
        (
            std::cmp::Reverse(c.rule.def.terminal),
            std::cmp::Reverse(c.rule.def.weight),
        )
    });
    let Some(best) = sorted.first() else {
        unrecognised(d);
        return;
    };
    let def = &best.rule.def;
    d.category = Family::Success;
    d.confidence = def.confidence;
    if sorted.len() > 1 {
        d.confidence = raise(d.confidence);
    }
    d.title = def.title.clone();
    d.explanation = def.explanation.clone();
    d.rule = Some(def.id.clone());
    for c in sorted.iter().take(3) {
        ev.push(c.first.line, &c.first.text, c.why);
        if c.last.line != c.first.line {
            ev.push(c.last.line, &c.last.text, c.why);
        }
    }
    if let Some(f) = s.last_failure_line() {
        let before_last_success = s.successes.iter().any(|c| c.last.line > f);
        if before_last_success {
            d.explanation.push_str(&fill(
                &data::text(TextId::EarlierFailure).explanation,
                &[("line", &f.to_string())],
            ));
        } else {
            // A failure line after a success that is not the tool's final word: less sure.
            d.confidence = lower(d.confidence);
        }
    }
}

/// A failed restore: the decisive cause of the last attempt, or `unknown` when only generic
/// failure lines are there. Returns the other causes seen (secondary findings).
pub(crate) fn failure<'a>(
    d: &mut Diagnosis,
    s: &Signals<'a>,
    a: &Analyzer,
    verdict: &Verdict,
    ev: &mut Collector,
) -> (Vec<Candidate<'a>>, Basis) {
    let in_last_attempt = |c: &&Candidate| c.last.line > verdict.attempt_start;
    let decisive = s
        .failures
        .iter()
        .filter(in_last_attempt)
        .max_by_key(|c| c.rank())
        .copied();
    let tool_old = a
        .tool
        .as_ref()
        .is_some_and(|t| t.older_than_firmware == Some(true));
    let mut others = Vec::new();
    let mut basis = Basis::Settled;
    if let Some(dc) = decisive {
        let def = &dc.rule.def;
        d.category = match def.third_party_family {
            Some(f) if host_is_tool(d, a) => f,
            _ => def.family,
        };
        d.confidence = if dc.inferred {
            def.confidence.min(Confidence::Medium)
        } else {
            def.confidence
        };
        // Corroboration: a second rule of the same family. The same rule read again from a
        // failing checkpoint is the same event (its message is the checkpoint's), not a second
        // signal.
        let corroborated = s
            .failures
            .iter()
            .filter(in_last_attempt)
            .any(|c| c.rule.def.family == def.family && c.rule.def.id != def.id);
        // It lifts a low answer to medium only: "high" is kept for rules whose own measured hit
        // rate earned it (a second signal of the same family is often the same event again).
        if corroborated && d.confidence == Confidence::Low {
            d.confidence = raise(d.confidence);
        }
        let rival = s.failures.iter().filter(in_last_attempt).any(|c| {
            c.rule.def.family != def.family
                && c.rule.def.weight.saturating_add(RIVAL_WEIGHT_GAP) >= def.weight
        });
        if rival {
            d.confidence = lower(d.confidence);
        }
        d.title = def.title.clone();
        d.explanation = def.explanation.clone();
        d.rule = Some(def.id.clone());
        // When the decisive line itself names one of the codes (a pasted dialog), report that
        // one rather than every code the cause can show up as.
        let named: Vec<String> = def
            .error_codes
            .iter()
            .filter(|c| names_code(&dc.first.text, c))
            .cloned()
            .collect();
        d.error_codes = if named.is_empty() {
            def.error_codes.clone()
        } else {
            named
        };
        d.remedies = rd_kb::remedies(&def.remedies);
        d.settle = def.settle.clone();
        ev.push(dc.first.line, &dc.first.text, dc.why);
        if dc.count > 1 && dc.last.line != dc.first.line {
            ev.push_repeat(
                dc.last.line,
                &dc.last.text,
                &phrase(
                    Phrase::Repeated,
                    &[("why", dc.why), ("count", &dc.count.to_string())],
                ),
            );
        }
        d.failed_stage = failed_stage(a, &dc);
        if tool_old && def.tool_age && d.category != Family::RestoreTool {
            blame_old_tool(d);
        }
        others = s
            .failures
            .iter()
            .filter(|c| c.rule.def.family != def.family)
            .copied()
            .collect();
    } else if let Some(g) = s.generics.iter().max_by_key(|c| c.rank()).copied() {
        generic_only(d, &g, a);
        basis = if tool_old {
            blame_old_tool(d);
            Basis::OldTool
        } else if d.category != Family::Unknown {
            // A pasted dialog the knowledge base knows.
            Basis::Settled
        } else if stage_lead(d, &g.rule.def.explanation) {
            Basis::StageLead
        } else if third_party(d, a) || (d.formats.is_empty() && !g.rule.def.kb_dialog) {
            tool_guess(d, &g);
            Basis::ToolGuess
        } else {
            Basis::Generic
        };
        ev.push(g.first.line, &g.first.text, g.why);
    } else {
        basis = Basis::Generic;
    }
    if d.category == Family::RestoreTool {
        tool_remedies(d, a.tool.as_ref());
    } else if tool_old {
        // An old build meeting newer firmware: updating the tool comes first whatever the cause.
        let mut rems = vec![tool_update_remedy(d, a.tool.as_ref())];
        rems.extend(
            d.remedies
                .drain(..)
                .filter(|r| r.id != "update-restore-tool"),
        );
        d.remedies = rems;
    }
    if d.confidence != Confidence::Low && d.category != Family::Unknown {
        d.settle = None;
    }
    super::evidence::supporting(d, s, a, ev);
    (others, basis)
}

/// Only generic failure markers: say so, and what would settle it.
fn generic_only(d: &mut Diagnosis, g: &Candidate, a: &Analyzer) {
    let def = &g.rule.def;
    let text = data::text(TextId::NoCause);
    d.category = Family::Unknown;
    d.confidence = Confidence::Low;
    d.rule = Some(def.id.clone());
    d.title = text.title.clone();
    d.explanation = fill(&text.explanation, &[("rule_explanation", &def.explanation)]);
    d.settle = def.settle.clone();
    d.remedies = rd_kb::remedies(&def.remedies);
    if def.kb_dialog {
        apply_kb_dialog(d, &g.first.text);
    }
    d.failed_stage = a
        .failed_checkpoints
        .first()
        .map(|c| checkpoint_stage(&c.event))
        .or_else(|| a.stage_at(g.first.line).map(|m| m.stage.clone()));
}

/// The measured usual cause of failures at the failed stage (`lead` in data/stages.toml), named
/// at low confidence when no line names a cause. Returns whether one was named.
fn stage_lead(d: &mut Diagnosis, rule_explanation: &str) -> bool {
    let Some((stage, sus)) = d
        .failed_stage
        .as_ref()
        .and_then(|st| st.id.as_deref())
        .and_then(|id| data::stages().iter().find(|s| s.id == id))
        .and_then(|st| st.suspect.iter().find(|x| x.lead).map(|x| (st, x)))
    else {
        return false;
    };
    let t = data::text(TextId::StageLead);
    d.category = sus.family;
    d.confidence = Confidence::Low;
    d.title = fill(
        &t.title,
        &[("stage", &stage.name), ("family", sus.family.label())],
    );
    d.explanation = fill(
        &t.explanation,
        &[("rule_explanation", rule_explanation), ("why", &sus.why)],
    );
    d.settle = Some(sus.settle.clone());
    let mut rems = rd_kb::remedies(&sus.remedies);
    for r in d.remedies.drain(..) {
        if !rems.iter().any(|x| x.id == r.id) {
            rems.push(r);
        }
    }
    d.remedies = rems;
    if !sus.error_codes.is_empty() {
        d.error_codes = sus.error_codes.clone();
    }
    true
}

/// Whether the log comes from a third-party restore tool (its format or its version banner).
fn third_party(d: &Diagnosis, a: &Analyzer) -> bool {
    a.tool.is_some()
        || data::formats()
            .iter()
            .any(|f| f.third_party && d.formats.contains(&f.id))
}

/// Whether the restore's host software is a third-party tool: [`third_party`], or a device log
/// pasted alone. Used where it matters who the host is (a host-version refusal, a log that
/// stops); a failing device step in a device log is the device's own words, so it does not make
/// the failure the tool's guess.
fn host_is_tool(d: &Diagnosis, a: &Analyzer) -> bool {
    third_party(d, a) || device_log_alone(d, a)
}

/// A device-side restore log pasted on its own, with nothing of Apple's host software around
/// it. idevicerestore and futurerestore print the device's log to the console after a failure;
/// Apple's software keeps it in its own log files, which carry their host lines. Measured on the
/// tuned corpus: every device log pasted alone came from a third-party tool or a VM installer
/// (whose host lines mark an `apple_host` stage).
fn device_log_alone(d: &Diagnosis, a: &Analyzer) -> bool {
    d.formats.len() == 1
        && d.formats[0] == "device-restore-log"
        && !a.stages.iter().any(|m| {
            m.stage
                .id
                .as_deref()
                .and_then(|id| data::stages().iter().find(|s| s.id == id))
                .is_some_and(|s| s.apple_host)
        })
}

/// A third-party tool reports a failure without a cause: the tool is the likeliest one, at low
/// confidence, with the other candidates listed. A failure line in no recognised format counts
/// too: Apple's software writes logs in shapes the formats recognise, so an unrecognised one is
/// a script or tool printing its own error (measured on the tuned corpus: most such logs were
/// the tool's own failure). A pasted Finder/iTunes dialog is Apple's, not a tool's.
fn tool_guess(d: &mut Diagnosis, g: &Candidate) {
    let t = data::text(TextId::ToolGeneric);
    d.category = Family::RestoreTool;
    d.confidence = Confidence::Low;
    d.title = t.title.clone();
    d.explanation = fill(
        &t.explanation,
        &[("rule_explanation", &g.rule.def.explanation)],
    );
    d.settle = t.settle.clone();
    d.remedies = rd_kb::remedies(&t.remedies);
}

/// The log shows a tool build older than the firmware: the tool is the suspect.
fn blame_old_tool(d: &mut Diagnosis) {
    // Not yet measured on the tuned corpus (no tuned log decided this way), so low.
    d.category = Family::RestoreTool;
    d.confidence = Confidence::Low;
    d.title = data::text(TextId::ToolTooOld).title.clone();
}

/// The restore tool's name and id, from its version banner, else from the log's format.
fn tool_name(d: &Diagnosis, tool: Option<&ToolInfo>) -> (String, Option<String>) {
    if let Some(t) = tool {
        return (t.name.clone(), Some(t.id.clone()));
    }
    let by_format = ["futurerestore", "legacy-ios-kit", "idevicerestore"]
        .into_iter()
        .find(|f| d.formats.iter().any(|x| x == f));
    match by_format.and_then(crate::tool::def) {
        Some(t) => (t.def.name.clone(), Some(t.def.id.clone())),
        None => (phrase(Phrase::UnnamedTool, &[]), None),
    }
}

/// The tool-specific "update the tool" remedy (kept under the catalog's remedy id).
fn tool_update_remedy(d: &Diagnosis, tool: Option<&ToolInfo>) -> Remedy {
    let (name, id) = tool_name(d, tool);
    let def = id.as_deref().and_then(crate::tool::def);
    let generic = rd_kb::remedies!["update-restore-tool"];
    let (latest, others) = match def {
        Some(t) => (t.def.latest.clone(), t.def.others.clone()),
        None => {
            return generic.into_iter().next().unwrap_or(Remedy {
                id: "update-restore-tool".into(),
                text: "Update the restore tool to its newest build.".into(),
                check: None,
            });
        }
    };
    let age = match tool {
        Some(t) if t.older_than_firmware == Some(true) => format!(
            ", built no later than {}, older than the firmware (released {})",
            t.built_before.as_deref().unwrap_or("?"),
            released_phrase(t)
        ),
        Some(t) => t
            .built_after
            .as_deref()
            .map(|b| format!(", built around {b} or later"))
            .unwrap_or_default(),
        None => String::new(),
    };
    let shown = match tool {
        Some(t) => phrase(Phrase::VersionShown, &[("version", &t.version)]) + &age,
        None => phrase(Phrase::VersionNotShown, &[]),
    };
    let text = fill(
        &data::text(TextId::ToolUpdateRemedy).explanation,
        &[
            ("tool", &name),
            ("shown", &shown),
            ("latest", &latest),
            ("others", &others),
        ],
    );
    // Keep the catalog's id and the check that verifies it; only the words are tool-specific.
    match generic.into_iter().next() {
        Some(r) => Remedy { text, ..r },
        None => Remedy {
            id: "update-restore-tool".into(),
            text,
            check: None,
        },
    }
}

/// For a cause in the tool: name the tool and version, say newer builds fix many such failures,
/// and put the tool-specific remedies first.
fn tool_remedies(d: &mut Diagnosis, tool: Option<&ToolInfo>) {
    let (name, id) = tool_name(d, tool);
    if let Some(t) = tool
        && t.older_than_firmware == Some(true)
    {
        d.explanation.push_str(&fill(
            &data::text(TextId::ToolTooOld).explanation,
            &[
                ("tool", &t.name),
                ("version", &t.version),
                ("built", t.built_before.as_deref().unwrap_or("?")),
                (
                    "firmware",
                    &d.target
                        .as_ref()
                        .and_then(|x| x.version.clone().or_else(|| x.build.clone()))
                        .unwrap_or_default(),
                ),
                ("released", &released_phrase(t)),
            ],
        ));
    }
    if let Some(def) = id.as_deref().and_then(crate::tool::def) {
        let shown = match tool {
            Some(t) => phrase(Phrase::VersionShown, &[("version", &t.version)]),
            None => phrase(Phrase::VersionNotShown, &[]),
        };
        d.explanation.push_str(&fill(
            &data::text(TextId::ToolCause).explanation,
            &[
                ("tool", &name),
                ("shown", &shown),
                ("latest", &def.def.latest),
                ("others", &def.def.others),
            ],
        ));
    }
    let mut rems = vec![tool_update_remedy(d, tool)];
    let rest: Vec<Remedy> = d
        .remedies
        .drain(..)
        .chain(rd_kb::remedies!["restore-tool-known-issue"])
        .filter(|r| r.id != "update-restore-tool")
        .collect();
    for r in rest {
        if !rems.iter().any(|x| x.id == r.id) {
            rems.push(r);
        }
    }
    d.remedies = rems;
}

/// When the target firmware was released, in words: `on 2024-09-16` or `after 2025-02-10`.
pub(crate) fn released_phrase(t: &ToolInfo) -> String {
    match (&t.firmware_released, &t.firmware_released_after) {
        (Some(r), _) => format!("on {r}"),
        (None, Some(a)) => format!("after {a}"),
        (None, None) => "at an unknown date".to_string(),
    }
}

/// A log that shows a restore under way but not its end.
pub(crate) fn incomplete<'a>(
    d: &mut Diagnosis,
    s: &Signals<'a>,
    a: &Analyzer,
    ev: &mut Collector,
) -> (Vec<Candidate<'a>>, Basis) {
    let t = data::text(TextId::Incomplete);
    d.title = t.title.clone();
    d.explanation = t.explanation.clone();
    d.settle = t.settle.clone();
    d.remedies = rd_kb::remedies(&t.remedies);
    d.failed_stage = a.stages.back().map(|m| m.stage.clone());
    if let Some(m) = a.stages.back() {
        ev.push(m.at.line, &m.at.text, &phrase(Phrase::LastStage, &[]));
    }
    if let Some(l) = &a.last_line {
        ev.push(l.line, &l.text, &phrase(Phrase::LastLine, &[]));
    }
    // A slice of a third-party tool's log (or one from a build older than its firmware): the
    // tool is the likeliest reason it stopped, though the log cannot settle it.
    let old = a
        .tool
        .as_ref()
        .is_some_and(|t| t.older_than_firmware == Some(true));
    if !old && stage_lead(d, &t.explanation) {
        return (s.failures.clone(), Basis::StageLead);
    }
    let mut basis = Basis::Incomplete;
    if old || host_is_tool(d, a) {
        basis = if old {
            Basis::OldTool
        } else {
            Basis::ToolIncomplete
        };
        let t = data::text(TextId::ToolIncomplete);
        d.category = Family::RestoreTool;
        d.confidence = Confidence::Low;
        d.title = t.title.clone();
        if !old {
            d.explanation.push_str(&t.explanation);
        }
        tool_remedies(d, a.tool.as_ref());
    }
    (s.failures.clone(), basis)
}

/// Nothing recognised as a restore log.
pub(crate) fn unrecognised(d: &mut Diagnosis) {
    let t = data::text(TextId::NotRecognised);
    d.outcome = Outcome::Unknown;
    d.title = t.title.clone();
    d.explanation = t.explanation.clone();
    d.settle = t.settle.clone();
    d.remedies = rd_kb::remedies(&t.remedies);
}

/// Fills family, title, meaning, remedies and code from the knowledge base for a pasted dialog
/// line; confidence stays low (a number alone has several possible causes). Leaves the rule's
/// own "unknown" answer when the knowledge base has nothing for the number.
fn apply_kb_dialog(d: &mut Diagnosis, line: &str) {
    let Some(kb) = rd_kb::lookup(line).finding() else {
        return;
    };
    let t = data::text(TextId::DialogKb);
    d.category = kb.family;
    d.title = fill(&t.title, &[("title", &kb.title)]);
    d.explanation = fill(&t.explanation, &[("explanation", &kb.explanation)]);
    d.error_codes = kb.error_codes;
    let mut remedies = kb.remedies;
    remedies.extend(rd_kb::remedies(&t.remedies));
    d.remedies = remedies;
}

/// Whether `text` names restore error `code` as a whole number.
fn names_code(text: &str, code: &str) -> bool {
    text.match_indices(code).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + code.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '-')
            && !after.is_some_and(|c| c.is_ascii_alphanumeric())
    })
}

/// The stage a failing checkpoint names.
pub(crate) fn checkpoint_stage(c: &crate::report::CheckpointEvent) -> Stage {
    Stage {
        name: c
            .name
            .clone()
            .unwrap_or_else(|| "device restore step".to_string()),
        id: c.id.clone(),
    }
}

/// Lines between a cause and a failing checkpoint for the checkpoint to name the step.
const CHECKPOINT_REACH: u64 = 200;

fn failed_stage(a: &Analyzer, dc: &Candidate) -> Option<Stage> {
    let device_side = matches!(
        dc.rule.def.family,
        Family::Hardware | Family::SoftwareVersion | Family::Unknown
    );
    let line = dc.first.line;
    let in_device_log = a.events.device_log_line.is_some_and(|l| line > l);
    // A failing checkpoint names the step when the cause belongs to it: the cause was read
    // from the checkpoint, is a device-side family, or comes shortly before the failure.
    if let Some(c) = a.failed_checkpoints.iter().find(|c| {
        let cl = c.event.line;
        dc.inferred || device_side || in_device_log || (cl >= line && cl - line <= CHECKPOINT_REACH)
    }) {
        return Some(checkpoint_stage(&c.event));
    }
    let order = |id: Option<&str>| id.and_then(|id| data::stages().iter().position(|s| s.id == id));
    let rule_stage = rule_stage(dc.rule);
    if let Some(m) = a.stage_at(line) {
        // A host-side rule naming a later host stage than the last one seen wins (stage markers
        // can be missing from partial pastes); otherwise the log's own stage is right.
        if let (Some(rs), Some(hist)) = (&rule_stage, order(m.stage.id.as_deref()))
            && let Some(r) = order(rs.id.as_deref())
            && r > hist
        {
            return rule_stage;
        }
        return Some(m.stage.clone());
    }
    rule_stage
}

fn rule_stage(rule: &Rule) -> Option<Stage> {
    rule.def.stage.as_ref().map(|name| Stage {
        name: name.clone(),
        id: data::stages()
            .iter()
            .find(|s| s.name.eq_ignore_ascii_case(name))
            .map(|s| s.id.clone()),
    })
}
