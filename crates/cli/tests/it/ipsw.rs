//! `restore-doctor ipsw` end to end, on synthetic IPSWs and a loopback CDN.

use rd_testkit as support;

use crate::common;

use assert_cmd::Command;
use support::*;

fn rd(cache: &std::path::Path) -> Command {
    let mut c = Command::cargo_bin("restore-doctor").unwrap();
    c.env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .env("RESTORE_DOCTOR_CACHE_DIR", cache)
        .env_remove("RESTORE_DOCTOR_IPSWME_URL");
    c
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(cmd: &mut Command) -> Out {
    let o = cmd.output().unwrap();
    Out {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

#[test]
fn gsm_ipsw_for_a_cdma_iphone4_says_so_in_one_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let p = iphone4_gsm(dir.path());
    let o = run(rd(dir.path())
        .arg("ipsw")
        .arg(&p)
        .args(["--device", "iPhone3,3"]));
    assert_eq!(o.code, 1, "{}", o.stderr);
    assert!(
        o.stdout
            .contains("✗ This IPSW is for iPhone3,1 (GSM); your device is iPhone3,3 (CDMA)")
    );
    let text = o.stdout.replace(&dir.path().display().to_string(), "<dir>");
    let size = std::fs::metadata(&p).unwrap().len().to_string();
    insta::assert_snapshot!("gsm_on_cdma", text.replace(&size, "<size>"));
}

#[test]
fn right_file_exits_zero_and_json_carries_the_manifest_facts() {
    let dir = tempfile::tempdir().unwrap();
    let p = iphone4_gsm(dir.path());
    let o = run(rd(dir.path())
        .arg("ipsw")
        .arg(&p)
        .args(["--device", "A1332", "--json"]));
    assert_eq!(o.code, 0, "{}", o.stderr);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["kind"], "ipsw");
    assert_eq!(v["ipsw"]["version"], "7.1.2");
    assert_eq!(v["ipsw"]["build"], "11D257");
    assert_eq!(v["ipsw"]["beta"], false);
    assert_eq!(v["ipsw"]["product_types"][0], "iPhone3,1");
    assert_eq!(v["ipsw"]["identities"][0]["chip_id"], 0x8930);
    assert_eq!(v["ipsw"]["identities"][0]["restore_behavior"], "Erase");
    assert!(v["catalog"].as_str().unwrap().contains("2025-02-10"));
    let ids = common::finding_ids(&v);
    assert!(ids.contains(&"firmware.match.ok"), "{ids:?}");
    assert!(ids.contains(&"firmware.catalog.known"));
    assert!(ids.contains(&"firmware.integrity.zip"));
    // The JSON is a Report plus siblings.
    let report: rd_model::Report = serde_json::from_value(v.clone()).unwrap();
    assert_eq!(report.worst(), rd_model::Severity::Info);
}

#[test]
fn verify_reports_both_digests_and_compares_with_the_catalog() {
    let dir = tempfile::tempdir().unwrap();
    let p = iphone4_gsm(dir.path());
    // The catalog knows 11D257 for iPhone3,1 with Apple's real digests; this synthetic file differs.
    let o = run(rd(dir.path())
        .arg("ipsw")
        .arg(&p)
        .args(["--verify", "--crc"]));
    assert_eq!(o.code, 1, "{}", o.stderr);
    assert!(o.stdout.contains("Damaged or altered"));
    assert!(o.stdout.contains("SHA-1 ") && o.stdout.contains("SHA-256 "));
    assert!(o.stdout.contains("All 4 entries pass their CRC-32 check"));
    // A build newer than the catalog: "not in the catalog", never "corrupt".
    let new = dir.path().join("iPhone17,1_26.1_23B85_Restore.ipsw");
    make_ipsw(
        &new,
        "26.1",
        "23B85",
        &["iPhone17,1"],
        &board(0x8140, 0x0C, "d93ap"),
        true,
    );
    let o = run(rd(dir.path())
        .arg("ipsw")
        .arg(&new)
        .args(["--verify", "--device", "iPhone17,1"]));
    assert_eq!(o.code, 0, "{}\n{}", o.stdout, o.stderr);
    assert!(o.stdout.contains("Not in the catalog"));
    assert!(o.stdout.contains("Build 23B85 is not in the catalog"));
    assert!(!o.stdout.to_lowercase().contains("corrupt"));
}

#[test]
fn url_is_read_by_ranges_and_sparse_zip64_works() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir
        .path()
        .join("iPad7,5,iPad7,6_17.7.10_21H450_Restore.ipsw");
    sparse_zip64(
        &p,
        (4u64 << 30) + (300 << 20),
        "17.7.10",
        "21H450",
        &["iPad7,5", "iPad7,6"],
        &[board(0x8010, 0x18, "j71bap"), board(0x8010, 0x1A, "j72bap")].concat(),
    );
    let o = run(rd(dir.path())
        .arg("ipsw")
        .arg(&p)
        .args(["--device", "iPad7,5"]));
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.contains("17.7.10 (21H450)") && o.stdout.contains("zip64"));
    let server = cdn(p, true);
    let url = server.url("/x/iPad7,5,iPad7,6_17.7.10_21H450_Restore.ipsw");
    let o = run(rd(dir.path())
        .arg("ipsw")
        .arg(&url)
        .args(["--device", "iPhone9,3"]));
    assert_eq!(o.code, 1, "{}", o.stderr);
    assert!(o.stdout.contains("Wrong model"), "{}", o.stdout);
    assert!(server.requests().len() <= 3);
}

#[test]
fn bad_input_is_one_line_and_nonzero() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.ipsw");
    std::fs::write(&junk, b"definitely not a zip").unwrap();
    let empty_zip = dir.path().join("empty.ipsw");
    let mut z = ZipWriter::create(&empty_zip, false);
    z.add("hello.txt", b"hi", Method::Stored);
    z.finish();
    let good = std::fs::read(iphone4_gsm(dir.path())).unwrap();
    let cut = dir.path().join("cut.ipsw");
    std::fs::write(&cut, &good[..good.len() - 300]).unwrap();
    let no_ranges = cdn(junk.clone(), false);
    let cases: Vec<(Vec<String>, &str)> = vec![
        (vec![junk.display().to_string()], "not a zip"),
        (
            vec![dir.path().join("missing.ipsw").display().to_string()],
            "cannot read",
        ),
        (vec![dir.path().display().to_string()], "directory"),
        (
            vec![empty_zip.display().to_string()],
            "no BuildManifest.plist",
        ),
        (vec![cut.display().to_string()], "zip"),
        (vec![no_ranges.url("/a.ipsw")], "range requests"),
        (
            vec![
                junk.display().to_string(),
                "--device".into(),
                "iPhone99,9".into(),
            ],
            "no device matches",
        ),
        (
            vec![no_ranges.url("/a.ipsw"), "--verify".into()],
            "download the IPSW",
        ),
    ];
    for (args, want) in cases {
        let o = run(rd(dir.path()).arg("ipsw").args(&args));
        assert_eq!(o.code, 2, "{args:?}: {}", o.stderr);
        assert!(o.stdout.is_empty(), "{args:?}");
        assert_eq!(o.stderr.lines().count(), 1, "{args:?}: {}", o.stderr);
        assert!(o.stderr.starts_with("restore-doctor: "), "{}", o.stderr);
        assert!(
            o.stderr.contains(want),
            "{args:?}: wanted {want:?} in {}",
            o.stderr
        );
    }
}
