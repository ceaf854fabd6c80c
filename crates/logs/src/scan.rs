//! The streaming scanner: reads any `Read` in fixed-size chunks, finds the lines that hold a
//! known marker (most lines of a long log hold none and are never looked at again), and hands
//! each such line, its 1-based number and the triggers of the markers it holds to a sink, in
//! input order. The search is a 4-gram filter (`grams`) run on worker threads, one chunk each
//! (`drive`, `batch`); the Aho-Corasick automaton stays as the reference for one line
//! ([`Matcher::triggers_in`]), and tests hold the two to the same answers. A caller can have
//! per-line work that needs no state ([`LineWork`]) done on the worker threads too, beside the
//! search, and receive its results with each line, still in input order. Memory stays bounded
//! by a few chunk buffers plus the longest line kept (`MAX_LINE`).

use crate::data;
use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use std::collections::HashMap;
use std::io::{self, Read};
use std::sync::OnceLock;

mod batch;
mod drive;
mod grams;
mod short_find;

pub(crate) use short_find::{LinePairs, find as find_in_line};

/// Bytes read per chunk.
pub const CHUNK: usize = 1 << 20;
/// Longest line examined; longer lines are examined in pieces of this size.
pub const MAX_LINE: usize = 1 << 20;

/// The typed extractors a marker can trigger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Extract {
    /// Device identity (product type, board).
    Device,
    /// Firmware version/build/file.
    Target,
    /// Mode transitions.
    Mode,
    /// An operation printed by name (`Updating baseband (19)`).
    OperationName,
    /// An operation printed by number (`operation 19 progress 40`).
    OperationNumber,
    /// Checkpoints in any of their shapes.
    Checkpoint,
    /// The device's final status.
    Status,
    /// TSS answers.
    Tss,
    /// Tool return / exception codes.
    ToolCode,
    /// Transfer progress percentages.
    Percent,
    /// restored protocol version.
    Protocol,
    /// Start of an embedded device log.
    DeviceLog,
    /// USB / mux error lines.
    Usb,
    /// FDR chatter.
    Fdr,
    /// TSS request attempts and ASR start.
    Activity,
}

/// What a marker stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Trigger {
    /// A diagnosis rule (index into `data::rules()`).
    Rule(u16),
    /// A format marker (index into `data::formats()`, strong or not).
    Format(u16, bool),
    /// A host-side stage (index into `data::stages()`).
    Stage(u16),
    /// A typed extractor.
    Extract(Extract),
}

const EXTRACT_MARKERS: &[(&str, Extract)] = &[
    ("Identified device as", Extract::Device),
    ("Found device", Extract::Device),
    ("ProductType", Extract::Device),
    ("Product Type", Extract::Device),
    ("Board Config", Extract::Device),
    ("HardwareModel", Extract::Device),
    ("* Device:", Extract::Device),
    ("Device Product Version", Extract::Device),
    ("IPSW Product Version", Extract::Target),
    ("IPSW Product Build", Extract::Target),
    ("Product Version:", Extract::Target),
    ("Product Build:", Extract::Target),
    ("Software payload version", Extract::Target),
    ("_Restore.ipsw", Extract::Target),
    ("Target version", Extract::Target),
    ("Restoring to iOS", Extract::Target),
    (" mode", Extract::Mode),
    ("Changing state from", Extract::Mode),
    ("Starting State:", Extract::Mode),
    ("operation ", Extract::OperationNumber),
    ("checkpoint", Extract::Checkpoint),
    ("Status: ", Extract::Status),
    ("Unhandled status message", Extract::Status),
    ("AMRError", Extract::Status),
    ("STATUS=", Extract::Tss),
    ("status=", Extract::Tss),
    ("errorcode=", Extract::ToolCode),
    ("error code=", Extract::ToolCode),
    ("Fail code=", Extract::ToolCode),
    ("code=", Extract::ToolCode),
    ("status:", Extract::ToolCode),
    ("error = ", Extract::ToolCode),
    ("failed with error", Extract::ToolCode),
    ("%", Extract::Percent),
    ("com.apple.mobile.restored, version", Extract::Protocol),
    ("ProtocolVersion", Extract::Protocol),
    ("Log is available", Extract::DeviceLog),
    ("usbmuxd", Extract::Usb),
    ("LIBUSB_ERROR", Extract::Usb),
    ("pipe stall", Extract::Usb),
    ("USBControlTransfer", Extract::Usb),
    ("IRECV_E_", Extract::Usb),
    ("FDR", Extract::Fdr),
    ("ReverseProxy", Extract::Fdr),
    ("Sending TSS request", Extract::Activity),
    ("tss_submit_job", Extract::Activity),
    ("Sending filesystem now", Extract::Activity),
    ("Connected to ASR", Extract::Activity),
];

/// The compiled marker set: one automaton over every literal of every rule, format, stage and
/// extractor (ASCII case ignored), and what each literal triggers.
pub struct Matcher {
    /// Built on first use: only [`Matcher::triggers_in`] needs it, the scan does not.
    ac: OnceLock<AhoCorasick>,
    patterns: Vec<String>,
    grams: grams::Grams,
    triggers: Vec<Vec<Trigger>>,
}

impl Matcher {
    /// The shared matcher built from the embedded data.
    pub fn get() -> &'static Matcher {
        static M: OnceLock<Matcher> = OnceLock::new();
        M.get_or_init(Matcher::build)
    }

    /// Every distinct literal (lower-cased) in the marker set, for benchmarks and peers.
    pub fn literals() -> Vec<String> {
        let mut v: Vec<String> = Self::collect().into_iter().map(|(k, _)| k).collect();
        v.sort();
        v
    }

    /// The literal → trigger table (lower-cased literals).
    fn collect() -> Vec<(String, Vec<Trigger>)> {
        let mut map: HashMap<String, Vec<Trigger>> = HashMap::new();
        let mut add = |lit: &str, t: Trigger| {
            let key = lit.to_ascii_lowercase();
            let e = map.entry(key).or_default();
            if !e.contains(&t) {
                e.push(t);
            }
        };
        for (i, r) in data::rules().iter().enumerate() {
            for a in &r.def.any {
                add(a, Trigger::Rule(i as u16));
            }
        }
        for (i, f) in data::formats().iter().enumerate() {
            for m in &f.strong {
                add(m, Trigger::Format(i as u16, true));
            }
            for m in &f.markers {
                add(m, Trigger::Format(i as u16, false));
            }
        }
        for (i, s) in data::stages().iter().enumerate() {
            for m in &s.any {
                add(m, Trigger::Stage(i as u16));
            }
        }
        for (lit, e) in EXTRACT_MARKERS {
            add(lit, Trigger::Extract(*e));
        }
        for name in data::protocol().operations.values() {
            add(
                &format!("{name} ("),
                Trigger::Extract(Extract::OperationName),
            );
        }
        let mut v: Vec<_> = map.into_iter().collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    }

    fn build() -> Matcher {
        let entries = Self::collect();
        let lits: Vec<String> = entries.iter().map(|(k, _)| k.clone()).collect();
        Matcher {
            ac: OnceLock::new(),
            grams: grams::Grams::new(&lits),
            patterns: lits,
            triggers: entries.into_iter().map(|(_, t)| t).collect(),
        }
    }

    /// The reference automaton over every literal.
    fn automaton(&self) -> &AhoCorasick {
        self.ac
            .get_or_init(|| Self::build_automaton(&self.patterns))
    }

    fn build_automaton(patterns: &[String]) -> AhoCorasick {
        AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::DFA))
            .build(patterns)
            .or_else(|_| {
                AhoCorasick::builder()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::Standard)
                    .build(patterns)
            })
            .expect("the embedded marker set compiles")
    }

    /// Every trigger of every marker found in `line` (duplicates removed), in the order the
    /// markers end in the line.
    pub fn triggers_in(&self, line: &[u8], out: &mut Vec<Trigger>) {
        out.clear();
        for m in self.automaton().find_overlapping_iter(line) {
            self.push_lit_triggers(m.pattern().as_usize(), out, 0);
        }
    }

    /// Appends the triggers of literal `lit` that `out[base..]` does not hold yet.
    fn push_lit_triggers(&self, lit: usize, out: &mut Vec<Trigger>, base: usize) {
        for t in &self.triggers[lit] {
            if !out[base..].contains(t) {
                out.push(*t);
            }
        }
    }
}

/// Totals of one scan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScanStats {
    /// Bytes read.
    pub bytes: u64,
    /// Lines (a last line without a newline counts).
    pub lines: u64,
    /// Lines that held a marker.
    pub candidate_lines: u64,
    /// Whether any byte other than whitespace was seen.
    pub any_text: bool,
}

/// Work done for each marker line on the scan's worker threads, before the lines are handed to
/// the sink in order: whatever needs only the line itself (cleaning, parsing), so that the
/// in-order sink is left with the state updates.
pub trait LineWork: Sync {
    /// What the work leaves for one chunk's marker lines (reused from chunk to chunk).
    type Chunk: Default + Send;
    /// Empties `chunk` before a new chunk's lines are prepared into it.
    fn clear(&self, chunk: &mut Self::Chunk);
    /// Prepares the next marker line of the chunk (lines come in input order). `text` is the
    /// line as text when the scan already knows it is valid UTF-8 (it checks a chunk whole when
    /// its marker lines are a large part of it, which costs less than checking line by line).
    fn line(&self, raw: &[u8], text: Option<&str>, triggers: &[Trigger], chunk: &mut Self::Chunk);
    /// A second pass over the chunk's marker lines, once every line had its [`LineWork::line`]
    /// (`index`: the line's place among them). Work split into passes over the whole chunk
    /// keeps each pass's code and tables in the CPU's caches.
    fn second_pass(&self, _index: usize, _triggers: &[Trigger], _chunk: &mut Self::Chunk) {}
}

/// No per-line work: the sink gets the raw lines and triggers only.
impl LineWork for () {
    type Chunk = ();
    fn clear(&self, _: &mut ()) {}
    fn line(&self, _: &[u8], _: Option<&str>, _: &[Trigger], _: &mut ()) {}
}

/// A marker line as handed to the sink of [`scan_prepared`].
pub struct Delivered<'a, C> {
    /// 1-based line number.
    pub number: u64,
    /// The line's bytes (without the `\n`).
    pub bytes: &'a [u8],
    /// The triggers of the markers in the line.
    pub triggers: &'a [Trigger],
    /// The prepared results of the line's chunk.
    pub chunk: &'a C,
    /// Index of the line among its chunk's marker lines (the order of [`LineWork::line`] calls).
    pub index: usize,
}

/// Streams `reader` and calls `sink(line_number, line_bytes)` for every line holding a marker.
pub fn scan<R: Read>(
    reader: R,
    matcher: &Matcher,
    mut sink: impl FnMut(u64, &[u8]),
) -> io::Result<ScanStats> {
    scan_lines(reader, matcher, |n, line, _| sink(n, line))
}

/// Streams `reader` and calls `sink(line_number, line_bytes, triggers)` for every line holding a
/// marker, in input order; `triggers` are those [`Matcher::triggers_in`] gives for the line. The
/// marker search runs on worker threads for inputs larger than one chunk.
pub fn scan_lines<R: Read>(
    reader: R,
    matcher: &Matcher,
    mut sink: impl FnMut(u64, &[u8], &[Trigger]),
) -> io::Result<ScanStats> {
    drive::run(reader, matcher, &(), |d: Delivered<'_, ()>| {
        sink(d.number, d.bytes, d.triggers)
    })
}

/// Like [`scan_lines`], with `work` run for every marker line on the worker threads; the sink
/// gets each line with its chunk's prepared results, in input order.
pub fn scan_prepared<R: Read, W: LineWork>(
    reader: R,
    matcher: &Matcher,
    work: &W,
    sink: impl FnMut(Delivered<'_, W::Chunk>),
) -> io::Result<ScanStats> {
    drive::run(reader, matcher, work, sink)
}

#[cfg(test)]
mod tests;
