//! The restore-doctor knowledge base, kept as data embedded at build time.
//!
//! - [`remedies`]: every remedy a finding can carry, with the check that verifies it;
//! - [`checks`]: every automated check id;
//! - [`entries`]: every known restore error (numbers, the 0xE8 MobileDevice codes, range patterns
//!   and message texts), with [`ranges`] for numbers that have no entry of their own;
//! - [`lookup`]: what a user typed or pasted → the entry, its family and remedies.

pub mod catalog;
pub mod code;
pub mod errors;
pub mod lookup;
pub mod similar;

pub use catalog::{CheckDef, RemedyDef, check, checks, remedies, remedy, remedy_defs};
pub use errors::{
    ErrorEntry, Kind, RangeRule, by_id, by_value, codes_for_family, entries, entries_in_family,
    range_by_id, range_for, ranges, validate,
};
pub use lookup::{Lookup, Matched, Outcome, finding_for, lookup};
