//! `restore-doctor checkup --only host.software` end to end on captured host software: the
//! rd-host fixture folders (captures of the real formats, see crates/host/tests/fixtures/
//! SOURCES.md) stand in for this computer through RESTORE_DOCTOR_HOST_FIXTURE and
//! RESTORE_DOCTOR_HOST_PLATFORM.

use assert_cmd::Command;
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../host/tests/fixtures")
        .join(name)
}

fn checkup(dir: &str, platform: &str) -> (Option<i32>, serde_json::Value) {
    let out = Command::cargo_bin("restore-doctor")
        .unwrap()
        .env("RESTORE_DOCTOR_HOST_FIXTURE", fixture(dir))
        .env("RESTORE_DOCTOR_HOST_PLATFORM", platform)
        .args(["checkup", "--only", "host.software", "--json"])
        .output()
        .unwrap();
    let v = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    (out.status.code(), v)
}

#[test]
fn zadig_driver_on_a_windows_capture_fails_the_checkup() {
    let (code, v) = checkup("windows-zadig", "windows");
    assert_eq!(code, Some(1), "{v}");
    let f = &v["findings"][0];
    assert_eq!(f["id"], "checkup.host.software");
    assert_eq!(f["severity"], "fail");
    let ev = f["evidence"].to_string();
    assert!(ev.contains("libusb"), "{ev}");
    assert!(f["remedies"].to_string().contains("remove-libusb-driver"));
}

#[test]
fn healthy_apple_devices_capture_passes() {
    let (code, v) = checkup("windows-apple-devices", "windows");
    assert_eq!(code, Some(0), "{v}");
    assert!(["ok", "info"].contains(&v["findings"][0]["severity"].as_str().unwrap()));
}

#[test]
fn old_macos_capture_warns() {
    let (code, v) = checkup("macos-high-sierra", "macos");
    assert_eq!(code, Some(3), "warnings only: {v}");
    assert!(
        v["findings"][0]["title"]
            .as_str()
            .unwrap()
            .contains("10.13")
    );
}
