//! The checkup's `apple.tss` probe against a raw loopback TSS stand-in that keeps every request
//! head as sent: one User-Agent, an rd-tss request with `@UUID`, and nothing sent at all when the
//! checkup shows the check as skipped (no internet).

use crate::support;

use rd_model::Severity;
use std::io::{BufReader, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::{Behaviour, Ca, Fakes};

/// Request heads and bodies as received.
type Seen = Arc<Mutex<Vec<(String, Vec<u8>)>>>;

/// A plain-HTTP TSS stand-in answering `body` to every request.
fn raw_tss(body: &'static str) -> (SocketAddr, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let seen: Seen = Arc::default();
    let log = seen.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { continue };
            let mut reader = BufReader::new(conn.try_clone().unwrap());
            let (head, req) = rd_testkit::read_raw_request(&mut reader);
            log.lock().unwrap().push((head, req));
            let _ = conn.write_all(
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                )
                .as_bytes(),
            );
        }
    });
    (addr, seen)
}

/// A config with a working internet target and DNS, and TSS at `tss`.
fn online(fakes: &Fakes, dir: &std::path::Path, tss: SocketAddr) -> rd_probe::Config {
    let ca = Ca::new("Test Root", "Test");
    let mut cfg = support::hermetic_config(dir);
    let roots = ca.write(dir, "root.pem");
    cfg.tls.public_roots = vec![roots.clone()];
    cfg.tls.apple_roots = vec![roots];
    let web = fakes.tls(&ca, support::NAMES, Duration::ZERO, Behaviour::Close);
    cfg.internet_targets = vec![rd_probe::data::InternetTarget {
        addr: web.to_string(),
        name: "one.one.one.one".into(),
    }];
    let dns = fakes.dns(&[("one.one.one.one", Ipv4Addr::new(1, 1, 1, 1))]);
    cfg.dns.system_resolver = dns.to_string();
    cfg.internet_names = vec!["one.one.one.one".into()];
    cfg.connect_to
        .insert("one.one.one.one".into(), web.to_string());
    cfg.tss_url = format!("http://{tss}/TSS/controller?action=2");
    cfg
}

#[test]
fn one_user_agent_and_an_rd_tss_request() {
    let fakes = Fakes::new();
    let dir = tempfile::tempdir().unwrap();
    let (tss, seen) = raw_tss(support::TSS_REFUSAL);
    let results = support::run_checks(online(&fakes, dir.path(), tss), &["apple.tss"]);
    let f = &results[0].finding;
    assert!(!results[0].skipped);
    assert_eq!(f.severity, Severity::Ok, "{}: {}", f.title, f.explanation);
    assert!(f.title.contains("STATUS=94"));
    // The meaning comes from the one status table.
    assert!(f.explanation.contains(&rd_tss::lookup(94).unwrap().meaning));
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    let (head, body) = &seen[0];
    let uas: Vec<&str> = head
        .lines()
        .filter(|l| l.to_ascii_lowercase().starts_with("user-agent:"))
        .collect();
    assert_eq!(uas, vec!["User-Agent: InetURL/1.0"], "{head}");
    let v = plist::Value::from_reader_xml(&body[..]).unwrap();
    let d = v.as_dictionary().unwrap();
    assert_eq!(d["@UUID"].as_string().map(str::len), Some(36));
    assert_eq!(d["ApNonce"].as_data().map(<[u8]>::len), Some(32));
}

#[test]
fn nothing_is_sent_when_the_check_is_skipped() {
    let fakes = Fakes::new();
    let dir = tempfile::tempdir().unwrap();
    let (tss, seen) = raw_tss(support::TSS_REFUSAL);
    let mut cfg = online(&fakes, dir.path(), tss);
    // No internet: the internet target is a closed port, and nothing resolves.
    cfg.internet_targets[0].addr = support::closed_port().to_string();
    cfg.connect_to.clear();
    cfg.dns.system_resolver = fakes.dns(&[]).to_string();
    let results = support::run_checks(cfg, &["net.internet", "apple.tss"]);
    let r = results.iter().find(|r| r.id == "apple.tss").unwrap();
    assert!(r.skipped, "{}", r.finding.title);
    assert!(
        seen.lock().unwrap().is_empty(),
        "a skipped check sent a request"
    );
}
