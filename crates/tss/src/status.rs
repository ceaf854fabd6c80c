//! What each TSS `STATUS` means (`data/status.toml`): one table for every caller, so `signed`,
//! the checkup and the log reader give the same meaning for the same number.

use rd_model::Family;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// What a status says about signing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusVerdict {
    /// A ticket was issued: the build is signed for this device.
    Signed,
    /// Apple refuses to sign the build for this device.
    NotSigned,
    /// The request itself was refused (malformed): a restore-tool matter, nothing about signing.
    RequestRejected,
    /// Apple's server failed: nothing about signing.
    ServerError,
    /// No reference client gives a meaning.
    Unknown,
}

/// One row of the status table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusInfo {
    /// The `STATUS` number.
    pub code: i64,
    /// Stable id, e.g. `tss.not_eligible`.
    pub id: String,
    /// The `MESSAGE` Apple sends with it, when known.
    #[serde(default)]
    pub message: Option<String>,
    /// What it means, in one or two sentences.
    pub meaning: String,
    /// The family of cause.
    pub family: Family,
    /// What it says about signing.
    pub verdict: StatusVerdict,
    /// What to do.
    pub action: String,
    /// When the verdict can mislead.
    #[serde(default)]
    pub caveat: Option<String>,
    /// Where the meaning comes from (URL or repo@commit file).
    pub sources: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusFile {
    status: Vec<StatusInfo>,
}

/// Every row, in file order.
pub fn table() -> &'static [StatusInfo] {
    static T: OnceLock<Vec<StatusInfo>> = OnceLock::new();
    T.get_or_init(|| {
        toml::from_str::<StatusFile>(include_str!("../data/status.toml"))
            .unwrap_or_else(|e| panic!("embedded data/status.toml is invalid: {e}"))
            .status
    })
}

/// The row for a status, when the table has one.
pub fn lookup(code: i64) -> Option<&'static StatusInfo> {
    table().iter().find(|s| s.code == code)
}

/// What a status says about signing; a status missing from the table is `Unknown`, never
/// "not signed".
pub fn verdict_of(code: i64) -> StatusVerdict {
    lookup(code).map_or(StatusVerdict::Unknown, |s| s.verdict)
}

/// The meaning to show for a status: the table's, else a plain "not in the table" line.
pub fn meaning_of(code: i64) -> String {
    match lookup(code) {
        Some(s) => s.meaning.clone(),
        None => format!(
            "STATUS={code} is not in restore-doctor's table; no reference client gives it a meaning, so it says nothing about signing."
        ),
    }
}

/// Problems with the table (empty when it is sound): duplicate codes or ids, empty text, no
/// source.
pub fn validate() -> Vec<String> {
    let mut problems = Vec::new();
    let mut codes = std::collections::HashSet::new();
    let mut ids = std::collections::HashSet::new();
    for s in table() {
        if !codes.insert(s.code) {
            problems.push(format!("status {} is listed twice", s.code));
        }
        if !ids.insert(s.id.as_str()) || !s.id.starts_with("tss.") {
            problems.push(format!(
                "status {}: id {:?} is duplicated or not tss.*",
                s.code, s.id
            ));
        }
        if s.meaning.trim().is_empty() || s.action.trim().is_empty() {
            problems.push(format!("status {}: empty meaning or action", s.code));
        }
        if s.sources.is_empty() || s.sources.iter().any(|x| x.trim().is_empty()) {
            problems.push(format!("status {}: no source", s.code));
        }
    }
    problems
}
