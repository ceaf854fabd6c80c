//! The finding ids a log diagnosis emits, as a registry in the style of the other crates' (see
//! `rd_kb::registry`): the main finding is `log.RULE` (the rule that decided) or `log.OUTCOME`
//! (when none did), the other signals and discounted noise are `log.RULE` too, so the list holds
//! the four outcomes and the rule pattern. None has a check: a diagnosis reads what happened, and
//! its remedies carry their own checks. The test keeps rule ids apart from outcome names, runs the
//! diagnosis over every fixture log, and snapshots the list.

use rd_kb::registry::{FindingId, NoCheck};

/// Every finding id of a log diagnosis.
pub const FINDING_IDS: &[FindingId] = &[
    FindingId::no_check("log.success", NoCheck::LogDiagnosis).built(),
    FindingId::no_check("log.failure", NoCheck::LogDiagnosis).built(),
    FindingId::no_check("log.incomplete", NoCheck::LogDiagnosis).built(),
    FindingId::no_check("log.unknown", NoCheck::LogDiagnosis).built(),
    FindingId::no_check("log.{rule}", NoCheck::LogDiagnosis).built(),
];

#[cfg(test)]
mod tests {
    use super::FINDING_IDS;
    use crate::Outcome;
    use rd_kb::registry;
    use std::collections::BTreeSet;

    const OUTCOMES: [Outcome; 4] = [
        Outcome::Success,
        Outcome::Failure,
        Outcome::Incomplete,
        Outcome::Unknown,
    ];

    #[test]
    fn finding_ids_are_unique_listed_and_used() {
        insta::assert_snapshot!(
            "finding_ids",
            registry::verified_snapshot(FINDING_IDS, env!("CARGO_MANIFEST_DIR"))
        );
    }

    #[test]
    fn rule_ids_are_unique_and_apart_from_the_outcomes() {
        let rules: Vec<&str> = crate::data::rules()
            .iter()
            .map(|r| r.def.id.as_str())
            .collect();
        assert_eq!(registry::duplicates(&rules), Vec::<&str>::new());
        for o in OUTCOMES {
            assert!(
                !rules.contains(&o.as_str()),
                "rule id {} is an outcome",
                o.as_str()
            );
            let id = format!("log.{}", o.as_str());
            assert_eq!(
                registry::lookup(FINDING_IDS, &id).map(|f| f.id),
                Some(id.as_str())
            );
        }
    }

    #[test]
    fn every_fixture_diagnosis_emits_a_rule_or_outcome_id() {
        let rules: BTreeSet<&str> = crate::data::rules()
            .iter()
            .map(|r| r.def.id.as_str())
            .collect();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let mut seen = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            let Ok(d) = crate::diagnose_bytes(&bytes) else {
                continue;
            };
            for f in &d.findings {
                let tail =
                    f.id.strip_prefix("log.")
                        .unwrap_or_else(|| panic!("{}", f.id));
                assert!(
                    rules.contains(tail) || OUTCOMES.iter().any(|o| o.as_str() == tail),
                    "{}: {} names no rule or outcome",
                    path.display(),
                    f.id
                );
                assert!(registry::lookup(FINDING_IDS, &f.id).is_some(), "{}", f.id);
                seen += 1;
            }
        }
        assert!(seen > 50, "only {seen} findings from the fixtures");
    }
}
