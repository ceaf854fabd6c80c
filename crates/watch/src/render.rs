//! The timeline as text: one line per event, and a short block for a diagnosis (title, cause,
//! step, the log lines behind it, what to do). `--json` prints the [`Event`] itself instead.

use crate::event::{DeviceRef, Ending, Event, EventKind, Phase};
use rd_device::Mode;

fn who(d: Option<&DeviceRef>) -> String {
    match d {
        None => "-".into(),
        Some(d) => match &d.ecid {
            Some(e) => format!("{} (ECID {e})", d.name),
            None => format!("{} ({})", d.name, d.location),
        },
    }
}

fn mode_text(m: Mode, label: &str) -> String {
    match m {
        Mode::Normal => "normal-mode USB (booted, or the restore ramdisk)".into(),
        _ => label.to_string(),
    }
}

fn phase_text(p: Phase) -> &'static str {
    match p {
        Phase::Idle => "",
        Phase::Preparing => " [ready to restore]",
        Phase::Restoring => " [restoring]",
        Phase::Succeeded => " [restored]",
        Phase::Failed => " [failed]",
    }
}

/// The text of one event (a diagnosis spans several lines; no trailing newline).
pub fn event_text(e: &Event) -> String {
    let head = format!("{}  {}", e.time, who(e.device.as_ref()));
    match &e.kind {
        EventKind::Started { bus, log_dirs } => {
            let logs = if log_dirs.is_empty() {
                "no restore-log folder found (use --log-dir DIR)".to_string()
            } else {
                log_dirs
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            format!(
                "{}  watching USB ({bus}) and restore logs in: {logs}. Ctrl-C stops.",
                e.time
            )
        }
        EventKind::BusUnavailable { reason } => {
            format!(
                "{}  USB cannot be read here ({reason}); following logs only",
                e.time
            )
        }
        EventKind::Arrived {
            mode,
            mode_label,
            phase,
        } => format!(
            "{head}  connected in {}{}",
            mode_text(*mode, mode_label),
            phase_text(*phase)
        ),
        EventKind::ModeChanged {
            from,
            mode,
            mode_label,
            phase,
        } => format!(
            "{head}  {} -> {}{}",
            from.label(),
            mode_text(*mode, mode_label),
            phase_text(*phase)
        ),
        EventKind::Left { mode, phase, stage } => {
            let during = stage
                .as_deref()
                .map(|s| format!(" during \"{s}\""))
                .unwrap_or_default();
            format!(
                "{head}  left the bus (was in {}){during}{}",
                mode.label(),
                phase_text(*phase)
            )
        }
        EventKind::LogOpened { path } => format!("{}  following log {}", e.time, path.display()),
        EventKind::Stage { stage, id, .. } => {
            let id = id.as_deref().map(|i| format!(" ({i})")).unwrap_or_default();
            format!("{head}  step: {stage}{id}")
        }
        EventKind::RestoreEnded { ending, reason } => match ending {
            Ending::Success => format!("{head}  RESTORE FINISHED: {reason}"),
            Ending::Failure => format!("{head}  RESTORE FAILED: {reason}"),
        },
        EventKind::Diagnosis {
            summary,
            stage,
            category,
            confidence,
            bus_evidence,
            log,
            diagnosis,
            ..
        } => {
            let mut t = format!("{head}  DIAGNOSIS: {summary}\n");
            t.push_str(&format!(
                "    cause: {} (confidence {})\n",
                category.as_str(),
                confidence.as_str()
            ));
            if let Some(s) = stage {
                t.push_str(&format!("    failed at: {s}\n"));
            }
            for b in bus_evidence {
                t.push_str(&format!("    USB: {b}\n"));
            }
            if let Some(d) = diagnosis {
                if let Some(p) = log {
                    t.push_str(&format!("    log: {}\n", p.display()));
                }
                for ev in d.evidence.iter().take(3) {
                    t.push_str(&format!("    line {}: {}\n", ev.line, ev.text));
                }
                for (n, r) in d.remedies.iter().take(3).enumerate() {
                    t.push_str(&format!("    {}. {}\n", n + 1, r.text));
                }
            }
            if let Some(p) = log {
                t.push_str(&format!(
                    "    full diagnosis: restore-doctor log \"{}\"",
                    p.display()
                ));
            } else {
                t.push_str("    no restore log was found; pass its folder with --log-dir DIR");
            }
            t
        }
        EventKind::Stopped => format!("{}  stopped watching", e.time),
    }
}
