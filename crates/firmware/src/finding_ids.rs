//! Every finding id this crate writes as a literal, in one list, in the style of cargo-deny's
//! diagnostic codes: a test checks that no id is listed twice, that each literal id passed to
//! `Finding::new` in this crate is listed and each listed id is still used, and snapshots the list
//! so that a new, renamed or removed id shows up in review. Surfaces and documentation can rely on
//! the list being complete.

/// Every literal finding id of the IPSW, signing and preflight checks, sorted.
pub const FINDING_IDS: &[&str] = &[
    "firmware.catalog.known",
    "firmware.catalog.unknown",
    "firmware.integrity.crc",
    "firmware.integrity.mismatch",
    "firmware.integrity.ok",
    "firmware.integrity.unknown",
    "firmware.integrity.zip",
    "firmware.manifest",
    "firmware.match.name_mismatch",
    "firmware.match.no_device",
    "firmware.match.no_identity",
    "firmware.match.not_restore",
    "firmware.match.ok",
    "firmware.match.wrong_model",
    "firmware.match.wrong_variant",
    "firmware.preflight",
    "firmware.preflight.signing",
    "firmware.signed.ipswme_unreachable",
    "firmware.signed.no",
    "firmware.signed.tss_error",
    "firmware.signed.tss_intercepted",
    "firmware.signed.tss_not_apple",
    "firmware.signed.tss_unreachable",
    "firmware.signed.unknown",
    "firmware.signed.unknown_build",
    "firmware.signed.yes",
];

#[cfg(test)]
mod tests {
    use super::FINDING_IDS;

    #[test]
    fn finding_ids_are_unique_listed_and_used() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        if let Err(problems) = rd_kb::registry::check_finding_ids(FINDING_IDS, &src) {
            panic!("{}", problems.join("\n"));
        }
        insta::assert_snapshot!("finding_ids", FINDING_IDS.join("\n"));
    }
}
