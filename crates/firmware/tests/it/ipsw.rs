//! Reading synthetic IPSWs (local, zip64, sparse > 4 GiB, over HTTP ranges) and bad input.

use rd_testkit as support;

use rd_catalog::devices::resolve;
use rd_firmware::http::{DEFAULT_TIMEOUT, HttpClient};
use rd_firmware::inspect::{self, IpswKind};
use rd_firmware::source::{ByteSource, FileSource, MemSource};
use rd_firmware::zipdir::ZipIndex;
use rd_firmware::{Error, integrity, verdict};
use rd_model::Severity;
use support::*;

fn open(path: &std::path::Path) -> FileSource {
    FileSource::open(path).unwrap()
}

#[test]
fn reads_manifest_facts_of_a_restore_ipsw() {
    let dir = tempfile::tempdir().unwrap();
    let p = iphone4_gsm(dir.path());
    let ipsw = inspect::inspect(&open(&p)).unwrap();
    assert_eq!(ipsw.kind, IpswKind::Restore);
    let m = ipsw.manifest.as_ref().unwrap();
    assert_eq!((m.version.as_str(), m.build.as_str()), ("7.1.2", "11D257"));
    assert_eq!(m.product_types, ["iPhone3,1"]);
    assert_eq!(m.identities.len(), 2);
    assert_eq!(m.identities[0].chip_id, Some(0x8930));
    assert_eq!(m.identities[0].device_class.as_deref(), Some("n90ap"));
    assert!(m.identities[0].is_erase() && !m.identities[1].is_erase());
    let r = ipsw.restore.as_ref().unwrap();
    assert_eq!(r.boards, [("n90ap".to_string(), Some(0x8930), Some(0))]);
    assert_eq!(ipsw.file_name.as_ref().unwrap().build, "11D257");
    assert!(!ipsw.index.zip64);
    assert!(verdict::name_finding(&ipsw).is_none());
}

#[test]
fn gsm_ipsw_on_a_cdma_iphone4_is_one_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let ipsw = inspect::inspect(&open(&iphone4_gsm(dir.path()))).unwrap();
    let f = verdict::device_finding(&ipsw, &resolve("iPhone3,3").unwrap());
    assert_eq!(f.id, "firmware.match.wrong_variant");
    assert_eq!(f.severity, Severity::Fail);
    assert_eq!(
        f.title,
        "This IPSW is for iPhone3,1 (GSM); your device is iPhone3,3 (CDMA)"
    );
    assert!(f.remedies.iter().any(|r| r.id == "firmware-right-model"));
    // The same device named by model number and by board gives the same verdict.
    for q in ["A1349", "n92ap", "0x8930:0x06"] {
        let g = verdict::device_finding(&ipsw, &resolve(q).unwrap());
        assert_eq!(g.title, f.title, "{q}");
    }
    let ok = verdict::device_finding(&ipsw, &resolve("iPhone3,1").unwrap());
    assert_eq!(
        (ok.id.as_str(), ok.severity),
        ("firmware.match.ok", Severity::Ok)
    );
    let other = verdict::device_finding(&ipsw, &resolve("iPad2,1").unwrap());
    assert_eq!(other.id, "firmware.match.wrong_model");
    assert!(other.title.contains("iPhone3,1"), "{}", other.title);
}

#[test]
fn listed_device_without_its_board_identity_fails() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("x.ipsw");
    // Lists iPhone3,3 but only carries the GSM board's identities.
    make_ipsw(
        &p,
        "7.1.2",
        "11D257",
        &["iPhone3,1", "iPhone3,3"],
        &board(0x8930, 0, "n90ap"),
        false,
    );
    let ipsw = inspect::inspect(&open(&p)).unwrap();
    let f = verdict::device_finding(&ipsw, &resolve("iPhone3,3").unwrap());
    assert_eq!(f.id, "firmware.match.no_identity");
}

#[test]
fn other_packages_are_not_restore_ipsws() {
    let dir = tempfile::tempdir().unwrap();
    let tv = dir.path().join("AppleTV5,3_17.0_21J354_Restore.ipsw");
    make_ipsw(
        &tv,
        "17.0",
        "21J354",
        &["AppleTV5,3"],
        &board(0x7000, 0x34, "j42dap"),
        false,
    );
    let ipsw = inspect::inspect(&open(&tv)).unwrap();
    assert_eq!(ipsw.kind, IpswKind::AppleTv);
    let f = verdict::not_restore_finding(&ipsw).unwrap();
    assert!(f.title.contains("Apple TV"), "{}", f.title);

    let ota = dir.path().join("ota.zip");
    let mut z = ZipWriter::create(&ota, false);
    z.add(
        "AssetData/boot/BuildManifest.plist",
        build_manifest("17.1", "21B74", &["iPhone10,3"], &board(0x8015, 6, "d22ap")).as_bytes(),
        Method::Deflate,
    );
    z.finish();
    let ipsw = inspect::inspect(&open(&ota)).unwrap();
    assert_eq!(ipsw.kind, IpswKind::Ota);
    assert!(
        verdict::not_restore_finding(&ipsw)
            .unwrap()
            .title
            .contains("OTA")
    );
}

#[test]
fn renamed_file_is_flagged() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("iPhone3,1_7.1.1_11D201_Restore.ipsw");
    make_ipsw(
        &p,
        "7.1.2",
        "11D257",
        &["iPhone3,1"],
        &board(0x8930, 0, "n90ap"),
        false,
    );
    let ipsw = inspect::inspect(&open(&p)).unwrap();
    let f = verdict::name_finding(&ipsw).unwrap();
    assert!(f.title.contains("11D201") && f.title.contains("11D257"));
}

#[test]
fn zip64_records_are_followed() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("z64.ipsw");
    make_ipsw(
        &p,
        "7.1.2",
        "11D257",
        &["iPhone3,1"],
        &board(0x8930, 0, "n90ap"),
        true,
    );
    let src = open(&p);
    let ipsw = inspect::inspect(&src).unwrap();
    assert!(ipsw.index.zip64);
    assert_eq!(ipsw.build(), Some("11D257"));
    assert!(integrity::check_local_headers(&src, &ipsw.index).is_empty());
    let crc = integrity::crc_finding(&src, &ipsw.index, &|_| {});
    assert_eq!(crc.severity, Severity::Ok, "{crc:?}");
}

#[test]
fn crc_of_zeros_shortcut_matches_the_plain_crc() {
    for n in [0u64, 1, 7, 4096, 100_003] {
        assert_eq!(crc32_zeros(n), crc32(&vec![0u8; n as usize]), "{n}");
    }
    assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
}

#[test]
fn sparse_zip64_over_4_gib_is_read_from_its_end() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir
        .path()
        .join("iPhone10,3,iPhone10,6_16.7.10_20H350_Restore.ipsw");
    let hole = 4 * 1024 * 1024 * 1024 + 512 * 1024 * 1024;
    sparse_zip64(
        &p,
        hole,
        "16.7.10",
        "20H350",
        &["iPhone10,3", "iPhone10,6"],
        &[board(0x8015, 6, "d22ap"), board(0x8015, 0xE, "d221ap")].concat(),
    );
    let src = open(&p);
    assert!(src.len() > hole);
    let ipsw = inspect::inspect(&src).unwrap();
    assert!(ipsw.index.zip64);
    let e = ipsw.index.find("BuildManifest.plist").unwrap();
    assert!(e.local_header_offset > u32::MAX as u64);
    assert_eq!(
        ipsw.index.find("RootFS.dmg").unwrap().uncompressed_size,
        hole
    );
    assert_eq!(ipsw.version(), Some("16.7.10"));
    assert_eq!(ipsw.manifest.as_ref().unwrap().identities.len(), 4);
    assert!(integrity::check_local_headers(&src, &ipsw.index).is_empty());
    let f = verdict::device_finding(&ipsw, &resolve("iPhone10,6").unwrap());
    assert_eq!(f.severity, Severity::Ok, "{}", f.title);
}

#[test]
fn remote_ipsw_is_read_with_a_few_range_requests() {
    let dir = tempfile::tempdir().unwrap();
    let p = iphone4_gsm(dir.path());
    let size = std::fs::metadata(&p).unwrap().len();
    let server = cdn(p, true);
    let client = HttpClient::new(DEFAULT_TIMEOUT);
    let url = server.url("/ios7/iPhone3,1_7.1.2_11D257_Restore.ipsw");
    let src = inspect::open(&url, &client).unwrap();
    assert_eq!(src.len(), size);
    let ipsw = inspect::inspect(src.as_ref()).unwrap();
    assert_eq!(ipsw.build(), Some("11D257"));
    assert_eq!(
        ipsw.file_name.as_ref().unwrap().product_types,
        ["iPhone3,1"]
    );
    let reqs = server.requests();
    assert!(reqs.len() <= 3, "{} requests", reqs.len());
    assert!(reqs.iter().all(|r| {
        r.headers
            .get("range")
            .is_some_and(|v| v.starts_with("bytes="))
    }));
}

#[test]
fn remote_without_ranges_or_not_an_ipsw_is_one_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let p = iphone4_gsm(dir.path());
    let client = HttpClient::new(DEFAULT_TIMEOUT);
    let no_ranges = cdn(p, false);
    let err = inspect::open(&no_ranges.url("/x.ipsw"), &client).unwrap_err();
    assert!(matches!(err, Error::NoRanges(_)), "{err}");
    assert!(err.to_string().contains("range requests"));

    let html = dir.path().join("page.html");
    std::fs::write(&html, "<html><body>Not an IPSW</body></html>".repeat(10)).unwrap();
    let page = cdn(html, true);
    let src = inspect::open(&page.url("/page"), &client).unwrap();
    let err = inspect::inspect(src.as_ref()).unwrap_err();
    assert!(matches!(err, Error::NotZip(_)), "{err}");

    let missing = Server::start(|_| Response::new(404, "no"));
    let err = inspect::open(&missing.url("/gone.ipsw"), &client).unwrap_err();
    assert!(err.to_string().contains("404"), "{err}");

    // A port nobody listens on: refused quickly, reported as a network error.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let err = inspect::open(&format!("http://{closed}/x.ipsw"), &client).unwrap_err();
    assert!(matches!(err, Error::Http { .. }), "{err}");
}

#[test]
fn bad_input_gives_one_clear_error_each() {
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read(iphone4_gsm(dir.path())).unwrap();
    let check = |bytes: Vec<u8>, want: &str| {
        let src = MemSource::new("test.ipsw", bytes);
        let err = inspect::inspect(&src).unwrap_err().to_string();
        assert!(err.contains(want), "wanted {want:?} in {err:?}");
        assert!(!err.contains('\n'));
    };
    check(
        b"this is plainly not a zip file at all".to_vec(),
        "not a zip",
    );
    check(Vec::new(), "not a zip");
    // Truncated: the end record survives but the directory it points to does not.
    let mut cut = good[..good.len() / 2].to_vec();
    cut.extend_from_slice(&good[good.len() - 22..]);
    check(cut, "truncated");
    // A zip without manifests.
    let p = dir.path().join("plain.zip");
    let mut z = ZipWriter::create(&p, false);
    z.add("readme.txt", b"hello", Method::Stored);
    z.finish();
    check(std::fs::read(&p).unwrap(), "no BuildManifest.plist");
    // Hostile plists: deep nesting, garbage.
    for (body, want) in [
        (
            "<array>".repeat(50_000) + &"</array>".repeat(50_000),
            "deeper",
        ),
        ("\u{0}\u{1}<<<".to_string(), "not a readable property list"),
    ] {
        let p = dir.path().join("hostile.zip");
        let mut z = ZipWriter::create(&p, false);
        z.add(
            "BuildManifest.plist",
            format!("<?xml version=\"1.0\"?><plist>{body}</plist>").as_bytes(),
            Method::Deflate,
        );
        z.finish();
        check(std::fs::read(&p).unwrap(), want);
    }
    // A directory entry claiming a 4 GiB manifest is refused before allocating.
    let mut huge = good.clone();
    let idx = ZipIndex::read(&MemSource::new("x", good.clone())).unwrap();
    let cd = idx.cd_offset as usize;
    let rec = (cd..huge.len() - 4)
        .find(|&i| {
            &huge[i..i + 4] == b"PK\x01\x02" && &huge[i + 46..i + 46 + 19] == b"BuildManifest.plist"
        })
        .unwrap();
    huge[rec + 24..rec + 28].copy_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
    check(huge, "limit");
    // Missing file.
    let err = FileSource::open(&dir.path().join("nope.ipsw"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("cannot read") && err.contains("nope.ipsw"),
        "{err}"
    );
}

mod props {
    use super::*;
    use proptest::prelude::*;

    fn sample() -> Vec<u8> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::read(iphone4_gsm(dir.path())).unwrap()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        /// Flipping bytes anywhere near the end (directory, manifests) never panics.
        #[test]
        fn mutated_ipsws_never_panic(edits in proptest::collection::vec((0usize..4000, any::<u8>()), 1..12)) {
            let mut bytes = sample();
            let n = bytes.len();
            for (back, b) in edits {
                let i = n - 1 - back.min(n - 1);
                bytes[i] = b;
            }
            let src = MemSource::new("fuzz.ipsw", bytes);
            if let Ok(ipsw) = inspect::inspect(&src) {
                let _ = integrity::check_local_headers(&src, &ipsw.index);
            }
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let _ = inspect::inspect(&MemSource::new("any", bytes.clone()));
            let _ = rd_firmware::manifest::Manifest::parse(&bytes);
        }
    }
}

#[test]
fn a_server_that_never_answers_times_out() {
    let slow = Server::start(|_| {
        std::thread::sleep(std::time::Duration::from_secs(4));
        Response::new(206, "late")
    });
    let client = HttpClient::new(std::time::Duration::from_secs(1));
    let err = inspect::open(&slow.url("/slow.ipsw"), &client).unwrap_err();
    assert!(matches!(err, Error::Http { .. }), "{err}");
    assert!(err.to_string().contains("timed out"), "{err}");
}
