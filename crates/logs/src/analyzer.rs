//! Accumulates what the marker lines of one log say: rule hits, format scores, stages, typed
//! events. Everything it keeps is bounded, whatever the size of the log.
//!
//! Reading a line is split in two: what needs only the line (cleaning, the rules' line-local
//! conditions, the extractors) is done on the scan's worker threads (`prepare`), and
//! [`Analyzer::apply`] does the rest — the state updates, which depend on the lines before —
//! strictly in input order on the calling thread. Display text is copied only for the lines
//! that are kept (first and last hit of a rule, stages, evidence, the last marker line).

mod prepare;

pub use prepare::{Prepare, Prepared};

use crate::clean;
use crate::data::{self, FactKind, Inference, RuleKind};
use crate::extract::{self, TargetFacts};
use crate::report::{
    CheckpointEvent, CheckpointState, CodeKind, DeviceInfo, EventSummary, ObservedCode,
    OperationEvent, Stage, TargetInfo, ToolInfo,
};
use crate::scan::Extract;
use prepare::{ModeRef, Payload, Step};
use std::collections::VecDeque;

/// Most stage transitions remembered.
const MAX_STAGES: usize = 4096;
/// Most operations / checkpoints / codes kept in the event summary.
const MAX_EVENTS: usize = 64;
/// Most device-status and TSS-status lines kept.
const MAX_STATUS_LINES: usize = 16;

/// A line number with the line's display text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineText {
    /// 1-based line number.
    pub line: u64,
    /// The line as displayed (cleaned, bounded).
    pub text: String,
}

impl LineText {
    fn new(line: u64, text: &str) -> Self {
        LineText {
            line,
            text: text.to_string(),
        }
    }
}

/// Where a rule fired.
#[derive(Debug, Clone)]
pub struct Hit {
    /// Lines that fired.
    pub count: u64,
    /// First line that fired.
    pub first: LineText,
    /// Last line that fired.
    pub last: LineText,
}

/// A stage the log reached.
#[derive(Debug, Clone)]
pub struct StageMark {
    /// Where it was reached.
    pub at: LineText,
    /// The stage.
    pub stage: Stage,
}

/// A failing checkpoint with its line.
#[derive(Debug, Clone)]
pub struct FailedCheckpoint {
    /// The parsed checkpoint.
    pub event: CheckpointEvent,
    /// The line as displayed.
    pub text: String,
}

/// A numeric status on a line (the device's final status, a TSS answer).
#[derive(Debug, Clone)]
pub struct StatusLine {
    /// 1-based line.
    pub line: u64,
    /// The status code.
    pub code: i64,
    /// The line as displayed.
    pub text: String,
}

/// A rule hit inferred from typed events rather than a literal (e.g. a failing checkpoint named
/// `update_baseband`, or an IPSW file name that does not list the device).
#[derive(Debug, Clone)]
pub struct Inferred {
    /// Index into `data::rules()`.
    pub rule: usize,
    /// Where it was inferred.
    pub at: LineText,
    /// Why it counts.
    pub why: String,
}

/// State gathered from one log.
#[derive(Debug, Default)]
pub struct Analyzer {
    /// Per rule (index into `data::rules()`): where it fired.
    pub hits: Vec<Option<Hit>>,
    /// Inferred hits.
    pub inferred: Vec<Inferred>,
    /// Per format: score.
    pub format_scores: Vec<u32>,
    /// Stage transitions, oldest first.
    pub stages: VecDeque<StageMark>,
    /// Device identity.
    pub device: Option<DeviceInfo>,
    /// Target firmware.
    pub target: TargetInfo,
    /// Line of the target's IPSW name.
    pub ipsw_line: Option<LineText>,
    /// Event summary being built.
    pub events: EventSummary,
    /// Failing checkpoints.
    pub failed_checkpoints: Vec<FailedCheckpoint>,
    /// Observed codes.
    pub codes: Vec<ObservedCode>,
    /// Device status lines.
    pub statuses: Vec<StatusLine>,
    /// TSS status lines.
    pub tss: Vec<StatusLine>,
    /// The restore tool build named by the first version banner.
    pub tool: Option<ToolInfo>,
    /// The banner line `tool` was read from.
    pub tool_banner: Option<LineText>,
    /// First line where Apple's signing server granted the main ticket.
    pub ticket_granted: Option<u64>,
    /// Lines with markdown quoting or bold.
    pub markdown_lines: u64,
    /// Lines with a Windows thread prefix.
    pub windows_prefix_lines: u64,
    /// Last marker line seen.
    pub last_line: Option<LineText>,
    last_exception: Option<u64>,
    /// The last non-empty marker line of the chunk being applied (number, index in the chunk).
    last_in_chunk: Option<(u64, usize)>,
    target_from_name: (bool, bool),
    /// Reused buffer for a deferred extractor's lower-cased line.
    lower: String,
}

/// The name of a mode found by the line work.
fn mode_str(m: ModeRef, chunk: &Prepared) -> &str {
    match m {
        ModeRef::Known(s) => s,
        ModeRef::Text(a, b) => &chunk.text[a as usize..b as usize],
    }
}

/// Appends `item` to a list of which only the last `MAX_EVENTS` count. The older ones are
/// dropped `MAX_EVENTS` at a time, not one per push (that moved the whole list each time:
/// ~8 KB of checkpoints per checkpoint line); [`Analyzer::finish`] drops the rest with
/// [`keep_last`], and whatever reads a list during the scan looks at its last `MAX_EVENTS`.
fn push_bounded<T>(v: &mut Vec<T>, item: T) {
    if v.len() >= 2 * MAX_EVENTS {
        v.drain(..v.len() - (MAX_EVENTS - 1));
    }
    v.push(item);
}

/// Drops all but the last `MAX_EVENTS` items of a list filled by [`push_bounded`].
fn keep_last<T>(v: &mut Vec<T>) {
    if v.len() > MAX_EVENTS {
        v.drain(..v.len() - MAX_EVENTS);
    }
}

impl Analyzer {
    /// A fresh analyzer sized for the embedded data.
    pub fn new() -> Self {
        Analyzer {
            hits: vec![None; data::rules().len()],
            format_scores: vec![0; data::formats().len()],
            ..Default::default()
        }
    }

    /// Applies one prepared marker line (`index` in its chunk `chunk`) in input order: the
    /// state updates of its steps, and the display text of what is kept from it.
    ///
    /// Every marker line of a chunk must be applied, the last one too: the last line kept
    /// ([`Analyzer::last_line`]) is copied out of the chunk once, at its last marker line,
    /// rather than at every line.
    pub fn apply(&mut self, line_no: u64, chunk: &Prepared, index: usize) {
        let l = chunk.lines[index];
        if !l.empty {
            if l.markdown {
                self.markdown_lines += 1;
            }
            let clean = &chunk.text[l.start as usize..l.end as usize];
            let text = &chunk.text[l.text_start as usize..l.end as usize];
            let display = clean::display(clean);
            for step in &chunk.steps[l.steps_start as usize..l.steps_end as usize] {
                self.step(*step, line_no, text, &display, chunk);
            }
            self.last_in_chunk = Some((line_no, index));
        }
        if index + 1 == chunk.lines.len()
            && let Some((line_no, at)) = self.last_in_chunk.take()
        {
            let l = chunk.lines[at];
            let display = clean::display(&chunk.text[l.start as usize..l.end as usize]);
            match &mut self.last_line {
                Some(last) => {
                    last.line = line_no;
                    last.text.clear();
                    last.text.push_str(&display);
                }
                None => self.last_line = Some(LineText::new(line_no, &display)),
            }
        }
    }

    /// Applies one step. The data tables are fetched in the arms that need them: most steps
    /// (formats, stages, rules) need none or one, and steps run for most lines of a dense log.
    fn step(&mut self, step: Step, line_no: u64, text: &str, display: &str, chunk: &Prepared) {
        match step {
            Step::Rule(i) => self.try_rule(i as usize, line_no, text, display),
            Step::Stage(s) => {
                let def = &data::stages()[s as usize];
                self.enter_stage(line_no, &def.name, Some(&def.id), display);
            }
            Step::Format(f, strong) => self.score_format(f, if strong { 3 } else { 1 }),
            Step::PrefixFormat(f, bonus) => self.score_format(f, bonus),
            Step::WindowsPrefix => self.windows_prefix_lines += 1,
            Step::Deferred(e) => {
                if self.may_change(e) {
                    let mut lower = std::mem::take(&mut self.lower);
                    lower.clear();
                    lower.push_str(text);
                    lower.make_ascii_lowercase();
                    self.deferred(e, line_no, text, &lower, display);
                    self.lower = lower;
                }
            }
            Step::Mode(m) => {
                let m = mode_str(m, chunk);
                if self.events.modes.last().map(String::as_str) != Some(m) {
                    push_bounded(&mut self.events.modes, m.to_string());
                }
                if let Some(d) = &mut self.device
                    && d.mode.is_none()
                {
                    d.mode = Some(m.to_string());
                }
            }
            Step::OperationName(i) => {
                if let Payload::Operation(op) = &chunk.payloads[i as usize] {
                    // "Name (N)" is idevicerestore's own way of printing operations.
                    if let Some(f) = prepare::format_ids().idevicerestore {
                        self.score_format(f, 1);
                    }
                    self.push_operation(line_no, op.wire, op.adjusted, op.name, op.id, display);
                }
            }
            Step::OperationNumber(wire) => {
                if let Some((adjusted, name, id)) =
                    data::protocol().operation(wire, self.events.protocol_version)
                {
                    self.push_operation(line_no, wire, adjusted, name, id, display);
                }
            }
            Step::Checkpoint(i) => {
                if let Payload::Checkpoint(ev) = &chunk.payloads[i as usize] {
                    self.checkpoint(ev.clone(), line_no, display);
                }
            }
            Step::Percent(p) => {
                let best = self.events.asr_progress.unwrap_or(0.0);
                if self.events.asr_started && p >= best {
                    self.events.asr_progress = Some(p);
                }
            }
            Step::Protocol(v) => self.events.protocol_version = Some(v),
            Step::DeviceLog => {
                if self.events.device_log_line.is_none() {
                    self.events.device_log_line = Some(line_no);
                }
            }
            Step::Usb(error) => {
                if error {
                    self.events.usb_errors += 1;
                }
            }
            Step::Fdr => self.events.fdr_lines += 1,
            Step::Activity(tss) => {
                if tss {
                    self.events.tss_requests += 1;
                } else {
                    self.events.asr_started = true;
                }
            }
        }
    }

    /// Whether running the deferred extractor `e` on a line could change anything: each of
    /// them only fills what is still missing or appends to a bounded list that is not full.
    fn may_change(&self, e: Extract) -> bool {
        let codes_open = self.codes.len() < MAX_EVENTS;
        match e {
            Extract::Device => self.device.as_ref().is_none_or(|d| {
                d.product_type.is_none()
                    || d.board.is_none()
                    || d.version.is_none()
                    || d.mode.is_none()
            }),
            Extract::Target => {
                let t = &self.target;
                t.ipsw.is_none()
                    || t.version.is_none()
                    || t.build.is_none()
                    || self.target_from_name.0
                    || self.target_from_name.1
            }
            Extract::Status => codes_open || self.statuses.len() < MAX_STATUS_LINES,
            Extract::Tss => codes_open || self.tss.len() < MAX_STATUS_LINES,
            // The exception mark is only read when a code is kept.
            Extract::ToolCode => codes_open,
            _ => true,
        }
    }

    /// Runs a deferred extractor and applies its result.
    fn deferred(&mut self, e: Extract, line_no: u64, text: &str, lower: &str, display: &str) {
        let proto = data::protocol();
        match e {
            Extract::Device => {
                if let Some(f) = extract::device_facts_in(text, lower) {
                    let d = self.device.get_or_insert_with(|| DeviceInfo {
                        line: line_no,
                        ..Default::default()
                    });
                    if d.product_type.is_none() {
                        d.product_type = f.product_type;
                    }
                    if d.board.is_none() {
                        d.board = f.board;
                    }
                    if d.version.is_none() {
                        d.version = f.version;
                    }
                }
                if let Some(m) = extract::mode_in(text, lower)
                    && let Some(d) = &mut self.device
                    && d.mode.is_none()
                {
                    d.mode = Some(m.as_str().to_string());
                }
            }
            Extract::Target => {
                if let Some(f) = extract::target_facts_in(text, lower) {
                    self.target_facts(&f, line_no, display);
                }
            }
            Extract::Status => {
                if let Some((code, _)) = extract::device_status(text) {
                    let meaning = proto.status_meaning(code).map(str::to_string);
                    self.code(CodeKind::DeviceStatus, code, meaning, line_no);
                    if self.statuses.len() < MAX_STATUS_LINES {
                        self.statuses.push(StatusLine {
                            line: line_no,
                            code,
                            text: display.to_string(),
                        });
                    }
                } else if let Some(v) = extract::int_after_in(text, lower, "AMRError") {
                    let meaning = proto.status_meaning(v).map(str::to_string);
                    self.code(CodeKind::AmrError, v, meaning, line_no);
                }
            }
            Extract::Tss => {
                if let Some((code, msg)) = extract::tss_status_in(text, lower) {
                    let meaning = proto.tss_meaning(code).map(str::to_string).or(msg);
                    self.code(CodeKind::TssStatus, code, meaning, line_no);
                    if self.tss.len() < MAX_STATUS_LINES {
                        self.tss.push(StatusLine {
                            line: line_no,
                            code,
                            text: display.to_string(),
                        });
                    }
                }
            }
            Extract::ToolCode => {
                if extract::has(lower, "[exception]") {
                    self.last_exception = Some(line_no);
                }
                if let Some((kind, v)) = extract::tool_code_in(text, lower) {
                    let recent_exception = self.last_exception.is_some_and(|l| line_no - l <= 6);
                    if kind != CodeKind::Exception || recent_exception {
                        let meaning = if kind == CodeKind::ToolReturn {
                            proto.return_codes.get(&v.to_string()).cloned()
                        } else {
                            None
                        };
                        self.code(kind, v, meaning, line_no);
                    }
                }
            }
            _ => {}
        }
    }

    fn score_format(&mut self, f: u16, bonus: u32) {
        let s = &mut self.format_scores[f as usize];
        *s = (*s + bonus).min(10_000);
    }

    fn try_rule(&mut self, i: usize, line_no: u64, text: &str, display: &str) {
        let rule = &data::rules()[i];
        if let Some(fact) = rule.def.after
            && !self.fact_before(fact, line_no)
        {
            return;
        }
        if rule.def.kind == RuleKind::Fact {
            self.fact(rule.def.fact, line_no, text, display);
        }
        self.record(i, line_no, display);
    }

    /// Whether `fact` was recorded on a line before `line_no`.
    fn fact_before(&self, fact: FactKind, line_no: u64) -> bool {
        match fact {
            FactKind::TicketGranted => self.ticket_granted.is_some_and(|l| l < line_no),
            FactKind::ToolBanner => self.tool.as_ref().is_some_and(|t| t.line < line_no),
        }
    }

    fn fact(&mut self, fact: Option<FactKind>, line_no: u64, text: &str, display: &str) {
        match fact {
            Some(FactKind::ToolBanner) if self.tool.is_none() => {
                self.tool = crate::tool::parse_banner(line_no, text);
                if self.tool.is_some() {
                    self.tool_banner = Some(LineText::new(line_no, display));
                }
            }
            Some(FactKind::ToolBanner) => {}
            Some(FactKind::TicketGranted) => {
                self.ticket_granted.get_or_insert(line_no);
            }
            None => {}
        }
    }

    fn record(&mut self, i: usize, line_no: u64, display: &str) {
        match &mut self.hits[i] {
            Some(h) => {
                if h.last.line != line_no {
                    h.count += 1;
                    h.last.line = line_no;
                    h.last.text.clear();
                    h.last.text.push_str(display);
                }
            }
            slot @ None => {
                *slot = Some(Hit {
                    count: 1,
                    first: LineText::new(line_no, display),
                    last: LineText::new(line_no, display),
                });
            }
        }
    }

    fn enter_stage(&mut self, line_no: u64, name: &str, id: Option<&str>, display: &str) {
        if let Some(last) = self.stages.back()
            && last.stage.name == name
        {
            return;
        }
        if self.stages.len() >= MAX_STAGES
            && let Some(mut old) = self.stages.pop_front()
        {
            // Reuse the oldest mark's buffers: long logs change stage on many lines.
            old.at.line = line_no;
            old.at.text.clear();
            old.at.text.push_str(display);
            old.stage.name.clear();
            old.stage.name.push_str(name);
            match (&mut old.stage.id, id) {
                (Some(s), Some(id)) => {
                    s.clear();
                    s.push_str(id);
                }
                (slot, id) => *slot = id.map(str::to_string),
            }
            self.stages.push_back(old);
            return;
        }
        self.stages.push_back(StageMark {
            at: LineText::new(line_no, display),
            stage: Stage {
                name: name.to_string(),
                id: id.map(str::to_string),
            },
        });
    }

    fn code(&mut self, kind: CodeKind, code: i64, meaning: Option<String>, line: u64) {
        if self.codes.len() < MAX_EVENTS {
            self.codes.push(ObservedCode {
                kind,
                code: code.to_string(),
                meaning,
                line,
            });
        }
    }

    fn target_facts(&mut self, f: &TargetFacts, line_no: u64, display: &str) {
        let from_name = f.ipsw.is_some();
        let t = &mut self.target;
        if f.ipsw.is_some() && t.ipsw.is_none() {
            t.ipsw.clone_from(&f.ipsw);
            t.ipsw_product_types.clone_from(&f.product_types);
            self.ipsw_line = Some(LineText::new(line_no, display));
        }
        // Explicit version lines beat what the IPSW file name suggests.
        if f.version.is_some() && (t.version.is_none() || (!from_name && self.target_from_name.0)) {
            t.version.clone_from(&f.version);
            self.target_from_name.0 = from_name;
        }
        if f.build.is_some() && (t.build.is_none() || (!from_name && self.target_from_name.1)) {
            t.build.clone_from(&f.build);
            self.target_from_name.1 = from_name;
        }
    }

    fn checkpoint(&mut self, mut ev: CheckpointEvent, line_no: u64, display: &str) {
        ev.line = line_no;
        if ev.name.is_none() && ev.id.is_some() {
            // Failure lines may omit the name; the start line gave it.
            ev.name = self
                .events
                .checkpoints
                .iter()
                .rev()
                .take(MAX_EVENTS)
                .find(|c| c.id == ev.id && c.name.is_some())
                .and_then(|c| c.name.clone());
        }
        if ev.state == CheckpointState::Begin
            && let Some(name) = &ev.name
        {
            self.enter_stage(line_no, name, ev.id.as_deref(), display);
        }
        if ev.state == CheckpointState::Failure {
            if let Some(r) = ev.result {
                self.code(CodeKind::CheckpointResult, r, ev.name.clone(), line_no);
            }
            self.infer_from_checkpoint(&ev, display);
            if self.failed_checkpoints.len() < 16 {
                self.failed_checkpoints.push(FailedCheckpoint {
                    event: ev.clone(),
                    text: display.to_string(),
                });
            }
        }
        push_bounded(&mut self.events.checkpoints, ev);
    }

    fn push_operation(
        &mut self,
        line: u64,
        number: u32,
        adjusted: u32,
        name: &str,
        id: Option<&str>,
        display: &str,
    ) {
        if self
            .events
            .operations
            .last()
            .is_some_and(|l| l.adjusted == adjusted)
        {
            return;
        }
        self.enter_stage(line, name, id, display);
        push_bounded(
            &mut self.events.operations,
            OperationEvent {
                line,
                number,
                adjusted,
                name: name.to_string(),
                id: id.map(str::to_string),
            },
        );
    }

    fn infer_from_checkpoint(&mut self, ev: &CheckpointEvent, display: &str) {
        let Some(name) = ev.name.as_deref() else {
            return;
        };
        let lname = name.to_ascii_lowercase();
        for m in data::checkpoint_map() {
            if m.any
                .iter()
                .any(|a| lname.contains(&a.to_ascii_lowercase()))
                && let Some(idx) = data::rules().iter().position(|r| r.def.id == m.rule)
            {
                if self.inferred.len() < 16 {
                    self.inferred.push(Inferred {
                        rule: idx,
                        at: LineText::new(ev.line, display),
                        why: data::phrase(data::Phrase::StepFailed, &[("step", name)]),
                    });
                }
                return;
            }
        }
    }

    /// Adds inferences that need the whole log (device vs. IPSW product types).
    pub fn finish(&mut self) {
        keep_last(&mut self.events.modes);
        keep_last(&mut self.events.operations);
        keep_last(&mut self.events.checkpoints);
        if let (Some(d), Some(at)) = (&self.device, &self.ipsw_line)
            && let Some(pt) = &d.product_type
            && !self.target.ipsw_product_types.is_empty()
            && !self
                .target
                .ipsw_product_types
                .iter()
                .any(|p| p.eq_ignore_ascii_case(pt))
            && let Some(idx) = data::rules()
                .iter()
                .position(|r| r.def.inferred_from == Some(Inference::IpswProductMismatch))
        {
            self.inferred.push(Inferred {
                rule: idx,
                at: at.clone(),
                why: data::phrase(
                    data::Phrase::IpswMismatch,
                    &[
                        ("ipsw", &self.target.ipsw_product_types.join(", ")),
                        ("device", pt),
                    ],
                ),
            });
        }
        if let Some(m) = self.stages.back() {
            self.events.last_step = Some(m.stage.clone());
        }
        // A banner that needs its tool's format (see tools.toml) is dropped without it.
        let format_missing = |id: &str| {
            data::formats()
                .iter()
                .position(|f| f.id == id)
                .is_none_or(|i| self.format_scores[i] < crate::diagnose::FORMAT_THRESHOLD)
        };
        if let Some(t) = &self.tool
            && let Some(f) = crate::tool::def(&t.id).and_then(|d| d.def.format.as_deref())
            && format_missing(f)
        {
            self.tool = None;
            self.tool_banner = None;
        }
        if let Some(t) = &mut self.tool {
            let pt = self.device.as_ref().and_then(|d| d.product_type.clone());
            let target = (self.target.version.is_some() || self.target.build.is_some())
                .then_some(&self.target);
            crate::tool::assess(t, target, pt.as_deref());
        }
    }

    /// The last stage reached at or before `line`.
    pub fn stage_at(&self, line: u64) -> Option<&StageMark> {
        self.stages.iter().rev().find(|m| m.at.line <= line)
    }
}
