//! Every fixture log in `tests/fixtures` is diagnosed and checked against `expectations.toml`
//! (family, outcome, failed stage, key evidence lines, noise), and its JSON is snapshotted.

use rd_logs::{Diagnosis, diagnose_bytes};
use serde::Deserialize;
use std::path::PathBuf;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    file: String,
    format: String,
    #[serde(default)]
    formats: Vec<String>,
    outcome: String,
    category: String,
    #[serde(default)]
    confidence: Option<String>,
    #[serde(default)]
    rule: Option<String>,
    #[serde(default)]
    stage: Option<String>,
    #[serde(default)]
    evidence: Vec<u64>,
    #[serde(default)]
    codes: Vec<String>,
    #[serde(default)]
    noise: Vec<String>,
    #[serde(default)]
    device: Option<String>,
    #[serde(default)]
    target: Option<String>,
    #[serde(default)]
    settle: bool,
}

#[derive(Debug, Deserialize)]
struct Expectations {
    case: Vec<Case>,
}

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn cases() -> Vec<Case> {
    let text = std::fs::read_to_string(dir().join("expectations.toml")).unwrap();
    toml::from_str::<Expectations>(&text).unwrap().case
}

fn run(case: &Case) -> Diagnosis {
    let bytes = std::fs::read(dir().join(&case.file)).unwrap();
    diagnose_bytes(&bytes).unwrap_or_else(|e| panic!("{}: {e}", case.file))
}

fn check(case: &Case, d: &Diagnosis) -> Vec<String> {
    let mut errs = Vec::new();
    let mut expect = |what: &str, want: &str, got: &str| {
        if want != got {
            errs.push(format!("{what}: want {want}, got {got}"));
        }
    };
    expect("format", &case.format, &d.format);
    expect("outcome", &case.outcome, d.outcome.as_str());
    expect("category", &case.category, d.category.as_str());
    if let Some(c) = &case.confidence {
        expect("confidence", c, d.confidence.as_str());
    }
    if let Some(r) = &case.rule {
        expect("rule", r, d.rule.as_deref().unwrap_or("-"));
    }
    for f in &case.formats {
        if !d.formats.contains(f) {
            errs.push(format!("format {f} not detected (got {:?})", d.formats));
        }
    }
    if let Some(s) = &case.stage {
        let got = d.failed_stage.as_ref();
        let ok = got.is_some_and(|st| {
            let s = s.to_ascii_lowercase();
            st.name.to_ascii_lowercase().contains(&s)
                || st
                    .id
                    .as_deref()
                    .is_some_and(|i| i.to_ascii_lowercase().contains(&s))
        });
        if !ok {
            errs.push(format!("stage: want {s}, got {got:?}"));
        }
    }
    for l in &case.evidence {
        if !d.evidence.iter().any(|e| e.line == *l) {
            let got: Vec<u64> = d.evidence.iter().map(|e| e.line).collect();
            errs.push(format!("evidence line {l} missing (got {got:?})"));
        }
    }
    for c in &case.codes {
        if !d.error_codes.contains(c) {
            errs.push(format!("error code {c} missing (got {:?})", d.error_codes));
        }
    }
    for n in &case.noise {
        if !d.noise.iter().any(|x| &x.id == n) {
            errs.push(format!("noise {n} not reported"));
        }
    }
    if let Some(dev) = &case.device {
        let got = d.device.as_ref().and_then(|x| x.product_type.clone());
        if got.as_deref() != Some(dev.as_str()) {
            errs.push(format!("device: want {dev}, got {got:?}"));
        }
    }
    if let Some(t) = &case.target {
        let ok = d.target.as_ref().is_some_and(|x| {
            x.build.as_deref() == Some(t.as_str()) || x.version.as_deref() == Some(t.as_str())
        });
        if !ok {
            errs.push(format!("target: want {t}, got {:?}", d.target));
        }
    }
    if case.settle && d.settle.is_none() {
        errs.push("expected a 'what would settle it' note".into());
    }
    // Invariants for every log.
    if d.outcome.as_str() == "success" && d.category.as_str() != "success" {
        errs.push("success outcome with a non-success category".into());
    }
    if d.outcome.as_str() == "failure" && d.evidence.is_empty() {
        errs.push("failure without evidence".into());
    }
    if d.category.as_str() == "unknown" && d.confidence.as_str() != "low" {
        errs.push("unknown category must have low confidence".into());
    }
    if d.findings.is_empty() || d.findings[0].family != d.category {
        errs.push("first finding must carry the category".into());
    }
    errs
}

#[test]
fn there_are_enough_fixtures_and_each_has_an_expectation() {
    let cases = cases();
    assert!(cases.len() >= 40, "only {} fixtures", cases.len());
    let mut on_disk: Vec<String> = std::fs::read_dir(dir())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".log"))
        .collect();
    on_disk.sort();
    let mut named: Vec<String> = cases.iter().map(|c| c.file.clone()).collect();
    named.sort();
    assert_eq!(on_disk, named, "fixtures and expectations.toml disagree");
    // Every family the diagnosis can name is covered by at least one fixture.
    for fam in rd_model::Family::ALL {
        assert!(
            cases.iter().any(|c| c.category == fam.as_str()),
            "no fixture for family {fam}"
        );
    }
}

#[test]
fn every_fixture_gets_its_expected_diagnosis() {
    let mut failures = Vec::new();
    for case in cases() {
        let d = run(&case);
        let errs = check(&case, &d);
        if !errs.is_empty() {
            failures.push(format!("{}:\n    {}", case.file, errs.join("\n    ")));
        }
    }
    assert!(
        failures.is_empty(),
        "{} fixture(s) wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn fixture_json_snapshots() {
    for case in cases() {
        let d = run(&case);
        let name = case.file.trim_end_matches(".log").to_string();
        insta::with_settings!({ snapshot_suffix => name, prepend_module_to_snapshot => false }, {
            insta::assert_json_snapshot!("diagnosis", d);
        });
    }
}
