//! The knowledge base against the shared data it was built from (`../shared/data/error_codes.json`):
//! every row has an entry that resolves by its code, every remedy exists, wording is our own.

use rd_kb::{Kind, Matched, Outcome, entries, lookup, validate};
use rd_model::Family;
use serde::Deserialize;
use std::collections::HashSet;
use std::path::PathBuf;

#[derive(Deserialize)]
struct Row {
    code: String,
    wiki_meaning: Option<String>,
    category: String,
    apple_section: Option<String>,
}

/// The shared data folder: `$RD_SHARED_DATA`, else `../shared/data` beside the repository.
fn shared_rows() -> Vec<Row> {
    let dir = std::env::var_os("RD_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"));
    let path = dir.join("error_codes.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (set RD_SHARED_DATA to the shared data folder)",
            path.display()
        )
    });
    serde_json::from_str(&text).expect("error_codes.json parses")
}

#[test]
fn knowledge_base_validates() {
    if let Err(problems) = validate() {
        panic!("{} problems:\n{}", problems.len(), problems.join("\n"));
    }
}

#[test]
fn one_entry_per_shared_row() {
    let rows = shared_rows();
    assert_eq!(rows.len(), 337);
    assert_eq!(entries().len(), rows.len());
    let ours: HashSet<&str> = entries().iter().map(|e| e.code).collect();
    for row in &rows {
        assert!(
            ours.contains(row.code.as_str()),
            "no entry for {}",
            row.code
        );
    }
}

#[test]
fn every_shared_code_resolves_to_its_entry() {
    for row in shared_rows() {
        let found = lookup(&row.code);
        match &found.outcome {
            Outcome::Entry { entry, .. } => {
                assert_eq!(
                    entry.code, row.code,
                    "{} resolved to {}",
                    row.code, entry.code
                )
            }
            other => panic!("{} did not resolve: {other:?}", row.code),
        }
        let finding = found.finding().expect("a finding");
        assert!(!finding.remedies.is_empty(), "{}: no remedies", row.code);
        assert_eq!(finding.error_codes, std::slice::from_ref(&row.code));
    }
}

#[test]
fn numbers_also_resolve_with_error_prefix_and_brackets() {
    for e in entries().iter().filter(|e| e.kind == Kind::Number) {
        for form in [format!("Error {}", e.code), format!("({})", e.code)] {
            let got = lookup(&form);
            assert!(
                matches!(&got.outcome, Outcome::Entry { entry, matched: Matched::Number { .. } } if entry.id == e.id),
                "{form:?} gave {:?}",
                got.outcome
            );
        }
    }
}

#[test]
fn every_entry_has_known_remedies_and_a_cause_family() {
    for e in entries() {
        assert!(!e.remedies.is_empty(), "{}", e.id);
        for r in e.remedies {
            assert_eq!(r.def().id, r.as_str(), "{}", e.id);
        }
        assert_ne!(e.family, Family::Success, "{}", e.id);
        assert!(!e.sources.is_empty(), "{}", e.id);
    }
}

#[test]
fn apple_sections_are_carried_over() {
    let rows = shared_rows();
    for row in &rows {
        let e = entries().iter().find(|e| e.code == row.code).unwrap();
        assert_eq!(
            e.apple_section.map(str::trim),
            row.apple_section.as_deref().map(str::trim),
            "{}",
            row.code
        );
    }
}

#[test]
fn families_follow_the_data_where_it_is_specific() {
    // The data's categories map to one family each, except `network_signing` (split by meaning)
    // and `other` (decided per entry). Where an entry departs from the mapping, it must be for a
    // cause the meaning names; count departures so a wholesale mistake cannot pass.
    let mut departures = 0;
    let rows = shared_rows();
    for row in &rows {
        let e = entries().iter().find(|e| e.code == row.code).unwrap();
        let expected = match row.category.as_str() {
            "usb_connection" => vec![Family::Usb],
            "hardware" => vec![Family::Hardware],
            "security_software" => vec![Family::SecuritySoftware],
            "software_version" => vec![Family::SoftwareVersion],
            "device_state" => vec![Family::DeviceState],
            "network_signing" => vec![Family::Network, Family::Signing],
            _ => continue,
        };
        if !expected.contains(&e.family) {
            departures += 1;
        }
    }
    assert!(
        departures <= 12,
        "{departures} entries depart from the data's category"
    );
}

/// Longest run of consecutive words two texts share.
fn longest_shared_run(a: &str, b: &str) -> usize {
    let a = rd_kb::similar::tokens(a);
    let b = rd_kb::similar::tokens(b);
    let mut best = 0;
    let mut prev = vec![0usize; b.len() + 1];
    for x in &a {
        let mut cur = vec![0usize; b.len() + 1];
        for (j, y) in b.iter().enumerate() {
            if x == y {
                cur[j + 1] = prev[j] + 1;
                best = best.max(cur[j + 1]);
            }
        }
        prev = cur;
    }
    best
}

#[test]
fn meanings_are_our_own_words() {
    assert_eq!(longest_shared_run("a b c d", "x b c d y"), 3);
    for row in shared_rows() {
        let Some(wiki) = &row.wiki_meaning else {
            continue;
        };
        let e = entries().iter().find(|e| e.code == row.code).unwrap();
        let run = longest_shared_run(e.meaning, wiki);
        assert!(
            run <= 5,
            "{}: meaning shares {run} consecutive words with the source text",
            row.code
        );
    }
}

/// One code Apple's per-code articles sort into a section (`data/apple_categories.toml`).
#[derive(Deserialize)]
struct AppleCode {
    code: String,
    categories: Vec<String>,
    sources: Vec<String>,
}

#[derive(Deserialize)]
struct AppleCategories {
    code: Vec<AppleCode>,
}

/// The families that fit an Apple section, and the remedies that carry that section's advice.
fn apple_section_rule(category: &str) -> (&'static [Family], &'static [&'static str], usize) {
    const USB_STEPS: &[&str] = &[
        "usb-direct-port",
        "usb-apple-cable",
        "usb-other-port",
        "usb-other-computer",
        "usb-driver-windows",
    ];
    match category {
        // Hardware: a retry on known-good cable/computer, DFU, then service.
        "HW" => (
            &[Family::Hardware],
            &[
                "dfu-mode",
                "recovery-mode",
                "usb-apple-cable",
                "usb-direct-port",
                "usb-other-port",
                "usb-other-computer",
                "hardware-service",
                "security-software-pause",
                "update-apple-software",
                "update-host-os",
                "third-party-parts",
                "charge-battery",
                "collect-device-log",
                "restart-both",
            ],
            3,
        ),
        "USB" | "DISC" => (&[Family::Usb], USB_STEPS, 3),
        "SEC" => (
            &[Family::SecuritySoftware],
            &["security-software-pause", "firewall-allow-apple"],
            3,
        ),
        // "Can't reach Apple's server": the connection and hosts-file steps must come first.
        "SRV" => (
            &[Family::Network, Family::SecuritySoftware, Family::Signing],
            &["check-internet", "hosts-remove-apple"],
            2,
        ),
        "MOD" => (
            &[Family::SoftwareVersion, Family::WrongFirmware],
            &["firmware-signed-only", "stock-firmware", "recovery-mode"],
            3,
        ),
        "DL" => (
            &[Family::SoftwareVersion, Family::Network],
            &["wait-host-download"],
            3,
        ),
        "E53" => (&[Family::Hardware], &["third-party-parts"], 3),
        other => panic!("unknown Apple category {other}"),
    }
}

#[test]
fn every_code_apple_categorises_fits_that_category() {
    let text = include_str!("../../data/apple_categories.toml");
    let data: AppleCategories = toml::from_str(text).expect("apple_categories.toml parses");
    assert!(data.code.len() >= 70, "Apple's lists have 74 items");
    let mut misfits = Vec::new();
    for item in &data.code {
        assert!(!item.sources.is_empty(), "{}: no source", item.code);
        let entry = entries()
            .iter()
            .find(|e| e.code == item.code)
            .unwrap_or_else(|| {
                panic!("{}: Apple lists it, the knowledge base lacks it", item.code)
            });
        // A code Apple lists in two sections fits when it fits either.
        let fits = item.categories.iter().any(|c| {
            let (families, advice, within) = apple_section_rule(c);
            families.contains(&entry.family)
                && entry
                    .remedies
                    .iter()
                    .take(within)
                    .any(|r| advice.contains(&r.as_str()))
        });
        if !fits {
            misfits.push(format!(
                "{} ({}): family {}, remedies {:?}",
                item.code,
                item.categories.join("+"),
                entry.family.as_str(),
                &entry.remedies[..entry.remedies.len().min(3)]
            ));
        }
    }
    assert!(misfits.is_empty(), "{misfits:#?}");
}

#[test]
fn the_disconnect_errors_carry_apples_own_steps() {
    // Apple's article for 9/4005/4013/4014 (102561): force-restart, and Update before Restore.
    for code in ["9", "4005", "4013", "4014"] {
        let e = entries().iter().find(|e| e.code == code).unwrap();
        for step in [
            rd_kb::remedy_id!("restart-both"),
            rd_kb::remedy_id!("update-before-restore"),
        ] {
            assert!(e.remedies.contains(&step), "{code} lacks {step}");
        }
        assert!(
            e.sources
                .contains(&"https://support.apple.com/en-us/102561"),
            "{code} cites 102561"
        );
    }
}

#[test]
fn citations_follow_apples_redirects() {
    for e in entries() {
        for s in e.sources {
            assert!(
                !s.contains("HT201444") && !s.contains("HT204770"),
                "{}: cites a retired article id ({s}); use 108308 or 102561",
                e.id
            );
        }
    }
}

/// The id registry in cargo-deny's style (`codes_unique` plus a snapshot): every remedy and check
/// id is unique and names its row, the macros resolve to the right rows, and the lists are
/// snapshotted so that adding, renaming or removing an id shows up in review.
mod registry {
    use super::*;
    use rd_kb::{CheckId, RemedyId, check_id, checks, remedies, remedy_defs, remedy_id};

    #[test]
    fn remedy_ids_are_unique_and_each_names_its_row() {
        let mut seen = HashSet::new();
        for id in RemedyId::ALL {
            assert!(seen.insert(id.as_str()), "duplicate remedy id {id}");
            assert_eq!(id.def().id, id.as_str());
        }
        assert_eq!(seen.len(), remedy_defs().len());
    }

    #[test]
    fn check_ids_are_unique_and_each_names_its_row() {
        let mut seen = HashSet::new();
        for id in CheckId::ALL {
            assert!(seen.insert(id.as_str()), "duplicate check id {id}");
            assert_eq!(id.def().id, id.as_str());
        }
        assert_eq!(seen.len(), checks().len());
    }

    #[test]
    fn macros_resolve_literals_to_their_rows() {
        assert_eq!(remedy_id!("dfu-mode"), RemedyId::DfuMode);
        assert_eq!(remedy_id!("dfu-mode").as_str(), "dfu-mode");
        assert_eq!(check_id!("net.dns"), CheckId::NetDns);
        assert_eq!(check_id!("sec.hosts_file").def().title, "Hosts file");
        let got = rd_kb::remedies!["usb-direct-port", "retry"];
        let ids: Vec<&str> = got.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["usb-direct-port", "retry"]);
        assert_eq!(got[0].check.as_deref(), Some("usb.hub"));
        assert_eq!(remedies(&[RemedyId::Retry]).len(), 1);
    }

    #[test]
    fn every_remedy_check_and_checkup_remedy_is_typed() {
        for id in RemedyId::ALL {
            if let Some(check) = &id.def().check {
                assert!(CheckId::parse(check).is_some(), "{id}: check {check}");
            }
        }
        for id in CheckId::checkup_ids() {
            let run = id.checkup().expect("checkup row");
            assert!(!run.remedies.is_empty(), "{id} has no remedies");
        }
    }

    #[test]
    fn checkup_rows_are_the_network_and_host_checks_in_summary_order() {
        let ids: Vec<&str> = CheckId::checkup_ids().map(CheckId::as_str).collect();
        insta::assert_snapshot!("checkup_check_ids", ids.join("\n"));
    }

    #[test]
    fn remedy_id_list() {
        let ids: Vec<&str> = RemedyId::ALL.iter().map(|r| r.as_str()).collect();
        insta::assert_snapshot!("remedy_ids", ids.join("\n"));
    }

    #[test]
    fn host_rows_carry_platform_family_and_remedies() {
        let rows: Vec<String> = CheckId::host_ids()
            .map(|c| {
                let host = c.host().expect("host part");
                let remedies: Vec<&str> = c.def().remedies().iter().map(|r| r.as_str()).collect();
                assert!(!host.reads.is_empty(), "{c}");
                assert!(!remedies.is_empty(), "{c}");
                format!(
                    "{c} [{}] {:?} {} — {}",
                    host.platform,
                    c.def().family().expect("family"),
                    remedies.join(", "),
                    c.def().command()
                )
            })
            .collect();
        insta::assert_snapshot!("host_check_rows", rows.join("\n"));
    }

    #[test]
    fn check_id_list() {
        let ids: Vec<String> = CheckId::ALL
            .iter()
            .map(|c| format!("{c} ({})", c.def().area))
            .collect();
        insta::assert_snapshot!("check_ids", ids.join("\n"));
    }
}
