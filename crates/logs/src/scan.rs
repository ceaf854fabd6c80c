//! The streaming scanner: reads any `Read` in fixed-size chunks, finds the few lines that hold a
//! known marker with one Aho-Corasick pass over the chunk (most lines are never looked at), and
//! hands each such line, its 1-based number and the markers it holds to a sink. Memory stays
//! bounded by the chunk size plus the longest line kept (`MAX_LINE`).

use crate::data;
use aho_corasick::{AhoCorasick, AhoCorasickKind, Input, MatchKind};
use std::collections::HashMap;
use std::io::{self, Read};
use std::sync::OnceLock;

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
    ac: AhoCorasick,
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
        let patterns: Vec<&str> = entries.iter().map(|(k, _)| k.as_str()).collect();
        let ac = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::DFA))
            .build(&patterns)
            .or_else(|_| {
                AhoCorasick::builder()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::Standard)
                    .build(&patterns)
            })
            .expect("the embedded marker set compiles");
        Matcher {
            ac,
            triggers: entries.into_iter().map(|(_, t)| t).collect(),
        }
    }

    /// Start of the first marker in `hay[from..]`.
    fn next_candidate(&self, hay: &[u8], from: usize) -> Option<usize> {
        self.ac
            .find(Input::new(hay).range(from..))
            .map(|m| m.start())
    }

    /// Every trigger of every marker found in `line` (duplicates removed).
    pub fn triggers_in(&self, line: &[u8], out: &mut Vec<Trigger>) {
        out.clear();
        for m in self.ac.find_overlapping_iter(line) {
            for t in &self.triggers[m.pattern().as_usize()] {
                if !out.contains(t) {
                    out.push(*t);
                }
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

/// Counts `\n` bytes (the compiler vectorises this loop).
fn count_newlines(b: &[u8]) -> u64 {
    b.iter().filter(|&&c| c == b'\n').count() as u64
}

/// Streams `reader` and calls `sink(line_number, line_bytes)` for every line holding a marker.
pub fn scan<R: Read>(
    mut reader: R,
    matcher: &Matcher,
    mut sink: impl FnMut(u64, &[u8]),
) -> io::Result<ScanStats> {
    let mut stats = ScanStats::default();
    let mut buf = vec![0u8; CHUNK + MAX_LINE];
    let mut filled = 0usize;
    let mut line_no: u64 = 1; // number of the line starting at buf[0]
    let mut last_byte = b'\n';
    loop {
        let n = loop {
            match reader.read(&mut buf[filled..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        };
        let eof = n == 0;
        if n > 0 {
            let fresh = &buf[filled..filled + n];
            if !stats.any_text {
                stats.any_text = fresh.iter().any(|b| !b.is_ascii_whitespace());
            }
            last_byte = fresh[n - 1];
            stats.bytes += n as u64;
            filled += n;
            if filled < CHUNK {
                continue; // fill a whole chunk before scanning
            }
        }
        let end = if eof {
            filled
        } else {
            match memchr::memrchr(b'\n', &buf[..filled]) {
                Some(p) => p + 1,
                None if filled >= MAX_LINE => filled,
                None => continue,
            }
        };
        line_no += scan_region(&buf[..end], line_no, matcher, &mut stats, &mut sink);
        buf.copy_within(end..filled, 0);
        filled -= end;
        if eof {
            break;
        }
    }
    stats.lines = line_no - 1 + u64::from(stats.bytes > 0 && last_byte != b'\n');
    Ok(stats)
}

/// Scans whole lines in `region`; returns the number of newlines in it.
fn scan_region(
    region: &[u8],
    first_line: u64,
    matcher: &Matcher,
    stats: &mut ScanStats,
    sink: &mut impl FnMut(u64, &[u8]),
) -> u64 {
    let mut pos = 0usize;
    let mut counted = 0usize;
    let mut line_no = first_line;
    while pos < region.len() {
        let Some(at) = matcher.next_candidate(region, pos) else {
            break;
        };
        let start = memchr::memrchr(b'\n', &region[pos..at]).map_or(pos, |p| pos + p + 1);
        let end = memchr::memchr(b'\n', &region[at..]).map_or(region.len(), |p| at + p);
        line_no += count_newlines(&region[counted..start]);
        counted = start;
        stats.candidate_lines += 1;
        sink(line_no, &region[start..end]);
        pos = end + 1;
    }
    line_no += count_newlines(&region[counted.min(region.len())..]);
    line_no - first_line
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(input: &[u8]) -> (Vec<(u64, String)>, ScanStats) {
        let mut got = Vec::new();
        let stats = scan(input, Matcher::get(), |n, l| {
            got.push((n, String::from_utf8_lossy(l).into_owned()))
        })
        .unwrap();
        (got, stats)
    }

    #[test]
    fn finds_marker_lines_with_numbers() {
        let text = b"hello\nnothing here\nERROR: Unable to restore device\r\nplain\nStatus: Restore Finished";
        let (got, stats) = collect(text);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].0, 3);
        assert_eq!(got[0].1, "ERROR: Unable to restore device\r");
        assert_eq!(got[1].0, 5);
        assert_eq!(stats.lines, 5);
        assert_eq!(stats.bytes, text.len() as u64);
    }

    #[test]
    fn line_numbers_survive_chunk_boundaries() {
        let mut text = Vec::new();
        let filler = b"just some ordinary text without markers\n";
        let mut expected = Vec::new();
        let mut line = 1u64;
        while text.len() < 3 * CHUNK {
            if line.is_multiple_of(5000) {
                text.extend_from_slice(b"Status: Fail\n");
                expected.push(line);
            } else {
                text.extend_from_slice(filler);
            }
            line += 1;
        }
        let (got, stats) = collect(&text);
        let lines: Vec<u64> = got.iter().map(|g| g.0).collect();
        assert_eq!(lines, expected);
        assert_eq!(stats.lines, line - 1);
    }

    #[test]
    fn overlong_lines_do_not_grow_memory() {
        let mut text = vec![b'a'; 3 * MAX_LINE];
        text.extend_from_slice(b" Status: Fail\n");
        let (got, _) = collect(&text);
        assert_eq!(got.len(), 1);
        assert!(got[0].1.len() <= MAX_LINE + 32);
    }
}
