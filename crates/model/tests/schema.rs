//! The published schema (`schema/report.schema.json`) must match the model.
//! Regenerate with `UPDATE_SCHEMA=1 cargo test -p rd-model --test schema`.

use std::path::PathBuf;

fn schema_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../schema/report.schema.json")
}

#[test]
fn published_schema_is_current() {
    let generated = serde_json::to_string_pretty(&rd_model::report_schema()).unwrap() + "\n";
    let path = schema_path();
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let published = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    assert_eq!(
        published, generated,
        "schema/report.schema.json is stale: rerun with UPDATE_SCHEMA=1"
    );
}

#[test]
fn schema_names_every_family_and_severity() {
    let text = serde_json::to_string(&rd_model::report_schema()).unwrap();
    for f in rd_model::Family::ALL {
        assert!(text.contains(&format!("\"{}\"", f.as_str())), "{f} missing");
    }
    for s in ["ok", "info", "warn", "fail"] {
        assert!(text.contains(&format!("\"{s}\"")), "{s} missing");
    }
}
