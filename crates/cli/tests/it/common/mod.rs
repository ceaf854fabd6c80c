//! Helpers shared by the CLI integration tests.
// Each test binary compiles this module and uses only part of it.
#![allow(dead_code)]

use serde_json::Value;
use std::path::PathBuf;

/// A recorded USB inventory from the device crate's fixtures.
pub fn usb_fixture(name: &str) -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../device/tests/fixtures"
    ))
    .join(name)
}

/// The ids of a report's findings, in order.
pub fn finding_ids(report: &Value) -> Vec<&str> {
    report["findings"]
        .as_array()
        .expect("a report has findings")
        .iter()
        .map(|f| f["id"].as_str().expect("a finding has an id"))
        .collect()
}
