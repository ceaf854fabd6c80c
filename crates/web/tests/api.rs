//! The page and API served for real on 127.0.0.1, asked over HTTP.

use serde_json::Value;
use std::path::PathBuf;

struct Server {
    base: String,
}

fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(rel)
}

fn start(state: rd_web::AppState) -> Server {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            rd_web::serve_on(listener, state).await.unwrap();
        });
    });
    let addr = rx.recv().unwrap();
    Server {
        base: format!("http://{addr}"),
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(std::time::Duration::from_secs(30)))
        .build()
        .into()
}

fn get(s: &Server, path: &str) -> (u16, String) {
    let mut resp = agent().get(&format!("{}{path}", s.base)).call().unwrap();
    let status = resp.status().as_u16();
    (status, resp.body_mut().read_to_string().unwrap())
}

fn post(s: &Server, path: &str, body: &[u8]) -> (u16, String) {
    let mut resp = agent()
        .post(&format!("{}{path}", s.base))
        .send(body)
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.body_mut().read_to_string().unwrap())
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

#[test]
fn page_is_served_with_every_tab() {
    let s = start(Default::default());
    let (status, html) = get(&s, "/");
    assert_eq!(status, 200);
    for needle in [
        "/api/error",
        "/api/log",
        "/api/checkup",
        "/api/devices",
        "redact",
    ] {
        assert!(html.contains(needle), "page lacks {needle}");
    }
}

#[test]
fn error_route_answers_like_the_cli() {
    let s = start(Default::default());
    let (status, body) = get(&s, "/api/error?q=An%20unknown%20error%20occurred%20(4013).");
    assert_eq!(status, 200);
    let v = json(&body);
    assert_eq!(v["kind"], "error");
    assert_eq!(v["findings"][0]["family"], "usb");
    assert!(!v["findings"][0]["remedies"].as_array().unwrap().is_empty());

    let (status, body) = get(&s, "/api/error?q=99999");
    assert_eq!(status, 404);
    assert!(json(&body)["error"].as_str().unwrap().contains("99999"));

    let (status, _) = get(&s, "/api/error?q=");
    assert_eq!(status, 400);
}

#[test]
fn errors_route_filters_by_family_and_rejects_unknown_ones() {
    let s = start(Default::default());
    let (status, body) = get(&s, "/api/errors?family=signing");
    assert_eq!(status, 200);
    let list = json(&body);
    let list = list.as_array().unwrap();
    assert!(!list.is_empty());
    assert!(list.iter().all(|e| e["family"] == "signing"));
    assert!(list.iter().any(|e| e["code"] == "3194"));
    let (status, _) = get(&s, "/api/errors?family=cosmic_rays");
    assert_eq!(status, 400);
}

#[test]
fn checks_route_gives_the_verifying_command() {
    let s = start(Default::default());
    let (_, body) = get(&s, "/api/checks");
    let list = json(&body);
    let signed = list
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

#[test]
fn log_route_diagnoses_a_posted_log() {
    let s = start(Default::default());
    let log = std::fs::read(fixture("logs/tests/fixtures/idr_tss_not_signed.log")).unwrap();
    let (status, body) = post(&s, "/api/log", &log);
    assert_eq!(status, 200);
    let v = json(&body);
    assert_eq!(v["category"], "signing");
    assert_eq!(v["outcome"], "failure");
    assert!(!v["evidence"].as_array().unwrap().is_empty());

    let (status, body) = post(&s, "/api/log", b"");
    assert_eq!(status, 422);
    assert!(json(&body)["error"].is_string());
}

#[test]
fn devices_route_reports_a_recorded_bus() {
    let s = start(rd_web::AppState {
        usb_fixture: Some(fixture("device/tests/fixtures/two_hubs_dfu.json")),
        ..Default::default()
    });
    let (status, body) = get(&s, "/api/devices");
    assert_eq!(status, 200);
    let v = json(&body);
    assert_eq!(v["kind"], "devices");
    let ids: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"usb.hub.chain"), "{ids:?}");

    // The device is in DFU mode; a restore that needs normal mode is told so, naming the ECID —
    // unless the report is redacted for sharing.
    let (_, plain) = get(&s, "/api/devices?need=normal");
    let (_, shared) = get(&s, "/api/devices?need=normal&redact=1");
    assert!(
        plain.contains("device.mode.wrong") && plain.contains("1A2B3C4D5E6F26"),
        "{plain}"
    );
    assert!(shared.contains("device.mode.wrong"), "{shared}");
    assert!(!shared.contains("1A2B3C4D5E6F26"), "{shared}");
    let (status, _) = get(&s, "/api/devices?need=sideways");
    assert_eq!(status, 400);
}
