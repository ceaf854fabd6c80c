//! Combining the signals of one log into a diagnosis: the decisive failure (highest-weight
//! cause, not the first alarming line), the outcome, the failed stage, evidence, discounted noise,
//! and `unknown` with what would settle it when nothing decides.

use crate::analyzer::Analyzer;
use crate::data::{self, Rule, RuleKind};
use crate::report::{Diagnosis, EvidenceLine, NoiseNote, Outcome, Stage};
use crate::scan::ScanStats;
use rd_model::{Confidence, Evidence, Family, Finding, Severity};

/// One candidate cause: a rule with the line that fired it.
#[derive(Debug, Clone)]
struct Candidate {
    rule: &'static Rule,
    line: u64,
    last_line: u64,
    text: String,
    why: String,
    count: u64,
    inferred: bool,
}

fn lower(c: Confidence) -> Confidence {
    match c {
        Confidence::High => Confidence::Medium,
        _ => Confidence::Low,
    }
}

fn raise(c: Confidence) -> Confidence {
    match c {
        Confidence::Low => Confidence::Medium,
        _ => Confidence::High,
    }
}

fn candidates(a: &Analyzer, kind: RuleKind) -> Vec<Candidate> {
    let rules = data::rules();
    let mut out: Vec<Candidate> = a
        .hits
        .iter()
        .zip(rules)
        .filter_map(|(h, r)| {
            let h = h.as_ref()?;
            (r.def.kind == kind).then(|| Candidate {
                rule: r,
                line: h.first.0,
                last_line: h.last.0,
                text: h.first.1.clone(),
                why: r.def.why.clone(),
                count: h.count,
                inferred: false,
            })
        })
        .collect();
    for inf in &a.inferred {
        let r = &rules[inf.rule];
        if r.def.kind == kind {
            out.push(Candidate {
                rule: r,
                line: inf.line,
                last_line: inf.line,
                text: inf.text.clone(),
                why: inf.why.clone(),
                count: 1,
                inferred: true,
            });
        }
    }
    out
}

/// The primary format id and every detected format.
fn formats(a: &Analyzer) -> (String, Vec<String>) {
    let defs = data::formats();
    let mut found: Vec<(usize, u32)> = a
        .format_scores
        .iter()
        .enumerate()
        .filter(|(_, s)| **s >= 3)
        .map(|(i, s)| (i, *s))
        .collect();
    found.sort_by(|x, y| (defs[y.0].priority, y.1).cmp(&(defs[x.0].priority, x.1)));
    let ids: Vec<String> = found.iter().map(|(i, _)| defs[*i].id.clone()).collect();
    let primary = ids
        .first()
        .cloned()
        .unwrap_or_else(|| "unknown".to_string());
    (primary, ids)
}

fn ev(line: u64, text: &str, why: &str) -> EvidenceLine {
    EvidenceLine {
        line,
        text: text.to_string(),
        why: why.to_string(),
    }
}

fn push_ev(list: &mut Vec<EvidenceLine>, e: EvidenceLine) {
    if list.len() < 8 && !list.iter().any(|x| x.line == e.line) {
        list.push(e);
    }
}

/// The rule that finds a dialog error number the specific rules do not cover.
const DIALOG_KB_RULE: &str = "dialog.kb";

/// Fills family, title, meaning, remedies and code from the knowledge base for a pasted dialog
/// line; confidence stays low (a number alone has several possible causes). Leaves the rule's
/// own "unknown" answer when the knowledge base has nothing for the number.
fn apply_kb_dialog(d: &mut Diagnosis, line: &str) {
    let Some(kb) = rd_kb::lookup(line).finding() else {
        return;
    };
    d.category = kb.family;
    d.title = format!("The restore dialog reported {}", kb.title);
    d.explanation = format!(
        "{} A dialog number alone can have several causes; the full log tells them apart.",
        kb.explanation
    );
    d.error_codes = kb.error_codes;
    let mut remedies = kb.remedies;
    remedies.extend(rd_kb::remedies(&["collect-device-log"]));
    d.remedies = remedies;
}

/// Builds the diagnosis from everything the analyzer gathered.
pub fn diagnose(mut a: Analyzer, stats: ScanStats) -> Diagnosis {
    a.finish();
    let (format, all_formats) = formats(&a);
    let failures = candidates(&a, RuleKind::Failure);
    let generics = candidates(&a, RuleKind::Generic);
    let successes = candidates(&a, RuleKind::Success);
    let noise = candidates(&a, RuleKind::Noise);

    let last_fail_line = failures
        .iter()
        .chain(generics.iter())
        .map(|c| c.last_line)
        .max();
    let last_success = successes.iter().max_by_key(|c| c.last_line);
    let activity = !all_formats.is_empty()
        || !a.stages.is_empty()
        || !a.events.operations.is_empty()
        || !a.events.checkpoints.is_empty();

    let outcome = match (last_success, last_fail_line) {
        (Some(_), None) => Outcome::Success,
        (Some(s), Some(f)) if s.last_line > f => Outcome::Success,
        (_, Some(_)) => Outcome::Failure,
        (None, None) if activity => Outcome::Incomplete,
        (None, None) => Outcome::Unknown,
    };

    let mut evidence: Vec<EvidenceLine> = Vec::new();
    let mut d = Diagnosis {
        file: None,
        format,
        outcome,
        category: Family::Unknown,
        confidence: Confidence::Low,
        failed_stage: None,
        error_codes: Vec::new(),
        device: a.device.clone().map(|mut d| {
            if let Some(pt) = &d.product_type {
                d.name = rd_catalog::devices::by_product_type(pt)
                    .first()
                    .map(|x| x.name.clone());
            } else if let Some(b) = &d.board
                && let Some(x) = rd_catalog::devices::by_board(b)
            {
                d.product_type = Some(x.product_type.clone());
                d.name = Some(x.name.clone());
            }
            d
        }),
        target: (a.target.version.is_some() || a.target.build.is_some() || a.target.ipsw.is_some())
            .then(|| a.target.clone()),
        evidence: Vec::new(),
        remedies: Vec::new(),
        formats: all_formats,
        title: String::new(),
        explanation: String::new(),
        settle: None,
        rule: None,
        observed_codes: a.codes.clone(),
        noise: Vec::new(),
        events: a.events.clone(),
        findings: Vec::new(),
        lines: stats.lines,
        bytes: stats.bytes,
    };

    let mut others: Vec<Candidate> = Vec::new();
    let mut repeat: Option<EvidenceLine> = None;
    match outcome {
        Outcome::Success => {
            let mut sorted: Vec<&Candidate> = successes.iter().collect();
            sorted.sort_by_key(|c| std::cmp::Reverse(c.rule.def.weight));
            let Some(s) = sorted.first().copied() else {
                unreachable_success(&mut d);
                return d;
            };
            d.category = Family::Success;
            d.confidence = s.rule.def.confidence;
            if sorted.len() > 1 {
                d.confidence = raise(d.confidence);
            }
            if last_fail_line.is_some() {
                d.confidence = lower(d.confidence);
            }
            d.title = s.rule.def.title.clone();
            d.explanation = s.rule.def.explanation.clone();
            d.rule = Some(s.rule.def.id.clone());
            for c in sorted.iter().take(3) {
                push_ev(&mut evidence, ev(c.line, &c.text, &c.why));
                if c.last_line != c.line {
                    push_ev(
                        &mut evidence,
                        ev(c.last_line, &last_text(&a, c.rule, c), &c.why),
                    );
                }
            }
            if let Some(f) = last_fail_line {
                d.explanation.push_str(&format!(
                    " An earlier attempt in the same log failed (line {f}); the later one finished."
                ));
            }
        }
        Outcome::Failure => {
            let decisive = failures
                .iter()
                .max_by(|x, y| {
                    (x.rule.def.weight, std::cmp::Reverse(x.line))
                        .cmp(&(y.rule.def.weight, std::cmp::Reverse(y.line)))
                })
                .cloned();
            if let Some(dc) = decisive {
                let def = &dc.rule.def;
                d.category = def.family;
                d.confidence = if dc.inferred {
                    lower(def.confidence).max(Confidence::Medium)
                } else {
                    def.confidence
                };
                // Corroboration: another signal of the same family (a mapped checkpoint, a second rule).
                let corroborated = failures.iter().any(|c| {
                    c.rule.def.family == def.family
                        && (c.rule.def.id != def.id || c.inferred != dc.inferred)
                });
                if corroborated {
                    d.confidence = raise(d.confidence);
                }
                // A rival cause of another family with nearly the same weight lowers confidence.
                let rival = failures.iter().any(|c| {
                    c.rule.def.family != def.family && c.rule.def.weight + 5 >= def.weight
                });
                if rival {
                    d.confidence = lower(d.confidence);
                }
                d.title = def.title.clone();
                d.explanation = def.explanation.clone();
                d.rule = Some(def.id.clone());
                // When the decisive line itself names one of the codes (a pasted dialog), report
                // that one rather than every code the cause can show up as.
                let named: Vec<String> = def
                    .error_codes
                    .iter()
                    .filter(|c| names_code(&dc.text, c))
                    .cloned()
                    .collect();
                d.error_codes = if named.is_empty() {
                    def.error_codes.clone()
                } else {
                    named
                };
                d.remedies = rd_kb::remedies(&def.remedies);
                d.settle = if d.confidence == Confidence::Low {
                    def.settle.clone()
                } else {
                    None
                };
                push_ev(&mut evidence, ev(dc.line, &dc.text, &dc.why));
                if dc.count > 1 && dc.last_line != dc.line {
                    repeat = Some(ev(
                        dc.last_line,
                        &last_text(&a, dc.rule, &dc),
                        &format!("{} (the last of {} such lines)", dc.why, dc.count),
                    ));
                }
                d.failed_stage = failed_stage(&a, &dc);
                others = failures
                    .iter()
                    .filter(|c| c.rule.def.family != def.family)
                    .cloned()
                    .collect();
            } else if let Some(g) = generics
                .iter()
                .max_by(|x, y| {
                    (x.rule.def.weight, std::cmp::Reverse(x.line))
                        .cmp(&(y.rule.def.weight, std::cmp::Reverse(y.line)))
                })
                .cloned()
            {
                // Only generic failure markers: say so, and what would settle it.
                d.category = Family::Unknown;
                d.confidence = Confidence::Low;
                d.rule = Some(g.rule.def.id.clone());
                d.title = "The restore failed, but the log does not show why".to_string();
                d.explanation = format!(
                    "{} None of the lines in this log names a cause with enough certainty.",
                    g.rule.def.explanation
                );
                d.settle = g.rule.def.settle.clone();
                d.remedies = rd_kb::remedies(&g.rule.def.remedies);
                if g.rule.def.id == DIALOG_KB_RULE {
                    apply_kb_dialog(&mut d, &g.text);
                }
                push_ev(&mut evidence, ev(g.line, &g.text, &g.why));
                d.failed_stage = a
                    .failed_checkpoints
                    .first()
                    .map(|(c, _)| checkpoint_stage(c))
                    .or_else(|| a.stage_at(g.line).map(|s| s.1.clone()));
            }
            // Supporting evidence: failing checkpoints, device status, TSS answers, the tool's
            // own failure line.
            for (c, text) in a.failed_checkpoints.iter().take(2) {
                let why = match (&c.name, &c.message) {
                    (Some(n), _) => format!("the device marked its '{n}' step as failed"),
                    (None, _) => "the device marked a restore step as failed".to_string(),
                };
                push_ev(&mut evidence, ev(c.line, text, &why));
            }
            for (line, code, text) in a.statuses.iter().filter(|s| s.1 != 0).take(2) {
                let meaning = data::protocol()
                    .status_meaning(*code)
                    .unwrap_or("unrecognised status");
                push_ev(
                    &mut evidence,
                    ev(
                        *line,
                        text,
                        &format!("the device's final status {code}: {meaning}"),
                    ),
                );
            }
            if d.category == Family::Signing {
                for (line, code, text) in a.tss.iter().take(2) {
                    let meaning = data::protocol()
                        .tss_meaning(*code)
                        .unwrap_or("unlisted TSS status");
                    push_ev(
                        &mut evidence,
                        ev(*line, text, &format!("TSS status {code}: {meaning}")),
                    );
                }
            }
            if let Some(g) = generics.iter().min_by_key(|g| g.line) {
                push_ev(&mut evidence, ev(g.line, &g.text, &g.why));
            }
            if let Some(r) = repeat.take() {
                push_ev(&mut evidence, r);
            }
        }
        Outcome::Incomplete => {
            d.title = "The log stops before the restore ended".to_string();
            d.explanation = "The log shows a restore under way but neither a failure nor a finished restore. It was probably cut off, or only part of it was pasted.".to_string();
            d.settle = Some("the end of the log: the last 50 lines usually hold the error or the 'Restore Finished' status".to_string());
            d.remedies = rd_kb::remedies(&["collect-device-log"]);
            d.failed_stage = a.stages.back().map(|s| s.1.clone());
            if let Some((line, _, text)) = a.stages.back() {
                push_ev(
                    &mut evidence,
                    ev(
                        *line,
                        text,
                        "the last restore step the log reaches starts here",
                    ),
                );
            }
            if let Some((line, text)) = &a.last_line {
                push_ev(
                    &mut evidence,
                    ev(
                        *line,
                        text,
                        "the last recognised line; nothing after it says how the restore ended",
                    ),
                );
            }
            others = failures.clone();
        }
        Outcome::Unknown => {
            d.title = "No restore log recognised".to_string();
            d.explanation = "Nothing in this input looks like output of a restore tool (idevicerestore, futurerestore, Legacy-iOS-Kit, 3uTools, iTunes/Finder/Apple Devices) or a device restore log.".to_string();
            d.settle = Some(
                "the complete log of the restore attempt, from the tool's first line to its last"
                    .to_string(),
            );
            d.remedies = rd_kb::remedies(&["collect-device-log"]);
        }
    }
    evidence.sort_by_key(|e| e.line);
    // Decisive line first, the rest in log order.
    if let Some(first_rule_line) = d.rule.as_ref().and(evidence.iter().position(|e| {
        failures
            .iter()
            .chain(successes.iter())
            .chain(generics.iter())
            .any(|c| {
                Some(&c.rule.def.id) == d.rule.as_ref()
                    && (c.line == e.line || c.last_line == e.line)
            })
    })) {
        let e = evidence.remove(first_rule_line);
        evidence.insert(0, e);
    }
    d.evidence = evidence;

    for n in &noise {
        d.noise.push(NoiseNote {
            id: n.rule.def.id.clone(),
            title: n.rule.def.title.clone(),
            why: n.rule.def.why.clone(),
            count: n.count,
            first_line: n.line,
            last_line: n.last_line,
            example: n.text.clone(),
        });
    }
    d.findings = findings(&d, &others);
    d
}

/// Success was decided without a success line; cannot happen, but answer `unknown` rather than panic.
fn unreachable_success(d: &mut Diagnosis) {
    d.outcome = Outcome::Unknown;
    d.title = "No restore log recognised".to_string();
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

fn last_text(a: &Analyzer, rule: &Rule, c: &Candidate) -> String {
    data::rules()
        .iter()
        .position(|r| std::ptr::eq(r, rule))
        .and_then(|i| a.hits[i].as_ref())
        .map(|h| h.last.1.clone())
        .unwrap_or_else(|| c.text.clone())
}

fn checkpoint_stage(c: &crate::report::CheckpointEvent) -> Stage {
    Stage {
        name: c
            .name
            .clone()
            .unwrap_or_else(|| "device restore step".to_string()),
        id: c.id.clone(),
    }
}

fn failed_stage(a: &Analyzer, dc: &Candidate) -> Option<Stage> {
    let device_side = matches!(
        dc.rule.def.family,
        Family::Hardware | Family::SoftwareVersion | Family::Unknown
    );
    let in_device_log = a.events.device_log_line.is_some_and(|l| dc.line > l);
    // A failing checkpoint names the step when the cause belongs to it: the cause was read
    // from the checkpoint, is a device-side family, or comes shortly before the failure.
    if let Some((c, _)) = a.failed_checkpoints.iter().find(|(c, _)| {
        dc.inferred
            || device_side
            || in_device_log
            || (c.line >= dc.line && c.line - dc.line <= 200)
    }) {
        return Some(checkpoint_stage(c));
    }
    let order = |id: Option<&str>| id.and_then(|id| data::stages().iter().position(|s| s.id == id));
    let rule_stage = dc.rule.def.stage.as_ref().map(|name| Stage {
        name: name.clone(),
        id: stage_id_for(name),
    });
    if let Some((_, s, _)) = a.stage_at(dc.line) {
        // A host-side rule naming a later host stage than the last one seen wins (stage markers
        // can be missing from partial pastes); otherwise the log's own stage is right.
        if let (Some(rs), Some(hist)) = (&rule_stage, order(s.id.as_deref()))
            && let Some(r) = order(rs.id.as_deref())
            && r > hist
        {
            return rule_stage;
        }
        return Some(s.clone());
    }
    rule_stage
}

fn stage_id_for(name: &str) -> Option<String> {
    data::stages()
        .iter()
        .find(|s| s.name.eq_ignore_ascii_case(name))
        .map(|s| s.id.clone())
}

fn severity(outcome: Outcome) -> Severity {
    match outcome {
        Outcome::Success => Severity::Ok,
        Outcome::Failure => Severity::Fail,
        Outcome::Incomplete => Severity::Warn,
        Outcome::Unknown => Severity::Info,
    }
}

fn findings(d: &Diagnosis, others: &[Candidate]) -> Vec<Finding> {
    let id = match (&d.rule, d.outcome) {
        (Some(r), _) => format!("log.{r}"),
        (None, o) => format!("log.{}", o.as_str()),
    };
    let mut explanation = d.explanation.clone();
    if let Some(s) = &d.settle {
        explanation.push_str(&format!(" What would settle it: {s}."));
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
    sorted.sort_by(|x, y| {
        y.rule
            .def
            .weight
            .cmp(&x.rule.def.weight)
            .then(x.line.cmp(&y.line))
    });
    let mut seen: Vec<&str> = Vec::new();
    for c in sorted {
        if seen.contains(&c.rule.def.id.as_str()) || seen.len() >= 4 {
            continue;
        }
        seen.push(&c.rule.def.id);
        out.push(
            Finding::new(
                format!("log.{}", c.rule.def.id),
                c.rule.def.family,
                Severity::Warn,
                format!("Also seen: {}", c.rule.def.title.to_lowercase()),
                "A weaker or later signal in the same log; probably a consequence of the main cause, worth knowing if the first fix does not help.",
            )
            .with_confidence(Confidence::Low)
            .with_evidence(Evidence::new(c.text.clone(), c.why.clone()).at_line(c.line))
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
