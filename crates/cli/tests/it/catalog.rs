//! `restore-doctor catalog` end to end, with a loopback ipsw.me.

use rd_testkit as support;

use assert_cmd::Command;
use support::*;

fn rd(cache: &std::path::Path, api: &str) -> Command {
    let mut c = Command::cargo_bin("restore-doctor").unwrap();
    c.env("NO_COLOR", "1")
        .env("RESTORE_DOCTOR_CACHE_DIR", cache)
        .env("RESTORE_DOCTOR_IPSWME_URL", api);
    c
}

#[test]
fn update_then_every_answer_names_the_updated_catalog() {
    let dir = tempfile::tempdir().unwrap();
    let api = ipswme(vec![
        ApiRow {
            identifier: "iPhone17,1",
            version: "26.1",
            build: "23B85",
            url: "https://example.invalid/iPhone17,1_26.1_23B85_Restore.ipsw".into(),
            signed: true,
            sha1: Some("ab".repeat(20)),
        },
        ApiRow {
            identifier: "iPhone17,1",
            version: "26.0",
            build: "23A341",
            url: "https://example.invalid/iPhone17,1_26.0_23A341_Restore.ipsw".into(),
            signed: false,
            sha1: None,
        },
    ]);
    let base = api.url("/v4");
    let o = rd(dir.path(), &base).arg("catalog").output().unwrap();
    assert!(
        String::from_utf8_lossy(&o.stdout)
            .contains("Catalog used: AppleDB snapshot (embedded) of 2025-02-10")
    );

    let o = rd(dir.path(), &base)
        .args(["catalog", "update"])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("2 IPSWs for 1 devices"), "{out}");
    assert!(dir.path().join("firmwares.tsv").exists());

    let o = rd(dir.path(), &base)
        .args(["catalog", "find", "23B85", "--json"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        v["catalog"]
            .as_str()
            .unwrap()
            .starts_with("ipsw.me (updated)")
    );
    assert_eq!(v["ipsws"][0]["sha1"], "ab".repeat(20));

    // ipsw answers now name the updated catalog too.
    let p = dir.path().join("iPhone17,1_26.1_23B85_Restore.ipsw");
    make_ipsw(
        &p,
        "26.1",
        "23B85",
        &["iPhone17,1"],
        &board(0x8140, 0x0C, "d93ap"),
        false,
    );
    let o = rd(dir.path(), &base).arg("ipsw").arg(&p).output().unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("Build 23B85 is in the catalog"), "{out}");
    assert!(out.contains("Catalog used: ipsw.me (updated)"), "{out}");
}

#[test]
fn failed_update_and_unknown_build_are_clear() {
    let dir = tempfile::tempdir().unwrap();
    let o = rd(dir.path(), "http://127.0.0.1:9/v4")
        .args(["catalog", "update"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.starts_with("restore-doctor: catalog update failed"),
        "{err}"
    );
    assert!(!dir.path().join("firmwares.tsv").exists());
    let o = rd(dir.path(), "http://127.0.0.1:9/v4")
        .args(["catalog", "find", "99Z999"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("catalog update"));
}
