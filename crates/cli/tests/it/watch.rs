//! `restore-doctor watch --json` end to end: the recorded restore plays on the fake USB bus in
//! real time while the test writes idevicerestore's log in steps, each step after the event
//! that precedes it in a real restore (so the test waits on events, never on a clock); then
//! Ctrl-C (SIGINT) ends the watch cleanly.

#![cfg(unix)]

use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

const FIXTURE: &str = "../watch/tests/fixtures/iphonex_restore_drop_recovery.json";
const LOG: &str = "../logs/tests/fixtures/idr_asr_usb_drop.log";

fn append(path: &std::path::Path, lines: &[&str]) {
    let mut f = std::fs::File::options()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    for l in lines {
        writeln!(f, "{l}").unwrap();
    }
}

#[test]
fn live_timeline_and_diagnosis_as_ndjson_then_ctrl_c() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    let log_path = logs.join("restore.log");
    let text = std::fs::read_to_string(LOG).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mut child = Command::new(env!("CARGO_BIN_EXE_restore-doctor"))
        .args(["watch", "--json", "--poll-ms", "50", "--log-dir"])
        .arg(&logs)
        .arg("--usb-fixture")
        .arg(FIXTURE)
        .env("RESTORE_DOCTOR_DATA_DIR", dir.path().join("data"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A hang guard, not a timed assertion: if the watch never ends, interrupt it so the
    // assertions below report what was seen instead of the test hanging.
    let pid = child.id().to_string();
    std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_secs(120));
        let _ = Command::new("kill").args(["-INT", &pid]).status();
    });
    let out = BufReader::new(child.stdout.take().unwrap());
    let mut events: Vec<Value> = Vec::new();
    let (mut wrote_start, mut wrote_restore, mut wrote_error, mut interrupted) =
        (false, false, false, false);
    for line in out.lines() {
        let line = line.unwrap();
        let v: Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("not one JSON object per line: {e}: {line}"));
        let (name, mode) = (
            v["event"].as_str().unwrap_or("").to_string(),
            v["mode"].as_str().unwrap_or("").to_string(),
        );
        events.push(v);
        if name == "arrived" && mode == "recovery" && !wrote_start {
            wrote_start = true;
            append(&log_path, &lines[..8]);
        }
        if name == "arrived" && mode == "normal" && wrote_start && !wrote_restore {
            wrote_restore = true;
            append(&log_path, &lines[8..24]);
        }
        if name == "diagnosis" && !wrote_error {
            wrote_error = true;
            append(&log_path, &lines[24..]);
        }
        let log_verdict = events
            .iter()
            .any(|e| e["event"] == "diagnosis" && e["trigger"] == "log_failure");
        if log_verdict && !interrupted {
            interrupted = true;
            let ok = Command::new("kill")
                .args(["-INT", &child.id().to_string()])
                .status()
                .unwrap();
            assert!(ok.success());
        }
    }
    let status = child.wait().unwrap();
    let names: Vec<&str> = events.iter().filter_map(|e| e["event"].as_str()).collect();
    assert_eq!(names.first(), Some(&"started"));
    assert_eq!(
        names.last(),
        Some(&"stopped"),
        "Ctrl-C ends it cleanly: {names:?}"
    );
    assert_eq!(status.code(), Some(1), "a failed restore was seen");

    let modes: Vec<String> = events
        .iter()
        .filter(|e| e["event"] == "arrived" || e["event"] == "left")
        .map(|e| {
            let sign = if e["event"] == "arrived" { "+" } else { "-" };
            format!("{sign}{}", e["mode"].as_str().unwrap())
        })
        .collect();
    assert_eq!(
        modes,
        [
            "+normal",
            "-normal",
            "+recovery",
            "-recovery",
            "+recovery",
            "-recovery",
            "+normal",
            "-normal",
            "+recovery"
        ]
    );
    let back = events.iter().rfind(|e| e["event"] == "arrived").unwrap();
    let bus_diag = events
        .iter()
        .find(|e| e["event"] == "diagnosis" && e["trigger"] == "returned_in_recovery")
        .expect("the return in Recovery is diagnosed");
    assert_eq!(
        bus_diag["at_ms"], back["at_ms"],
        "diagnosed in the same look that saw the device come back"
    );
    let log_diag = events
        .iter()
        .find(|e| e["event"] == "diagnosis" && e["trigger"] == "log_failure")
        .unwrap();
    assert_eq!(log_diag["category"], "usb");
    assert!(log_diag["stage"].as_str().unwrap().contains("filesystem"));
    assert_eq!(log_diag["diagnosis"]["outcome"], "failure");
    assert_eq!(log_diag["device"]["ecid"], "0x0000000012345678");

    let history = Command::new(env!("CARGO_BIN_EXE_restore-doctor"))
        .args(["history", "--json"])
        .env("RESTORE_DOCTOR_DATA_DIR", dir.path().join("data"))
        .output()
        .unwrap();
    let h: Value = serde_json::from_slice(&history.stdout).unwrap();
    let attempts = h["devices"][0]["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 1, "one restore, one attempt: {h}");
    assert_eq!(attempts[0]["command"], "watch");
}

#[test]
fn a_missing_log_folder_or_fixture_is_one_line_and_exit_2() {
    let out = Command::new(env!("CARGO_BIN_EXE_restore-doctor"))
        .args(["watch", "--log-dir", "/nonexistent/folder"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_restore-doctor"))
        .args([
            "watch",
            "--usb-fixture",
            "/nonexistent/fx.json",
            "--log-dir",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("fx.json"));
}
