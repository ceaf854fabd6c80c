//! Real `--json` output of the finding-model commands validates against the published schema.

use assert_cmd::Command;
use serde_json::Value;

fn schema() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../schema/report.schema.json"
    ))
    .expect("schema/report.schema.json exists");
    serde_json::from_str(&text).expect("schema is JSON")
}

fn json_of(args: &[&str]) -> Value {
    let out = Command::cargo_bin("restore-doctor")
        .unwrap()
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{args:?} did not print JSON ({e}); stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn assert_valid(args: &[&str]) {
    let validator = jsonschema::validator_for(&schema()).expect("schema compiles");
    let value = json_of(args);
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "{args:?} output breaks the schema: {errors:#?}"
    );
    assert!(
        !value["findings"].as_array().unwrap().is_empty(),
        "{args:?} produced no findings"
    );
}

#[test]
fn error_output_matches_schema() {
    assert_valid(&["error", "4013", "--json"]);
    assert_valid(&["error", "0xE8000015", "--json"]);
}

#[test]
fn a_report_missing_a_field_is_rejected() {
    // The schema must be able to fail: drop a required field from real output.
    let validator = jsonschema::validator_for(&schema()).unwrap();
    let mut value = json_of(&["error", "4013", "--json"]);
    value["findings"][0]
        .as_object_mut()
        .unwrap()
        .remove("family");
    assert!(!validator.is_valid(&value));
    let mut value = json_of(&["error", "4013", "--json"]);
    value["findings"][0]["severity"] = Value::String("catastrophic".into());
    assert!(!validator.is_valid(&value));
}
