//! `restore-doctor log`: the JSON contract, several files, stdin, exit codes and clear one-line
//! errors for unusable input.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../logs/tests/fixtures")
        .join(name)
}

fn cmd() -> Command {
    let mut c = Command::cargo_bin("restore-doctor").unwrap();
    c.env("NO_COLOR", "1").env("COLUMNS", "100");
    c
}

fn json_of(args: &[&str]) -> Value {
    let out = cmd().arg("log").arg("--json").args(args).assert().success();
    serde_json::from_slice(&out.get_output().stdout).unwrap()
}

#[test]
fn json_has_every_contract_field_with_the_right_types() {
    let v = json_of(&[fixture("idr_tss_not_signed.log").to_str().unwrap()]);
    assert!(v["format"].is_string());
    assert_eq!(v["outcome"], "failure");
    assert_eq!(v["category"], "signing");
    assert_eq!(v["confidence"], "high");
    assert!(v["failed_stage"]["name"].is_string());
    assert!(v["failed_stage"]["id"].is_string() || v["failed_stage"]["id"].is_null());
    assert!(
        v["error_codes"]
            .as_array()
            .unwrap()
            .iter()
            .all(Value::is_string)
    );
    assert_eq!(v["device"]["product_type"], "iPhone9,3");
    assert_eq!(v["target"]["build"], "19H365");
    let ev = v["evidence"].as_array().unwrap();
    assert!(!ev.is_empty());
    for e in ev {
        assert!(e["line"].is_u64() && e["text"].is_string() && e["why"].is_string());
    }
    assert_eq!(ev[0]["line"], 16);
    assert!(ev[0]["text"].as_str().unwrap().contains("STATUS=94"));
    assert!(!v["remedies"].as_array().unwrap().is_empty());
    assert_eq!(v["findings"][0]["family"], "signing");
}

#[test]
fn success_and_unknown_logs_use_null_stage_and_allowed_values() {
    let v = json_of(&[fixture("idr_success.log").to_str().unwrap()]);
    assert_eq!(v["outcome"], "success");
    assert_eq!(v["category"], "success");
    assert!(v["failed_stage"].is_null());
    let v = json_of(&[fixture("unrelated_text.log").to_str().unwrap()]);
    assert_eq!(v["outcome"], "unknown");
    assert_eq!(v["category"], "unknown");
    assert_eq!(v["confidence"], "low");
    assert!(v["device"].is_null() && v["target"].is_null());
}

#[test]
fn several_files_give_an_array_in_order() {
    let v = json_of(&[
        fixture("idr_baseband_1015.log").to_str().unwrap(),
        fixture("3u_usb_drop.log").to_str().unwrap(),
    ]);
    let arr = v.as_array().unwrap();
    assert_eq!(arr.len(), 2);
    assert_eq!(arr[0]["category"], "hardware");
    assert_eq!(arr[1]["category"], "usb");
    assert_eq!(arr[1]["format"], "3utools");
}

#[test]
fn stdin_is_read_with_a_dash() {
    let log = std::fs::read(fixture("idr_markdown_quoted.log")).unwrap();
    let out = cmd()
        .args(["log", "--json", "-"])
        .write_stdin(log)
        .assert()
        .success();
    let v: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(v["category"], "signing");
    assert_eq!(v["file"], "-");
}

#[test]
fn a_failed_restore_still_exits_zero_and_quotes_lines() {
    cmd()
        .arg("log")
        .arg(fixture("idr_asr_usb_drop.log"))
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "line 25: ERROR: Unable to send data to ASR",
        ))
        .stdout(predicate::str::contains("USB connection"))
        .stdout(predicate::str::contains("Discounted as normal"));
}

#[test]
fn text_output_snapshot() {
    let out = cmd()
        .arg("log")
        .arg(fixture("dlog_baseband.log"))
        .assert()
        .success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let text = text.replace(
        fixture("dlog_baseband.log").to_str().unwrap(),
        "dlog_baseband.log",
    );
    insta::assert_snapshot!("log_text_dlog_baseband", text);
}

#[test]
fn json_snapshot() {
    let mut v = json_of(&[fixture("fr_devlog_baseband.log").to_str().unwrap()]);
    v["file"] = Value::String("fr_devlog_baseband.log".into());
    insta::assert_json_snapshot!("log_json_fr_devlog_baseband", v);
}

#[test]
fn missing_file_is_one_line_and_exit_2() {
    cmd()
        .args(["log", "/no/such/restore.log"])
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains(
            "cannot read '/no/such/restore.log': no such file",
        ))
        .stderr(predicate::function(|s: &str| {
            s.trim_end().lines().count() == 1
        }));
}

#[test]
fn empty_and_binary_files_are_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.log");
    std::fs::write(&empty, b"").unwrap();
    cmd()
        .arg("log")
        .arg(&empty)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is empty"));
    let zip = dir.path().join("firmware.ipsw");
    let mut bytes = b"PK\x03\x04".to_vec();
    bytes.extend(std::iter::repeat_n(0u8, 200));
    std::fs::write(&zip, bytes).unwrap();
    cmd()
        .arg("log")
        .arg(&zip)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a text log"))
        .stderr(predicate::str::contains("zip"));
    cmd()
        .arg("log")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is a folder"));
}

#[test]
fn no_file_is_a_usage_error() {
    cmd().arg("log").assert().code(2);
}
