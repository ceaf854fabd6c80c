//! `restore-doctor report`: one self-contained, redacted file from the CLI.
//!
//! Material: crates/device/tests/fixtures/recovery_permission_denied.json (an iPhone 7 whose
//! serial string carries ECID, SRNM and IMEI) and crates/logs/tests/fixtures/idr_tss_not_signed.log
//! (an idevicerestore log that prints the device's ECID).

mod common;

use assert_cmd::Command;
use std::path::Path;

const IDENTIFIERS: [&str; 4] = [
    "000A1B2C3D4E5F60", // the connected device's ECID
    "F17SX0AAHG7F",     // its serial number
    "359999999999999",  // its IMEI
    "0012345678901234", // the ECID the log prints
];

fn cmd(data: &Path) -> Command {
    let mut c = Command::cargo_bin("restore-doctor").unwrap();
    c.env("NO_COLOR", "1")
        .env("RESTORE_DOCTOR_DATA_DIR", data)
        .env(
            "RESTORE_DOCTOR_FAKE_USB",
            common::usb_fixture("recovery_permission_denied.json"),
        )
        .args(["report", "--no-checkup", "--log"])
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../logs/tests/fixtures/idr_tss_not_signed.log"
        ));
    c
}

#[test]
fn html_and_markdown_are_written_redacted() {
    let dir = tempfile::tempdir().unwrap();
    for (name, headings) in [
        (
            "r.html",
            [
                "Restore log",
                "Attempt history",
                "Connected devices",
                "Computer checkup",
            ],
        ),
        (
            "r.md",
            [
                "## Restore log",
                "## Attempt history",
                "## Connected devices",
                "## Computer checkup",
            ],
        ),
    ] {
        let out = dir.path().join(name);
        cmd(dir.path())
            .arg("--out")
            .arg(&out)
            .assert()
            .success()
            .stdout(predicates::str::contains("Wrote"));
        let text = std::fs::read_to_string(&out).unwrap();
        for h in headings {
            assert!(text.contains(h), "{name} lacks {h}");
        }
        let lower = text.to_ascii_lowercase();
        for id in IDENTIFIERS {
            assert!(
                !lower.contains(&id.to_ascii_lowercase()),
                "{name} shows {id}"
            );
        }
    }
}

#[test]
fn no_redact_keeps_identifiers_and_an_existing_file_is_not_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.html");
    cmd(dir.path())
        .arg("--no-redact")
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let text = std::fs::read_to_string(&out).unwrap();
    for id in &IDENTIFIERS[..3] {
        assert!(text.contains(id), "--no-redact keeps {id}");
    }
    let before = std::fs::read(&out).unwrap();
    cmd(dir.path())
        .arg("--out")
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--force"));
    assert_eq!(std::fs::read(&out).unwrap(), before, "left as it was");
    cmd(dir.path())
        .arg("--out")
        .arg(&out)
        .arg("--force")
        .assert()
        .success();
}
