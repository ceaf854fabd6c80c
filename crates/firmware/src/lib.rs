//! restore-doctor's firmware checks: is this IPSW right for the device (`firmware.match`),
//! intact (`firmware.integrity`) and still signed (`firmware.signed`)?
//!
//! IPSWs are read from the zip's central directory only — locally with positioned reads, remotely
//! with HTTP range requests — so a 5 GiB file answers in a few small reads. Every size read from
//! the file is bounded before anything is allocated.

pub mod catalog_update;
mod error;
pub mod filename;
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

#[cfg(test)]
mod tests {
    /// Every remedy id this crate attaches exists in the catalog (`rd_kb::remedies` skips unknown
    /// ids silently, so a typo would drop advice without this test).
    #[test]
    fn remedy_ids_exist() {
        let ids = [
            "check-internet",
            "downgrade-not-possible",
            "firmware-redownload",
            "firmware-right-model",
            "firmware-signed-only",
            "hosts-remove-apple",
            "security-software-pause",
            "stock-firmware",
            "wait-apple-servers",
        ];
        for id in ids {
            assert!(rd_kb::catalog::remedy(id).is_some(), "unknown remedy {id}");
        }
        let checks = ["firmware.match", "firmware.integrity", "firmware.signed"];
        for c in checks {
            assert!(rd_kb::catalog::check(c).is_some(), "unknown check {c}");
        }
    }
}
