//! Loopback fakes for the checkup's tests and benchmark: a made-up PKI (rcgen), rustls servers
//! (a proper "Apple" host, an intercepting antivirus, a silent one, TSS), a hickory DNS server
//! and an axum status endpoint. Everything listens on 127.0.0.1 only.
#![allow(dead_code)]

use hickory_server::ServerFuture;
use hickory_server::authority::{Catalog, ZoneType};
use hickory_server::proto::rr::rdata::{A, SOA};
use hickory_server::proto::rr::{LowerName, Name, RData, Record};
use hickory_server::store::in_memory::InMemoryAuthority;
use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, UdpSocket};

/// Every name the fake servers' certificates cover.
pub const NAMES: &[&str] = &[
    "gs.apple.com",
    "mesu.apple.com",
    "albert.apple.com",
    "updates.cdn-apple.com",
    "www.apple.com",
    "one.one.one.one",
    "dns.google",
];

pub use rd_testkit::Ca;

/// Runs the checks `ids` on a runtime of the test's own, as a program does (the library builds
/// none), and shuts it down without waiting for blocking lookups a check left behind.
pub fn run_checks(cfg: rd_probe::Config, ids: &[&str]) -> Vec<rd_probe::CheckResult> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let results = rt.block_on(rd_probe::run(cfg, ids, |_| {}));
    rt.shutdown_background();
    results
}

/// What a fake TLS server does after the handshake.
#[derive(Clone)]
pub enum Behaviour {
    /// Read a request, answer with this HTTP response body (status 200).
    Http(String),
    /// Close after the handshake.
    Close,
}

/// A runtime that owns the fakes (they live as long as it does).
pub struct Fakes {
    /// The runtime.
    pub rt: tokio::runtime::Runtime,
}

impl Default for Fakes {
    fn default() -> Self {
        Self::new()
    }
}

impl Fakes {
    /// A new set of fakes.
    pub fn new() -> Fakes {
        let _ = rustls::crypto::ring::default_provider().install_default();
        Fakes {
            rt: tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap(),
        }
    }

    /// A rustls server presenting `ca`'s leaf for `names`, waiting `latency` before the handshake.
    pub fn tls(
        &self,
        ca: &Ca,
        names: &[&str],
        latency: Duration,
        behaviour: Behaviour,
    ) -> SocketAddr {
        let (chain, key) = ca.leaf(names);
        let cfg = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(cfg));
        let listener = self.rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        let addr = listener.local_addr().unwrap();
        self.rt.spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else { continue };
                let acceptor = acceptor.clone();
                let behaviour = behaviour.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(latency).await;
                    let Ok(mut tls) = acceptor.accept(tcp).await else { return };
                    if let Behaviour::Http(body) = behaviour {
                        let _ = read_request(&mut tls).await;
                        let resp = format!("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
                        let _ = tls.write_all(resp.as_bytes()).await;
                        let _ = tls.shutdown().await;
                    }
                });
            }
        });
        addr
    }

    /// A server that accepts TCP and then never says anything.
    pub fn silent(&self) -> SocketAddr {
        let listener = self.rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        let addr = listener.local_addr().unwrap();
        self.rt.spawn(async move {
            let mut held = Vec::new();
            while let Ok((tcp, _)) = listener.accept().await {
                held.push(tcp);
            }
        });
        addr
    }

    /// A plain TCP listener that accepts and closes (a "proxy" that answers).
    pub fn tcp_accepting(&self) -> SocketAddr {
        let listener = self.rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        let addr = listener.local_addr().unwrap();
        self.rt.spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                drop(tcp);
            }
        });
        addr
    }

    /// A hickory DNS server answering A records from `answers` (NXDOMAIN for anything else).
    pub fn dns(&self, answers: &[(&str, Ipv4Addr)]) -> SocketAddr {
        let origin = Name::root();
        let mut auth = InMemoryAuthority::empty(origin.clone(), ZoneType::Primary, false);
        let soa = SOA::new(
            Name::from_ascii("ns.test.").unwrap(),
            Name::from_ascii("admin.test.").unwrap(),
            1,
            3600,
            600,
            86400,
            60,
        );
        auth.upsert_mut(Record::from_rdata(origin.clone(), 60, RData::SOA(soa)), 1);
        for (name, ip) in answers {
            let n = Name::from_ascii(format!("{name}.")).unwrap();
            auth.upsert_mut(Record::from_rdata(n, 60, RData::A(A(*ip))), 1);
        }
        let mut catalog = Catalog::new();
        catalog.upsert(LowerName::new(&origin), vec![Arc::new(auth)]);
        let socket = self.rt.block_on(UdpSocket::bind("127.0.0.1:0")).unwrap();
        let addr = socket.local_addr().unwrap();
        let _guard = self.rt.enter();
        let mut server = ServerFuture::new(catalog);
        server.register_socket(socket);
        self.rt.spawn(async move {
            let _ = server.block_until_done().await;
        });
        addr
    }

    /// An axum HTTP server serving `body` as Apple's status data at `/status.json`.
    pub fn status(&self, body: String) -> SocketAddr {
        let listener = self.rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        let addr = listener.local_addr().unwrap();
        let app = axum::Router::new().route(
            "/status.json",
            axum::routing::get(move || async move { body }),
        );
        self.rt.spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        addr
    }
}

async fn read_request<S: tokio::io::AsyncRead + Unpin>(s: &mut S) -> Vec<u8> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let Ok(Ok(n)) = tokio::time::timeout(Duration::from_secs(2), s.read(&mut chunk)).await
        else {
            return buf;
        };
        if n == 0 {
            return buf;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..i]).to_ascii_lowercase();
            let len = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if buf.len() >= i + 4 + len {
                return buf;
            }
        }
    }
}

/// Apple status data with one current incident in `service` (or none when `None`).
pub fn status_json(service: Option<&str>) -> String {
    let mut services = vec![serde_json::json!({"serviceName": "Apple Music", "events": []})];
    if let Some(s) = service {
        services.push(serde_json::json!({"serviceName": s, "events": [{"statusType": "Outage", "eventStatus": "ongoing", "epochEndDate": null, "message": "Some users are affected."}]}));
    }
    serde_json::json!({"services": services}).to_string()
}

/// The TSS refusal a real server gives a made-up device.
pub const TSS_REFUSAL: &str =
    "STATUS=94&MESSAGE=This device isn't eligible for the requested build.";

/// A closed port on 127.0.0.1 (bound, then released).
pub fn closed_port() -> SocketAddr {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let a = l.local_addr().unwrap();
    drop(l);
    a
}

/// A config that touches nothing outside 127.0.0.1: no internet targets' real addresses, no OS
/// store, no environment proxy, a clean hosts file in `dir`.
pub fn hermetic_config(dir: &Path) -> rd_probe::Config {
    let mut cfg = rd_probe::Config {
        internet_targets: Vec::new(),
        internet_names: Vec::new(),
        ..Default::default()
    };
    cfg.apple_hosts.retain(|h| h.name == "gs.apple.com");
    cfg.apple_hosts[0].ports = vec![443];
    cfg.connect_to = BTreeMap::new();
    cfg.dns.public_resolvers = Vec::new();
    cfg.tls.os_store = false;
    cfg.proxy.environment = false;
    cfg.proxy.os_settings = false;
    cfg.proxy.variables = Some(BTreeMap::new());
    let hosts = dir.join("hosts");
    std::fs::write(&hosts, "127.0.0.1 localhost\n::1 localhost\n").unwrap();
    cfg.hosts_file = Some(hosts);
    cfg.download_dir = Some(dir.to_path_buf());
    cfg.min_free_gb = 0.0;
    cfg.step_timeout_ms = 800;
    cfg.tools = Vec::new();
    cfg
}
