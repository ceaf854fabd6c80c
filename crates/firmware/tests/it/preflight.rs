//! `checkup --ipsw`'s preflight against a small IPSW made from a real manifest (Apple's iOS 15.4
//! BuildManifest.plist, see crates/tss/tests/fixtures/SOURCES.md) and a loopback TSS stand-in.

use rd_testkit as support;

use rd_firmware::http::HttpClient;
use rd_firmware::preflight::{self, Connected};
use rd_model::Severity;
use std::path::{Path, PathBuf};
use std::time::Duration;
use support::*;

const MANIFEST: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tss/tests/fixtures/iPhone10,1,iPhone10,4,iPhone9,1,iPhone9,3_15.4_19E241_BuildManifest.plist"
);

/// A zip whose root holds the real manifest as `BuildManifest.plist` (the shape the real
/// manifests' README describes).
fn real_ipsw(dir: &Path) -> PathBuf {
    let p = dir.join("iPhone10,1,iPhone10,4,iPhone9,1,iPhone9,3_15.4_19E241_Restore.ipsw");
    let mut z = ZipWriter::create(&p, false);
    z.add(
        "BuildManifest.plist",
        &std::fs::read(MANIFEST).unwrap(),
        Method::Deflate,
    );
    z.finish();
    p
}

/// A TSS stand-in that answers every request with `body`.
fn stand_in(body: &'static str) -> Server {
    Server::start(move |_| Response::new(200, body))
}

/// iPhone 7 (GSM) in Recovery mode, as its USB serial string shows it.
fn iphone7() -> Connected {
    Connected {
        cpid: Some(0x8010),
        bdid: Some(0x0C),
        ecid: Some(0x000A_1B2C_3D4E_5F60),
        label: "iPhone 7 (GSM) in Recovery mode".into(),
    }
}

fn run(dev: &[Connected], tss: &Server) -> Vec<rd_model::Finding> {
    let dir = tempfile::tempdir().unwrap();
    let ipsw = real_ipsw(dir.path());
    let client = HttpClient::new(Duration::from_secs(5));
    preflight::check(
        &ipsw.display().to_string(),
        dev,
        &client,
        &tss.url("/TSS/controller?action=2"),
    )
    .findings
}

const SIGNED: &str = "STATUS=0&MESSAGE=SUCCESS&REQUEST_STRING=<?xml version=\"1.0\" encoding=\"UTF-8\"?><plist version=\"1.0\"><dict><key>ApImg4Ticket</key><data>MIIKoQ==</data></dict></plist>";

#[test]
fn right_device_intact_file_signed_should_work() {
    let tss = stand_in(SIGNED);
    let f = run(&[iphone7()], &tss);
    assert_eq!(f[0].id, "firmware.preflight");
    assert_eq!(f[0].severity, Severity::Ok, "{:#?}", f);
    assert!(
        f[0].title
            .starts_with("This restore should work: 15.4 (19E241)")
    );
    assert!(f.iter().any(|x| x.id == "firmware.match.ok"));
    assert!(
        f.iter()
            .any(|x| x.id == "firmware.integrity.zip" && x.severity == Severity::Ok)
    );
    // The request was for this exact device: its ECID, its board's identity.
    let reqs = tss.requests();
    assert_eq!(reqs.len(), 1);
    let v = plist::Value::from_reader_xml(&reqs[0].body[..]).unwrap();
    let d = v.as_dictionary().unwrap();
    assert_eq!(
        d["ApECID"].as_unsigned_integer(),
        Some(0x000A_1B2C_3D4E_5F60)
    );
    assert_eq!(d["ApBoardID"].as_unsigned_integer(), Some(0x0C));
    assert_eq!(d["ApNonce"].as_data().map(<[u8]>::len), Some(32));
}

#[test]
fn not_signed_will_not_work() {
    let tss = stand_in("STATUS=94&MESSAGE=This device isn't eligible for the requested build.");
    let f = run(&[iphone7()], &tss);
    assert_eq!(f[0].severity, Severity::Fail);
    assert!(
        f[0].title.starts_with("This restore will not work"),
        "{}",
        f[0].title
    );
    let s = f
        .iter()
        .find(|x| x.id == "firmware.preflight.signing")
        .unwrap();
    assert_eq!(s.severity, Severity::Fail);
    assert!(s.error_codes.contains(&"3194".to_string()));
}

#[test]
fn status_168_leaves_it_open_never_not_signed() {
    let tss = stand_in("STATUS=168&MESSAGE=An internal error occurred.");
    let f = run(&[iphone7()], &tss);
    assert_eq!(f[0].severity, Severity::Warn, "{:#?}", f);
    let s = f
        .iter()
        .find(|x| x.id == "firmware.preflight.signing")
        .unwrap();
    assert_eq!(s.severity, Severity::Warn);
    assert!(!s.title.contains("does not sign"), "{}", s.title);
    assert!(
        s.explanation
            .contains("says nothing about whether the build is signed")
    );
}

#[test]
fn a_device_the_ipsw_has_no_identity_for_is_refused_without_asking_apple() {
    let tss = stand_in(SIGNED);
    // iPhone 6s (A9, n71ap): not in this IPSW.
    let six_s = Connected {
        cpid: Some(0x8000),
        bdid: Some(0x04),
        ecid: Some(0x1122),
        label: "iPhone 6s in Recovery mode".into(),
    };
    let f = run(&[six_s], &tss);
    assert_eq!(f[0].severity, Severity::Fail);
    assert!(
        f.iter().any(|x| x.id == "firmware.match.wrong_model"),
        "{:#?}",
        f
    );
    assert!(tss.requests().is_empty());
}

#[test]
fn no_device_checks_the_file_and_says_what_is_missing() {
    let tss = stand_in(SIGNED);
    let f = run(&[], &tss);
    assert_eq!(f[0].severity, Severity::Warn);
    assert!(f[0].title.contains("No device is connected"));
    assert!(f.iter().any(|x| x.id == "firmware.integrity.zip"));
    assert!(tss.requests().is_empty());
    let normal = Connected {
        cpid: None,
        bdid: None,
        ecid: None,
        label: "iPhone in normal mode".into(),
    };
    let f = run(&[normal], &tss);
    assert!(
        f[0].title.contains("cannot be read over USB"),
        "{}",
        f[0].title
    );
}

#[test]
fn an_unreadable_ipsw_is_one_clear_failure() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("broken.ipsw");
    std::fs::write(&bad, b"not a zip at all").unwrap();
    let client = HttpClient::new(Duration::from_secs(5));
    let f = preflight::check(
        &bad.display().to_string(),
        &[iphone7()],
        &client,
        "http://127.0.0.1:9/",
    );
    assert_eq!(f.findings.len(), 1);
    assert_eq!(f.findings[0].severity, Severity::Fail);
    assert!(f.findings[0].title.contains("cannot be read"));
}
