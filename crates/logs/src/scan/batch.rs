//! One chunk of the input and what the scan found in it. A chunk always ends at a line boundary
//! (or is a `MAX_LINE` piece of an overlong line), so chunks can be scanned independently — on
//! any thread — and their results applied in input order. Buffers are reused, so scanning does
//! no allocation per line or per chunk once the pool is warm.
//!
//! A chunk buffer must be initialised memory before the reader may write into it, and 2 MiB of
//! fresh zeroes cost more than diagnosing a short log does; so the buffers of a finished scan
//! are kept (at most [`MAX_SPARE`], 16 MiB) for the next scan of the process: the web server,
//! the fuzzer and the corpus tests diagnose many logs one after another.

use super::grams::{Grams, Hit, Scratch};
use super::{CHUNK, Delivered, LineWork, MAX_LINE, Matcher, Trigger};
use std::sync::Mutex;

/// Chunk buffers of finished scans, kept for the next scan.
static SPARE: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());
/// Most chunk buffers kept between scans.
const MAX_SPARE: usize = 8;

/// The whole chunk is checked as UTF-8 at once when its marker lines are at least this
/// fraction (1/N) of its bytes; below that, checking only the marker lines costs less.
const WHOLE_CHECK_FRACTION: usize = 8;

/// A line that holds at least one marker, located inside its batch.
#[derive(Debug, Clone, Copy)]
pub struct MarkerLine {
    /// Newlines in the batch before this line (its line number relative to the batch).
    pub newlines_before: u64,
    /// Start of the line in the batch data.
    pub start: usize,
    /// End of the line (exclusive, without the `\n`).
    pub end: usize,
    /// End of this line's triggers in `Batch::triggers` (they start where the previous line's end).
    pub trig_end: usize,
}

/// A reusable chunk buffer plus the scan results for it (`C`: what the line work prepared).
pub struct Batch<C> {
    /// Raw bytes: `[..len]` is the region to scan, `[len..filled]` the start of the next line.
    pub data: Vec<u8>,
    /// Bytes read into `data`.
    pub filled: usize,
    /// End of the region of whole lines (or of an overlong-line piece).
    pub len: usize,
    /// Marker lines found in `data[..len]`, in order.
    pub lines: Vec<MarkerLine>,
    /// Triggers of every marker line, concatenated.
    pub triggers: Vec<Trigger>,
    /// Newlines in `data[..len]`.
    pub newlines: u64,
    /// The line work's results for the marker lines.
    pub prepared: C,
    hits: Vec<Hit>,
    scratch: Scratch,
}

impl<C: Default> Batch<C> {
    /// An empty batch with room for a chunk plus one overlong line.
    pub fn new() -> Batch<C> {
        // A kept buffer holds an earlier scan's bytes: only `data[..filled]` is ever read, and
        // every byte of it is written by this scan first.
        let kept = SPARE.lock().ok().and_then(|mut spare| spare.pop());
        Batch {
            data: kept.unwrap_or_else(|| vec![0u8; CHUNK + MAX_LINE]),
            filled: 0,
            len: 0,
            lines: Vec::new(),
            triggers: Vec::new(),
            newlines: 0,
            prepared: C::default(),
            hits: Vec::new(),
            scratch: Scratch::default(),
        }
    }
}

impl<C> Drop for Batch<C> {
    /// Keeps the chunk buffer for the next scan (see the module docs).
    fn drop(&mut self) {
        let data = std::mem::take(&mut self.data);
        if let Ok(mut spare) = SPARE.lock()
            && spare.len() < MAX_SPARE
        {
            spare.push(data);
        }
    }
}

impl<C> Batch<C> {
    /// Moves the unscanned tail `[len..filled]` of `self` to the start of `next`.
    pub fn carry_into(&self, next: &mut Batch<C>) {
        let rest = &self.data[self.len..self.filled];
        next.data[..rest.len()].copy_from_slice(rest);
        next.filled = rest.len();
        next.len = 0;
    }

    /// Scans `data[..len]` with `grams` (the matcher's, or keys tuned to this input): finds the
    /// marker lines, their triggers and the newline count, and runs `work` on each marker line.
    pub fn scan<W: LineWork<Chunk = C>>(&mut self, matcher: &Matcher, grams: &Grams, work: &W) {
        self.find_lines(matcher, grams);
        work.clear(&mut self.prepared);
        let region = &self.data[..self.len];
        // Marker lines are decoded as UTF-8 before their work. When they cover much of the
        // chunk (dense logs), one check of the whole chunk is cheaper than one per line, and
        // every line of a valid chunk is valid (lines end at `\n`, an ASCII byte).
        let marker_bytes: usize = self.lines.iter().map(|l| l.end - l.start).sum();
        let text = if marker_bytes >= region.len() / WHOLE_CHECK_FRACTION {
            std::str::from_utf8(region).ok()
        } else {
            None
        };
        for (l, triggers) in with_triggers(&self.lines, &self.triggers) {
            work.line(
                &region[l.start..l.end],
                text.map(|t| &t[l.start..l.end]),
                triggers,
                &mut self.prepared,
            );
        }
        for (index, (_, triggers)) in with_triggers(&self.lines, &self.triggers).enumerate() {
            work.second_pass(index, triggers, &mut self.prepared);
        }
    }

    /// Finds the marker lines of `data[..len]`, their triggers and the newline count.
    fn find_lines(&mut self, matcher: &Matcher, grams: &Grams) {
        self.lines.clear();
        self.triggers.clear();
        let region = &self.data[..self.len];
        grams.find_all(region, &mut self.hits, &mut self.scratch);
        let hits = &mut self.hits;
        let mut pos = 0usize;
        let mut newlines = 0u64;
        let mut i = 0usize;
        while i < hits.len() {
            let at = hits[i].key_at as usize;
            let start = memchr::memrchr(b'\n', &region[pos..at]).map_or(pos, |p| pos + p + 1);
            let end = memchr::memchr(b'\n', &region[at..]).map_or(region.len(), |p| at + p);
            let mut j = i + 1;
            while j < hits.len() && (hits[j].key_at as usize) < end {
                j += 1;
            }
            // The order of the reference automaton: by end, then longest first.
            let line_hits = &mut hits[i..j];
            line_hits.sort_unstable_by_key(|h| (h.end, std::cmp::Reverse(h.end - h.start)));
            // Between the previous marker line and this one: its newline, then whole lines.
            newlines += u64::from(pos > 0) + count_newlines(&region[pos..start]);
            let base = self.triggers.len();
            for h in line_hits.iter() {
                matcher.push_lit_triggers(h.lit as usize, &mut self.triggers, base);
            }
            self.lines.push(MarkerLine {
                newlines_before: newlines,
                start,
                end,
                trig_end: self.triggers.len(),
            });
            pos = end + 1;
            i = j;
        }
        newlines += u64::from(pos > 0 && pos <= region.len())
            + count_newlines(&region[pos.min(region.len())..]);
        self.newlines = newlines;
    }

    /// Hands every marker line to `sink` with its absolute number (`first_line` is the number of
    /// the batch's first line); returns the number of the line after the batch.
    pub fn deliver(&self, first_line: u64, sink: &mut impl FnMut(Delivered<'_, C>)) -> u64 {
        for (index, (l, triggers)) in with_triggers(&self.lines, &self.triggers).enumerate() {
            sink(Delivered {
                number: first_line + l.newlines_before,
                bytes: &self.data[l.start..l.end],
                triggers,
                chunk: &self.prepared,
                index,
            });
        }
        first_line + self.newlines
    }
}

/// Each marker line with its own triggers (each line's follow the previous line's in
/// `triggers`, up to its `trig_end`).
fn with_triggers<'a>(
    lines: &'a [MarkerLine],
    triggers: &'a [Trigger],
) -> impl Iterator<Item = (&'a MarkerLine, &'a [Trigger])> {
    lines.iter().scan(0, move |start, l| {
        let own = &triggers[*start..l.trig_end];
        *start = l.trig_end;
        Some((l, own))
    })
}

/// Counts `\n` bytes (SIMD via memchr).
fn count_newlines(b: &[u8]) -> u64 {
    if b.is_empty() {
        return 0;
    }
    memchr::memchr_iter(b'\n', b).count() as u64
}
