//! `restore-doctor history` and the attempts `log` records: two failed attempts on one device
//! show per device and the second answer escalates; `--no-history`, `--clear`, two processes
//! at once, and a damaged store.
//!
//! The logs are crates/logs/tests/fixtures/idr_asr_usb_drop.log (idevicerestore, the USB link
//! lost while sending the filesystem) with idevicerestore's `ECID: 0x…` line added as the third
//! line, as idr_tss_not_signed.log has it; the ECID is the one in
//! crates/device/tests/fixtures/recovery_permission_denied.json.

use crate::common;

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

const ECID_HEX: &str = "000A1B2C3D4E5F60";

fn cmd(data: &Path) -> Command {
    let mut c = Command::cargo_bin("restore-doctor").unwrap();
    c.env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .env("RESTORE_DOCTOR_DATA_DIR", data)
        .env(
            "RESTORE_DOCTOR_FAKE_USB",
            common::usb_fixture("no_apple_device.json"),
        );
    c
}

/// A log of the device; `extra` lines make it a different attempt.
fn log(dir: &Path, name: &str, extra: &str) -> PathBuf {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../logs/tests/fixtures/idr_asr_usb_drop.log"
    ))
    .unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let ecid = format!("ECID: 0x{ECID_HEX}");
    lines.insert(2, &ecid);
    let path = dir.join(name);
    std::fs::write(&path, format!("{}\n{extra}", lines.join("\n"))).unwrap();
    path
}

fn json(out: &assert_cmd::assert::Assert) -> Value {
    serde_json::from_slice(&out.get_output().stdout).expect("JSON on stdout")
}

fn history(data: &Path) -> Value {
    json(&cmd(data).args(["history", "--json"]).assert().success())
}

fn ecid_forms() -> Vec<String> {
    let v = u64::from_str_radix(ECID_HEX, 16).unwrap();
    vec![
        ECID_HEX.to_ascii_lowercase(),
        format!("{v:x}"),
        v.to_string(),
    ]
}

#[test]
fn two_failed_attempts_show_per_device_and_the_second_answer_escalates() {
    let data = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    let first = json(
        &cmd(data.path())
            .args(["log", "--json"])
            .arg(log(logs.path(), "first.log", ""))
            .assert()
            .success(),
    );
    assert!(
        !first["remedies"][0]["id"]
            .as_str()
            .unwrap()
            .starts_with("escalate."),
        "the first failure does not escalate"
    );
    let second = json(
        &cmd(data.path())
            .args(["log", "--json"])
            .arg(log(logs.path(), "second.log", "one more line\n"))
            .assert()
            .success(),
    );
    assert_eq!(
        second["remedies"][0]["id"], "escalate.dfu",
        "{}",
        second["remedies"]
    );
    assert_eq!(second["findings"][0]["remedies"][0]["id"], "escalate.dfu");
    let text = second["remedies"][0]["text"].as_str().unwrap();
    assert!(
        text.starts_with("Second time this device failed at"),
        "{text}"
    );
    assert!(common::finding_ids(&second).contains(&"history.escalation"));

    let h = history(data.path());
    let devices = h["devices"].as_array().unwrap();
    assert_eq!(devices.len(), 1, "{h}");
    let attempts = devices[0]["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 2);
    for a in attempts {
        assert_eq!(a["outcome"], "failure");
        assert_eq!(a["family"], "usb");
        assert_eq!(a["product_type"], "iPhone10,3");
    }
    // Neither the listing nor the store holds the ECID in any spelling.
    let listing = h.to_string().to_ascii_lowercase();
    let store = String::from_utf8_lossy(&std::fs::read(data.path().join("history.redb")).unwrap())
        .to_ascii_lowercase();
    for f in ecid_forms() {
        assert!(!listing.contains(&f) && !store.contains(&f), "{f} stored");
    }
    // And the text listing names the device by its key.
    cmd(data.path())
        .arg("history")
        .assert()
        .success()
        .stdout(predicates::str::contains("2 attempt(s)"));
}

#[test]
fn the_same_log_twice_is_one_attempt() {
    let data = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    let l = log(logs.path(), "a.log", "");
    for _ in 0..2 {
        let v = json(
            &cmd(data.path())
                .args(["log", "--json"])
                .arg(&l)
                .assert()
                .success(),
        );
        assert_ne!(v["remedies"][0]["id"], "escalate.dfu");
    }
    assert_eq!(
        history(data.path())["devices"][0]["attempts"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn no_history_records_nothing_and_clear_deletes() {
    let data = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    cmd(data.path())
        .args(["--no-history", "log"])
        .arg(log(logs.path(), "a.log", ""))
        .assert()
        .success();
    assert!(!data.path().join("history.redb").exists());
    assert_eq!(history(data.path())["devices"].as_array().unwrap().len(), 0);
    cmd(data.path())
        .arg("log")
        .arg(log(logs.path(), "b.log", ""))
        .assert()
        .success();
    assert!(data.path().join("history.redb").exists());
    cmd(data.path())
        .args(["history", "--clear"])
        .assert()
        .success()
        .stdout(predicates::str::contains("Deleted the attempt history"));
    assert!(!data.path().join("history.redb").exists());
}

#[test]
fn two_processes_at_once_both_record() {
    let data = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    let bin = assert_cmd::cargo::cargo_bin("restore-doctor");
    let spawn = |name: &str, extra: &str| {
        std::process::Command::new(&bin)
            .arg("log")
            .arg(log(logs.path(), name, extra))
            .env("RESTORE_DOCTOR_DATA_DIR", data.path())
            .env(
                "RESTORE_DOCTOR_FAKE_USB",
                common::usb_fixture("no_apple_device.json"),
            )
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let children: Vec<_> = (0..4)
        .map(|i| spawn(&format!("{i}.log"), &"x\n".repeat(i)))
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(out.status.success());
        assert!(
            out.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(
        history(data.path())["devices"][0]["attempts"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
}

#[test]
fn a_damaged_store_is_moved_aside_with_one_line() {
    let data = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    let noise: Vec<u8> = (0u32..20_000)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(data.path().join("history.redb"), &noise).unwrap();
    let out = cmd(data.path())
        .arg("log")
        .arg(log(logs.path(), "a.log", ""))
        .assert()
        .success();
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("damaged") && err.contains("history.redb.damaged-"),
        "{err}"
    );
    assert_eq!(
        history(data.path())["devices"][0]["attempts"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn a_log_without_an_ecid_takes_the_one_connected_device_of_its_model() {
    // idr_tss_not_signed.log is an iPhone9,3 log; without its ECID line it names no device, and
    // recovery_permission_denied.json shows one iPhone9,3 (with its ECID) on the bus.
    let data = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../logs/tests/fixtures/idr_tss_not_signed.log"
    ))
    .unwrap();
    let without: String = text
        .lines()
        .filter(|l| !l.starts_with("ECID"))
        .map(|l| format!("{l}\n"))
        .collect();
    let path = logs.path().join("no_ecid.log");
    std::fs::write(&path, without).unwrap();
    // No matching device connected: nothing is recorded.
    cmd(data.path()).arg("log").arg(&path).assert().success();
    assert_eq!(history(data.path())["devices"].as_array().unwrap().len(), 0);
    cmd(data.path())
        .env(
            "RESTORE_DOCTOR_FAKE_USB",
            common::usb_fixture("recovery_permission_denied.json"),
        )
        .arg("log")
        .arg(&path)
        .assert()
        .success();
    let h = history(data.path());
    assert_eq!(h["devices"].as_array().unwrap().len(), 1, "{h}");
    assert_eq!(h["devices"][0]["product_type"], "iPhone9,3");
}
