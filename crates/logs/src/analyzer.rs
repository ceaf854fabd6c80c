//! Accumulates what the marker lines of one log say: rule hits, format scores, stages, typed
//! events. Everything it keeps is bounded, whatever the size of the log.

use crate::clean::{Prefix, clean_line};
use crate::data::{self, FactKind, Inference, RuleKind};
use crate::extract;
use crate::report::{
    CheckpointEvent, CheckpointState, CodeKind, DeviceInfo, EventSummary, ObservedCode,
    OperationEvent, Stage, TargetInfo, ToolInfo,
};
use crate::scan::{Extract, Trigger};
use std::collections::VecDeque;

/// Most stage transitions remembered.
const MAX_STAGES: usize = 4096;
/// Most operations / checkpoints / codes kept in the event summary.
const MAX_EVENTS: usize = 64;

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
    target_from_name: (bool, bool),
}

fn push_bounded<T>(v: &mut Vec<T>, item: T) {
    if v.len() >= MAX_EVENTS {
        v.remove(0);
    }
    v.push(item);
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

    /// Feeds one marker line with the triggers the scan found in it.
    pub fn line(&mut self, line_no: u64, raw: &[u8], trig: &[Trigger]) {
        if !trig.is_empty() {
            let text = String::from_utf8_lossy(raw);
            self.process(line_no, &text, trig);
        }
    }

    fn process(&mut self, line_no: u64, raw: &str, trig: &[Trigger]) {
        let c = clean_line(raw);
        if c.text.is_empty() {
            return;
        }
        if c.markdown {
            self.markdown_lines += 1;
        }
        let text = c.text.as_str();
        let lower = text.to_ascii_lowercase();
        let mut seen_formats: Vec<(u16, bool)> = Vec::new();
        let mut extracts: Vec<Extract> = Vec::new();
        for t in trig {
            match *t {
                Trigger::Rule(i) => self.try_rule(i as usize, line_no, text, &lower, &c.display),
                Trigger::Format(f, strong) => {
                    match seen_formats.iter_mut().find(|(g, _)| *g == f) {
                        Some(e) => e.1 |= strong,
                        None => seen_formats.push((f, strong)),
                    }
                }
                Trigger::Stage(s) => {
                    let def = &data::stages()[s as usize];
                    self.enter_stage(line_no, def.name.clone(), Some(def.id.clone()), &c.display);
                }
                Trigger::Extract(e) => {
                    if !extracts.contains(&e) {
                        extracts.push(e);
                    }
                }
            }
        }
        for (f, strong) in seen_formats {
            let s = &mut self.format_scores[f as usize];
            *s = (*s + if strong { 3 } else { 1 }).min(10_000);
        }
        self.score_prefix(c.prefix, &lower);
        for e in extracts {
            self.extract(e, line_no, text, &c.display);
        }
        self.last_line = Some(LineText {
            line: line_no,
            text: c.display,
        });
    }

    fn score_prefix(&mut self, prefix: Prefix, lower: &str) {
        let id = match prefix {
            Prefix::DatePidTid => "itunes-windows",
            Prefix::TimeColon2 => "3utools",
            Prefix::TimeColon1
                if lower.contains("<restore device") || lower.contains("<recovery mode device") =>
            {
                "imazing"
            }
            Prefix::DeviceLog => "device-restore-log",
            Prefix::WindowsThread => {
                self.windows_prefix_lines += 1;
                return;
            }
            _ => return,
        };
        if let Some(i) = data::formats().iter().position(|f| f.id == id) {
            let bonus = if id == "imazing" { 3 } else { 1 };
            self.format_scores[i] = (self.format_scores[i] + bonus).min(10_000);
        }
    }

    fn try_rule(&mut self, i: usize, line_no: u64, text: &str, lower: &str, display: &str) {
        let rule = &data::rules()[i];
        if rule.unless_lower.iter().any(|u| lower.contains(u.as_str())) {
            return;
        }
        if let Some(re) = &rule.regex
            && !re.is_match(text)
        {
            return;
        }
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
                    h.last = LineText::new(line_no, display);
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

    fn enter_stage(&mut self, line_no: u64, name: String, id: Option<String>, display: &str) {
        if let Some(last) = self.stages.back()
            && last.stage.name == name
        {
            return;
        }
        if self.stages.len() >= MAX_STAGES {
            self.stages.pop_front();
        }
        self.stages.push_back(StageMark {
            at: LineText::new(line_no, display),
            stage: Stage { name, id },
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

    fn extract(&mut self, e: Extract, line_no: u64, text: &str, display: &str) {
        let proto = data::protocol();
        match e {
            Extract::Device => {
                if let Some(f) = extract::device_facts(text) {
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
                if let Some(m) = extract::mode(text)
                    && let Some(d) = &mut self.device
                    && d.mode.is_none()
                {
                    d.mode = Some(m);
                }
            }
            Extract::Target => {
                if let Some(f) = extract::target_facts(text) {
                    let from_name = f.ipsw.is_some();
                    let t = &mut self.target;
                    if f.ipsw.is_some() && t.ipsw.is_none() {
                        t.ipsw = f.ipsw;
                        t.ipsw_product_types = f.product_types;
                        self.ipsw_line = Some(LineText::new(line_no, display));
                    }
                    // Explicit version lines beat what the IPSW file name suggests.
                    if f.version.is_some()
                        && (t.version.is_none() || (!from_name && self.target_from_name.0))
                    {
                        t.version = f.version;
                        self.target_from_name.0 = from_name;
                    }
                    if f.build.is_some()
                        && (t.build.is_none() || (!from_name && self.target_from_name.1))
                    {
                        t.build = f.build;
                        self.target_from_name.1 = from_name;
                    }
                }
            }
            Extract::Mode => {
                if let Some(m) = extract::mode(text) {
                    if self.events.modes.last() != Some(&m) {
                        push_bounded(&mut self.events.modes, m.clone());
                    }
                    if let Some(d) = &mut self.device
                        && d.mode.is_none()
                    {
                        d.mode = Some(m);
                    }
                }
            }
            Extract::OperationName => {
                if let Some((name, wire)) = extract::operation_by_name(text)
                    && let Some((adjusted, canonical, id)) = proto.operation_by_name(name)
                {
                    let op = OperationEvent {
                        line: line_no,
                        number: wire,
                        adjusted,
                        name: canonical.to_string(),
                        id: id.map(str::to_string),
                    };
                    // "Name (N)" is idevicerestore's own way of printing operations.
                    if let Some(i) = data::formats()
                        .iter()
                        .position(|f| f.id == "idevicerestore")
                    {
                        self.format_scores[i] = (self.format_scores[i] + 1).min(10_000);
                    }
                    self.push_operation(op, display);
                }
            }
            Extract::OperationNumber => {
                if let Some((wire, _progress)) = extract::operation_by_number(text)
                    && let Some((adjusted, name, id)) =
                        proto.operation(wire, self.events.protocol_version)
                {
                    let op = OperationEvent {
                        line: line_no,
                        number: wire,
                        adjusted,
                        name: name.to_string(),
                        id: id.map(str::to_string),
                    };
                    self.push_operation(op, display);
                }
            }
            Extract::Checkpoint => {
                if let Some(mut ev) = extract::checkpoint(text) {
                    ev.line = line_no;
                    if ev.name.is_none() && ev.id.is_some() {
                        // Failure lines may omit the name; the start line gave it.
                        ev.name = self
                            .events
                            .checkpoints
                            .iter()
                            .rev()
                            .find(|c| c.id == ev.id && c.name.is_some())
                            .and_then(|c| c.name.clone());
                    }
                    if ev.state == CheckpointState::Begin
                        && let Some(name) = ev.name.clone()
                    {
                        self.enter_stage(line_no, name, ev.id.clone(), display);
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
            }
            Extract::Status => {
                if let Some((code, _)) = extract::device_status(text) {
                    let meaning = proto.status_meaning(code).map(str::to_string);
                    self.code(CodeKind::DeviceStatus, code, meaning, line_no);
                    if self.statuses.len() < 16 {
                        self.statuses.push(StatusLine {
                            line: line_no,
                            code,
                            text: display.to_string(),
                        });
                    }
                } else if let Some(v) = extract::int_after(text, "AMRError") {
                    self.code(
                        CodeKind::AmrError,
                        v,
                        proto.status_meaning(v).map(str::to_string),
                        line_no,
                    );
                }
            }
            Extract::Tss => {
                if let Some((code, msg)) = extract::tss_status(text) {
                    let meaning = proto.tss_meaning(code).map(str::to_string).or(msg);
                    self.code(CodeKind::TssStatus, code, meaning, line_no);
                    if self.tss.len() < 16 {
                        self.tss.push(StatusLine {
                            line: line_no,
                            code,
                            text: display.to_string(),
                        });
                    }
                }
            }
            Extract::ToolCode => {
                let lower = text.to_ascii_lowercase();
                if lower.contains("[exception]") {
                    self.last_exception = Some(line_no);
                }
                if let Some((kind, v)) = extract::tool_code(text) {
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
            Extract::Percent => {
                if let Some(p) = extract::percent(text) {
                    let best = self.events.asr_progress.unwrap_or(0.0);
                    if self.events.asr_started && p >= best {
                        self.events.asr_progress = Some(p);
                    }
                }
            }
            Extract::Protocol => {
                if let Some(v) = extract::protocol_version(text) {
                    self.events.protocol_version = Some(v);
                }
            }
            Extract::DeviceLog => {
                if self.events.device_log_line.is_none() {
                    self.events.device_log_line = Some(line_no);
                }
            }
            Extract::Usb => {
                let lower = text.to_ascii_lowercase();
                if ["error", "fail", "returned -", "stall", "unable"]
                    .iter()
                    .any(|k| lower.contains(k))
                {
                    self.events.usb_errors += 1;
                }
            }
            Extract::Fdr => self.events.fdr_lines += 1,
            Extract::Activity => {
                let lower = text.to_ascii_lowercase();
                if lower.contains("tss") {
                    self.events.tss_requests += 1;
                } else {
                    self.events.asr_started = true;
                }
            }
        }
    }

    fn push_operation(&mut self, op: OperationEvent, display: &str) {
        if self
            .events
            .operations
            .last()
            .is_some_and(|l| l.adjusted == op.adjusted)
        {
            return;
        }
        self.enter_stage(op.line, op.name.clone(), op.id.clone(), display);
        push_bounded(&mut self.events.operations, op);
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
