//! `ipsw get` against a loopback HTTP server with Range/ETag/If-Range support and injected
//! faults: a connection dropped part-way (resumed in the same run, and by the next run from the
//! `.part` file), a corrupted byte (caught, never renamed into place), a file that changed on
//! the server (started over); and the decisions before any download: an unsigned build is
//! refused, a full disk is refused, the newest signed build is the default.

mod common;

use common::server::{self, Content, Faults};
use rd_catalog::Device;
use rd_catalog::firmware::FirmwareCatalog;
use rd_download::{
    Deps, Expected, FetchError, FetchOptions, GetError, NetTransport, Request, SignState,
    SigningAnswer, SigningOracle, fetch,
};
use rd_firmware::ipswme::ApiFirmware;
use sha1::Digest;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

fn body(len: usize) -> Vec<u8> {
    let mut x: u32 = 0x9E37_79B9;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 24) as u8
        })
        .collect()
}

fn expected(b: &[u8]) -> Expected {
    Expected {
        size: Some(b.len() as u64),
        sha1: Some(hex::encode(sha1::Sha1::digest(b))),
        sha256: Some(hex::encode(sha2::Sha256::digest(b))),
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap()
}

fn transport() -> NetTransport {
    NetTransport::new(rd_net::NetConfig::with_timeout(Duration::from_secs(10)))
}

fn quick() -> FetchOptions {
    FetchOptions {
        retries: 3,
        backoff: Duration::ZERO,
    }
}

const LEN: usize = 3 * 1024 * 1024 + 4321;

#[test]
fn a_dropped_connection_resumes_and_the_file_verifies_as_it_arrives() {
    let rt = runtime();
    let data = Arc::new(body(LEN));
    let faults = Arc::new(Faults {
        drop_after: Some(1_000_000),
        drops_left: AtomicUsize::new(2),
        ..Faults::default()
    });
    let srv = rt.block_on(server::start(Content::Memory(data.clone()), "v1", faults));
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("x.ipsw");
    let seen = std::sync::Mutex::new(Vec::new());
    let got = fetch(
        &transport(),
        &srv.url("/x.ipsw"),
        &dest,
        &expected(&data),
        &quick(),
        &|n, total| seen.lock().unwrap().push((n, total)),
    )
    .unwrap();
    assert_eq!(got.reconnects, 2);
    assert_eq!(got.digests.bytes, LEN as u64);
    assert_eq!(std::fs::read(&dest).unwrap(), *data);
    assert!(!rd_download::fetch::part_path(&dest).exists());
    assert_eq!(srv.stats.ranged.load(Ordering::SeqCst), 2);
    assert!(
        srv.stats.sent.load(Ordering::SeqCst) <= LEN as u64,
        "no byte was downloaded twice"
    );
    let seen = seen.into_inner().unwrap();
    assert_eq!(seen.last(), Some(&(LEN as u64, Some(LEN as u64))));
}

#[test]
fn an_interrupted_run_is_continued_by_the_next_one_from_the_part_file() {
    let rt = runtime();
    let data = Arc::new(body(LEN));
    let faults = Arc::new(Faults {
        drop_after: Some(1_500_000),
        drops_left: AtomicUsize::new(1),
        ..Faults::default()
    });
    let srv = rt.block_on(server::start(Content::Memory(data.clone()), "v1", faults));
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("x.ipsw");
    let url = srv.url("/x.ipsw");
    let no_retry = FetchOptions {
        retries: 0,
        backoff: Duration::ZERO,
    };
    let first = fetch(
        &transport(),
        &url,
        &dest,
        &expected(&data),
        &no_retry,
        &|_, _| {},
    );
    assert!(first.is_err(), "the first run loses its connection");
    let part = rd_download::fetch::part_path(&dest);
    assert_eq!(std::fs::metadata(&part).unwrap().len(), 1_500_000);
    assert!(!dest.exists());
    assert_eq!(rd_download::fetch::resumable_bytes(&dest, &url), 1_500_000);
    let second = fetch(
        &transport(),
        &url,
        &dest,
        &expected(&data),
        &quick(),
        &|_, _| {},
    )
    .unwrap();
    assert_eq!(second.resumed_from, 1_500_000);
    assert_eq!(std::fs::read(&dest).unwrap(), *data);
    assert_eq!(srv.stats.sent.load(Ordering::SeqCst), LEN as u64);
}

#[test]
fn a_corrupted_byte_is_caught_and_the_file_is_not_renamed_into_place() {
    let rt = runtime();
    let data = Arc::new(body(LEN));
    let faults = Arc::new(Faults {
        corrupt_at: Some(2_222_222),
        ..Faults::default()
    });
    let srv = rt.block_on(server::start(Content::Memory(data.clone()), "v1", faults));
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("x.ipsw");
    let err = fetch(
        &transport(),
        &srv.url("/x.ipsw"),
        &dest,
        &expected(&data),
        &quick(),
        &|_, _| {},
    )
    .unwrap_err();
    assert!(
        matches!(&err, FetchError::Mismatch { which, .. } if which == "SHA-256"),
        "{err}"
    );
    assert!(!dest.exists(), "a damaged file never takes the IPSW's name");
    assert!(!rd_download::fetch::part_path(&dest).exists());
}

#[test]
fn a_file_that_changed_on_the_server_starts_over_and_a_wrong_size_is_refused() {
    let rt = runtime();
    let data = Arc::new(body(LEN));
    let srv = rt.block_on(server::start(
        Content::Memory(data.clone()),
        "v2",
        Arc::new(Faults::default()),
    ));
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("x.ipsw");
    let url = srv.url("/x.ipsw");
    // An earlier run of the same URL left 1000 bytes of the old file (ETag "v1").
    std::fs::write(rd_download::fetch::part_path(&dest), vec![0u8; 1000]).unwrap();
    let meta = serde_json::json!({"url": url, "validator": "\"v1\"", "total": LEN});
    let mut meta_path = dest.as_os_str().to_owned();
    meta_path.push(".part.json");
    std::fs::write(&meta_path, meta.to_string()).unwrap();
    let got = fetch(
        &transport(),
        &url,
        &dest,
        &expected(&data),
        &quick(),
        &|_, _| {},
    )
    .unwrap();
    assert_eq!(
        got.resumed_from, 0,
        "If-Range did not match: the whole new file came"
    );
    assert_eq!(std::fs::read(&dest).unwrap(), *data);

    let wrong = Expected {
        size: Some(LEN as u64 + 1),
        ..expected(&data)
    };
    let err = fetch(
        &transport(),
        &url,
        &dir.path().join("y.ipsw"),
        &wrong,
        &quick(),
        &|_, _| {},
    )
    .unwrap_err();
    assert!(matches!(err, FetchError::WrongSize { .. }), "{err}");
}

/// A signing answer given by the test instead of Apple.
struct Answer(SignState, Option<&'static str>);

impl SigningOracle for Answer {
    fn ask(&self, _d: &Device, target: Option<&str>, _c: &FirmwareCatalog<'_>) -> SigningAnswer {
        SigningAnswer {
            state: self.0,
            build: target.map(str::to_string).or(self.1.map(str::to_string)),
            version: None,
            said: format!("test oracle: {:?}", self.0),
        }
    }
}

fn api_entry(url: &str, data: &[u8]) -> ApiFirmware {
    let e = expected(data);
    ApiFirmware {
        identifier: "iPhone10,4".into(),
        version: "99.1".into(),
        buildid: "99A123".into(),
        sha1sum: e.sha1,
        sha256sum: e.sha256,
        filesize: e.size,
        url: Some(url.into()),
        releasedate: None,
        signed: true,
    }
}

fn request(dir: &Path, target: Option<&str>, force: bool) -> Request {
    Request {
        device: "iPhone10,4".into(),
        target: target.map(str::to_string),
        out_dir: dir.to_path_buf(),
        force,
        manual: None,
        usb_fixture: None,
    }
}

#[test]
fn the_newest_signed_build_is_fetched_and_verified_end_to_end() {
    let rt = runtime();
    let data = Arc::new(body(200_000));
    let srv = rt.block_on(server::start(
        Content::Memory(data.clone()),
        "v1",
        Arc::new(Faults::default()),
    ));
    let url = srv.url("/iPhone10,4_99.1_99A123_Restore.ipsw");
    let entry = api_entry(&url, &data);
    let list = move |_: &str| Some(vec![entry.clone()]);
    let free = |_: &Path| Some(u64::MAX);
    let t = transport();
    let oracle = Answer(SignState::Signed, Some("99A123"));
    let deps = Deps {
        transport: &t,
        signing: &oracle,
        ipswme: &list,
        free_space: &free,
        catalog: rd_catalog::firmware::embedded(),
        fetch: quick(),
    };
    let dir = tempfile::tempdir().unwrap();
    let plan = rd_download::plan(&request(dir.path(), None, false), &deps).unwrap();
    assert_eq!(plan.ipsw.build, "99A123");
    assert!(plan.path.ends_with("iPhone10,4_99.1_99A123_Restore.ipsw"));
    let got = rd_download::execute(&plan, &deps, &|_, _| {}).unwrap();
    assert_eq!(std::fs::read(got.path).unwrap(), *data);
}

#[test]
fn an_unsigned_build_is_refused_unless_forced_and_a_full_disk_is_refused() {
    let data = body(1000);
    let entry = api_entry("http://127.0.0.1:9/x.ipsw", &data);
    let list = move |_: &str| Some(vec![entry.clone()]);
    let roomy = |_: &Path| Some(u64::MAX);
    let t = transport();
    let unsigned = Answer(SignState::NotSigned, None);
    let mut deps = Deps {
        transport: &t,
        signing: &unsigned,
        ipswme: &list,
        free_space: &roomy,
        catalog: rd_catalog::firmware::embedded(),
        fetch: quick(),
    };
    let dir = tempfile::tempdir().unwrap();
    let err = rd_download::plan(&request(dir.path(), Some("99.1"), false), &deps).unwrap_err();
    assert!(
        matches!(&err, GetError::NotSigned(m) if m.contains("--force")),
        "{err}"
    );
    let forced = rd_download::plan(&request(dir.path(), Some("99.1"), true), &deps).unwrap();
    assert!(forced.notes.iter().any(|n| n.contains("does not sign")));

    let full = |_: &Path| Some(999u64);
    deps.free_space = &full;
    let err = rd_download::plan(&request(dir.path(), Some("99A123"), true), &deps).unwrap_err();
    assert!(
        matches!(
            &err,
            GetError::Fetch(FetchError::NoSpace {
                need: 1000,
                free: 999,
                ..
            })
        ),
        "{err}"
    );

    // With no signed build found and no target, nothing is guessed.
    let unknown = Answer(SignState::Unknown, None);
    deps.signing = &unknown;
    deps.free_space = &roomy;
    let err = rd_download::plan(&request(dir.path(), None, false), &deps).unwrap_err();
    assert!(matches!(err, GetError::NotSigned(_)));
}
