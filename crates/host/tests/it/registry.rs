//! The finding-id registry (`rd_host::FINDING_IDS`): no duplicates, every id belongs to a check
//! in the data, every id the checks emit on the fixtures and on empty or odd inputs is listed,
//! and every listed suffix is still written in the sources.

use rd_host::{FINDING_IDS, HostInputs, Platform, check, spec};
use std::collections::BTreeSet;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn ids_are_unique_and_belong_to_a_check() {
    assert!(rd_kb::registry::duplicates(FINDING_IDS).is_empty());
    for id in FINDING_IDS {
        assert!(
            spec::checks()
                .iter()
                .any(|c| *id == c.id || id.starts_with(&format!("{}.", c.id))),
            "{id}"
        );
    }
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
    let listed: BTreeSet<&str> = FINDING_IDS.iter().copied().collect();
    for id in &emitted {
        assert!(
            listed.contains(id.as_str()),
            "{id} is emitted but not in FINDING_IDS"
        );
    }
    // The fixtures reach most of the list (a check's rare branches are covered by unit tests).
    assert!(
        emitted.len() * 2 > listed.len(),
        "{} of {}",
        emitted.len(),
        listed.len()
    );
}

#[test]
fn listed_suffixes_are_still_in_the_sources() {
    let mut src = String::new();
    for dir in ["src", "src/checks"] {
        for e in std::fs::read_dir(root().join(dir)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "rs") {
                src.push_str(&std::fs::read_to_string(p).unwrap());
            }
        }
    }
    let tools: Vec<&str> = spec::tools().iter().map(|t| t.name.as_str()).collect();
    for id in FINDING_IDS {
        let owner = spec::checks()
            .iter()
            .filter(|c| *id == c.id || id.starts_with(&format!("{}.", c.id)))
            .max_by_key(|c| c.id.len())
            .unwrap();
        let Some(suffix) = id.strip_prefix(&format!("{}.", owner.id)) else {
            continue;
        };
        if owner.id == "host.restore_tools" {
            assert!(tools.contains(&suffix), "{id}");
            continue;
        }
        let used = src.contains(&format!("Some(\"{suffix}\")"))
            || (suffix == "not_read" && src.contains("Some(\"not_read\")"));
        assert!(used, "{id}: suffix {suffix} no longer in the sources");
    }
}
