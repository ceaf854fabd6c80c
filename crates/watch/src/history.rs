//! Recording watched restores in the attempt history (`rd-history`), so a second failure at the
//! same step escalates the advice just as it does for `restore-doctor log`.
//!
//! One attempt is recorded once: a diagnosis that only the bus gave is held back (the log may
//! still explain it) until the attempt's final diagnosis arrives, the device starts another
//! attempt, or watching stops. Devices are keyed by the store's salted ECID hash; a device
//! whose ECID the bus never showed is not recorded.

use crate::event::{Event, EventKind, Phase};
use rd_history::{Attempt, Escalation, HistoryError, Store};
use std::collections::BTreeMap;
use std::path::Path;

/// Feeds timeline events to the history store.
#[derive(Debug, Default)]
pub struct Recorder {
    pending: BTreeMap<String, Event>,
}

fn ecid_of(e: &Event) -> Option<u64> {
    let hex = e.device.as_ref()?.ecid.as_deref()?;
    u64::from_str_radix(hex.trim_start_matches("0x"), 16).ok()
}

/// The attempt a diagnosis event describes, for the device key `key`.
pub fn attempt_of(key: String, e: &Event) -> Option<Attempt> {
    let EventKind::Diagnosis {
        stage,
        category,
        diagnosis,
        attempt,
        ..
    } = &e.kind
    else {
        return None;
    };
    let at = e.at_ms / 1000;
    let mut a = match diagnosis {
        Some(d) => Attempt::from_diagnosis(key.clone(), d, at),
        None => Attempt {
            device: key.clone(),
            product_type: None,
            at,
            command: String::new(),
            tool: None,
            outcome: String::new(),
            stage: None,
            stage_id: None,
            family: *category,
            error_codes: Vec::new(),
            mode: None,
            checkup: None,
            fingerprint: None,
        },
    };
    a.command = "watch".into();
    a.outcome = "failure".into();
    a.family = *category;
    if stage.is_some() {
        a.stage.clone_from(stage);
    }
    if a.product_type.is_none() {
        a.product_type = e.device.as_ref().and_then(|d| d.product_type.clone());
    }
    // One fingerprint per attempt: a refined diagnosis of the same attempt is not a second one.
    a.fingerprint = Some(format!("watch:{key}:{attempt}"));
    Some(a)
}

impl Recorder {
    /// A recorder with nothing pending.
    pub fn new() -> Recorder {
        Recorder::default()
    }

    fn write(store: &Store, e: &Event) -> Result<Option<Escalation>, HistoryError> {
        let Some(ecid) = ecid_of(e) else {
            return Ok(None);
        };
        match attempt_of(store.device_key(ecid), e) {
            Some(a) => store.record_and_escalate(&a),
            None => Ok(None),
        }
    }

    /// Takes one event; returns the escalation a recorded attempt led to, if any.
    pub fn on_event(
        &mut self,
        store: &Store,
        e: &Event,
    ) -> Result<Option<Escalation>, HistoryError> {
        let key = e.device.as_ref().map(|d| d.key.clone());
        match (&e.kind, key) {
            (
                EventKind::Diagnosis {
                    provisional: true, ..
                },
                Some(k),
            ) => {
                self.pending.insert(k, e.clone());
                Ok(None)
            }
            (EventKind::Diagnosis { .. }, Some(k)) => {
                self.pending.remove(&k);
                Recorder::write(store, e)
            }
            (
                EventKind::Arrived {
                    phase: Phase::Preparing,
                    ..
                }
                | EventKind::ModeChanged {
                    phase: Phase::Preparing,
                    ..
                },
                Some(k),
            ) => match self.pending.get(&k) {
                // A later attempt began: the earlier one's bus diagnosis is all there will be.
                Some(p) if p.at_ms < e.at_ms => {
                    let p = self.pending.remove(&k).expect("present");
                    Recorder::write(store, &p)
                }
                _ => Ok(None),
            },
            (EventKind::Stopped, _) => self.flush(store),
            _ => Ok(None),
        }
    }

    /// Records every held-back diagnosis (at the end of watching).
    pub fn flush(&mut self, store: &Store) -> Result<Option<Escalation>, HistoryError> {
        let mut last = None;
        for (_, e) in std::mem::take(&mut self.pending) {
            last = Recorder::write(store, &e)?.or(last);
        }
        Ok(last)
    }
}

/// The history store opened for one watch, with its recorder: what `watch` and the web
/// server's `/api/watch` both feed each event to.
pub struct Recording {
    store: Store,
    recorder: Recorder,
}

impl Recording {
    /// Opens the store in `dir`; the line to show with it (a damaged store moved aside), or why
    /// recording is off for this watch.
    pub fn open(dir: &Path) -> (Option<Recording>, Option<String>) {
        match Store::open(dir, rd_history::DEFAULT_WAIT) {
            Ok(o) => (
                Some(Recording {
                    store: o.store,
                    recorder: Recorder::new(),
                }),
                o.notice,
            ),
            Err(e) => (None, Some(format!("attempt history off: {e}"))),
        }
    }

    /// Takes one event; returns the escalation a recorded attempt led to, if any.
    pub fn on_event(&mut self, e: &Event) -> Result<Option<Escalation>, HistoryError> {
        self.recorder.on_event(&self.store, e)
    }

    /// Records every held-back diagnosis (when watching ends without a `Stopped` event).
    pub fn flush(&mut self) -> Result<Option<Escalation>, HistoryError> {
        self.recorder.flush(&self.store)
    }
}
