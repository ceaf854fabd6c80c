//! Every route and every refusal, asked through `Router::oneshot` (no socket), plus one test on
//! a real loopback socket.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use rd_web::{Access, AppState, Limits};
use serde_json::Value;
use std::path::PathBuf;
use tower::ServiceExt;

const PORT: u16 = 7420;
const HOST: &str = "127.0.0.1:7420";

fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(rel)
}

fn usb(name: &str) -> rd_engine::UsbSource {
    rd_engine::UsbSource::fixture(fixture(&format!("device/tests/fixtures/{name}")))
}

fn state() -> AppState {
    AppState {
        access: Access {
            port: PORT,
            bind: "127.0.0.1".parse().unwrap(),
        },
        usb: usb("no_usb.json"),
        clock: rd_engine::ClockChoice::Fake,
        ..AppState::default()
    }
}

fn app() -> Router {
    rd_web::router(state())
}

fn get(path: &str) -> Request<Body> {
    Request::get(path)
        .header(header::HOST, HOST)
        .body(Body::empty())
        .unwrap()
}

fn post(path: &str, body: impl Into<Body>) -> Request<Body> {
    Request::post(path)
        .header(header::HOST, HOST)
        .body(body.into())
        .unwrap()
}

struct Answer {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    text: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }
}

async fn ask(app: Router, req: Request<Body>) -> Answer {
    let resp = app.oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    Answer {
        status,
        headers,
        text: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

fn finding_ids(v: &Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect()
}

/// Every route a page or script may call, with a request that succeeds.
const ROUTES: &[&str] = &[
    "/",
    "/app.js",
    "/app.css",
    "/api/error?q=4013",
    "/api/errors",
    "/api/checks",
    "/api/devices",
    "/api/dfu?device=iPhone10,3",
    "/api/checkup?only=usb.presence",
];

#[tokio::test]
async fn page_and_assets_are_served_with_a_strict_policy_and_no_cors() {
    let a = ask(app(), get("/")).await;
    assert_eq!(a.status, 200);
    for needle in [
        "/app.js",
        "/app.css",
        "tab-dfu",
        "tab-ipsw",
        "tab-signed",
        "tab-found",
        "tab-watch",
        "tab-report",
        "redact",
    ] {
        assert!(a.text.contains(needle), "page lacks {needle}");
    }
    assert!(!a.text.contains("<script>"), "no inline script");
    let csp = a.headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("default-src 'none'") && csp.contains("script-src 'self'"),
        "{csp}"
    );
    assert!(!csp.contains("unsafe-inline"));
    let js = ask(app(), get("/app.js")).await;
    assert!(
        js.text.contains("/api/"),
        "{}",
        js.headers["content-type"].to_str().unwrap()
    );
    for route in ROUTES {
        let a = ask(app(), get(route)).await;
        assert_eq!(a.status, 200, "{route}: {}", a.text);
        assert!(
            a.headers
                .keys()
                .all(|k| !k.as_str().starts_with("access-control-")),
            "{route} sent CORS headers"
        );
        assert_eq!(a.headers["x-content-type-options"], "nosniff");
        assert_eq!(a.headers["x-frame-options"], "DENY");
    }
}

#[tokio::test]
async fn a_foreign_host_is_refused_on_every_route() {
    // Every route, including those that would reach the network or read files.
    let more = [
        "/api/log",
        "/api/checkup",
        "/api/signed?device=iPhone10,3",
        "/api/ipsw?target=/etc/hostname",
        "/api/catalog",
        "/api/devices?watch=1",
        "/api/dfu?device=iPhone10,3&watch=1",
        "/api/logs",
        "/api/log?found=0",
        "/api/history",
        "/api/report?no_checkup=1",
        "/api/watch",
        "/nope",
    ];
    for route in ROUTES.iter().chain(&more) {
        for host in [
            "evil.example:7420",
            "evil.example",
            "127.0.0.1:9999",
            "localhost.evil.example:7420",
        ] {
            let req = Request::get(*route)
                .header(header::HOST, host)
                .body(Body::empty())
                .unwrap();
            let a = ask(app(), req).await;
            assert_eq!(a.status, 403, "{route} with Host {host}");
            assert!(
                a.json()["error"]
                    .as_str()
                    .unwrap()
                    .contains("127.0.0.1:7420")
            );
        }
    }
    // Every loopback spelling of this server is answered.
    for host in ["127.0.0.1:7420", "localhost:7420", "[::1]:7420"] {
        let req = Request::get("/api/error?q=4013")
            .header(header::HOST, host)
            .body(Body::empty())
            .unwrap();
        assert_eq!(ask(app(), req).await.status, 200, "{host}");
    }
}

#[tokio::test]
async fn a_foreign_origin_and_cross_site_fetches_are_refused_scripts_are_not() {
    let log = std::fs::read(fixture("logs/tests/fixtures/idr_tss_not_signed.log")).unwrap();
    for origin in [
        "http://evil.example",
        "null",
        "https://127.0.0.1:7420",
        "http://127.0.0.1:8080",
    ] {
        let mut req = post("/api/log", log.clone());
        req.headers_mut()
            .insert(header::ORIGIN, origin.parse().unwrap());
        let a = ask(app(), req).await;
        assert_eq!(a.status, 403, "Origin {origin}");
        assert!(a.json()["error"].as_str().unwrap().contains("another site"));
    }
    for site in ["cross-site", "same-site"] {
        let mut req = get("/api/devices");
        req.headers_mut()
            .insert("sec-fetch-site", site.parse().unwrap());
        assert_eq!(ask(app(), req).await.status, 403, "{site}");
    }
    // The page itself may be opened from a link elsewhere (a shared /?q=4013).
    let mut nav = get("/?q=4013");
    nav.headers_mut()
        .insert("sec-fetch-site", "cross-site".parse().unwrap());
    nav.headers_mut()
        .insert("sec-fetch-mode", "navigate".parse().unwrap());
    assert_eq!(ask(app(), nav).await.status, 200);
    // Our own page (same origin) and scripts without Origin work.
    let mut own = post("/api/log", log.clone());
    own.headers_mut()
        .insert(header::ORIGIN, "http://127.0.0.1:7420".parse().unwrap());
    own.headers_mut()
        .insert("sec-fetch-site", "same-origin".parse().unwrap());
    assert_eq!(ask(app(), own).await.status, 200);
    assert_eq!(ask(app(), post("/api/log", log)).await.status, 200);
}

#[tokio::test]
async fn error_and_errors_answer_like_the_cli() {
    let a = ask(
        app(),
        get("/api/error?q=An%20unknown%20error%20occurred%20(4013)."),
    )
    .await;
    assert_eq!(a.status, 200);
    let v = a.json();
    assert_eq!(v["kind"], "error");
    assert_eq!(v["findings"][0]["family"], "usb");
    assert_eq!(
        v["findings"][0],
        serde_json::to_value(&rd_engine::lookup::error("(4013)").unwrap().findings[0]).unwrap()
    );
    let a = ask(app(), get("/api/error?q=99999")).await;
    assert_eq!(a.status, 404);
    assert!(a.json()["error"].as_str().unwrap().contains("99999"));
    let a = ask(app(), get("/api/error?q=")).await;
    assert_eq!(a.status, 400);
    assert!(a.json()["error"].as_str().unwrap().contains("?q="));

    let a = ask(app(), get("/api/errors?family=signing")).await;
    let v = a.json();
    let entries = v["entries"].as_array().unwrap();
    assert!(entries.iter().all(|e| e["family"] == "signing"));
    assert!(entries.iter().any(|e| e["code"] == "3194"));
    assert!(v["ranges"].is_array());
    assert_eq!(
        ask(app(), get("/api/errors?family=cosmic_rays"))
            .await
            .status,
        400
    );
}

#[tokio::test]
async fn a_bad_query_is_a_json_error() {
    let a = ask(app(), get("/api/error?q=1&q=2")).await;
    assert_eq!(a.status, 400);
    assert!(a.json()["error"].is_string());
    let a = ask(app(), get("/api/nothing-here")).await;
    assert_eq!(a.status, 404);
    assert!(a.json()["error"].is_string());
}

#[tokio::test]
async fn checks_route_gives_the_verifying_command() {
    let v = ask(app(), get("/api/checks")).await.json();
    let signed = v
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "firmware.signed")
        .expect("firmware.signed listed");
    assert!(
        signed["command"]
            .as_str()
            .unwrap()
            .starts_with("restore-doctor signed")
    );
}

#[tokio::test]
async fn log_route_diagnoses_a_streamed_upload_and_names_it() {
    let log = std::fs::read(fixture("logs/tests/fixtures/idr_tss_not_signed.log")).unwrap();
    // Sent in small pieces, as a browser streams a file.
    let pieces: Vec<Result<Vec<u8>, std::io::Error>> =
        log.chunks(100).map(|c| Ok(c.to_vec())).collect();
    let body = Body::from_stream(futures_util::stream::iter(pieces));
    let a = ask(app(), post("/api/log?name=restore.log", body)).await;
    assert_eq!(a.status, 200, "{}", a.text);
    let v = a.json();
    assert_eq!(v["category"], "signing");
    assert_eq!(v["outcome"], "failure");
    assert_eq!(v["file"], "restore.log");
    assert!(!v["evidence"].as_array().unwrap().is_empty());

    let a = ask(app(), post("/api/log", Vec::<u8>::new())).await;
    assert_eq!(a.status, 422);
    assert!(a.json()["error"].is_string());
}

#[tokio::test]
async fn a_too_large_body_is_refused_declared_or_streamed() {
    let small = AppState {
        limits: Limits {
            max_body_bytes: 1000,
            ..Limits::default()
        },
        ..state()
    };
    let big = vec![b'a'; 5000];
    let a = ask(rd_web::router(small.clone()), post("/api/log", big.clone())).await;
    assert_eq!(a.status, 413);
    assert!(a.json()["error"].as_str().unwrap().contains("larger than"));
    // Without a Content-Length (chunked), the count while streaming catches it.
    let pieces: Vec<Result<Vec<u8>, std::io::Error>> =
        big.chunks(100).map(|c| Ok(c.to_vec())).collect();
    let body = Body::from_stream(futures_util::stream::iter(pieces));
    let a = ask(rd_web::router(small), post("/api/log", body)).await;
    assert_eq!(a.status, 413);
}

#[tokio::test]
async fn busy_is_503_with_a_json_error() {
    let app = rd_web::router(AppState {
        limits: Limits {
            max_in_flight: 1,
            ..Limits::default()
        },
        ..state()
    });
    // An upload that has not finished holds the only place.
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(1);
    tx.send(Ok(b"idevicerestore 1.0\n".to_vec())).await.unwrap();
    let body = Body::from_stream(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|c| (c, rx))
    }));
    let slow = tokio::spawn(ask(app.clone(), post("/api/log", body)));
    let mut busy = None;
    for _ in 0..500 {
        let a = ask(app.clone(), get("/api/error?q=4013")).await;
        if a.status == 503 {
            busy = Some(a);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let busy = busy.expect("a second request while the first runs is refused");
    assert!(busy.json()["error"].as_str().unwrap().starts_with("busy"));
    assert_eq!(busy.headers[header::RETRY_AFTER], "1");
    drop(tx);
    assert_eq!(slow.await.unwrap().status, 200);
    // The place is free again.
    assert_eq!(ask(app, get("/api/error?q=4013")).await.status, 200);
}

#[tokio::test]
async fn devices_route_reports_a_recorded_bus_with_need_and_redaction() {
    let app = rd_web::router(AppState {
        usb: usb("two_hubs_dfu.json"),
        ..state()
    });
    let v = ask(app.clone(), get("/api/devices")).await.json();
    assert_eq!(v["kind"], "devices");
    assert!(finding_ids(&v).contains(&"usb.hub.chain".to_string()));
    assert_eq!(v["devices"][0]["mode"], "dfu");
    let plain = ask(app.clone(), get("/api/devices?need=normal")).await.text;
    let shared = ask(app.clone(), get("/api/devices?need=normal&redact=1"))
        .await
        .text;
    assert!(
        plain.contains("device.mode.wrong") && plain.contains("1A2B3C4D5E6F26"),
        "{plain}"
    );
    assert!(shared.contains("device.mode.wrong"), "{shared}");
    assert!(!shared.contains("1A2B3C4D5E6F26"), "{shared}");
    assert_eq!(
        ask(app, get("/api/devices?need=sideways")).await.status,
        400
    );
}

#[tokio::test]
async fn unreadable_usb_is_the_same_finding_as_the_engine_gives() {
    let v = ask(app(), get("/api/devices")).await.json();
    let engine = rd_engine::devices::devices_blocking(&rd_engine::devices::DevicesOptions {
        usb: usb("no_usb.json"),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(finding_ids(&v), ["usb.presence.unavailable"]);
    assert_eq!(
        v["findings"],
        serde_json::to_value(&engine.report.findings).unwrap()
    );
    // A fixture that cannot be loaded is bad input, as in the CLI.
    let broken = rd_web::router(AppState {
        usb: usb("does_not_exist.json"),
        ..state()
    });
    assert_eq!(ask(broken, get("/api/devices")).await.status, 400);
}

#[tokio::test]
async fn dfu_route_gives_the_steps_and_refuses_unknown_devices() {
    let v = ask(app(), get("/api/dfu?device=iPhone10,3")).await.json();
    let engine = rd_engine::dfu::steps_blocking(&rd_engine::dfu::DfuOptions {
        device: Some("iPhone10,3".into()),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(v, serde_json::to_value(&engine).unwrap());
    assert_eq!(v["plan"]["target"], "dfu");
    let rec = ask(app(), get("/api/dfu?device=iPhone10,3&recovery=1"))
        .await
        .json();
    assert_eq!(rec["plan"]["target"], "recovery");
    assert_eq!(
        ask(app(), get("/api/dfu?device=Nokia3310")).await.status,
        400
    );
}

/// The events of a server-sent-event answer: (name, data).
fn events(text: &str) -> Vec<(String, Value)> {
    text.split("\n\n")
        .filter_map(|block| {
            let name = block.lines().find_map(|l| l.strip_prefix("event: "))?;
            let data: String = block
                .lines()
                .filter_map(|l| l.strip_prefix("data: "))
                .collect();
            Some((
                name.to_string(),
                serde_json::from_str(&data).unwrap_or(Value::Null),
            ))
        })
        .collect()
}

#[tokio::test]
async fn dfu_live_counts_down_and_stops_when_the_mode_flips() {
    let app = rd_web::router(AppState {
        usb: usb("iphone8_recovery_to_dfu.json"),
        ..state()
    });
    let a = ask(app, get("/api/dfu?device=iPhone10,4&watch=1")).await;
    assert_eq!(a.status, 200);
    assert!(
        a.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let ev = events(&a.text);
    let names: Vec<&str> = ev.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names.first(), Some(&"start"), "{names:?}");
    assert_eq!(names.last(), Some(&"end"));
    assert!(names.contains(&"tick"));
    let done = &ev.iter().find(|(n, _)| n == "done").expect("done").1;
    assert_eq!(done["outcome"]["outcome"], "reached");
    assert_eq!(done["report"]["findings"][0]["id"], "dfu.reached");
    // Nothing is counted after the flip: the last tick comes before the DFU sighting.
    let last_tick = names.iter().rposition(|n| *n == "tick").unwrap();
    let flip = ev
        .iter()
        .rposition(|(n, d)| n == "bus" && d["text"].as_str().unwrap().contains("DFU"))
        .expect("the flip is shown");
    assert!(last_tick < flip, "{names:?}");
}

#[tokio::test]
async fn devices_watch_streams_the_listing_then_changes() {
    let app = rd_web::router(AppState {
        usb: usb("iphone8_recovery_to_dfu.json"),
        ..state()
    });
    let a = ask(app, get("/api/devices?watch=1")).await;
    let ev = events(&a.text);
    assert_eq!(ev[0].0, "devices");
    assert_eq!(ev[0].1["devices"][0]["mode"], "recovery");
    let changes: Vec<&str> = ev
        .iter()
        .filter(|(n, _)| n == "change")
        .map(|(_, d)| d["event"].as_str().unwrap())
        .collect();
    assert_eq!(changes, ["left", "arrived"]);
    assert_eq!(ev.last().unwrap().0, "end");
}

#[tokio::test]
async fn real_socket_answers_loopback_and_refuses_a_rebound_name() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(rd_web::serve_on(listener, state()));
    let ask_raw = |host: String| async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        let req =
            format!("GET /api/error?q=4013 HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
        s.write_all(req.as_bytes()).await.unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).await.unwrap();
        out
    };
    let ok = ask_raw(format!("127.0.0.1:{}", addr.port())).await;
    assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");
    let no = ask_raw(format!("evil.example:{}", addr.port())).await;
    assert!(no.starts_with("HTTP/1.1 403"), "{no}");
}

#[tokio::test]
async fn checkup_honours_only_skip_and_need_like_the_cli() {
    // USB/device checks only: nothing here touches the network.
    let v = ask(app(), get("/api/checkup?only=usb.presence"))
        .await
        .json();
    assert_eq!(v["kind"], "checkup");
    assert_eq!(finding_ids(&v), ["usb.presence.unavailable"]);
    let app = rd_web::router(AppState {
        usb: usb("two_hubs_dfu.json"),
        ..state()
    });
    let v = ask(
        app.clone(),
        get("/api/checkup?only=device.mode&need=normal"),
    )
    .await
    .json();
    assert_eq!(finding_ids(&v), ["device.mode.wrong"]);
    let v = ask(
        app.clone(),
        get("/api/checkup?only=device.mode,usb.hub&skip=usb.hub"),
    )
    .await
    .json();
    assert_eq!(finding_ids(&v), ["device.mode.dfu"]);
    assert_eq!(
        ask(app.clone(), get("/api/checkup?only=no.such.check"))
            .await
            .status,
        400
    );
    assert_eq!(
        ask(app, get("/api/checkup?need=sideways")).await.status,
        400
    );
}

#[tokio::test]
async fn signed_and_ipsw_refuse_bad_input_before_any_network() {
    for route in [
        "/api/signed",
        "/api/signed?device=Nokia3310",
        "/api/ipsw",
        "/api/ipsw?target=/nonexistent/iPhone.ipsw",
        "/api/ipsw?target=https://example.invalid/x.ipsw&verify=1",
    ] {
        let a = ask(app(), get(route)).await;
        assert_eq!(a.status, 400, "{route}: {}", a.text);
        assert!(a.json()["error"].is_string(), "{route}");
    }
}

#[tokio::test]
async fn catalog_answers_which_catalog_and_finds_builds() {
    let dir = std::env::temp_dir().join(format!("rd-web-catalog-{}", std::process::id()));
    let app = rd_web::router(AppState {
        net: Some(rd_engine::net::Net {
            api: "http://127.0.0.1:9/".into(),
            cache_dir: Some(dir),
            config: rd_engine::checkup::Config::default()
                .net_config(std::time::Duration::from_secs(1)),
        }),
        ..state()
    });
    let v = ask(app.clone(), get("/api/catalog")).await.json();
    assert_eq!(v["updated"], false);
    assert_eq!(v["used"], v["embedded"]);
    // Any build the embedded catalog knows.
    let embedded = rd_catalog::firmware::embedded();
    let known = embedded
        .entries()
        .first()
        .expect("the embedded catalog has entries");
    let a = ask(
        app.clone(),
        get(&format!("/api/catalog?find={}", known.build)),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert!(a.json()["ipsws"].as_array().unwrap().iter().all(|r| {
        r["build"]
            .as_str()
            .unwrap()
            .eq_ignore_ascii_case(known.build)
    }));
    assert_eq!(ask(app, get("/api/catalog?find=NOPE123")).await.status, 404);
}

#[tokio::test]
async fn uploads_beyond_the_diagnosis_limit_wait_their_turn_and_are_all_answered() {
    let app = rd_web::router(AppState {
        limits: Limits {
            max_diagnoses: 1,
            ..Limits::default()
        },
        ..state()
    });
    let log = std::fs::read(fixture("logs/tests/fixtures/idr_tss_not_signed.log")).unwrap();
    let uploads: Vec<_> = (0..6)
        .map(|_| tokio::spawn(ask(app.clone(), post("/api/log", log.clone()))))
        .collect();
    for u in uploads {
        let a = u.await.unwrap();
        assert_eq!(a.status, 200, "{}", a.text);
        assert_eq!(a.json()["category"], "signing");
    }
}

/// A home folder laid out as Linux lays it out, with one restore log where FutureRestore-GUI
/// keeps them, and an empty history folder.
struct Companion {
    home: tempfile::TempDir,
    data: tempfile::TempDir,
    log: PathBuf,
}

fn companion() -> Companion {
    let home = tempfile::tempdir().unwrap();
    let folder = home.path().join("FutureRestoreGUI/logs");
    std::fs::create_dir_all(&folder).unwrap();
    let log = folder.join("restore.log");
    std::fs::copy(fixture("logs/tests/fixtures/idr_tss_not_signed.log"), &log).unwrap();
    Companion {
        home,
        data: tempfile::tempdir().unwrap(),
        log,
    }
}

impl Companion {
    fn state(&self) -> AppState {
        AppState {
            logs: Some(rd_locate::Layout {
                home: self.home.path().to_path_buf(),
                root: self.home.path().join(".no-system-root"),
                platform: rd_locate::Platform::Linux,
            }),
            history_dir: Some(self.data.path().to_path_buf()),
            ..state()
        }
    }

    fn app(&self) -> Router {
        rd_web::router(self.state())
    }
}

fn query(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn logs_lists_the_found_logs_and_log_found_diagnoses_only_those() {
    let c = companion();
    let v = ask(c.app(), get("/api/logs")).await.json();
    assert_eq!(v["platform"], "linux");
    let logs = v["logs"].as_array().unwrap();
    assert_eq!(logs.len(), 1, "{v}");
    assert_eq!(logs[0]["path"], c.log.display().to_string());
    assert!(v["terminal_only"].is_array());

    for found in ["0".to_string(), query(&c.log.display().to_string())] {
        let a = ask(c.app(), get(&format!("/api/log?found={found}"))).await;
        assert_eq!(a.status, 200, "{found}: {}", a.text);
        let d = a.json();
        assert_eq!(d["category"], "signing");
        assert_eq!(d["file"], c.log.display().to_string());
    }
    // A real, readable log that discovery did not return is refused, as is any other file.
    let elsewhere = fixture("logs/tests/fixtures/idr_tss_not_signed.log");
    for path in [
        elsewhere.display().to_string(),
        "/etc/hostname".to_string(),
        format!(
            "{}/FutureRestoreGUI/logs/../logs/restore.log",
            c.home.path().display()
        ),
    ] {
        let a = ask(c.app(), get(&format!("/api/log?found={}", query(&path)))).await;
        assert_eq!(a.status, 403, "{path}: {}", a.text);
        assert!(a.json()["error"].as_str().unwrap().contains("found"));
    }
    assert_eq!(ask(c.app(), get("/api/log?found=7")).await.status, 404);
    assert_eq!(ask(c.app(), get("/api/log")).await.status, 400);
    // Without a known home folder nothing is listed or read.
    assert_eq!(ask(app(), get("/api/logs")).await.status, 404);
    assert_eq!(ask(app(), get("/api/log?found=0")).await.status, 404);
}

/// The companion's server on the timed fake bus: an iPhone X that drops off while restoring
/// and comes back in Recovery.
fn on_fake_bus(c: &Companion) -> Router {
    rd_web::router(AppState {
        usb: rd_engine::UsbSource::fixture(fixture(
            "watch/tests/fixtures/iphonex_restore_drop_recovery.json",
        )),
        ..c.state()
    })
}

/// Reads a server-sent event stream until one event's data matches; all events read so far.
async fn read_events_until(
    body: &mut Body,
    found: impl Fn(&Value) -> bool,
) -> Vec<(String, Value)> {
    let mut text = String::new();
    loop {
        let seen = events(&text);
        if seen.iter().any(|(_, d)| found(d)) {
            return seen;
        }
        let frame = body.frame().await.expect("the stream goes on").unwrap();
        if let Ok(data) = frame.into_data() {
            text.push_str(&String::from_utf8_lossy(&data));
        }
    }
}

/// The attempts recorded in the companion's history folder, as `/api/history` lists them.
async fn recorded_attempts(c: &Companion) -> Vec<Value> {
    let v = ask(c.app(), get("/api/history")).await.json();
    v["devices"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| d["attempts"].as_array().unwrap().clone())
        .collect()
}

#[tokio::test]
async fn a_found_log_is_recorded_as_an_attempt_like_log_path() {
    let c = companion();
    assert!(recorded_attempts(&c).await.is_empty());
    let a = ask(c.app(), get("/api/log?found=0")).await;
    assert_eq!(a.status, 200, "{}", a.text);
    let attempts = recorded_attempts(&c).await;
    assert_eq!(attempts.len(), 1, "{attempts:?}");
    assert_eq!(attempts[0]["family"], "signing");
    // An uploaded log may be anyone's: it is diagnosed, not recorded.
    let log = std::fs::read(fixture("logs/tests/fixtures/idr_tss_not_signed.log")).unwrap();
    let up = ask(
        c.app(),
        Request::post("/api/log")
            .header(header::HOST, "127.0.0.1:7420")
            .body(Body::from(log))
            .unwrap(),
    )
    .await;
    assert_eq!(up.status, 200, "{}", up.text);
    assert_eq!(recorded_attempts(&c).await.len(), 1);
}

#[tokio::test]
async fn a_watched_restore_is_recorded_when_the_page_closes() {
    let c = companion();
    let resp = on_fake_bus(&c).oneshot(get("/api/watch")).await.unwrap();
    assert_eq!(resp.status(), 200);
    let mut body = resp.into_body();
    // Read until the bus diagnoses the device's return in Recovery (held back: a log may still
    // explain it), then close the page.
    read_events_until(&mut body, |d| d["event"] == "diagnosis").await;
    drop(body);
    // The held-back diagnosis is written on a blocking thread after the page closed.
    let mut attempts = Vec::new();
    for _ in 0..200 {
        attempts = recorded_attempts(&c).await;
        if !attempts.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert_eq!(attempts.len(), 1, "{attempts:?}");
    assert_eq!(attempts[0]["command"], "watch");
}

#[tokio::test]
async fn history_lists_attempts_per_device_like_the_cli() {
    let c = companion();
    let v = ask(c.app(), get("/api/history")).await.json();
    assert_eq!(v["devices"], serde_json::json!([]));
    // Record one attempt the way `log` does.
    let d = rd_engine::log::diagnose_path(&c.log).unwrap();
    let store = rd_history::Store::open(c.data.path(), rd_history::DEFAULT_WAIT)
        .unwrap()
        .store;
    let key = store.device_key(0x1A2B3C4D5E6F26);
    store
        .record(&rd_history::Attempt::from_diagnosis(
            key.clone(),
            &d,
            1_700_000_000,
        ))
        .unwrap();
    drop(store);
    let v = ask(c.app(), get("/api/history")).await.json();
    let devices = v["devices"].as_array().unwrap();
    assert_eq!(devices.len(), 1, "{v}");
    assert_eq!(devices[0]["device"], key);
    assert_eq!(devices[0]["attempts"][0]["at"], 1_700_000_000);
    assert!(
        v["store"]
            .as_str()
            .unwrap()
            .ends_with(rd_history::FILE_NAME)
    );
    // History off: a JSON error.
    let a = ask(app(), get("/api/history")).await;
    assert_eq!(a.status, 404);
    assert!(a.json()["error"].as_str().unwrap().contains("history"));
}

#[tokio::test]
async fn report_is_a_redacted_download_unless_identifiers_are_kept() {
    let c = companion();
    let app = rd_web::router(AppState {
        usb: usb("recovery_permission_denied.json"),
        ..c.state()
    });
    let identifiers = ["A1B2C3D4E5F60", "F17SX0AAHG7F", "359999999999999"];
    let a = ask(app.clone(), get("/api/report?format=html&no_checkup=1")).await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(
        a.headers[header::CONTENT_DISPOSITION],
        "attachment; filename=\"restore-doctor-report.html\""
    );
    assert!(
        a.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(a.text.contains("iPhone 7"), "the device is shown");
    for id in identifiers {
        assert!(!a.text.to_uppercase().contains(id), "{id} leaked");
    }
    let md = ask(app.clone(), get("/api/report?format=md&no_checkup=1")).await;
    assert_eq!(
        md.headers[header::CONTENT_DISPOSITION],
        "attachment; filename=\"restore-doctor-report.md\""
    );
    for id in identifiers {
        assert!(!md.text.to_uppercase().contains(id), "{id} leaked");
    }
    // Kept on request: the test above can fail.
    let kept = ask(app.clone(), get("/api/report?no_checkup=1&no_redact=1")).await;
    assert!(kept.text.contains("F17SX0AAHG7F"));
    assert_eq!(
        ask(app.clone(), get("/api/report?format=pdf")).await.status,
        400
    );
    assert_eq!(
        ask(app, get("/api/report?only=no.such.check")).await.status,
        400
    );
}

#[tokio::test]
async fn companion_routes_refuse_a_foreign_origin() {
    let c = companion();
    for route in [
        "/api/logs",
        "/api/log?found=0",
        "/api/history",
        "/api/report?no_checkup=1",
        "/api/watch",
    ] {
        let mut req = get(route);
        req.headers_mut()
            .insert(header::ORIGIN, "http://evil.example".parse().unwrap());
        let a = ask(c.app(), req).await;
        assert_eq!(a.status, 403, "{route}");
        assert!(a.json()["error"].as_str().unwrap().contains("another site"));
    }
}

#[tokio::test]
async fn watch_streams_the_timeline_of_the_timed_fake_bus() {
    let c = companion();
    let resp = on_fake_bus(&c).oneshot(get("/api/watch")).await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    // Read until the device has arrived; the stream itself runs until the page closes.
    let mut body = resp.into_body();
    let seen = read_events_until(&mut body, |d| d["event"] == "arrived").await;
    assert_eq!(seen[0].0, "timeline");
    assert_eq!(seen[0].1["event"], "started");
    let arrived = &seen
        .iter()
        .find(|(_, d)| d["event"] == "arrived")
        .unwrap()
        .1;
    // The fixture's first frame: an iPhone on bus 1, port 1.
    assert_eq!(arrived["device"]["location"], "bus 1, port 1", "{arrived}");
    drop(body);

    let broken = rd_web::router(AppState {
        usb: usb("does_not_exist.json"),
        ..state()
    });
    let a = ask(broken, get("/api/watch")).await;
    assert_eq!(a.status, 400);
    assert!(a.json()["error"].is_string());
}

#[tokio::test]
async fn watch_counts_against_the_live_stream_limit() {
    let app = rd_web::router(AppState {
        usb: rd_engine::UsbSource::fixture(fixture(
            "watch/tests/fixtures/iphonex_restore_drop_recovery.json",
        )),
        limits: Limits {
            max_live: 1,
            ..Limits::default()
        },
        ..state()
    });
    let first = app.clone().oneshot(get("/api/watch")).await.unwrap();
    assert_eq!(first.status(), 200);
    let a = ask(app.clone(), get("/api/watch")).await;
    assert_eq!(a.status, 503);
    assert!(a.json()["error"].as_str().unwrap().starts_with("busy"));
    drop(first);
}
