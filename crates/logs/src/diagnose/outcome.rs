//! How the restore ended. The tool's own final message decides: the last terminal line (a
//! success message, or the tool's "unable to restore" / "restoring failed") wins over every
//! alarming line before it, so a long log with scary lines that ends in "Restore Finished" is a
//! finished restore. A failure line after the success line still makes it a failure: the
//! restore is only called finished when nothing failed after the tool said so. Without a
//! terminal line, the latest signal decides.

use super::Signals;
use crate::analyzer::Analyzer;
use crate::report::Outcome;

/// The outcome and where the last attempt starts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Verdict {
    /// How the restore ended.
    pub outcome: Outcome,
    /// Lines after this one belong to the last attempt (0: the whole log). A log with several
    /// attempts is judged by its last one; earlier failures become secondary signals.
    pub attempt_start: u64,
}

/// Decides the outcome from the terminal lines and the latest signals.
pub(crate) fn decide(s: &Signals, a: &Analyzer) -> Verdict {
    let last_success_terminal = s
        .successes
        .iter()
        .filter(|c| c.rule.def.terminal)
        .map(|c| c.last.line)
        .max();
    let last_success_any = s.successes.iter().map(|c| c.last.line).max();
    let terminal_failures: Vec<u64> = s
        .generics
        .iter()
        .filter(|c| c.rule.def.terminal)
        .flat_map(|c| [c.first.line, c.last.line])
        .collect();
    let last_failure_terminal = terminal_failures.iter().copied().max();
    let last_failure_any = s.last_failure_line();
    let activity = a
        .format_scores
        .iter()
        .any(|&x| x >= super::FORMAT_THRESHOLD)
        || !a.stages.is_empty()
        || !a.events.operations.is_empty()
        || !a.events.checkpoints.is_empty();

    let outcome = match (last_success_terminal, last_failure_terminal) {
        // A failure after the tool's success line: whatever happened next failed, so the
        // restore is not called finished (a log that ends failing is a failure).
        (Some(ok), _) if last_failure_any.is_some_and(|f| f > ok) => Outcome::Failure,
        // The tool's own final word: whichever terminal line comes last.
        (Some(ok), Some(fail)) if ok > fail => Outcome::Success,
        (Some(_), Some(_)) => Outcome::Failure,
        (Some(_), None) => Outcome::Success,
        (None, Some(_)) => Outcome::Failure,
        (None, None) => match (last_success_any, last_failure_any) {
            (Some(ok), Some(fail)) if ok > fail => Outcome::Success,
            (Some(_), None) => Outcome::Success,
            (_, Some(_)) => Outcome::Failure,
            (None, None) if activity => Outcome::Incomplete,
            (None, None) => Outcome::Unknown,
        },
    };
    // The last attempt starts after the previous terminal line (success or failure) that comes
    // before the final one.
    let mut terminals: Vec<u64> = terminal_failures;
    terminals.extend(
        s.successes
            .iter()
            .filter(|c| c.rule.def.terminal)
            .flat_map(|c| [c.first.line, c.last.line]),
    );
    terminals.sort_unstable();
    terminals.dedup();
    let attempt_start = if outcome == Outcome::Failure && terminals.len() >= 2 {
        let last = terminals[terminals.len() - 1];
        // Terminal lines within a few lines of each other belong to the same ending
        // ("Unable to restore device" then "Done: restoring failed").
        terminals
            .iter()
            .rev()
            .find(|&&t| t + 15 < last)
            .copied()
            .unwrap_or(0)
    } else {
        0
    };
    Verdict {
        outcome,
        attempt_start,
    }
}
