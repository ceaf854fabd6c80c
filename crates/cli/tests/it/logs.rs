//! `logs` and `log` with no file, on home folders laid out as Windows and macOS lay them out,
//! filled with real restore logs from the corpus (`corpus/real`, sources in its index).

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;

use rd_testkit::place_corpus_log as place;

fn cmd(data: &Path) -> Command {
    let mut c = Command::cargo_bin("restore-doctor").unwrap();
    c.env("NO_COLOR", "1")
        .env("RESTORE_DOCTOR_DATA_DIR", data)
        .env_remove("RESTORE_DOCTOR_FAKE_USB");
    c
}

#[test]
fn logs_lists_a_windows_home_newest_first_and_log_reads_the_newest() {
    let home = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let h = home.path();
    place(
        "301.log",
        &h.join("AppData/Roaming/Apple Computer/iTunes/iPhone Updater Logs/iPhoneUpdater 1.log"),
        30,
    );
    place(
        "302.log",
        &h.join("AppData/Local/Packages/AppleInc.AppleDevices_nzyj5cx40ttqa/LocalCache/Roaming/Apple Computer/Logs/restore.log"),
        2,
    );
    let out = cmd(data.path())
        .args(["logs", "--json", "--platform", "windows", "--home"])
        .arg(h)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let paths: Vec<&str> = v["logs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths.len(), 2);
    assert!(paths[0].ends_with("restore.log"), "{paths:?}");
    assert!(paths[1].ends_with("iPhoneUpdater 1.log"), "{paths:?}");
    assert_eq!(v["logs"][0]["tool"], "apple-devices");
    assert_eq!(v["platform"], "windows");

    // `log` with no file diagnoses the newest and says which file it read.
    let out = cmd(data.path())
        .args(["log", "--json", "--platform", "windows", "--home"])
        .arg(h)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("restore.log"), "{stderr}");
    let d: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(d["file"].as_str().unwrap().ends_with("restore.log"));
}

#[test]
fn logs_on_a_macos_home() {
    let home = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    place(
        "301.log",
        &home
            .path()
            .join("Library/Logs/iPhone Updater Logs/iPhoneUpdater 2.log"),
        1,
    );
    let out = cmd(data.path())
        .args(["logs", "--json", "--platform", "macos", "--home"])
        .arg(home.path())
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["logs"][0]["location"], "macos.iphone_updater");
}

#[test]
fn log_without_a_file_on_an_empty_home_says_so_in_one_line() {
    let home = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let out = cmd(data.path())
        .args(["log", "--platform", "macos", "--home"])
        .arg(home.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("no restore log found"), "{stderr}");
}

#[test]
fn a_bad_platform_or_home_is_one_clear_line() {
    let data = tempfile::tempdir().unwrap();
    let out = cmd(data.path())
        .args(["logs", "--platform", "beos"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = cmd(data.path())
        .args(["logs", "--home", "/nonexistent/home"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a folder"));
}
