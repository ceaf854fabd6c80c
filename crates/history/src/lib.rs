//! restore-doctor's attempt history.
//!
//! "Try the restore once or twice more" is common advice, but the second failure at the same
//! stage is the real signal, and nothing remembered the first. This crate keeps every restore
//! attempt restore-doctor sees, per device, in an embedded ACID store ([`Store`], one redb file
//! in the data folder the caller names; library code never reads environment variables), and
//! turns a repeated failure into the next rung of the escalation ladder ([`escalate`], a pure
//! function over the attempts, with the ladder kept as data in `data/escalation.toml`).
//!
//! A device is known by a salted hash of its ECID ([`Store::device_key`]; the salt is random per
//! store and kept in it), never by the ECID itself.

mod attempt;
pub mod ecid;
mod escalate;
pub mod finding_ids;
mod store;
pub mod time;

pub use attempt::{Attempt, CheckupVerdict};
pub use escalate::{Escalation, Ladder, Policy, Rung, escalate, escalate_with, ladder};
pub use store::{CHECKUP_FRESH_SECS, DEFAULT_WAIT, FILE_NAME, HistoryError, Opened, Store, clear};

/// The attempts of one device, as `history` shows them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DeviceHistory {
    /// The device key (salted ECID hash).
    pub device: String,
    /// The product type the latest attempt names, when any did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_type: Option<String>,
    /// Its attempts, oldest first.
    pub attempts: Vec<Attempt>,
}

/// Groups attempts by device, the device with the latest attempt first.
pub fn by_device(attempts: Vec<Attempt>) -> Vec<DeviceHistory> {
    let mut out: Vec<DeviceHistory> = Vec::new();
    for a in attempts {
        match out.iter_mut().find(|d| d.device == a.device) {
            Some(d) => d.attempts.push(a),
            None => out.push(DeviceHistory {
                device: a.device.clone(),
                product_type: None,
                attempts: vec![a],
            }),
        }
    }
    for d in &mut out {
        d.attempts.sort_by_key(|a| a.at);
        d.product_type = d.attempts.iter().rev().find_map(|a| a.product_type.clone());
    }
    out.sort_by_key(|d| std::cmp::Reverse(d.attempts.last().map_or(0, |a| a.at)));
    out
}
