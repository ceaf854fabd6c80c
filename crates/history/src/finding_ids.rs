//! The finding ids this crate emits, as a registry in the style of the other crates' (see
//! `rd_kb::registry`): one, the escalation advice, which has no check (it is advice drawn from
//! the device's past attempts). The test checks the list against the sources and snapshots it.

use rd_kb::registry::{FindingId, NoCheck};

/// Every finding id of the attempt history.
pub const FINDING_IDS: &[FindingId] =
    &[FindingId::no_check("history.escalation", NoCheck::History)];

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
