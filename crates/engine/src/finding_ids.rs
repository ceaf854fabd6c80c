//! The finding ids the engine itself emits, as a registry in the style of the other crates' (see
//! `rd_kb::registry`): one, ipsw.me's digests beside the IPSW's own, which `firmware.integrity`
//! verifies. Its test also puts every crate's registry side by side (the engine sits above them
//! all): no id is listed by two crates, so a surface can tell from an id alone where it came from.

use rd_kb::check_id;
use rd_kb::registry::FindingId;

/// Every finding id the engine writes itself.
pub const FINDING_IDS: &[FindingId] = &[FindingId::check(
    "firmware.integrity.ipswme",
    check_id!("firmware.integrity"),
)];

#[cfg(test)]
mod tests {
    use super::FINDING_IDS;
    use rd_kb::registry::{self, FindingId};

    #[test]
    fn finding_ids_are_unique_listed_and_used() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        if let Err(problems) = registry::check_finding_ids(FINDING_IDS, &src) {
            panic!("{}", problems.join("\n"));
        }
        let lines: Vec<String> = FINDING_IDS
            .iter()
            .map(|f| format!("{} → {}", f.id, f.verified))
            .collect();
        assert_eq!(
            lines,
            ["firmware.integrity.ipswme → check firmware.integrity"]
        );
    }

    #[test]
    fn no_id_is_listed_by_two_crates() {
        let crates: [(&str, &[FindingId]); 7] = [
            ("rd-engine", FINDING_IDS),
            ("rd-kb", rd_kb::finding_ids::FINDING_IDS),
            ("rd-logs", rd_logs::finding_ids::FINDING_IDS),
            ("rd-device", rd_device::finding_ids::FINDING_IDS),
            ("rd-firmware", rd_firmware::finding_ids::FINDING_IDS),
            ("rd-probe", rd_probe::finding_ids::FINDING_IDS),
            ("rd-history", rd_history::finding_ids::FINDING_IDS),
        ];
        for (i, (name, list)) in crates.iter().enumerate() {
            for (other, other_list) in &crates[i + 1..] {
                for f in *list {
                    for g in *other_list {
                        let clash = f.id == g.id
                            || (g.is_pattern() && !f.is_pattern() && g.matches(f.id))
                            || (f.is_pattern() && !g.is_pattern() && f.matches(g.id));
                        assert!(!clash, "{} ({name}) and {} ({other})", f.id, g.id);
                    }
                }
            }
        }
    }
}
