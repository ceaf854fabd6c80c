//! The one model every restore-doctor surface renders.
//!
//! A check or a diagnosis yields [`Finding`]s: a stable id, a [`Family`] of cause, a
//! [`Severity`], the evidence that led to it and the ordered [`Remedy`] list. The CLI's text and
//! `--json` output, the web page and shareable reports all render these same values.

pub mod civil;
mod family;
mod finding;
pub mod redact;

pub use family::{Family, UnknownFamily};
pub use finding::{Confidence, Evidence, Finding, Remedy, Report, Severity, Summary};

/// The JSON Schema (draft 2020-12) of a [`Report`], the top-level `--json` output of the
/// finding-model commands.
pub fn report_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(Report)).expect("schema serializes")
}
