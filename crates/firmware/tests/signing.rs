//! Signing checks against loopback ipsw.me, TSS and CDN fakes; catalog update; hashing.

mod support;

use rd_catalog::devices::resolve;
use rd_catalog::firmware::{self, FirmwareCatalog, header_line};
use rd_firmware::catalog_update::{self, ActiveCatalog};
use rd_firmware::hash;
use rd_firmware::http::HttpClient;
use rd_firmware::inspect;
use rd_firmware::integrity;
use rd_firmware::ipswme::IpswMe;
use rd_firmware::signing::{self, SigningQuery};
use rd_model::{Family, Severity};
use std::time::Duration;
use support::*;

struct World {
    _dir: tempfile::TempDir,
    cdn: Server,
    api: Server,
    tss: Server,
}

/// iPhone 7 (GSM, iPhone9,3, d101ap): 15.8.3 signed; 15.8.2 and 12.0 not; 15.8.1 makes TSS fail.
fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let ids = [board(0x8010, 0x0C, "d101ap"), board(0x8010, 0x08, "d10ap")].concat();
    let builds = [
        ("15.8.3", "19H386"),
        ("15.8.2", "19H384"),
        ("15.8.1", "19H380"),
        ("12.0", "16A366"),
    ];
    for (v, b) in builds {
        let p = dir
            .path()
            .join(format!("iPhone9,1,iPhone9,3_{v}_{b}_Restore.ipsw"));
        make_ipsw(&p, v, b, &["iPhone9,1", "iPhone9,3"], &ids, false);
    }
    let root = dir.path().to_path_buf();
    let cdn = Server::start(move |req| {
        // Route to the file named by the URL path, with ranges.
        let name = req.path.rsplit('/').next().unwrap_or("");
        let name = name.replace("%2C", ",");
        let file = root.join(&name);
        if !file.exists() {
            return Response::new(404, "");
        }
        let bytes = std::fs::read(&file).unwrap();
        let len = bytes.len() as u64;
        let spec = req.headers.get("range").cloned().unwrap_or_default();
        let spec = spec.trim_start_matches("bytes=");
        let (s, e) = match spec.split_once('-') {
            Some(("", n)) => (len.saturating_sub(n.parse().unwrap()), len - 1),
            Some((a, b)) => (a.parse().unwrap(), b.parse::<u64>().unwrap().min(len - 1)),
            None => return Response::new(200, bytes),
        };
        Response::new(206, bytes[s as usize..=e as usize].to_vec())
            .header("Content-Range", &format!("bytes {s}-{e}/{len}"))
    });
    let url = |v: &str, b: &str| cdn.url(&format!("/fw/iPhone9,1,iPhone9,3_{v}_{b}_Restore.ipsw"));
    let row = |v: &'static str, b: &'static str, signed: bool| ApiRow {
        identifier: "iPhone9,3",
        version: v,
        build: b,
        url: url(v, b),
        signed,
        sha1: None,
    };
    let api = ipswme(vec![
        row("15.8.3", "19H386", true),
        row("15.8.2", "19H384", false),
        row("15.8.1", "19H380", false),
        row("12.0", "16A366", false),
    ]);
    let tss = tss(vec![("19H386", 0), ("19H384", 94), ("19H380", 128)]);
    World {
        _dir: dir,
        cdn,
        api,
        tss,
    }
}

fn run(w: &World, target: Option<&str>, tss_url: &str) -> signing::SigningOutcome {
    let device = resolve("iPhone9,3").unwrap()[0];
    let client = HttpClient::new(Duration::from_secs(5));
    let api = IpswMe::new(client.clone(), &w.api.url("/v4"));
    let q = SigningQuery {
        device,
        target: target.map(str::to_string),
        ipsw: None,
        ecid: None,
        skip_tss: false,
    };
    signing::check(&q, &client, &api, tss_url, firmware::embedded())
}

fn tss_bodies(w: &World) -> Vec<String> {
    w.tss
        .requests()
        .iter()
        .map(|r| String::from_utf8_lossy(&r.body).to_string())
        .collect()
}

#[test]
fn newest_signed_build_is_confirmed_by_tss() {
    let w = world();
    let out = run(&w, None, &w.tss.url("/TSS/controller?action=2"));
    let f = &out.findings[0];
    assert_eq!(
        (f.id.as_str(), f.severity),
        ("firmware.signed.yes", Severity::Ok),
        "{f:?}"
    );
    assert!(f.title.contains("15.8.3 (19H386)"));
    assert_eq!(out.sources.len(), 2);
    assert_eq!(out.sources[0].source, "ipsw.me");
    assert_eq!(out.sources[1].source, "Apple TSS");
    assert!(out.sources[1].said.contains("STATUS=0"));
    assert!(
        out.sources[0].when.contains("2025"),
        "{}",
        out.sources[0].when
    );
    let bodies = tss_bodies(&w);
    assert_eq!(bodies.len(), 1);
    assert_eq!(tss_shape_problem(&bodies[0]), None);
    // The identity sent is the GSM board's (0x0C), not the CDMA one.
    assert!(
        bodies[0].contains("<key>ApBoardID</key>\n\t<integer>12</integer>"),
        "{}",
        &bodies[0][..400.min(bodies[0].len())]
    );
    // The manifest came by range requests, not a download.
    assert!(
        w.cdn
            .requests()
            .iter()
            .all(|r| r.headers.contains_key("range"))
    );
}

#[test]
fn older_build_is_not_signed_and_no_downgrade() {
    let w = world();
    let out = run(&w, Some("15.8.2"), &w.tss.url("/TSS"));
    let f = &out.findings[0];
    assert_eq!(f.id, "firmware.signed.no");
    assert_eq!(
        f.title,
        "Apple no longer signs 15.8.2 (19H384) for iPhone 7 (GSM) (iPhone9,3); a downgrade is not possible"
    );
    assert!(f.explanation.contains("STATUS=94"));
    assert!(f.remedies.iter().any(|r| r.id == "downgrade-not-possible"));
    assert!(f.error_codes.contains(&"3194".to_string()));
}

#[test]
fn apple_side_error_is_not_a_verdict() {
    let w = world();
    let out = run(&w, Some("19H380"), &w.tss.url("/TSS"));
    let f = &out.findings[0];
    assert_eq!(
        (f.id.as_str(), f.severity),
        ("firmware.signed.tss_error", Severity::Warn)
    );
    assert!(f.title.contains("STATUS=128"));
    assert!(f.explanation.contains("ipsw.me lists it as not signed"));
}

#[test]
fn unreachable_tss_falls_back_to_ipswme_and_says_so() {
    let w = world();
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let out = run(&w, Some("12.0"), &format!("http://{closed}/TSS"));
    let f = &out.findings[0];
    assert_eq!(f.id, "firmware.signed.no");
    assert!(f.explanation.contains("ipsw.me"));
    assert!(f.title.contains("a downgrade is not possible"));
    let net = out
        .findings
        .iter()
        .find(|f| f.id == "firmware.signed.tss_unreachable")
        .unwrap();
    assert_eq!(net.family, Family::Network);
}

#[test]
fn nothing_reachable_is_unknown_not_a_verdict() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let device = resolve("iPhone9,3").unwrap()[0];
    let client = HttpClient::new(Duration::from_secs(5));
    let api = IpswMe::new(client.clone(), &format!("http://{closed}/v4"));
    let q = SigningQuery {
        device,
        target: Some("99.0".into()),
        ipsw: None,
        ecid: None,
        skip_tss: false,
    };
    let out = signing::check(
        &q,
        &client,
        &api,
        &format!("http://{closed}/TSS"),
        firmware::embedded(),
    );
    assert_eq!(out.findings[0].id, "firmware.signed.unknown");
    assert!(
        out.findings
            .iter()
            .any(|f| f.id == "firmware.signed.ipswme_unreachable")
    );
}

#[test]
fn catalog_update_writes_a_cache_that_answers_next_time() {
    let w = world();
    let dir = tempfile::tempdir().unwrap();
    let client = HttpClient::new(Duration::from_secs(5));
    let api = IpswMe::new(client, &w.api.url("/v4"));
    let calls = std::sync::Mutex::new(0);
    let sum =
        catalog_update::update(&api, dir.path(), &|_, _| *calls.lock().unwrap() += 1).unwrap();
    assert_eq!(sum.devices, 1, "the Watch is left out");
    assert_eq!(sum.rows, 4);
    assert!(*calls.lock().unwrap() >= 2);
    let (active, note) = ActiveCatalog::load(Some(dir.path()));
    assert!(note.is_none());
    active.with(|c| {
        assert_eq!(c.info.source, "ipsw.me (updated)");
        assert!(c.info.path.is_some());
        assert_eq!(c.find("19H386", "iPhone9,3").unwrap().version, "15.8.3");
    });
    // A failing update leaves the previous catalog in place.
    let dead = IpswMe::new(
        HttpClient::new(Duration::from_secs(2)),
        "http://127.0.0.1:9/v4",
    );
    assert!(catalog_update::update(&dead, dir.path(), &|_, _| {}).is_err());
    assert!(matches!(
        ActiveCatalog::load(Some(dir.path())).0,
        ActiveCatalog::Updated { .. }
    ));
}

#[test]
fn digests_are_compared_with_the_catalog() {
    let dir = tempfile::tempdir().unwrap();
    let p = iphone4_gsm(dir.path());
    let bytes = std::fs::read(&p).unwrap();
    let d = hash::hash_file(&p, &|_| {}).unwrap();
    assert_eq!(d.bytes, bytes.len() as u64);
    let src = rd_firmware::source::FileSource::open(&p).unwrap();
    let ipsw = inspect::inspect(&src).unwrap();
    // The embedded catalog knows 11D257 for iPhone3,1 with other digests: damaged.
    let f = integrity::hash_finding(firmware::embedded(), &ipsw, &d);
    assert_eq!(
        (f.id.as_str(), f.severity),
        ("firmware.integrity.mismatch", Severity::Fail)
    );
    assert!(f.evidence.iter().any(|e| e.text.contains("catalog: SHA-1")));
    // A catalog holding this file's digests: intact.
    let line = firmware::FirmwareRecord {
        os: "iOS".into(),
        version: "7.1.2".into(),
        build: "11D257".into(),
        product_types: vec!["iPhone3,1".into()],
        sha1: Some(d.sha1.clone()),
        sha256: Some(d.sha256.clone()),
        size: Some(d.bytes),
        ..Default::default()
    }
    .to_line();
    let text = format!("{}\n{line}\n", header_line("test", "2026-01-01", 1));
    let cat = FirmwareCatalog::parse(&text).unwrap();
    let f = integrity::hash_finding(&cat, &ipsw, &d);
    assert_eq!(
        (f.id.as_str(), f.severity),
        ("firmware.integrity.ok", Severity::Ok)
    );
    // A build no catalog knows: "not in the catalog", never "corrupt".
    let other = dir.path().join("iPhone3,1_26.1_23B85_Restore.ipsw");
    make_ipsw(
        &other,
        "26.1",
        "23B85",
        &["iPhone3,1"],
        &board(0x8930, 0, "n90ap"),
        false,
    );
    let ipsw = inspect::inspect(&rd_firmware::source::FileSource::open(&other).unwrap()).unwrap();
    let d = hash::hash_file(&other, &|_| {}).unwrap();
    let f = integrity::hash_finding(firmware::embedded(), &ipsw, &d);
    assert_eq!(
        (f.id.as_str(), f.severity),
        ("firmware.integrity.unknown", Severity::Info)
    );
    assert!(f.title.contains("Not in the catalog"));
}

#[test]
fn damaged_entry_fails_its_crc() {
    let dir = tempfile::tempdir().unwrap();
    let p = iphone4_gsm(dir.path());
    let mut bytes = std::fs::read(&p).unwrap();
    // Flip a byte inside the stored kernelcache payload (after the first entry).
    bytes[60_000] ^= 0xFF;
    let src = rd_firmware::source::MemSource::new("x.ipsw", bytes);
    let ipsw = inspect::inspect(&src).unwrap();
    let f = integrity::crc_finding(&src, &ipsw.index, &|_| {});
    assert_eq!(f.severity, Severity::Fail);
    assert!(f.evidence[0].text.contains("CRC"), "{:?}", f.evidence);
}

#[test]
fn local_ipsw_without_target_is_checked_for_its_own_build() {
    let w = world();
    let dir = tempfile::tempdir().unwrap();
    // A renamed copy (no standard name): the build comes from the manifest.
    let p = dir.path().join("download.ipsw");
    make_ipsw(
        &p,
        "15.8.2",
        "19H384",
        &["iPhone9,1", "iPhone9,3"],
        &[board(0x8010, 0x0C, "d101ap"), board(0x8010, 0x08, "d10ap")].concat(),
        false,
    );
    let device = resolve("iPhone9,3").unwrap()[0];
    let client = HttpClient::new(Duration::from_secs(5));
    let api = IpswMe::new(client.clone(), &w.api.url("/v4"));
    let q = SigningQuery {
        device,
        target: None,
        ipsw: Some(p.display().to_string()),
        ecid: Some(0xABCDEF),
        skip_tss: false,
    };
    let out = signing::check(&q, &client, &api, &w.tss.url("/TSS"), firmware::embedded());
    assert_eq!(out.build.as_deref(), Some("19H384"));
    assert_eq!(out.findings[0].id, "firmware.signed.no");
    let bodies = tss_bodies(&w);
    assert_eq!(bodies.len(), 1);
    assert!(
        bodies[0].contains("<integer>11259375</integer>"),
        "the ECID given is sent"
    );
    // A target that contradicts the IPSW given is refused, not silently mixed up.
    let q = SigningQuery {
        target: Some("15.8.3".into()),
        ..q
    };
    let out = signing::check(&q, &client, &api, &w.tss.url("/TSS"), firmware::embedded());
    let ev: Vec<_> = out.findings[0]
        .evidence
        .iter()
        .map(|e| e.text.clone())
        .collect();
    assert!(ev.iter().any(|t| t.contains("not 15.8.3")), "{ev:?}");
}
