//! The restore-doctor knowledge base, kept as data embedded at build time.
//!
//! - [`remedies`]: every remedy a finding can carry, with the check that verifies it;
//! - [`checks`]: every automated check id;
//! - [`entries`]: every known restore error (numbers, the 0xE8 MobileDevice codes, range patterns
//!   and message texts), with [`ranges`] for numbers that have no entry of their own;
//! - [`lookup`]: what a user typed or pasted → the entry, its family and remedies;
//! - [`RemedyId`] / [`CheckId`] with [`remedy_id!`], [`check_id!`] and [`remedies!`]: ids checked
//!   by the compiler against the data;
//! - [`registry`]: the finding-id registries' types and checks; [`finding_ids`] is this crate's.

pub mod catalog;
pub mod code;
pub mod errors;
pub mod finding_ids;
pub mod ids;
pub mod lookup;
pub mod registry;
pub mod similar;

pub use catalog::{
    CheckDef, Checkup, HostPart, RemedyDef, check, checks, remedies, remedy, remedy_defs,
};
pub use errors::{
    ErrorEntry, Kind, RangeRule, by_id, by_value, codes_for_family, entries, entries_in_family,
    range_by_id, range_for, ranges, validate,
};
pub use ids::{CheckId, RemedyId};
pub use lookup::{Lookup, Matched, Outcome, finding_for, lookup};

include!(concat!(env!("OUT_DIR"), "/kb_id_macros.rs"));

/// `remedies!["usb-direct-port", "retry"]`: the remedies for these ids from `data/remedies.toml`,
/// in this order; an id that is not in the data fails the build.
#[macro_export]
macro_rules! remedies {
    ($($id:tt),* $(,)?) => {
        $crate::remedies(&[$($crate::remedy_id!($id)),*])
    };
}
