//! Wording shared by the HTML and Markdown renderers, so both say the same things.

use crate::{Bundle, Part};
use rd_history::Attempt;
use rd_logs::{Diagnosis, Outcome};
use rd_model::Severity;

/// Section titles, in the order the report shows them.
pub const LOG: &str = "Restore log";
/// The history section's title.
pub const HISTORY: &str = "Attempt history";
/// The devices section's title.
pub const DEVICES: &str = "Connected devices";
/// The checkup section's title.
pub const CHECKUP: &str = "Computer checkup";
/// The IPSW section's title.
pub const IPSW: &str = "Firmware file";

/// The outcome in plain words.
pub fn outcome(d: &Diagnosis) -> &'static str {
    match d.outcome {
        Outcome::Success => "restore finished",
        Outcome::Failure => "restore failed",
        Outcome::Incomplete => "log ends before the restore ended",
        Outcome::Unknown => "not recognised as a restore log",
    }
}

/// The device line of a diagnosis: `iPhone 7 (GSM) (iPhone9,3, d101ap) in Recovery mode`.
pub fn device(d: &Diagnosis) -> Option<String> {
    let dev = d.device.as_ref()?;
    let mut parts: Vec<String> = Vec::new();
    if let Some(n) = &dev.name {
        parts.push(n.clone());
    }
    let ids: Vec<&str> = [dev.product_type.as_deref(), dev.board.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    if !ids.is_empty() {
        parts.push(format!("({})", ids.join(", ")));
    }
    if let Some(m) = &dev.mode {
        parts.push(format!("in {m} mode"));
    }
    (!parts.is_empty()).then(|| parts.join(" "))
}

/// The firmware line of a diagnosis.
pub fn firmware(d: &Diagnosis) -> Option<String> {
    let t = d.target.as_ref()?;
    let v: Vec<&str> = [t.version.as_deref(), t.build.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    if v.is_empty() {
        t.ipsw.clone()
    } else {
        Some(v.join(" "))
    }
}

/// One attempt's result in a few words: `failed at Sending filesystem (USB connection)`.
pub fn attempt_result(a: &Attempt) -> String {
    match a.outcome.as_str() {
        "success" => "finished".to_string(),
        "failure" => format!("failed at {} ({})", a.stage_label(), a.family.label()),
        "incomplete" => format!("stopped at {} ({})", a.stage_label(), a.family.label()),
        _ => "not recognised".to_string(),
    }
}

/// Why a part is missing, or `None` when it is there.
pub fn missing<T>(p: &Part<T>) -> Option<String> {
    match p {
        Part::Done(_) => None,
        Part::Skipped(why) => Some(format!("Not included: {why}.")),
        Part::Failed(why) => Some(format!("Could not be gathered: {why}.")),
    }
}

/// The summary lines at the top, most important first.
pub fn at_a_glance(b: &Bundle) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(e) = b.history.done().and_then(|h| h.escalation.as_ref()) {
        out.push(format!(
            "Next step: {} ({}).",
            e.title,
            e.reason.trim_end_matches('.')
        ));
    }
    if let Some(d) = b.log.done() {
        let stage = d
            .failed_stage
            .as_ref()
            .map(|s| format!(" at {}", s.name))
            .unwrap_or_default();
        out.push(format!(
            "Newest restore log: {}{stage} — {} ({} confidence).",
            outcome(d),
            d.category.label(),
            d.confidence.as_str()
        ));
    }
    if let Some(h) = b.history.done() {
        let failed = h.attempts.iter().filter(|a| a.failed()).count();
        out.push(format!(
            "This device: {} recorded attempt(s), {failed} failed.",
            h.attempts.len()
        ));
    }
    if let Some(d) = b.devices.done() {
        let unreadable = d.devices.is_empty()
            && d.findings
                .iter()
                .any(|f| f.id == "usb.presence.unavailable");
        out.push(if unreadable {
            "Connected: USB devices could not be read on this computer.".to_string()
        } else {
            format!("Connected: {} Apple device(s).", d.devices.len())
        });
    }
    if let Some(c) = b.checkup.done() {
        out.push(format!(
            "Checkup: {} failure(s), {} warning(s), {} fine.",
            c.summary.fail,
            c.summary.warn,
            c.summary.ok + c.summary.info
        ));
    }
    out
}

/// A severity as a word.
pub fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Ok => "ok",
        Severity::Info => "info",
        Severity::Warn => "warning",
        Severity::Fail => "failure",
    }
}
