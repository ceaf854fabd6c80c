//! The finding ids the knowledge base emits (the answers of `restore-doctor error`), as a
//! registry in the style of the other crates' (see [`crate::registry`]): both are built from the
//! data, one per error entry and one per range rule, so the list holds their two patterns and the
//! test runs the builders over every row.

use crate::registry::{FindingId, NoCheck};

/// Every finding id of an error lookup: ranges first, so that the narrower pattern wins.
pub const FINDING_IDS: &[FindingId] = &[
    FindingId::no_check("kb.range.{range}", NoCheck::ErrorLookup).built(),
    FindingId::no_check("kb.{entry}", NoCheck::ErrorLookup).built(),
];

#[cfg(test)]
mod tests {
    use super::FINDING_IDS;
    use crate::registry;
    use std::collections::BTreeSet;

    #[test]
    fn finding_ids_are_unique_listed_and_used() {
        insta::assert_snapshot!(
            "finding_ids",
            registry::verified_snapshot(FINDING_IDS, env!("CARGO_MANIFEST_DIR"))
        );
    }

    #[test]
    fn every_entry_and_range_gives_its_own_listed_id() {
        let mut ids = Vec::new();
        for e in crate::entries() {
            let f = crate::finding_for(e);
            assert_eq!(f.id, format!("kb.{}", e.id));
            ids.push(f.id);
        }
        for r in crate::ranges() {
            let f = crate::lookup::range_finding(&r.low.to_string(), &r.low.to_string(), r);
            assert_eq!(
                registry::lookup(FINDING_IDS, &f.id).map(|l| l.id),
                Some("kb.range.{range}")
            );
            ids.push(f.id);
        }
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        assert_eq!(registry::duplicates(&refs), Vec::<&str>::new());
        assert_eq!(registry::unlisted(FINDING_IDS, refs), Vec::<String>::new());
        // No entry's id reads as a range's, or the patterns would overlap.
        let entries: BTreeSet<&str> = crate::entries().iter().map(|e| e.id).collect();
        assert!(entries.iter().all(|id| !id.starts_with("range.")));
    }
}
