//! `history`: the attempts recorded per device (the document `history --json` prints and
//! `/api/history` serves); and the history's part of `log` and `checkup`: which device a
//! diagnosed log is about (the ECID the log names, else the one connected device of the log's
//! model), recording the attempt, and putting the escalation first when the same failure
//! happened before on that device; and remembering a checkup's verdict so an attempt soon
//! after can show it. The CLI only says where the store lives and whether this run records.

use crate::EngineError;
use crate::UsbSource;
use crate::devices::{DevicesOptions, devices_blocking};
use rd_history::{Attempt, CheckupVerdict, DEFAULT_WAIT, DeviceHistory, Store, by_device};
use rd_logs::Diagnosis;
use rd_model::{Report, Severity};
use serde::Serialize;
use std::path::Path;

/// The `history --json` document.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryListing {
    /// The store file.
    pub store: String,
    /// The attempts, grouped per device.
    pub devices: Vec<DeviceHistory>,
    /// A line worth showing (a damaged store that was moved aside).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notice: Option<String>,
}

/// The attempts recorded in the store in `dir`, per device; none when there is no store yet
/// (blocking).
pub fn listing_blocking(dir: &Path) -> Result<HistoryListing, EngineError> {
    let path = dir.join(rd_history::FILE_NAME);
    let store = path.display().to_string();
    if !path.exists() {
        return Ok(HistoryListing {
            store,
            devices: Vec::new(),
            notice: None,
        });
    }
    let failed = |e: rd_history::HistoryError| EngineError::Failed(e.to_string());
    let opened = Store::open(dir, DEFAULT_WAIT).map_err(failed)?;
    let attempts = opened.store.attempts().map_err(failed)?;
    Ok(HistoryListing {
        store,
        devices: by_device(attempts),
        notice: opened.notice,
    })
}

/// Deletes the store in `dir`; true when there was one (blocking).
pub fn clear_blocking(dir: &Path) -> Result<bool, EngineError> {
    rd_history::clear(dir).map_err(|e| EngineError::Usage(e.to_string()))
}

/// Records the attempt `d` shows in the store in `dir` (when the log, or the one connected
/// device of its model on `usb`, names the device's ECID) and, when the same failure happened
/// before on that device, puts the escalation first among the remedies and adds the finding
/// `history.escalation`. Never fails: problems with the store come back as lines to tell the
/// user (blocking: the store, the log file, the bus).
pub fn record_log_blocking(d: &mut Diagnosis, dir: &Path, usb: &UsbSource) -> Vec<String> {
    let mut notices = Vec::new();
    let Some(ecid) = ecid_of_log(d).or_else(|| ecid_of_connected(d, usb)) else {
        return notices;
    };
    let opened = match Store::open(dir, DEFAULT_WAIT) {
        Ok(o) => o,
        Err(e) => {
            notices.push(format!("{e}; this attempt was not recorded"));
            return notices;
        }
    };
    notices.extend(opened.notice);
    let store = opened.store;
    let now = rd_history::time::now_unix();
    let mut attempt = Attempt::from_diagnosis(store.device_key(ecid), d, now);
    attempt.checkup = store.recent_checkup(now);
    match store.record_and_escalate(&attempt) {
        Ok(Some(e)) => {
            let remedy = e.as_remedy();
            d.remedies.insert(0, remedy.clone());
            if let Some(main) = d.findings.first_mut() {
                main.remedies.insert(0, remedy);
            }
            // Info, so a text rendering does not list it again under "Other signals"; the
            // remedy above is where it shows first.
            let mut f = e.as_finding();
            f.severity = Severity::Info;
            d.findings.push(f);
        }
        Ok(None) => {}
        Err(e) => notices.push(format!("{e}; this attempt was not recorded")),
    }
    notices
}

/// Records the verdict of a checkup that just ran in the store in `dir`, so an attempt soon
/// after can show it (blocking; a store that cannot be opened is skipped silently).
pub fn record_checkup_blocking(report: &Report, dir: &Path) {
    if let Ok(o) = Store::open(dir, DEFAULT_WAIT) {
        let now = rd_history::time::now_unix();
        let _ = o.store.record_checkup(&CheckupVerdict::of(report, now));
    }
}

/// The ECID the log file names (standard input cannot be read twice).
fn ecid_of_log(d: &Diagnosis) -> Option<u64> {
    let path = d
        .file
        .as_deref()
        .filter(|f| *f != "-" && *f != "standard input")?;
    rd_history::ecid::ecid_in_file(Path::new(path))
}

/// The ECID of the one connected device whose model is the log's.
fn ecid_of_connected(d: &Diagnosis, usb: &UsbSource) -> Option<u64> {
    let product = d.device.as_ref()?.product_type.clone()?;
    let seen = devices_blocking(&DevicesOptions {
        usb: usb.clone(),
        ..Default::default()
    })
    .ok()?;
    let matching: Vec<u64> = seen
        .devices
        .iter()
        .filter(|dev| {
            dev.model
                .as_ref()
                .is_some_and(|m| m.product_type == product)
        })
        .filter_map(|dev| dev.ecid_value())
        .collect();
    match matching.as_slice() {
        [one] => Some(*one),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A real failed-restore log (idevicerestore, USB dropped during ASR) with an ECID line.
    /// (`extra` makes a second attempt's log differ: the same log twice is one attempt.)
    fn log_naming_a_device(dir: &Path, name: &str, extra: &str) -> std::path::PathBuf {
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../logs/tests/fixtures/idr_asr_usb_drop.log");
        let text = std::fs::read_to_string(fixture).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, format!("ECID: 0x1A2B3C4D5E6F7\n{text}{extra}")).unwrap();
        path
    }

    #[test]
    fn the_same_failure_twice_on_one_device_puts_the_escalation_first() {
        let dir = tempfile::tempdir().unwrap();
        let no_usb = UsbSource::fixture(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../device/tests/fixtures/no_usb.json"),
        );
        let mut first =
            crate::log::diagnose_path(&log_naming_a_device(dir.path(), "a.log", "")).unwrap();
        let before = first.findings.len();
        assert!(record_log_blocking(&mut first, dir.path(), &no_usb).is_empty());
        assert_eq!(first.findings.len(), before, "nothing to escalate yet");
        let mut second =
            crate::log::diagnose_path(&log_naming_a_device(dir.path(), "b.log", "(second try)\n"))
                .unwrap();
        record_log_blocking(&mut second, dir.path(), &no_usb);
        let listing = listing_blocking(dir.path()).unwrap();
        assert_eq!(listing.devices.len(), 1);
        assert_eq!(listing.devices[0].attempts.len(), 2);
        let added = second.findings.last().unwrap();
        assert_eq!(added.id, "history.escalation");
        assert_eq!(added.severity, Severity::Info);
        assert_eq!(second.remedies[0], second.findings[0].remedies[0]);
    }
}
