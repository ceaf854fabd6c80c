//! What the watcher reports: one [`Event`] per line of the live timeline (and per NDJSON
//! object with `--json`, and per server-sent event on the web page). The same type serves every
//! surface, so none of them holds watch logic.

use rd_device::Mode;
use rd_logs::{Confidence, Diagnosis, Family};
use serde::Serialize;
use std::path::PathBuf;

/// Which device an event is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceRef {
    /// Stable key while watching: `ecid:0x…` when the ECID is known, else `usb:<location>`.
    pub key: String,
    /// `iPhone 8 (GSM)`, or the USB name when the model is unknown.
    pub name: String,
    /// ECID (`0x` + 16 hex digits), when the bus showed it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ecid: Option<String>,
    /// Product type, when exactly one model matches.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_type: Option<String>,
    /// `bus 1, port 2.1`.
    pub location: String,
}

/// Where a device is in a restore, as far as the bus and the log tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Booted normally; no restore seen yet.
    Idle,
    /// In Recovery or DFU mode: a restore can start (or is loading its boot stages).
    Preparing,
    /// Back on the bus in normal-mode USB after Recovery/DFU: the restore ramdisk is running.
    Restoring,
    /// The restore finished.
    Succeeded,
    /// The restore failed.
    Failed,
}

/// What started a diagnosis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// The device left the bus during the restore and came back in Recovery (or DFU) mode.
    ReturnedInRecovery,
    /// The restore log reports the failure.
    LogFailure,
}

/// How a restore ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Ending {
    /// It finished.
    Success,
    /// It failed.
    Failure,
}

/// One thing that happened.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum EventKind {
    /// Watching began.
    Started {
        /// Where devices are read from (`nusb (linux)`, `fixture …`).
        bus: String,
        /// The folders searched for restore logs.
        log_dirs: Vec<PathBuf>,
    },
    /// The bus cannot be read (logs are still followed).
    BusUnavailable {
        /// Why.
        reason: String,
    },
    /// A device appeared.
    Arrived {
        /// Its mode.
        mode: Mode,
        /// Label of the mode.
        mode_label: String,
        /// Its restore phase now.
        phase: Phase,
    },
    /// A device is now in another mode.
    ModeChanged {
        /// Mode before.
        from: Mode,
        /// Mode now.
        mode: Mode,
        /// Label of the new mode.
        mode_label: String,
        /// Its restore phase now.
        phase: Phase,
    },
    /// A device left the bus.
    Left {
        /// The mode it was in.
        mode: Mode,
        /// Its restore phase when it left.
        phase: Phase,
        /// The last restore step reached, when a log shows it.
        #[serde(skip_serializing_if = "Option::is_none")]
        stage: Option<String>,
    },
    /// A restore log is being followed.
    LogOpened {
        /// The file.
        path: PathBuf,
    },
    /// The log reached a new restore step.
    Stage {
        /// The log.
        path: PathBuf,
        /// The step, as the log names it.
        stage: String,
        /// Its stable id, when the log gives one.
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<String>,
    },
    /// A restore ended.
    RestoreEnded {
        /// How.
        ending: Ending,
        /// In one sentence, what showed it.
        reason: String,
    },
    /// A failed restore, explained.
    Diagnosis {
        /// What showed the failure.
        trigger: Trigger,
        /// One-line summary.
        summary: String,
        /// The step it failed in (or the last one reached).
        #[serde(skip_serializing_if = "Option::is_none")]
        stage: Option<String>,
        /// Family of cause.
        category: Family,
        /// How sure.
        confidence: Confidence,
        /// What the bus showed, when the bus showed the failure.
        bus_evidence: Vec<String>,
        /// The log the diagnosis comes from.
        #[serde(skip_serializing_if = "Option::is_none")]
        log: Option<PathBuf>,
        /// The log's diagnosis, from the same engine as `restore-doctor log`.
        #[serde(skip_serializing_if = "Option::is_none")]
        diagnosis: Option<Box<Diagnosis>>,
        /// When this restore attempt began (Unix ms; the device entering Recovery/DFU), so
        /// the diagnoses of one attempt can be told apart from the next one's.
        attempt: u64,
        /// True while only the bus has spoken: the log may still name the cause, and a later
        /// diagnosis of the same attempt then replaces this one.
        provisional: bool,
    },
    /// Watching ended (Ctrl-C or the caller stopped it).
    Stopped,
}

/// One timeline entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    /// When, in milliseconds since the Unix epoch.
    pub at_ms: u64,
    /// `HH:MM:SS` (UTC) of `at_ms`.
    pub time: String,
    /// The device, when the event concerns one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device: Option<DeviceRef>,
    /// What happened.
    #[serde(flatten)]
    pub kind: EventKind,
}

impl Event {
    /// An event at `at_ms`.
    pub fn new(at_ms: u64, device: Option<DeviceRef>, kind: EventKind) -> Event {
        Event {
            at_ms,
            time: clock_time(at_ms),
            device,
            kind,
        }
    }

    /// The event's name as in JSON (`arrived`, `diagnosis`, …).
    pub fn name(&self) -> &'static str {
        match self.kind {
            EventKind::Started { .. } => "started",
            EventKind::BusUnavailable { .. } => "bus_unavailable",
            EventKind::Arrived { .. } => "arrived",
            EventKind::ModeChanged { .. } => "mode_changed",
            EventKind::Left { .. } => "left",
            EventKind::LogOpened { .. } => "log_opened",
            EventKind::Stage { .. } => "stage",
            EventKind::RestoreEnded { .. } => "restore_ended",
            EventKind::Diagnosis { .. } => "diagnosis",
            EventKind::Stopped => "stopped",
        }
    }
}

/// `HH:MM:SS.mmm` of a Unix time in milliseconds (UTC; no time-zone database needed).
pub fn clock_time(at_ms: u64) -> String {
    let secs = at_ms / 1000;
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        secs / 3600 % 24,
        secs / 60 % 60,
        secs % 60,
        at_ms % 1000
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_time_is_utc_time_of_day() {
        assert_eq!(clock_time(0), "00:00:00.000");
        assert_eq!(clock_time(1_764_030_000_123), "00:20:00.123");
    }

    #[test]
    fn json_names_the_event() {
        let e = Event::new(5, None, EventKind::Stopped);
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["event"], e.name());
        assert_eq!(v["at_ms"], 5);
    }
}
