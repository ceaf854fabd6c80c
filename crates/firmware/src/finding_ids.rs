//! Every finding id this crate emits, in one list, in the style of cargo-deny's diagnostic codes
//! (see `rd_kb::registry`): each with the check that verifies it (through `check_id!`, so a check
//! missing from the knowledge base fails the build) or the allow-listed reason none does. A test
//! checks that no id is listed twice, that each mapping agrees with the id's name, that each
//! literal id passed to `Finding::new` in this crate is listed and each listed literal is still
//! used, and snapshots the list so that a new, renamed or remapped id shows up in review.
//!
//! The preflight's summary answers to `firmware.match` (is this IPSW for the connected device)
//! and its signing line to `firmware.signed`; the catalog and manifest facts have no check.

use rd_kb::check_id;
use rd_kb::registry::{FindingId, NoCheck};

/// Every finding id of the IPSW, signing and preflight checks, sorted.
pub const FINDING_IDS: &[FindingId] = &[
    FindingId::no_check("firmware.catalog.known", NoCheck::FirmwareFacts),
    FindingId::no_check("firmware.catalog.unknown", NoCheck::FirmwareFacts),
    FindingId::check("firmware.integrity.crc", check_id!("firmware.integrity")),
    FindingId::check(
        "firmware.integrity.mismatch",
        check_id!("firmware.integrity"),
    ),
    FindingId::check("firmware.integrity.ok", check_id!("firmware.integrity")),
    FindingId::check(
        "firmware.integrity.unknown",
        check_id!("firmware.integrity"),
    ),
    FindingId::check("firmware.integrity.zip", check_id!("firmware.integrity")),
    FindingId::no_check("firmware.manifest", NoCheck::FirmwareFacts),
    FindingId::check("firmware.match.name_mismatch", check_id!("firmware.match")),
    FindingId::check("firmware.match.no_device", check_id!("firmware.match")),
    FindingId::check("firmware.match.no_identity", check_id!("firmware.match")),
    FindingId::check("firmware.match.not_restore", check_id!("firmware.match")),
    FindingId::check("firmware.match.ok", check_id!("firmware.match")),
    FindingId::check("firmware.match.wrong_model", check_id!("firmware.match")),
    FindingId::check("firmware.match.wrong_variant", check_id!("firmware.match")),
    FindingId::check("firmware.preflight", check_id!("firmware.match")),
    FindingId::check("firmware.preflight.signing", check_id!("firmware.signed")),
    FindingId::check(
        "firmware.signed.ipswme_unreachable",
        check_id!("firmware.signed"),
    ),
    FindingId::check("firmware.signed.no", check_id!("firmware.signed")),
    FindingId::check("firmware.signed.tss_error", check_id!("firmware.signed")),
    FindingId::check(
        "firmware.signed.tss_intercepted",
        check_id!("firmware.signed"),
    ),
    FindingId::check(
        "firmware.signed.tss_not_apple",
        check_id!("firmware.signed"),
    ),
    FindingId::check(
        "firmware.signed.tss_unreachable",
        check_id!("firmware.signed"),
    ),
    FindingId::check("firmware.signed.unknown", check_id!("firmware.signed")),
    FindingId::check(
        "firmware.signed.unknown_build",
        check_id!("firmware.signed"),
    ),
    FindingId::check("firmware.signed.yes", check_id!("firmware.signed")),
];

#[cfg(test)]
mod tests {
    use super::FINDING_IDS;
    use rd_kb::registry;

    #[test]
    fn finding_ids_are_unique_listed_and_used() {
        insta::assert_snapshot!(
            "finding_ids",
            registry::verified_snapshot(FINDING_IDS, env!("CARGO_MANIFEST_DIR"))
        );
    }
}
