//! `restore-doctor checkup --ipsw FILE`: "will this restore work?" for the device a recorded USB
//! inventory shows, against a small IPSW made from a real manifest (Apple's iOS 15.4
//! BuildManifest.plist, see crates/tss/tests/fixtures/SOURCES.md), with a loopback TSS stand-in.

use crate::common;
use rd_testkit as support;

use assert_cmd::Command;
use common::{finding_ids, usb_fixture};
use std::path::{Path, PathBuf};
use support::{Method, Response, Server, ZipWriter};

const MANIFEST: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tss/tests/fixtures/iPhone10,1,iPhone10,4,iPhone9,1,iPhone9,3_15.4_19E241_BuildManifest.plist"
);

fn real_ipsw(dir: &Path) -> PathBuf {
    let p = dir.join("iPhone_4.7_P3_15.4_19E241_Restore.ipsw");
    let mut z = ZipWriter::create(&p, false);
    z.add(
        "BuildManifest.plist",
        &std::fs::read(MANIFEST).unwrap(),
        Method::Deflate,
    );
    z.finish();
    p
}

/// A config where only the TSS stand-in is reachable.
fn config(dir: &Path, tss: &Server) -> PathBuf {
    let hosts = dir.join("hosts");
    std::fs::write(&hosts, "127.0.0.1 localhost\n").unwrap();
    let toml = format!(
        r#"internet_names = []
hosts_file = {hosts:?}
tss_url = "{tss}"
step_timeout_ms = 2000

[dns]
system_resolver = "127.0.0.1:9"
public_resolvers = []

[tls]
os_store = false

[proxy]
environment = false
os_settings = false
"#,
        hosts = hosts.display().to_string(),
        tss = tss.url("/TSS/controller?action=2"),
    );
    let p = dir.join("checkup.toml");
    std::fs::write(&p, toml).unwrap();
    p
}

fn checkup(fixture: &str, tss: &Server) -> (i32, serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    let ipsw = real_ipsw(dir.path());
    let cfg = config(dir.path(), tss);
    let o = Command::cargo_bin("restore-doctor")
        .unwrap()
        .env("NO_COLOR", "1")
        .env_remove("RESTORE_DOCTOR_CONFIG")
        .env_remove("RESTORE_DOCTOR_FAKE_USB")
        .args(["checkup", "--only", "sec.hosts_file", "--json", "--config"])
        .arg(&cfg)
        .arg("--usb-fixture")
        .arg(usb_fixture(fixture))
        .arg("--ipsw")
        .arg(&ipsw)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    });
    (o.status.code().unwrap_or(-1), v)
}

fn finding<'a>(v: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == id)
        .unwrap_or_else(|| panic!("no {id} in {v:#}"))
}

#[test]
fn iphone7_in_recovery_and_a_signed_ipsw_should_work() {
    let tss = Server::start(|_| {
        Response::new(
            200,
            "STATUS=0&MESSAGE=SUCCESS&REQUEST_STRING=<?xml version=\"1.0\"?><plist version=\"1.0\"><dict><key>ApImg4Ticket</key><data>MIIKoQ==</data></dict></plist>",
        )
    });
    let (code, v) = checkup("recovery_permission_denied.json", &tss);
    let lead = finding(&v, "firmware.preflight");
    assert_eq!(lead["severity"], "ok", "{v:#}");
    assert!(
        lead["title"]
            .as_str()
            .unwrap()
            .starts_with("This restore should work: 15.4 (19E241)")
    );
    assert!(finding_ids(&v).contains(&"firmware.match.ok"));
    assert_eq!(code, 0, "{v:#}");
    // One request, for this device: the ECID from its USB serial string and its board.
    let reqs = tss.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].headers["user-agent"], "InetURL/1.0");
    let body = String::from_utf8_lossy(&reqs[0].body);
    assert!(
        body.contains("<key>ApBoardID</key>\n\t<integer>12</integer>"),
        "{body}"
    );
    assert!(body.contains("<key>@UUID</key>"));
}

#[test]
fn iphone6s_and_an_iphone7_ipsw_will_not_work() {
    let tss = Server::start(|_| Response::new(200, "STATUS=0&MESSAGE=SUCCESS"));
    let (code, v) = checkup("iphone6s_recovery_to_dfu.json", &tss);
    let lead = finding(&v, "firmware.preflight");
    assert_eq!(lead["severity"], "fail", "{v:#}");
    assert!(
        lead["title"]
            .as_str()
            .unwrap()
            .starts_with("This restore will not work")
    );
    assert_eq!(
        finding(&v, "firmware.match.wrong_model")["severity"],
        "fail"
    );
    assert_eq!(code, 1);
    assert!(
        tss.requests().is_empty(),
        "no signing request for a wrong device"
    );
}

#[test]
fn status_168_is_not_a_verdict() {
    let tss =
        Server::start(|_| Response::new(200, "STATUS=168&MESSAGE=An internal error occurred."));
    let (_, v) = checkup("recovery_permission_denied.json", &tss);
    assert_eq!(
        finding(&v, "firmware.preflight")["severity"],
        "warn",
        "{v:#}"
    );
    let s = finding(&v, "firmware.preflight.signing");
    assert_eq!(s["severity"], "warn");
    assert!(!s["title"].as_str().unwrap().contains("does not sign"));
}
