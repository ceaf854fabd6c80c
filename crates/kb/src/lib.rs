//! The restore-doctor knowledge base, kept as data embedded at build time.
//!
//! - [`remedies`]: every remedy a finding can carry, with the check that verifies it;
//! - [`checks`]: every automated check id;
//! - error entries (restore error numbers, ranges and messages) — see `errors` module.

pub mod catalog;

pub use catalog::{CheckDef, RemedyDef, check, checks, remedies, remedy, remedy_defs};
