//! The finding-id registry (`rd_host::FINDING_IDS`): no duplicates, every id mapped to the host
//! check it is named after, every id the checks emit on the fixtures and on empty or odd inputs is
//! listed, every listed suffix is still written in the sources, and the list is snapshotted.

use rd_host::{FINDING_IDS, HostInputs, Platform, check, checks::CHECKS, spec};
use rd_kb::registry::{self, Verified};
use std::collections::BTreeSet;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn ids_are_unique_and_mapped_to_their_host_check() {
    if let Err(problems) = registry::check_finding_ids(FINDING_IDS, &root().join("src")) {
        panic!("{}", problems.join("\n"));
    }
    for f in FINDING_IDS {
        let Verified::By(c) = f.verified else {
            panic!("{}: every host finding has its check", f.id);
        };
        assert!(CHECKS.contains(&c), "{}: {c} is not a host check", f.id);
    }
    insta::assert_snapshot!("host_finding_ids", registry::snapshot(FINDING_IDS));
}

#[test]
fn everything_emitted_is_listed() {
    let mut emitted = BTreeSet::new();
    let fixtures = root().join("tests/fixtures");
    for e in std::fs::read_dir(&fixtures).unwrap() {
        let e = e.unwrap();
        if !e.path().is_dir() {
            continue;
        }
        for p in [Platform::Windows, Platform::Macos, Platform::Linux] {
            let i = HostInputs::from_dir(p, &e.path()).unwrap();
            emitted.extend(check(&i).into_iter().map(|f| f.id));
        }
    }
    for p in [Platform::Windows, Platform::Macos, Platform::Linux] {
        emitted.extend(
            check(&HostInputs::new(p, "empty"))
                .into_iter()
                .map(|f| f.id),
        );
    }
    let unlisted = registry::unlisted(FINDING_IDS, emitted.iter().map(String::as_str));
    assert!(unlisted.is_empty(), "not in FINDING_IDS: {unlisted:?}");
    // The fixtures reach most of the list (a check's rare branches are covered by unit tests).
    assert!(
        emitted.len() * 2 > FINDING_IDS.len(),
        "{} of {}",
        emitted.len(),
        FINDING_IDS.len()
    );
}

#[test]
fn listed_suffixes_are_still_in_the_sources() {
    let mut src = String::new();
    for dir in ["src", "src/checks"] {
        for e in std::fs::read_dir(root().join(dir)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "rs") && !p.ends_with("finding_ids.rs") {
                src.push_str(&std::fs::read_to_string(p).unwrap());
            }
        }
    }
    let tools: Vec<&str> = spec::tools().iter().map(|t| t.name.as_str()).collect();
    for f in FINDING_IDS {
        let Verified::By(owner) = f.verified else {
            unreachable!("checked above")
        };
        let Some(suffix) = f.id.strip_prefix(&format!("{owner}.")) else {
            continue;
        };
        if owner.as_str() == "host.restore_tools" {
            assert!(tools.contains(&suffix), "{}", f.id);
            continue;
        }
        assert!(
            src.contains(&format!("Some(\"{suffix}\")")),
            "{}: suffix {suffix} no longer in the sources",
            f.id
        );
    }
}
