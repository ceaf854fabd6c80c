//! restore-doctor's firmware checks: is this IPSW right for the device (`firmware.match`),
//! intact (`firmware.integrity`) and still signed (`firmware.signed`)?
//!
//! IPSWs are read from the zip's central directory only — locally with positioned reads, remotely
//! with HTTP range requests — so a 5 GiB file answers in a few small reads. Every size read from
//! the file is bounded before anything is allocated.

pub mod catalog_update;
mod error;
pub mod filename;
pub mod finding_ids;
pub mod hash;
pub mod http;
pub mod inspect;
pub mod integrity;
pub mod ipswme;
pub mod manifest;
pub mod plistread;
pub mod preflight;
pub mod signing;
pub mod source;
pub mod tss;
pub mod verdict;
pub mod zipdir;

pub use error::{Error, Result};
