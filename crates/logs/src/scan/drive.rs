//! Drives a scan: the calling thread reads the input into chunk buffers (the reader need not be
//! `Send`, e.g. a locked stdin) and hands each chunk to a worker thread, which finds its marker
//! lines and their triggers; the calling thread then feeds the results to the sink strictly in
//! input order, so the sink sees exactly what a one-thread scan would show it. Inputs that fit in
//! one chunk are scanned on the calling thread without starting any thread.

use super::batch::Batch;
use super::grams::{Grams, WindowCounts};
use super::{CHUNK, Delivered, LineWork, MAX_LINE, Matcher, ScanStats};
use std::collections::VecDeque;
use std::io::{self, Read};
use std::sync::mpsc;

/// Most worker threads (the scan is memory-bound beyond a few cores).
const MAX_WORKERS: usize = 4;
/// Bytes of the first chunk whose windows choose the filter's keys for the rest of the log.
const TUNING_SAMPLE: usize = 1 << 18;
/// Chunk buffers per worker (one being scanned, one queued).
const BUFFERS_PER_WORKER: usize = 2;

/// Reads the input chunk by chunk and keeps the byte-level totals.
struct Reading<R> {
    reader: R,
    stats: ScanStats,
    last_byte: u8,
}

impl<R: Read> Reading<R> {
    /// Reads into `b` (after any carried-over bytes) until a chunk is full or the input ends,
    /// then sets `b.len` to the end of the last whole line (or of an overlong-line piece).
    /// Returns whether the input has ended.
    fn fill<C>(&mut self, b: &mut Batch<C>) -> io::Result<bool> {
        loop {
            let n = loop {
                match self.reader.read(&mut b.data[b.filled..]) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                }
            };
            let eof = n == 0;
            if n > 0 {
                let fresh = &b.data[b.filled..b.filled + n];
                if !self.stats.any_text {
                    self.stats.any_text = fresh.iter().any(|c| !c.is_ascii_whitespace());
                }
                self.last_byte = fresh[n - 1];
                self.stats.bytes += n as u64;
                b.filled += n;
                if b.filled < CHUNK {
                    continue; // fill a whole chunk before scanning
                }
            }
            b.len = if eof {
                b.filled
            } else {
                match memchr::memrchr(b'\n', &b.data[..b.filled]) {
                    Some(p) => p + 1,
                    None if b.filled >= MAX_LINE => b.filled,
                    None => continue,
                }
            };
            return Ok(eof);
        }
    }

    fn finish(mut self, next_line: u64) -> ScanStats {
        self.stats.lines =
            next_line - 1 + u64::from(self.stats.bytes > 0 && self.last_byte != b'\n');
        self.stats
    }
}

/// Number of scan workers for this machine.
fn workers() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(MAX_WORKERS)
}

/// Streams `reader`, running `work` on every marker line and calling `sink` for each, in order.
pub fn run<R: Read, W: LineWork>(
    reader: R,
    matcher: &Matcher,
    work: &W,
    mut sink: impl FnMut(Delivered<'_, W::Chunk>),
) -> io::Result<ScanStats> {
    let mut reading = Reading {
        reader,
        stats: ScanStats::default(),
        last_byte: b'\n',
    };
    let mut marker_lines = 0u64;
    let mut sink = |d: Delivered<'_, W::Chunk>| {
        marker_lines += 1;
        sink(d);
    };
    let mut first = Batch::new();
    let eof = reading.fill(&mut first)?;
    let workers = workers();
    let line = if eof || workers < 2 {
        sequential(&mut reading, matcher, work, first, eof, &mut sink)?
    } else {
        // A log longer than a chunk: key the filter for its own text (see `Grams::tuned`).
        let sample = &first.data[..first.len.min(TUNING_SAMPLE)];
        let grams = Grams::tuned(&matcher.patterns, &WindowCounts::of(sample));
        parallel(
            &mut reading,
            matcher,
            &grams,
            work,
            first,
            workers,
            &mut sink,
        )?
    };
    let mut stats = reading.finish(line);
    stats.candidate_lines = marker_lines;
    Ok(stats)
}

/// Reads, scans and delivers on the calling thread.
fn sequential<R: Read, W: LineWork>(
    reading: &mut Reading<R>,
    matcher: &Matcher,
    work: &W,
    mut cur: Batch<W::Chunk>,
    mut eof: bool,
    sink: &mut impl FnMut(Delivered<'_, W::Chunk>),
) -> io::Result<u64> {
    let mut line = 1u64;
    let mut spare = None;
    loop {
        cur.scan(matcher, &matcher.grams, work);
        line = cur.deliver(line, sink);
        if eof {
            return Ok(line);
        }
        let mut next = spare.take().unwrap_or_else(Batch::new);
        cur.carry_into(&mut next);
        spare = Some(cur);
        cur = next;
        eof = reading.fill(&mut cur)?;
    }
}

/// Reads on the calling thread, scans on `workers` threads (chunk `i` goes to worker
/// `i % workers`, whose results come back in order), delivers on the calling thread in order.
fn parallel<R: Read, W: LineWork>(
    reading: &mut Reading<R>,
    matcher: &Matcher,
    grams: &Grams,
    work: &W,
    first: Batch<W::Chunk>,
    workers: usize,
    sink: &mut impl FnMut(Delivered<'_, W::Chunk>),
) -> io::Result<u64> {
    std::thread::scope(|scope| {
        let mut jobs = Vec::with_capacity(workers);
        let mut results = Vec::with_capacity(workers);
        for _ in 0..workers {
            let (job_tx, job_rx) = mpsc::channel::<Batch<W::Chunk>>();
            let (done_tx, done_rx) = mpsc::channel::<Batch<W::Chunk>>();
            scope.spawn(move || {
                for mut b in job_rx {
                    b.scan(matcher, grams, work);
                    if done_tx.send(b).is_err() {
                        break;
                    }
                }
            });
            jobs.push(job_tx);
            results.push(done_rx);
        }
        let mut pool: VecDeque<Batch<W::Chunk>> = (1..workers * BUFFERS_PER_WORKER)
            .map(|_| Batch::new())
            .collect();
        let (mut sent, mut received) = (0usize, 0usize);
        let mut line = 1u64;
        // Takes the next result in input order, delivers it and returns its buffer.
        let mut deliver_next = |received: &mut usize, line: &mut u64| -> Batch<W::Chunk> {
            let b = results[*received % workers]
                .recv()
                .expect("a scan worker stopped");
            *received += 1;
            *line = b.deliver(*line, sink);
            b
        };
        let mut cur = first;
        let mut eof = false;
        loop {
            if eof {
                jobs[sent % workers]
                    .send(cur)
                    .expect("a scan worker stopped");
                sent += 1;
                break;
            }
            let mut next = match pool.pop_front() {
                Some(b) => b,
                None => deliver_next(&mut received, &mut line),
            };
            cur.carry_into(&mut next);
            jobs[sent % workers]
                .send(cur)
                .expect("a scan worker stopped");
            sent += 1;
            cur = next;
            eof = reading.fill(&mut cur)?;
        }
        while received < sent {
            deliver_next(&mut received, &mut line);
        }
        Ok(line)
    })
}
