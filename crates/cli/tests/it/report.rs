//! `restore-doctor report`: one self-contained, redacted file from the CLI.
//!
//! Material: crates/device/tests/fixtures/recovery_permission_denied.json (an iPhone 7 whose
//! serial string carries ECID, SRNM and IMEI) and crates/logs/tests/fixtures/idr_tss_not_signed.log
//! (an idevicerestore log that prints the device's ECID). The `--ipsw` test uses a small IPSW
//! made from Apple's iOS 15.4 BuildManifest.plist (crates/tss/tests/fixtures/SOURCES.md) and a
//! loopback TSS stand-in, as crates/cli/tests/checkup_ipsw.rs does.

use crate::common;
use rd_testkit as support;

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

#[test]
fn ipsw_part_checks_the_file_against_the_connected_device() {
    use support::{Method, Response, Server, ZipWriter};
    let dir = tempfile::tempdir().unwrap();
    let ipsw = dir.path().join("iPhone_4.7_P3_15.4_19E241_Restore.ipsw");
    let mut z = ZipWriter::create(&ipsw, false);
    z.add(
        "BuildManifest.plist",
        &std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tss/tests/fixtures/iPhone10,1,iPhone10,4,iPhone9,1,iPhone9,3_15.4_19E241_BuildManifest.plist"
        ))
        .unwrap(),
        Method::Deflate,
    );
    z.finish();
    let tss = Server::start(|_| {
        Response::new(
            200,
            "STATUS=0&MESSAGE=SUCCESS&REQUEST_STRING=<?xml version=\"1.0\"?><plist version=\"1.0\"><dict><key>ApImg4Ticket</key><data>MIIKoQ==</data></dict></plist>",
        )
    });
    let cfg = dir.path().join("config.toml");
    std::fs::write(
        &cfg,
        format!(
            "internet_names = []\ntss_url = \"{}\"\nstep_timeout_ms = 2000\n[dns]\nsystem_resolver = \"127.0.0.1:9\"\npublic_resolvers = []\n[tls]\nos_store = false\n[proxy]\nenvironment = false\nos_settings = false\n",
            tss.url("/TSS/controller?action=2")
        ),
    )
    .unwrap();
    let out = dir.path().join("r.html");
    cmd(dir.path())
        .arg("--config")
        .arg(&cfg)
        .arg("--ipsw")
        .arg(&ipsw)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.contains("Firmware file"), "no IPSW section");
    assert!(
        text.contains("This restore should work: 15.4 (19E241)"),
        "{text}"
    );
    assert_eq!(
        tss.requests().len(),
        1,
        "one signing request, for this device"
    );
    let lower = text.to_ascii_lowercase();
    for id in IDENTIFIERS {
        assert!(!lower.contains(&id.to_ascii_lowercase()), "shows {id}");
    }
}
