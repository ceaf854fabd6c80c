//! Signing checks against loopback ipsw.me, TSS and CDN fakes; catalog update; hashing.

use rd_testkit as support;

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
    world_with(
        &["19H386"],
        vec![("19H386", 0), ("19H384", 94), ("19H380", 128)],
    )
}

/// The same device and builds, with the builds ipsw.me flags as signed and TSS's answers given.
fn world_with(ipswme_signed: &[&'static str], statuses: Vec<(&'static str, u32)>) -> World {
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
    let row = |v: &'static str, b: &'static str, _: bool| ApiRow {
        identifier: "iPhone9,3",
        version: v,
        build: b,
        url: url(v, b),
        signed: ipswme_signed.contains(&b),
        sha1: None,
    };
    let api = ipswme(vec![
        row("15.8.3", "19H386", true),
        row("15.8.2", "19H384", false),
        row("15.8.1", "19H380", false),
        row("12.0", "16A366", false),
    ]);
    let tss = tss(statuses);
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
    let unknown = out
        .findings
        .iter()
        .find(|f| f.id == "firmware.signed.unknown_build")
        .expect("the unknown build is named");
    assert!(unknown.explanation.contains("ipsw.me could not be asked"));
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

#[test]
fn status_168_is_never_not_signed() {
    // ipsw.me still flags 15.8.1 as signed; Apple answers STATUS=168.
    let w = world_with(&["19H386", "19H380"], vec![("19H380", 168)]);
    let out = run(&w, Some("15.8.1"), &w.tss.url("/TSS"));
    assert!(out.findings.iter().all(|f| f.id != "firmware.signed.no"));
    let f = &out.findings[0];
    assert_eq!(f.id, "firmware.signed.tss_error", "{f:?}");
    assert!(f.title.contains("STATUS=168"));
    // The meaning comes from the status table, and ipsw.me's flag is offered as the fallback.
    let meaning = rd_tss::lookup(168).unwrap().meaning.clone();
    assert!(f.explanation.contains(&meaning), "{}", f.explanation);
    assert!(f.explanation.contains("ipsw.me lists it as signed"));
    let tss_note = out
        .sources
        .iter()
        .find(|s| s.source == "Apple TSS")
        .unwrap();
    assert_eq!(tss_note.says_signed, None);
    assert_eq!(tss_note.meaning.as_deref(), Some(meaning.as_str()));
    assert!(out.disagreement.is_none());
}

#[test]
fn a_stale_ipswme_flag_loses_to_apple_and_says_why() {
    // ipsw.me still lists 15.8.2 as signed; Apple refuses.
    let w = world_with(&["19H386", "19H384"], vec![("19H384", 94)]);
    let out = run(&w, Some("15.8.2"), &w.tss.url("/TSS"));
    let f = &out.findings[0];
    assert_eq!(f.id, "firmware.signed.no");
    assert_eq!(f.confidence, Some(rd_model::Confidence::Medium));
    let d = out.disagreement.as_deref().unwrap();
    assert!(d.contains("Believe Apple"), "{d}");
    assert!(d.contains("still says"), "{d}");
    let said: Vec<(Option<bool>, &str)> = out
        .sources
        .iter()
        .map(|s| (s.says_signed, s.freshness.as_str()))
        .collect();
    assert_eq!(said, vec![(Some(true), "cached"), (Some(false), "live")]);
    // Each source carries its age (the fakes' Date is in the past).
    assert!(out.sources.iter().all(|s| s.age_secs.is_some()));
    assert!(f.evidence.iter().any(|e| e.text == d));

    // The other way round: ipsw.me has not caught up with a build Apple signs.
    let w = world_with(&[], vec![("19H386", 0)]);
    let out = run(&w, Some("15.8.3"), &w.tss.url("/TSS"));
    assert_eq!(out.findings[0].id, "firmware.signed.yes");
    assert_eq!(out.findings[0].confidence, Some(rd_model::Confidence::High));
    assert!(
        out.disagreement
            .as_deref()
            .unwrap()
            .contains("issued a ticket just now")
    );
}

#[test]
fn a_build_unknown_for_the_device_is_said_plainly() {
    let w = world();
    let out = run(&w, Some("99.9"), &w.tss.url("/TSS"));
    let f = &out.findings[0];
    assert_eq!(f.id, "firmware.signed.unknown_build");
    assert!(
        f.title
            .contains("99.9 is not a build known for iPhone 7 (GSM) (iPhone9,3)"),
        "{}",
        f.title
    );
    assert!(f.explanation.contains("Neither ipsw.me"));
    assert!(!out.build_known);
    assert!(tss_bodies(&w).is_empty(), "no IPSW, so no request");
}

// ---------- the TSS request and answers against a raw loopback stand-in ----------

/// One request as received, head and body raw.
#[derive(Debug, Clone)]
struct RawRequest {
    head: String,
    body: Vec<u8>,
}

/// A TSS stand-in on 127.0.0.1 that answers every request with the next canned body and keeps
/// the raw request heads (so repeated headers can be counted).
struct RawTss {
    addr: std::net::SocketAddr,
    seen: std::sync::Arc<std::sync::Mutex<Vec<RawRequest>>>,
}

impl RawTss {
    fn start(bodies: Vec<Vec<u8>>) -> RawTss {
        use std::io::{BufReader, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = seen.clone();
        std::thread::spawn(move || {
            for (conn, body) in listener.incoming().zip(bodies) {
                let Ok(mut conn) = conn else { continue };
                let mut reader = BufReader::new(conn.try_clone().unwrap());
                let (head, req_body) = rd_testkit::read_raw_request(&mut reader);
                log.lock().unwrap().push(RawRequest {
                    head,
                    body: req_body,
                });
                let out = format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\nDate: Tue, 25 Nov 2025 00:00:00 GMT\r\n\r\n",
                    body.len()
                );
                let _ = conn.write_all(out.as_bytes());
                let _ = conn.write_all(&body);
            }
        });
        RawTss { addr, seen }
    }

    fn url(&self) -> String {
        format!("http://{}/TSS/controller?action=2", self.addr)
    }
}

/// The iPhone 7 (GSM) identity of the real iOS 15.4 manifest (see crates/tss/tests/fixtures).
fn real_identity() -> rd_firmware::manifest::BuildIdentity {
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tss/tests/fixtures/iPhone10,1,iPhone10,4,iPhone9,1,iPhone9,3_15.4_19E241_BuildManifest.plist"
    ))
    .unwrap();
    let m = rd_firmware::manifest::Manifest::parse(&bytes).unwrap();
    m.identity_for(0x8010, 0x0C).unwrap().clone()
}

#[test]
fn loopback_tss_answers_give_the_right_verdict_each_time() {
    use rd_tss::{NotTss, Verdict};
    let ticket = "STATUS=0&MESSAGE=SUCCESS&REQUEST_STRING=<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n<plist version=\"1.0\"><dict><key>@ServerVersion</key><string>2.0.0</string><key>ApImg4Ticket</key><data>MIIKoQYFZ2F0aQ==</data></dict></plist>";
    let cases: Vec<(Vec<u8>, Verdict)> = vec![
        (ticket.into(), Verdict::Signed),
        (
            b"STATUS=94&MESSAGE=This device isn't eligible for the requested build.".to_vec(),
            Verdict::NotSigned,
        ),
        (
            b"STATUS=69&MESSAGE=This device isn't eligible for the requested build.".to_vec(),
            Verdict::NotSigned,
        ),
        (
            b"STATUS=128&MESSAGE=An internal error occured.".to_vec(),
            Verdict::ServerError,
        ),
        (
            b"STATUS=168&MESSAGE=An internal error occurred.".to_vec(),
            Verdict::ServerError,
        ),
        (
            b"<!DOCTYPE html><html><head><title>Access Denied</title></head><body>Blocked by policy</body></html>".to_vec(),
            Verdict::NotTss(NotTss::Html),
        ),
        (
            b"\x1f\x8b\x08\x00garbage\xff\xfe".to_vec(),
            Verdict::NotTss(NotTss::Garbage),
        ),
        (ticket[..ticket.len() - 40].into(), Verdict::Incomplete),
    ];
    let n = cases.len();
    let server = RawTss::start(cases.iter().map(|(b, _)| b.clone()).collect());
    let client = HttpClient::new(Duration::from_secs(5));
    let request = rd_firmware::tss::build_request(&real_identity(), 0x1234).unwrap();
    for (body, want) in &cases {
        let a = rd_firmware::tss::ask(&client, &server.url(), &request).unwrap();
        assert_eq!(a.verdict(), *want, "{}", String::from_utf8_lossy(body));
        assert_eq!(a.date.as_deref(), Some("Tue, 25 Nov 2025 00:00:00 GMT"));
        if a.status() == Some(168) {
            assert_ne!(a.verdict(), Verdict::NotSigned);
        }
    }
    let seen = server.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), n);
    for r in &seen {
        let uas: Vec<&str> = r
            .head
            .lines()
            .filter(|l| l.to_ascii_lowercase().starts_with("user-agent:"))
            .collect();
        assert_eq!(uas, vec!["User-Agent: InetURL/1.0"], "{}", r.head);
        let v = plist::Value::from_reader_xml(&r.body[..]).unwrap();
        let d = v.as_dictionary().unwrap();
        assert_eq!(d["@UUID"].as_string().map(str::len), Some(36));
        assert_eq!(d["ApNonce"].as_data().map(<[u8]>::len), Some(32), "A10");
        assert!(d.keys().all(|k| !k.starts_with("Savage,")));
        assert!(!d.contains_key("BasebandFirmware"));
    }
}
