//! The part of reading a marker line that needs nothing but the line: decoding, cleaning,
//! lower-casing, the rules' `unless` and regex checks, and the typed extractors. It runs on the
//! scan's worker threads, chunk by chunk ([`crate::scan::LineWork`]), and leaves for each line a
//! short list of [`Step`]s that the in-order part (`Analyzer::apply`) turns into state. Nothing
//! here allocates per line once a chunk's buffers are warm, except the rare extractor results
//! that carry strings (operation names, checkpoints). Extractors whose result stops mattering
//! once the analyzer has what it keeps (device and firmware identity, the bounded lists of codes
//! and statuses) are left to the in-order part ([`Step::Deferred`]), which runs them only while
//! they can still change something: in a long log that is the first few such lines.
//!
//! A chunk's marker lines go through two passes ([`LineWork::line`], then
//! [`LineWork::second_pass`]): every line is decoded and cleaned, then every line's steps are
//! worked out. Each pass keeps its own code and tables in the caches; on dense logs this took
//! ~5 % less CPU than doing both for one line before the next.

use crate::clean::{self, Prefix};
use crate::data;
use crate::extract::{self, ModeName};
use crate::report::CheckpointEvent;
use crate::scan::{Extract, LineWork, Trigger};
use std::sync::OnceLock;

/// The work run on the scan threads for the analyzer.
pub struct Prepare;

/// One marker line after preparation.
#[derive(Debug, Clone, Copy)]
pub struct PreparedLine {
    /// Start of the cleaned line in [`Prepared::text`].
    pub start: u32,
    /// Start of the message text (after the stripped prefixes).
    pub text_start: u32,
    /// End of the cleaned line.
    pub end: u32,
    /// First step of the line in [`Prepared::steps`].
    pub steps_start: u32,
    /// End of the line's steps.
    pub steps_end: u32,
    /// Whether markdown quoting or bold was removed.
    pub markdown: bool,
    /// Whether nothing is left of the line after cleaning (such lines count for nothing).
    pub empty: bool,
    /// The first prefix stripped.
    prefix: Prefix,
}

/// A mode read from a line: a canonical name, or a range of [`Prepared::text`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModeRef {
    /// A canonical mode name.
    Known(&'static str),
    /// A mode named by the line (start and end in the chunk's text).
    Text(u32, u32),
}

/// What one trigger of a line asks the in-order part to do, in the order the analyzer did it
/// when everything ran in one place.
#[derive(Debug, Clone, Copy)]
pub enum Step {
    /// A rule whose literal, `unless` and regex conditions hold on the line (its `after`
    /// condition depends on earlier lines and is checked in order).
    Rule(u16),
    /// A host-side stage marker.
    Stage(u16),
    /// A format marker (each format once per line; strong if any of its markers was).
    Format(u16, bool),
    /// A format suggested by the line's prefix shape, with its bonus.
    PrefixFormat(u16, u32),
    /// A Windows thread prefix.
    WindowsPrefix,
    /// An extractor the in-order part runs only if its result can still change the state
    /// (device identity, target firmware, device status, TSS status, tool codes).
    Deferred(Extract),
    /// A mode line.
    Mode(ModeRef),
    /// An operation printed by name (index into [`Prepared::payloads`]).
    OperationName(u32),
    /// An operation printed by number: the number on the wire.
    OperationNumber(u32),
    /// A checkpoint (index into [`Prepared::payloads`]).
    Checkpoint(u32),
    /// A transfer percentage.
    Percent(f32),
    /// The restored protocol version.
    Protocol(u32),
    /// Start of an embedded device log.
    DeviceLog,
    /// A USB line; whether it reports an error.
    Usb(bool),
    /// FDR chatter.
    Fdr,
    /// A TSS request (true) or the filesystem transfer starting (false).
    Activity(bool),
}

/// An operation printed by name, resolved against the protocol table.
#[derive(Debug, Clone)]
pub struct NamedOperation {
    /// Number as printed.
    pub wire: u32,
    /// Adjusted number.
    pub adjusted: u32,
    /// Canonical name.
    pub name: &'static str,
    /// Operation macro.
    pub id: Option<&'static str>,
}

/// Extractor results that carry strings.
#[derive(Debug)]
pub enum Payload {
    /// An operation printed by name.
    Operation(NamedOperation),
    /// A checkpoint.
    Checkpoint(CheckpointEvent),
}

/// The prepared marker lines of one chunk.
#[derive(Debug, Default)]
pub struct Prepared {
    /// The cleaned lines, one after the other.
    pub text: String,
    /// Per marker line, in order.
    pub lines: Vec<PreparedLine>,
    /// Every line's steps.
    pub steps: Vec<Step>,
    /// Extractor results that carry strings.
    pub payloads: Vec<Payload>,
    /// `text` lower-cased (ASCII), filled before the chunk's first steps are worked out.
    lower: String,
    extracts: Vec<Extract>,
    formats: Vec<(u16, bool)>,
}

/// Indexes of the formats the analyzer scores by name.
pub struct FormatIds {
    /// `itunes-windows`.
    pub itunes_windows: Option<u16>,
    /// `3utools`.
    pub three_u: Option<u16>,
    /// `imazing`.
    pub imazing: Option<u16>,
    /// `device-restore-log`.
    pub device_log: Option<u16>,
    /// `idevicerestore`.
    pub idevicerestore: Option<u16>,
}

/// The format indexes, looked up once.
pub fn format_ids() -> &'static FormatIds {
    static F: OnceLock<FormatIds> = OnceLock::new();
    F.get_or_init(|| {
        let id = |name: &str| {
            data::formats()
                .iter()
                .position(|f| f.id == name)
                .map(|i| i as u16)
        };
        FormatIds {
            itunes_windows: id("itunes-windows"),
            three_u: id("3utools"),
            imazing: id("imazing"),
            device_log: id("device-restore-log"),
            idevicerestore: id("idevicerestore"),
        }
    })
}

impl LineWork for Prepare {
    type Chunk = Prepared;

    fn clear(&self, chunk: &mut Prepared) {
        chunk.text.clear();
        // Cleaned lines are never longer than the chunk: grow once, not line by line.
        chunk.text.reserve(crate::scan::CHUNK);
        chunk.lines.clear();
        chunk.steps.clear();
        chunk.payloads.clear();
    }

    fn line(&self, raw: &[u8], text: Option<&str>, triggers: &[Trigger], chunk: &mut Prepared) {
        chunk.clean(raw, text, triggers);
    }

    fn second_pass(&self, index: usize, triggers: &[Trigger], chunk: &mut Prepared) {
        chunk.steps(index, triggers);
    }
}

impl Prepared {
    /// Cleans the line (`text` if the scan already checked it is UTF-8, else `raw` decoded) into
    /// the chunk's text; its steps come in the second pass ([`Prepared::steps`]).
    fn clean(&mut self, raw: &[u8], text: Option<&str>, trig: &[Trigger]) {
        let span = match text.map_or_else(|| std::str::from_utf8(raw), Ok) {
            Ok(s) => clean::clean_into(s, &mut self.text),
            Err(_) => clean::clean_into(&String::from_utf8_lossy(raw), &mut self.text),
        };
        self.lines.push(PreparedLine {
            start: span.start as u32,
            text_start: span.text_start as u32,
            end: self.text.len() as u32,
            steps_start: 0,
            steps_end: 0,
            markdown: span.markdown,
            empty: span.text_start == self.text.len() || trig.is_empty(),
            prefix: span.prefix,
        });
    }

    /// Works out the steps of the chunk's line `index` (lines come in order).
    fn steps(&mut self, index: usize, trig: &[Trigger]) {
        if index == 0 {
            // Every cleaned line lower-cased at once: one pass over the chunk's text instead
            // of a copy per line (lower-casing keeps every byte's offset).
            self.lower.clear();
            self.lower.push_str(&self.text);
            self.lower.make_ascii_lowercase();
        }
        let l = self.lines[index];
        let steps_start = self.steps.len() as u32;
        if !l.empty {
            self.steps_of(l.text_start as usize, l.end as usize, l.prefix, trig);
        }
        let l = &mut self.lines[index];
        l.steps_start = steps_start;
        l.steps_end = self.steps.len() as u32;
    }

    fn steps_of(&mut self, text_start: usize, end: usize, prefix: Prefix, trig: &[Trigger]) {
        let text = &self.text[text_start..end];
        let lower = &self.lower[text_start..end];
        self.formats.clear();
        self.extracts.clear();
        for t in trig {
            match *t {
                Trigger::Rule(i) => {
                    if rule_holds(i as usize, text, lower) {
                        self.steps.push(Step::Rule(i));
                    }
                }
                Trigger::Format(f, strong) => {
                    match self.formats.iter_mut().find(|(g, _)| *g == f) {
                        Some(e) => e.1 |= strong,
                        None => self.formats.push((f, strong)),
                    }
                }
                Trigger::Stage(s) => self.steps.push(Step::Stage(s)),
                Trigger::Extract(e) => {
                    if !self.extracts.contains(&e) {
                        self.extracts.push(e);
                    }
                }
            }
        }
        for &(f, strong) in &self.formats {
            self.steps.push(Step::Format(f, strong));
        }
        if let Some(step) = prefix_step(prefix, lower) {
            self.steps.push(step);
        }
        for &e in &self.extracts {
            let base = text_start as u32;
            let step = extract(e, text, lower, base, &mut self.payloads);
            if let Some(step) = step {
                self.steps.push(step);
            }
        }
    }
}

/// Whether rule `i`'s line-local conditions (`unless`, regex) hold.
fn rule_holds(i: usize, text: &str, lower: &str) -> bool {
    let rule = &data::rules()[i];
    if rule.unless_lower.iter().any(|u| extract::has(lower, u)) {
        return false;
    }
    rule.regex.as_ref().is_none_or(|re| re.is_match(text))
}

/// What the line's prefix shape says about the format.
fn prefix_step(prefix: Prefix, lower: &str) -> Option<Step> {
    let ids = format_ids();
    let (id, bonus) = match prefix {
        Prefix::DatePidTid => (ids.itunes_windows, 1),
        Prefix::TimeColon2 => (ids.three_u, 1),
        Prefix::TimeColon1
            if extract::has(lower, "<restore device")
                || extract::has(lower, "<recovery mode device") =>
        {
            (ids.imazing, 3)
        }
        Prefix::DeviceLog => (ids.device_log, 1),
        Prefix::WindowsThread => return Some(Step::WindowsPrefix),
        _ => return None,
    };
    id.map(|i| Step::PrefixFormat(i, bonus))
}

/// A mode found in `text` (which starts at `base` in the chunk's text).
fn mode_ref(text: &str, lower: &str, base: u32) -> Option<ModeRef> {
    Some(match extract::mode_in(text, lower)? {
        ModeName::Known(m) => ModeRef::Known(m),
        ModeName::Named(m) => {
            // A slice of `text`: its offset is where it starts in it.
            let at = m.as_ptr() as usize - text.as_ptr() as usize;
            ModeRef::Text(base + at as u32, base + (at + m.len()) as u32)
        }
    })
}

/// Runs extractor `e` on the line.
fn extract(
    e: Extract,
    text: &str,
    lower: &str,
    base: u32,
    payloads: &mut Vec<Payload>,
) -> Option<Step> {
    let mut keep = |p: Payload| {
        payloads.push(p);
        payloads.len() as u32 - 1
    };
    Some(match e {
        Extract::Device | Extract::Target | Extract::Status | Extract::Tss | Extract::ToolCode => {
            Step::Deferred(e)
        }
        Extract::Mode => Step::Mode(mode_ref(text, lower, base)?),
        Extract::OperationName => {
            let (name, wire) = extract::operation_by_name(text)?;
            let (adjusted, name, id) = data::protocol().operation_by_name(name)?;
            Step::OperationName(keep(Payload::Operation(NamedOperation {
                wire,
                adjusted,
                name,
                id,
            })))
        }
        Extract::OperationNumber => {
            Step::OperationNumber(extract::operation_by_number_in(text, lower)?.0)
        }
        Extract::Checkpoint => Step::Checkpoint(keep(Payload::Checkpoint(extract::checkpoint_in(
            text, lower,
        )?))),
        Extract::Percent => Step::Percent(extract::percent(text)?),
        Extract::Protocol => Step::Protocol(extract::protocol_version_in(text, lower)?),
        Extract::DeviceLog => Step::DeviceLog,
        Extract::Usb => Step::Usb(
            ["error", "fail", "returned -", "stall", "unable"]
                .iter()
                .any(|k| extract::has(lower, k)),
        ),
        Extract::Fdr => Step::Fdr,
        Extract::Activity => Step::Activity(extract::has(lower, "tss")),
    })
}
