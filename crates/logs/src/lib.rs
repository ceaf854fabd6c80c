//! Restore-log diagnosis for restore-doctor.
//!
//! [`diagnose`] reads a restore log from any [`std::io::Read`] in bounded memory, recognises its
//! format(s) (idevicerestore, futurerestore, Legacy-iOS-Kit, the device-side restore log,
//! iTunes/Apple Mobile Device, macOS restore logs, 3uTools, iMazing, pymobiledevice3 tools),
//! extracts typed events (device, target, modes, operations, checkpoints, statuses, TSS answers,
//! tool codes) and applies the diagnosis rules kept as data in `data/rules.toml` to name the
//! decisive failure, its family, the failed stage, the evidence lines and the remedies.

pub mod accuracy;
mod analyzer;
mod clean;
pub mod data;
mod diagnose;
pub mod extract;
pub mod finding_ids;
mod input;
mod report;
pub mod scan;
mod tool;

pub use clean::{Cleaned, Prefix, clean_line};
pub use input::{Encoding, LogError, sniff};
pub use rd_model::{Confidence, Family};
pub use report::{
    CandidateCause, CheckpointEvent, CheckpointState, CodeKind, DeviceInfo, Diagnosis,
    EventSummary, EvidenceLine, NoiseNote, ObservedCode, OperationEvent, Outcome, Stage,
    TargetInfo, ToolInfo,
};

use std::io::{Cursor, Read};

/// Diagnoses one restore log read from `reader`.
///
/// Fails only when the input is empty, not text, or cannot be read; any text yields a diagnosis
/// (possibly `unknown`).
pub fn diagnose<R: Read>(reader: R) -> Result<Diagnosis, LogError> {
    read_with(reader, diagnose::diagnose)
}

/// Diagnoses a log held in memory.
pub fn diagnose_bytes(bytes: &[u8]) -> Result<Diagnosis, LogError> {
    diagnose(bytes)
}

/// The diagnosis of a log held in memory with a learned fallback's inputs (for measuring such
/// a fallback, see [`accuracy::cross_validate`]).
pub(crate) fn inspect_bytes(bytes: &[u8]) -> Result<diagnose::Inspection, LogError> {
    read_with(bytes, diagnose::inspect)
}

/// Reads the log in its encoding and hands what the analyzer gathered to `finish`.
fn read_with<R: Read, T>(
    mut reader: R,
    finish: fn(analyzer::Analyzer, scan::ScanStats) -> T,
) -> Result<T, LogError> {
    let head = input::read_head(&mut reader)?;
    let encoding = input::sniff(&head)?;
    let stream = Cursor::new(head).chain(reader);
    match encoding {
        Encoding::Utf8 => run(stream, finish),
        Encoding::Utf16Le => run(input::Utf16Reader::new(stream, false), finish),
        Encoding::Utf16Be => run(input::Utf16Reader::new(stream, true), finish),
    }
}

fn run<R: Read, T>(
    reader: R,
    finish: fn(analyzer::Analyzer, scan::ScanStats) -> T,
) -> Result<T, LogError> {
    let mut analyzer = analyzer::Analyzer::new();
    let stats = scan::scan_prepared(
        reader,
        scan::Matcher::get(),
        &analyzer::Prepare,
        |line: scan::Delivered<'_, analyzer::Prepared>| {
            analyzer.apply(line.number, line.chunk, line.index)
        },
    )?;
    if !stats.any_text {
        return Err(LogError::Empty);
    }
    Ok(finish(analyzer, stats))
}

/// Counts the marker lines of a log without diagnosing it (used by the throughput benchmark).
pub fn count_marker_lines<R: Read>(reader: R) -> Result<scan::ScanStats, LogError> {
    Ok(scan::scan(reader, scan::Matcher::get(), |_, _| {})?)
}
