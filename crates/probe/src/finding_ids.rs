//! Every finding id the checkup emits, as a registry in the style of cargo-deny's diagnostic codes
//! (see `rd_kb::registry`). Each check of the checkup has one finding, `checkup.ID` (or
//! `checkup.ID.skipped` when it did not run), built by the runner from the check's row in the
//! knowledge base; the list names each with `check_id!`, so a row that disappears fails the build,
//! and a test keeps the list equal to the table's checkup rows (every row implemented, nothing
//! else listed). A check that crashes is reported under its own `checkup.ID`.

use rd_kb::check_id;
use rd_kb::registry::FindingId;

/// Every finding id of the checkup, in the order of the checks table.
pub const FINDING_IDS: &[FindingId] = &[
    FindingId::check("checkup.net.internet", check_id!("net.internet")).built(),
    FindingId::check("checkup.net.internet.skipped", check_id!("net.internet")).built(),
    FindingId::check("checkup.net.dns", check_id!("net.dns")).built(),
    FindingId::check("checkup.net.dns.skipped", check_id!("net.dns")).built(),
    FindingId::check("checkup.net.apple_hosts", check_id!("net.apple_hosts")).built(),
    FindingId::check(
        "checkup.net.apple_hosts.skipped",
        check_id!("net.apple_hosts"),
    )
    .built(),
    FindingId::check("checkup.sec.hosts_file", check_id!("sec.hosts_file")).built(),
    FindingId::check(
        "checkup.sec.hosts_file.skipped",
        check_id!("sec.hosts_file"),
    )
    .built(),
    FindingId::check(
        "checkup.sec.tls_interception",
        check_id!("sec.tls_interception"),
    )
    .built(),
    FindingId::check(
        "checkup.sec.tls_interception.skipped",
        check_id!("sec.tls_interception"),
    )
    .built(),
    FindingId::check("checkup.sec.proxy", check_id!("sec.proxy")).built(),
    FindingId::check("checkup.sec.proxy.skipped", check_id!("sec.proxy")).built(),
    FindingId::check("checkup.apple.status", check_id!("apple.status")).built(),
    FindingId::check("checkup.apple.status.skipped", check_id!("apple.status")).built(),
    FindingId::check("checkup.host.clock", check_id!("host.clock")).built(),
    FindingId::check("checkup.host.clock.skipped", check_id!("host.clock")).built(),
    FindingId::check("checkup.apple.tss", check_id!("apple.tss")).built(),
    FindingId::check("checkup.apple.tss.skipped", check_id!("apple.tss")).built(),
    FindingId::check("checkup.host.software", check_id!("host.software")).built(),
    FindingId::check("checkup.host.software.skipped", check_id!("host.software")).built(),
    FindingId::check("checkup.host.disk", check_id!("host.disk")).built(),
    FindingId::check("checkup.host.disk.skipped", check_id!("host.disk")).built(),
];

#[cfg(test)]
mod tests {
    use super::FINDING_IDS;
    use crate::data;
    use crate::runner::finding;
    use rd_kb::CheckId;
    use rd_kb::registry::{self, Verified};
    use rd_model::Severity;

    #[test]
    fn finding_ids_are_unique_listed_and_used() {
        insta::assert_snapshot!(
            "finding_ids",
            registry::verified_snapshot(FINDING_IDS, env!("CARGO_MANIFEST_DIR"))
        );
    }

    #[test]
    fn the_list_is_the_checkup_rows_and_their_builder_agrees() {
        let mut expected = Vec::new();
        for id in CheckId::checkup_ids() {
            expected.push(format!("checkup.{id}"));
            expected.push(format!("checkup.{id}.skipped"));
            let spec = data::check_spec(id.as_str()).expect("checkup row has a spec");
            let f = finding(spec, Severity::Warn, "t", "e");
            assert_eq!(
                registry::lookup(FINDING_IDS, &f.id).map(|l| l.verified),
                Some(Verified::By(id))
            );
        }
        let listed: Vec<&str> = FINDING_IDS.iter().map(|f| f.id).collect();
        assert_eq!(listed, expected);
    }

    /// Every `"checkup.…"` string in the other sources, with `{}` filled by each checkup id, is a
    /// listed id: a new shape of built id (or a literal) fails here until it is listed.
    #[test]
    fn every_checkup_id_shape_in_the_sources_is_listed() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut shapes = std::collections::BTreeSet::new();
        let mut stack = vec![src];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "rs")
                    && !path.ends_with("finding_ids.rs")
                {
                    let text = std::fs::read_to_string(&path).unwrap();
                    for piece in text.split("\"checkup.").skip(1) {
                        let end = piece.find('"').unwrap_or(piece.len());
                        shapes.insert(format!("checkup.{}", &piece[..end]));
                    }
                }
            }
        }
        assert!(shapes.contains("checkup.{}") && shapes.contains("checkup.{}.skipped"));
        for shape in &shapes {
            for id in CheckId::checkup_ids() {
                let filled = shape.replace("{}", id.as_str());
                assert!(
                    registry::lookup(FINDING_IDS, &filled).is_some(),
                    "{filled} (from \"{shape}\") is not in FINDING_IDS"
                );
            }
        }
    }
}
