//! The network layer against loopback servers and real material: Apple's built-in roots checked
//! against the fingerprints Apple lists; chains judged with the real Apple roots as anchors; the
//! blocking client reaching a made-up "gs.apple.com" through `connect_to` and naming an
//! interceptor; redirects, ranges and one User-Agent.

use rd_net::trust::{self, ChainKind, Pki, TrustStores};
use rd_net::{Client, HttpError, NetConfig, TrustConfig};
use rd_testkit::Ca;
use rustls::pki_types::CertificateDer;
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Reads the fingerprint table of `data/apple_roots/README.md`: (file, sha256 hex).
fn readme_fingerprints() -> Vec<(String, String)> {
    let readme = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("data/apple_roots/README.md"),
    )
    .unwrap();
    readme
        .lines()
        .filter(|l| l.starts_with("| Apple"))
        .map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            (cells[1].to_string(), cells[4].to_string())
        })
        .collect()
}

#[test]
fn built_in_apple_roots_match_apples_fingerprints() {
    let table = readme_fingerprints();
    assert_eq!(table.len(), 3, "{table:?}");
    for (file, pem) in trust::APPLE_ROOTS {
        let der = CertificateDer::from_pem_slice(pem.as_bytes()).unwrap();
        let got = hex::encode(Sha256::digest(der.as_ref()));
        let want = &table.iter().find(|(f, _)| f == file).unwrap().1;
        assert_eq!(&got, want, "{file}");
    }
    let stores = TrustStores::load(&TrustConfig {
        os_store: false,
        ..Default::default()
    });
    assert_eq!(stores.apple.len(), 3);
    assert!(stores.notes.is_empty(), "{:?}", stores.notes);
    // Not in Mozilla's list: that is why they must be built in.
    for c in trust::apple_root_certs() {
        let names = trust::cert_names(&c).unwrap();
        assert!(names.subject.contains("Apple Root CA"), "{}", names.subject);
    }
}

use rustls::pki_types::pem::PemObject;

fn stores(apple_extra: &[PathBuf], os_extra: &[PathBuf]) -> TrustStores {
    TrustStores::load(&TrustConfig {
        apple_roots: apple_extra.to_vec(),
        public_roots: Vec::new(),
        os_store: false,
        os_roots: os_extra.to_vec(),
    })
}

#[test]
fn gs_apple_com_is_judged_against_apples_real_roots_only() {
    assert_eq!(trust::pki_for("gs.apple.com"), Pki::Apple);
    assert_eq!(trust::pki_for("GS.apple.com."), Pki::Apple);
    assert_eq!(trust::pki_for("api.ipsw.me"), Pki::Public);
    let dir = tempfile::tempdir().unwrap();
    // A chain that imitates Apple's names but comes from a made-up root.
    let fake = Ca::new("Apple Server Authentication CA", "Apple Inc.");
    let (chain, _) = fake.leaf(&["gs.apple.com"]);
    let mut with_root = chain.clone();
    with_root.push(fake.der.clone());
    let s = stores(&[], &[]);
    let v = trust::judge(&with_root, "gs.apple.com", &s, &["Apple Inc.".into()]);
    assert_eq!(v.kind, ChainKind::Intercepted, "{v:?}");
    assert!(!v.under_apple);
    assert_eq!(v.leaf.issuer_cn, "Apple Server Authentication CA");
    // Even with its root installed in the OS store, it stays interception for an Apple-PKI host.
    let os_root = fake.write(dir.path(), "fake.pem");
    let s = stores(&[], &[os_root]);
    let v = trust::judge(&chain, "gs.apple.com", &s, &["Apple Inc.".into()]);
    assert_eq!(v.kind, ChainKind::Intercepted);
    assert!(v.under_os);
    // A known product is named.
    let av = Ca::new(
        "Kaspersky Anti-Virus Personal Root Certificate",
        "AO Kaspersky Lab",
    );
    let (chain, _) = av.leaf(&["gs.apple.com"]);
    let v = trust::judge(&chain, "gs.apple.com", &stores(&[], &[]), &[]);
    assert_eq!(v.kind, ChainKind::Intercepted);
    assert!(v.product.unwrap().name.contains("Kaspersky"));
    assert!(
        v.who().contains("Kaspersky") && v.who().contains("antivirus"),
        "{}",
        v.who()
    );
}

#[test]
fn a_chain_ending_at_an_apple_anchor_is_genuine() {
    let dir = tempfile::tempdir().unwrap();
    let anchor = Ca::new("Test Apple Root CA", "Apple Inc.");
    let path = anchor.write(dir.path(), "anchor.pem");
    let (chain, _) = anchor.leaf(&["gs.apple.com"]);
    let s = stores(&[path], &[]);
    let v = trust::judge(&chain, "gs.apple.com", &s, &[]);
    assert_eq!(v.kind, ChainKind::Genuine, "{v:?}");
    // Apple's chain issued for another name is still Apple's, not an interceptor's.
    let (other, _) = anchor.leaf(&["gs.apple.com.akadns.net"]);
    let v = trust::judge(&other, "gs.apple.com", &s, &[]);
    assert!(v.under_apple && v.kind == ChainKind::Genuine, "{v:?}");
    // The same chain for a public host does not validate anywhere.
    let (public, _) = anchor.leaf(&["www.example.com"]);
    let v = trust::judge(&public, "www.example.com", &stores(&[], &[]), &[]);
    assert!(matches!(v.kind, ChainKind::Untrusted(_)), "{v:?}");
}

/// A one-thread loopback TLS server presenting `ca`'s leaf for `names`; answers every request
/// with `answer` and records the requests it got.
fn tls_server(
    ca: &Ca,
    names: &[&str],
    answer: &'static str,
) -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
    let (chain, key) = ca.leaf(names);
    let cfg = rustls::ServerConfig::builder_with_provider(trust::provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
    let cfg = Arc::new(cfg);
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let seen2 = seen.clone();
    std::thread::spawn(move || {
        for tcp in l.incoming() {
            let Ok(mut tcp) = tcp else { continue };
            let _ = tcp.set_read_timeout(Some(Duration::from_secs(5)));
            let Ok(conn) = rustls::ServerConnection::new(cfg.clone()) else {
                continue;
            };
            let mut tls = rustls::StreamOwned::new(conn, &mut tcp);
            let req = read_head(&mut tls);
            if req.is_empty() {
                continue;
            }
            // Read the body too: closing a socket with unread bytes makes the kernel answer
            // with a reset, which can reach the client before the answer does.
            let _ = read_body(&mut tls, &req);
            seen2.lock().unwrap().push(req);
            let _ = tls.write_all(answer.as_bytes());
            tls.conn.send_close_notify();
            let _ = tls.flush();
        }
    });
    (addr, seen)
}

fn plain_server(answers: Vec<String>) -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let seen2 = seen.clone();
    std::thread::spawn(move || {
        let mut answers = answers.into_iter();
        for tcp in l.incoming() {
            let Ok(mut tcp) = tcp else { continue };
            let req = read_head(&mut tcp);
            let _ = read_body(&mut tcp, &req);
            seen2.lock().unwrap().push(req);
            let Some(a) = answers.next() else { return };
            let _ = tcp.write_all(a.as_bytes());
        }
    });
    (addr, seen)
}

/// Reads the `Content-Length` bytes of body that follow a request head.
fn read_body(s: &mut impl Read, head: &str) -> std::io::Result<Vec<u8>> {
    let len = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    let mut body = vec![0u8; len.min(1 << 20)];
    s.read_exact(&mut body)?;
    Ok(body)
}

fn read_head(s: &mut impl Read) -> String {
    let mut buf = Vec::new();
    let mut b = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        match s.read(&mut b) {
            Ok(1) => buf.push(b[0]),
            _ => break,
        }
    }
    String::from_utf8_lossy(&buf).into_owned()
}

fn client(connect_to: &[(&str, SocketAddr)], apple_extra: &[PathBuf]) -> Client {
    let mut cfg = NetConfig::with_timeout(Duration::from_secs(5));
    cfg.trust = TrustConfig {
        apple_roots: apple_extra.to_vec(),
        os_store: false,
        ..Default::default()
    };
    for (h, a) in connect_to {
        cfg.connect_to.insert(h.to_string(), a.to_string());
    }
    Client::new(cfg)
}

const TSS_ANSWER: &str = "HTTP/1.1 200 OK\r\nContent-Length: 26\r\nDate: Sun, 29 Nov 2026 19:00:00 GMT\r\n\r\nSTATUS=94&MESSAGE=refused.";

#[test]
fn an_interceptor_of_gs_apple_com_is_named_not_unreachable() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let av = Ca::new("ESET SSL Filter CA", "ESET, spol. s r. o.");
    let (addr, seen) = tls_server(&av, &["gs.apple.com"], TSS_ANSWER);
    let c = client(&[("gs.apple.com", addr)], &[]);
    let err = c
        .send(
            "POST",
            "https://gs.apple.com/TSS/controller?action=2",
            &[],
            b"<plist/>",
            1 << 20,
        )
        .unwrap_err();
    assert!(err.is_interception(), "{err}");
    let text = err.to_string();
    assert!(
        text.contains("ESET SSL Filter CA") && text.contains("antivirus"),
        "{text}"
    );
    assert!(
        seen.lock().unwrap().is_empty(),
        "the request must not be sent to an interceptor"
    );

    // An unknown inspecting proxy is still interception, with its issuer named.
    let unknown = Ca::new("Corp Inspection Root", "Example Corp");
    let (addr, _) = tls_server(&unknown, &["gs.apple.com"], TSS_ANSWER);
    let err = client(&[("gs.apple.com:443", addr)], &[])
        .send(
            "POST",
            "https://gs.apple.com/TSS/controller?action=2",
            &[],
            b"x",
            1 << 20,
        )
        .unwrap_err();
    assert!(
        err.is_interception() && err.to_string().contains("Corp Inspection Root"),
        "{err}"
    );
}

#[test]
fn gs_apple_com_with_an_apple_anchor_answers_with_one_user_agent() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let anchor = Ca::new("Test Apple Root CA", "Apple Inc.");
    let path = anchor.write(dir.path(), "anchor.pem");
    let (addr, seen) = tls_server(&anchor, &["gs.apple.com"], TSS_ANSWER);
    let c = client(&[("gs.apple.com", addr)], &[path]);
    let r = c
        .send(
            "POST",
            "https://gs.apple.com/TSS/controller?action=2",
            &[("User-Agent", "InetURL/1.0"), ("Content-Type", "text/xml")],
            b"<plist/>",
            1 << 20,
        )
        .unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.body, b"STATUS=94&MESSAGE=refused.");
    assert_eq!(r.header("Date"), Some("Sun, 29 Nov 2026 19:00:00 GMT"));
    let req = seen.lock().unwrap()[0].to_ascii_lowercase();
    assert_eq!(req.matches("user-agent:").count(), 1, "{req}");
    assert!(req.contains("user-agent: ineturl/1.0") && req.contains("host: gs.apple.com\r\n"));
}

#[test]
fn redirects_ranges_and_limits() {
    let (b, seen_b) = plain_server(vec![
        "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-3/10\r\nContent-Length: 4\r\n\r\nabcd".into(),
    ]);
    let (a, _) = plain_server(vec![format!(
        "HTTP/1.1 302 Found\r\nLocation: http://files.example:{}/x.ipsw\r\nContent-Length: 0\r\n\r\n",
        b.port()
    )]);
    let c = client(&[("api.example", a), ("files.example", b)], &[]);
    let r = c
        .get("http://api.example/x", &[("Range", "bytes=0-3")], 100)
        .unwrap();
    assert_eq!((r.status, r.body.as_slice()), (206, &b"abcd"[..]));
    let req = seen_b.lock().unwrap()[0].clone();
    assert!(
        req.starts_with("GET /x.ipsw HTTP/1.1\r\n") && req.contains("Range: bytes=0-3"),
        "{req}"
    );
    assert!(req.contains(&format!("User-Agent: {}", rd_net::USER_AGENT)));

    let (big, _) = plain_server(vec![
        "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789".into(),
    ]);
    let err = client(&[("big.example", big)], &[])
        .get("http://big.example/", &[], 5)
        .unwrap_err();
    assert!(
        matches!(err, HttpError::Answer(ref m) if m.contains("larger")),
        "{err}"
    );
}

#[test]
fn unresolvable_and_refused_are_told_apart() {
    let closed = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let err = client(&[("x.example", closed)], &[])
        .get("http://x.example/", &[], 10)
        .unwrap_err();
    assert!(matches!(err, HttpError::Connect(_)), "{err}");
}

#[test]
fn streaming_reads_length_chunked_and_redirected_bodies() {
    let (b, _) = plain_server(vec![
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;x=y\r\n world\r\n0\r\n\r\n".into(),
    ]);
    let (a, _) = plain_server(vec![
        format!(
            "HTTP/1.1 301 Moved\r\nLocation: http://b.example:{}/file\r\nContent-Length: 0\r\n\r\n",
            b.port()
        ),
        "HTTP/1.1 206 Partial Content\r\nContent-Length: 4\r\nContent-Range: bytes 0-3/9\r\n\r\nabcdTRAILING".into(),
    ]);
    let c = client(&[("a.example", a), ("b.example", b)], &[]);
    let mut s = c.open("http://a.example/x", &[]).unwrap();
    assert_eq!((s.status, s.length), (200, None));
    let mut body = String::new();
    s.body.read_to_string(&mut body).unwrap();
    assert_eq!(body, "hello world");
    let mut s = c
        .open("http://a.example/y", &[("Range", "bytes=0-3")])
        .unwrap();
    assert_eq!((s.status, s.length), (206, Some(4)));
    assert_eq!(
        s.headers.get("content-range").map(String::as_str),
        Some("bytes 0-3/9")
    );
    let mut body = Vec::new();
    s.body.read_to_end(&mut body).unwrap();
    assert_eq!(body, b"abcd");
}

#[test]
fn streaming_names_an_interceptor_too() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let av = Ca::new("Avast Web/Mail Shield Root", "AVAST Software s.r.o.");
    let (addr, _) = tls_server(&av, &["gs.apple.com"], TSS_ANSWER);
    let err = client(&[("gs.apple.com", addr)], &[])
        .open("https://gs.apple.com/", &[])
        .unwrap_err();
    assert!(
        err.is_interception() && err.to_string().contains("Avast"),
        "{err}"
    );
}

/// A one-thread UDP nameserver on 127.0.0.1 answering A queries for `name` with 127.0.0.1 and
/// NXDOMAIN for anything else (AAAA for `name`: no records).
fn nameserver(name: &'static str) -> SocketAddr {
    use hickory_proto::op::{Message, MessageType, ResponseCode};
    use hickory_proto::rr::{RData, Record, RecordType, rdata::A};
    let sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = sock.local_addr().unwrap();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok((n, from)) = sock.recv_from(&mut buf) {
            let Ok(q) = Message::from_vec(&buf[..n]) else {
                continue;
            };
            let mut r = Message::new();
            r.set_id(q.id()).set_message_type(MessageType::Response);
            r.add_queries(q.queries().to_vec());
            let query = &q.queries()[0];
            let asked = query.name().to_ascii();
            if asked.trim_end_matches('.') != name {
                r.set_response_code(ResponseCode::NXDomain);
            } else if query.query_type() == RecordType::A {
                r.add_answer(Record::from_rdata(
                    query.name().clone(),
                    60,
                    RData::A(A::new(127, 0, 0, 1)),
                ));
            }
            let _ = sock.send_to(&r.to_vec().unwrap(), from);
        }
    });
    addr
}

#[test]
fn a_given_nameserver_resolves_names_for_the_client() {
    let ns = nameserver("files.example");
    let (web, seen) = plain_server(vec![
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".into(),
    ]);
    let mut cfg = NetConfig::with_timeout(Duration::from_secs(5));
    cfg.lookup = rd_net::Lookup::Server(ns);
    cfg.trust.os_store = false;
    let c = Client::new(cfg);
    let r = c
        .get(&format!("http://files.example:{}/x", web.port()), &[], 10)
        .unwrap();
    assert_eq!(r.body, b"ok");
    assert!(seen.lock().unwrap()[0].contains(&format!("Host: files.example:{}", web.port())));
    let err = c.get("http://nothing.example/", &[], 10).unwrap_err();
    assert!(
        matches!(err, HttpError::Resolve(ref m) if m.contains("no such name")),
        "{err}"
    );
}
