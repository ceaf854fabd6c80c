//! The one HTTP/1.1 client every online command uses (`checkup`, `signed`, `ipsw URL`,
//! `catalog update`): blocking, over the layer's own resolver, `connect_to` overrides, proxy
//! (`CONNECT` tunnel), trust stores and timeouts, with one `User-Agent`. A failed certificate
//! check is judged, so an intercepted Apple host is named with its issuer and likely product
//! rather than reported as unreachable. One request per connection (`Connection: close`);
//! identity or chunked bodies, bounded by the caller's limit.

use crate::addr;
use crate::trust::{self, ChainKind, ChainVerdict, TrustStores};
use crate::{NetConfig, USER_AGENT};
use rustls::pki_types::{CertificateDer, ServerName};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

/// A parsed `http://` or `https://` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    /// TLS or not.
    pub https: bool,
    /// Host name or IP literal (no brackets).
    pub host: String,
    /// Port (default 443 / 80).
    pub port: u16,
    /// Path and query, starting with `/`.
    pub path: String,
}

impl Url {
    /// Parses an absolute http(s) URL.
    pub fn parse(s: &str) -> Result<Url, String> {
        let (https, rest) = if let Some(r) = s.strip_prefix("https://") {
            (true, r)
        } else if let Some(r) = s.strip_prefix("http://") {
            (false, r)
        } else {
            return Err("expected an http:// or https:// URL".into());
        };
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], rest[i..].to_string()),
            None => (rest, "/".to_string()),
        };
        let default_port = if https { 443 } else { 80 };
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (h, after) = v6.split_once(']').ok_or("unclosed [ in host")?;
            let port = match after.strip_prefix(':') {
                Some(p) => p.parse().map_err(|_| "bad port")?,
                None => default_port,
            };
            (h.to_string(), port)
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h.to_string(), p.parse().map_err(|_| "bad port")?),
                None => (authority.to_string(), default_port),
            }
        };
        if host.is_empty() {
            return Err("no host in URL".into());
        }
        // A bracketed host is an IPv6 literal; any other is a DNS name or IPv4 address. Nothing
        // else may reach the Host header or the TLS server name (no spaces, controls, CR/LF).
        let valid = if host.contains(':') {
            host.parse::<std::net::Ipv6Addr>().is_ok()
        } else {
            host.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
        };
        if !valid {
            return Err(format!("not a host name: {host:.60?}"));
        }
        if path.bytes().any(|b| b.is_ascii_control() || b == b' ') {
            return Err("spaces or control characters in the URL path".into());
        }
        Ok(Url {
            https,
            host,
            port,
            path,
        })
    }
    /// `host[:port]` as the `Host` header carries it (port only when not the default).
    pub fn authority(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        if (self.https && self.port == 443) || (!self.https && self.port == 80) {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }

    /// Resolves a redirect target (absolute, or a path on the same host).
    pub fn join(&self, location: &str) -> Result<Url, String> {
        if location.starts_with("http://") || location.starts_with("https://") {
            Url::parse(location)
        } else if location.starts_with('/') {
            Ok(Url {
                path: location.to_string(),
                ..self.clone()
            })
        } else {
            Err("not an absolute URL or path".into())
        }
    }
}

impl std::fmt::Display for Url {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let scheme = if self.https { "https" } else { "http" };
        write!(f, "{scheme}://{}{}", self.authority(), self.path)
    }
}

/// An HTTP response.
#[derive(Debug, Clone)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Headers, names lower-cased.
    pub headers: BTreeMap<String, String>,
    /// Decoded body.
    pub body: Vec<u8>,
}

impl Response {
    /// A header's value (name in any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }
}

/// Where an HTTP exchange failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpError {
    /// The host name did not resolve.
    Resolve(String),
    /// TCP connect failed.
    Connect(String),
    /// TLS failed (with the certificate issuer when one was presented).
    Tls(String),
    /// Someone other than the host answered with their own certificate: an Apple-PKI host whose
    /// chain does not end at an Apple root, or a chain from known security software.
    Intercepted {
        /// The host asked for.
        host: String,
        /// Who issued the presented chain, with the likely product.
        who: String,
    },
    /// Sent, but no complete answer in time, or a malformed or oversized one.
    Answer(String),
}

impl std::fmt::Display for HttpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HttpError::Resolve(s) => write!(f, "cannot resolve: {s}"),
            HttpError::Connect(s) => write!(f, "cannot connect: {s}"),
            HttpError::Tls(s) => write!(f, "{s}"),
            HttpError::Intercepted { host, who } => write!(
                f,
                "HTTPS to {host} is intercepted: the certificate was issued by {who}, not by who serves {host} (security software or a proxy inspects the connection)"
            ),
            HttpError::Answer(s) => write!(f, "bad or no answer: {s}"),
        }
    }
}

impl HttpError {
    /// Whether the failure is interception by security software or a proxy.
    pub fn is_interception(&self) -> bool {
        matches!(self, HttpError::Intercepted { .. })
    }
}

/// Largest number of redirects followed for GET.
pub const MAX_REDIRECTS: usize = 5;

/// The client: configuration plus the trust stores (loaded once, on first use).
#[derive(Clone)]
pub struct Client {
    cfg: Arc<NetConfig>,
    stores: Arc<OnceLock<Arc<TrustStores>>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("cfg", &self.cfg).finish()
    }
}

impl Client {
    /// A client for `cfg`; trust stores load on the first HTTPS request.
    pub fn new(cfg: NetConfig) -> Client {
        Client {
            cfg: Arc::new(cfg),
            stores: Arc::new(OnceLock::new()),
        }
    }

    /// A client that uses already-loaded trust stores (the checkup shares its own).
    pub fn with_stores(cfg: NetConfig, stores: Arc<TrustStores>) -> Client {
        let cell = OnceLock::new();
        let _ = cell.set(stores);
        Client {
            cfg: Arc::new(cfg),
            stores: Arc::new(cell),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &NetConfig {
        &self.cfg
    }

    /// The trust stores (loading them now if needed).
    pub fn stores(&self) -> Arc<TrustStores> {
        self.stores
            .get_or_init(|| Arc::new(TrustStores::load(&self.cfg.trust)))
            .clone()
    }

    /// `GET url`, following redirects; body of at most `limit` bytes.
    pub fn get(
        &self,
        url: &str,
        headers: &[(&str, &str)],
        limit: u64,
    ) -> Result<Response, HttpError> {
        self.send("GET", url, headers, b"", limit)
    }

    /// Sends one request (GET and HEAD follow up to [`MAX_REDIRECTS`] redirects). A
    /// `User-Agent` among `headers` replaces the layer's own, so exactly one is sent.
    pub fn send(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: &[u8],
        limit: u64,
    ) -> Result<Response, HttpError> {
        let deadline = Instant::now() + self.cfg.total_timeout;
        let mut url = Url::parse(url).map_err(|e| HttpError::Answer(format!("{url}: {e}")))?;
        let follows = matches!(method, "GET" | "HEAD");
        for _ in 0..=MAX_REDIRECTS {
            let resp = self.send_once(method, &url, headers, body, limit, deadline)?;
            let location = resp.header("location").map(str::to_string);
            match (follows, resp.status, location) {
                (true, 301 | 302 | 303 | 307 | 308, Some(loc)) => {
                    url = url
                        .join(&loc)
                        .map_err(|e| HttpError::Answer(format!("redirect to {loc:.80}: {e}")))?;
                }
                _ => return Ok(resp),
            }
        }
        Err(HttpError::Answer(format!(
            "more than {MAX_REDIRECTS} redirects"
        )))
    }

    /// The addresses to connect to for `host:port`: a `connect_to` override, else resolution.
    pub fn addresses(&self, host: &str, port: u16) -> Result<Vec<SocketAddr>, addr::DnsError> {
        if let Some(sa) = override_for(&self.cfg.connect_to, host, port) {
            return Ok(vec![sa]);
        }
        let ips = addr::resolve_blocking(self.cfg.lookup, host, self.cfg.step_timeout)?;
        Ok(ips
            .into_iter()
            .map(|ip| SocketAddr::new(ip, port))
            .collect())
    }

    fn tcp_to(&self, host: &str, port: u16) -> Result<(TcpStream, SocketAddr), HttpError> {
        let addrs = self
            .addresses(host, port)
            .map_err(|e| HttpError::Resolve(format!("{host}: {e}")))?;
        addr::connect_blocking(&addrs, self.cfg.step_timeout)
            .map_err(|e| HttpError::Connect(format!("{host}:{port}: {e}")))
    }

    fn send_once(
        &self,
        method: &str,
        url: &Url,
        headers: &[(&str, &str)],
        body: &[u8],
        limit: u64,
        deadline: Instant,
    ) -> Result<Response, HttpError> {
        let (stream, target) = self.connect(url)?;
        let head = request_head(method, &target, url, headers, body.len());
        exchange(
            stream,
            head.as_bytes(),
            body,
            limit,
            deadline,
            method == "HEAD",
        )
    }

    /// Opens a connection for `url` (direct, through `connect_to`, or tunnelled through the
    /// proxy), completing and judging the TLS handshake for https; returns the stream and the
    /// request target to use (absolute form for a plain-HTTP proxy).
    fn connect(&self, url: &Url) -> Result<(Box<dyn Stream>, String), HttpError> {
        let step = self.cfg.step_timeout;
        let proxy = self.cfg.proxy.route(&url.host, url.https).cloned();
        let direct = override_for(&self.cfg.connect_to, &url.host, url.port).is_some();
        let (tcp, addr, via_proxy) = match proxy.filter(|_| !direct) {
            Some((ph, pp)) => {
                let (tcp, addr) = self.tcp_to(&ph, pp)?;
                (tcp, addr, true)
            }
            None => {
                let (tcp, addr) = self.tcp_to(&url.host, url.port)?;
                (tcp, addr, false)
            }
        };
        let io = |e: std::io::Error| HttpError::Connect(e.to_string());
        tcp.set_read_timeout(Some(step)).map_err(io)?;
        tcp.set_write_timeout(Some(step)).map_err(io)?;
        let mut tcp = tcp;
        if via_proxy && url.https {
            connect_tunnel(&mut tcp, &url.host, url.port)?;
        }
        let target = if via_proxy && !url.https {
            url.to_string()
        } else {
            url.path.clone()
        };
        if !url.https {
            return Ok((Box::new(tcp), target));
        }
        let stores = self.stores();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let config = stores.client_config(&url.host, seen.clone(), true);
        let name = ServerName::try_from(url.host.clone())
            .map_err(|e| HttpError::Tls(format!("bad server name {}: {e}", url.host)))?;
        let mut conn = rustls::ClientConnection::new(config, name)
            .map_err(|e| HttpError::Tls(e.to_string()))?;
        while conn.is_handshaking() {
            if let Err(e) = conn.complete_io(&mut tcp) {
                let chain = seen.lock().map(|s| s.clone()).unwrap_or_default();
                return Err(tls_failure(&e, &chain, &url.host, &stores, addr));
            }
        }
        Ok((Box::new(rustls::StreamOwned::new(conn, tcp)), target))
    }

    /// `GET url` with the body left to read as it arrives (an IPSW of gigabytes): redirects are
    /// followed, the head is parsed, and the returned reader yields the decoded body (by
    /// `Content-Length`, chunked, or up to the close), each read under the step timeout.
    pub fn open(&self, url: &str, headers: &[(&str, &str)]) -> Result<Streaming, HttpError> {
        let mut url = Url::parse(url).map_err(|e| HttpError::Answer(format!("{url}: {e}")))?;
        for _ in 0..=MAX_REDIRECTS {
            let (mut stream, target) = self.connect(&url)?;
            let head = request_head("GET", &target, &url, headers, 0);
            stream
                .write_all(head.as_bytes())
                .and_then(|_| stream.flush())
                .map_err(|e| HttpError::Answer(format!("sending the request failed: {e}")))?;
            let (status, resp_headers, rest) = read_head(&mut stream)?;
            let location = resp_headers.get("location").cloned();
            if let (301 | 302 | 303 | 307 | 308, Some(loc)) = (status, location) {
                url = url
                    .join(&loc)
                    .map_err(|e| HttpError::Answer(format!("redirect to {loc:.80}: {e}")))?;
                continue;
            }
            let chunked = resp_headers
                .get("transfer-encoding")
                .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
            let length = resp_headers
                .get("content-length")
                .and_then(|v| v.trim().parse::<u64>().ok());
            let raw: Box<dyn Read + Send> = Box::new(std::io::Cursor::new(rest).chain(stream));
            let body: Box<dyn Read + Send> = if chunked {
                Box::new(ChunkedReader::new(raw))
            } else if let Some(n) = length {
                Box::new(raw.take(n))
            } else {
                raw
            };
            return Ok(Streaming {
                status,
                headers: resp_headers,
                length: if chunked { None } else { length },
                body,
            });
        }
        Err(HttpError::Answer(format!(
            "more than {MAX_REDIRECTS} redirects"
        )))
    }
}

/// A byte stream a request goes over (TCP, or TLS over TCP).
trait Stream: Read + Write + Send {}
impl<T: Read + Write + Send> Stream for T {}

/// An answer whose body is read as it arrives.
pub struct Streaming {
    /// Status code.
    pub status: u16,
    /// Headers, names lower-cased.
    pub headers: BTreeMap<String, String>,
    /// The body's length when the server gave one (not for chunked bodies).
    pub length: Option<u64>,
    /// The decoded body.
    pub body: Box<dyn Read + Send>,
}

impl std::fmt::Debug for Streaming {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Streaming")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("length", &self.length)
            .finish()
    }
}

/// Largest response head accepted.
const MAX_HEAD: usize = 64 * 1024;

/// Status, lower-cased headers, and the body bytes read past the head.
type Head = (u16, BTreeMap<String, String>, Vec<u8>);

/// Reads a response head.
fn read_head(s: &mut dyn Stream) -> Result<Head, HttpError> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8 * 1024];
    loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head_only = String::from_utf8_lossy(&buf[..i]).to_string();
            let r = parse_head(&head_only)?;
            return Ok((r.0, r.1, buf[i + 4..].to_vec()));
        }
        if buf.len() > MAX_HEAD {
            return Err(HttpError::Answer("response head too long".into()));
        }
        match s.read(&mut chunk) {
            Ok(0) => {
                return Err(HttpError::Answer(if buf.is_empty() {
                    "the server closed without answering".into()
                } else {
                    "the answer ended inside its head".into()
                }));
            }
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return Err(HttpError::Answer("no answer in time (timed out)".into()));
            }
            Err(e) => return Err(HttpError::Answer(e.to_string())),
        }
    }
}

fn parse_head(head: &str) -> Result<(u16, BTreeMap<String, String>), HttpError> {
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or("");
    let mut parts = status_line.split_whitespace();
    if !parts.next().unwrap_or("").starts_with("HTTP/1.") {
        return Err(HttpError::Answer(format!(
            "not an HTTP/1.x answer: {status_line:.60}"
        )));
    }
    let status = parts
        .next()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| HttpError::Answer(format!("bad status line: {status_line:.60}")))?;
    let mut headers = BTreeMap::new();
    for l in lines {
        if let Some((k, v)) = l.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    Ok((status, headers))
}

/// Decodes a chunked body as it is read.
struct ChunkedReader<R: Read> {
    inner: std::io::BufReader<R>,
    left: u64,
    done: bool,
}

impl<R: Read> ChunkedReader<R> {
    fn new(inner: R) -> Self {
        ChunkedReader {
            inner: std::io::BufReader::new(inner),
            left: 0,
            done: false,
        }
    }

    fn line(&mut self) -> std::io::Result<String> {
        use std::io::BufRead;
        let mut line = String::new();
        (&mut self.inner).take(1024).read_line(&mut line)?;
        Ok(line)
    }
}

impl<R: Read> Read for ChunkedReader<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let bad = |m: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, m.to_string());
        if self.done || out.is_empty() {
            return Ok(0);
        }
        if self.left == 0 {
            let line = self.line()?;
            let size = line.trim().split(';').next().unwrap_or("").trim();
            self.left = u64::from_str_radix(size, 16).map_err(|_| bad("bad chunk size"))?;
            if self.left == 0 {
                self.done = true;
                return Ok(0);
            }
        }
        let want = out
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut out[..want])?;
        if n == 0 {
            return Err(bad("the body ended inside a chunk"));
        }
        self.left -= n as u64;
        if self.left == 0 {
            let end = self.line()?;
            if !end.trim().is_empty() {
                return Err(bad("a chunk did not end with CRLF"));
            }
        }
        Ok(n)
    }
}

/// The `connect_to` override for `host:port` (key `host:port` first, then `host`).
pub fn override_for(map: &BTreeMap<String, String>, host: &str, port: u16) -> Option<SocketAddr> {
    let keys = [format!("{host}:{port}"), host.to_string()];
    keys.iter()
        .find_map(|k| map.get(k))
        .and_then(|v| addr::parse_connect_to(v, port))
}

/// Turns a failed handshake into an error; a rejected chain is judged, and an intercepted one
/// says who issued it.
fn tls_failure(
    e: &std::io::Error,
    chain: &[CertificateDer<'static>],
    host: &str,
    stores: &TrustStores,
    addr: SocketAddr,
) -> HttpError {
    if matches!(
        e.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
    ) {
        return HttpError::Tls(format!(
            "TLS handshake with {host} at {addr} got no answer (timed out)"
        ));
    }
    if chain.is_empty() {
        return HttpError::Tls(format!("TLS handshake with {host} at {addr} failed: {e}"));
    }
    let verdict: ChainVerdict = trust::judge(chain, host, stores, &[]);
    match verdict.kind {
        ChainKind::Intercepted => HttpError::Intercepted {
            host: host.to_string(),
            who: verdict.who(),
        },
        _ => HttpError::Tls(format!(
            "certificate rejected for {host} at {addr}: {e} (certificate issued by '{}')",
            verdict.leaf.issuer_cn
        )),
    }
}

fn connect_tunnel(tcp: &mut TcpStream, host: &str, port: u16) -> Result<(), HttpError> {
    let req = format!(
        "CONNECT {host}:{port} HTTP/1.1\r\nHost: {host}:{port}\r\nUser-Agent: {USER_AGENT}\r\n\r\n"
    );
    tcp.write_all(req.as_bytes())
        .map_err(|e| HttpError::Connect(format!("proxy: {e}")))?;
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        match tcp.read(&mut byte) {
            Ok(0) => {
                return Err(HttpError::Connect(
                    "the proxy closed the tunnel request".into(),
                ));
            }
            Ok(_) => buf.push(byte[0]),
            Err(e) => return Err(HttpError::Connect(format!("proxy: {e}"))),
        }
        if buf.len() > 16 * 1024 {
            return Err(HttpError::Connect("the proxy's answer is too long".into()));
        }
    }
    let line = String::from_utf8_lossy(&buf);
    let status = line.split_whitespace().nth(1).unwrap_or("");
    if status.starts_with('2') {
        Ok(())
    } else {
        Err(HttpError::Connect(format!(
            "the proxy refused the tunnel to {host}:{port}: {}",
            line.lines().next().unwrap_or("").trim()
        )))
    }
}

/// The request head: request line, `Host`, one `User-Agent` (the caller's, else ours), then the
/// caller's other headers.
pub fn request_head(
    method: &str,
    target: &str,
    url: &Url,
    headers: &[(&str, &str)],
    body_len: usize,
) -> String {
    let ua = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("user-agent"))
        .map(|(_, v)| *v)
        .unwrap_or(USER_AGENT);
    let mut head = format!(
        "{method} {target} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nUser-Agent: {ua}\r\n",
        url.authority()
    );
    let has = |name: &str| headers.iter().any(|(k, _)| k.eq_ignore_ascii_case(name));
    if !has("accept-encoding") {
        head.push_str("Accept-Encoding: identity\r\n");
    }
    if body_len > 0 || !matches!(method, "GET" | "HEAD") {
        head.push_str(&format!("Content-Length: {body_len}\r\n"));
    }
    for (k, v) in headers {
        if k.eq_ignore_ascii_case("user-agent") || k.eq_ignore_ascii_case("content-length") {
            continue;
        }
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    head
}

fn exchange<S: Read + Write>(
    mut s: S,
    head: &[u8],
    body: &[u8],
    limit: u64,
    deadline: Instant,
    head_only: bool,
) -> Result<Response, HttpError> {
    s.write_all(head)
        .and_then(|_| s.write_all(body))
        .and_then(|_| s.flush())
        .map_err(|e| HttpError::Answer(format!("sending the request failed: {e}")))?;
    let cap = usize::try_from(limit)
        .unwrap_or(usize::MAX)
        .saturating_add(64 * 1024);
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        if Instant::now() > deadline {
            return Err(HttpError::Answer(if buf.is_empty() {
                "no answer in time (timed out)".into()
            } else {
                "answer incomplete in time (timed out)".into()
            }));
        }
        match s.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                if buf.len() > cap {
                    return Err(HttpError::Answer(format!(
                        "answer larger than {limit} bytes"
                    )));
                }
                if response_complete(&buf, head_only) {
                    break;
                }
            }
            // A peer that closes TLS without close_notify after a full body is common.
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof && !buf.is_empty() => break,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return Err(HttpError::Answer(if buf.is_empty() {
                    "no answer in time (timed out)".into()
                } else {
                    "answer incomplete in time (timed out)".into()
                }));
            }
            Err(e) => return Err(HttpError::Answer(e.to_string())),
        }
    }
    let mut resp = parse_response(&buf).map_err(HttpError::Answer)?;
    if head_only {
        resp.body.clear();
    }
    if resp.body.len() as u64 > limit {
        return Err(HttpError::Answer(format!(
            "answer larger than {limit} bytes"
        )));
    }
    Ok(resp)
}

fn split_head(buf: &[u8]) -> Option<(&[u8], &[u8])> {
    let i = buf.windows(4).position(|w| w == b"\r\n\r\n")?;
    Some((&buf[..i], &buf[i + 4..]))
}

fn response_complete(buf: &[u8], head_only: bool) -> bool {
    let Some((head, body)) = split_head(buf) else {
        return false;
    };
    if head_only {
        return true;
    }
    let head = String::from_utf8_lossy(head).to_ascii_lowercase();
    if let Some(len) = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok())
    {
        return body.len() >= len;
    }
    if head.contains("transfer-encoding: chunked") {
        return body.ends_with(b"0\r\n\r\n");
    }
    false
}

/// Parses a raw HTTP/1.1 response (status line, headers, identity or chunked body).
pub fn parse_response(buf: &[u8]) -> Result<Response, String> {
    let (head, raw_body) = split_head(buf).ok_or("no complete HTTP header")?;
    let head = String::from_utf8_lossy(head);
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or("");
    let mut parts = status_line.split_whitespace();
    let proto = parts.next().unwrap_or("");
    if !proto.starts_with("HTTP/1.") {
        return Err(format!("not an HTTP/1.x answer: {:.60}", status_line));
    }
    let status: u16 = parts
        .next()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("bad status line: {status_line:.60}"))?;
    let mut headers = BTreeMap::new();
    for l in lines {
        if let Some((k, v)) = l.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    let body = if headers
        .get("transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"))
    {
        dechunk(raw_body)?
    } else if let Some(len) = headers
        .get("content-length")
        .and_then(|v| v.parse::<usize>().ok())
    {
        raw_body
            .get(..len)
            .ok_or("body shorter than Content-Length")?
            .to_vec()
    } else {
        raw_body.to_vec()
    };
    Ok(Response {
        status,
        headers,
        body,
    })
}

/// Decodes a chunked body.
pub fn dechunk(mut b: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    loop {
        let i = b
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or("truncated chunk size")?;
        let size_text = String::from_utf8_lossy(&b[..i]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|_| format!("bad chunk size {size_text:.20}"))?;
        b = &b[i + 2..];
        if size == 0 {
            return Ok(out);
        }
        out.extend_from_slice(b.get(..size).ok_or("truncated chunk")?);
        b = b.get(size + 2..).ok_or("truncated chunk end")?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let u = Url::parse("https://gs.apple.com/TSS/controller?action=2").unwrap();
        assert_eq!(
            (u.https, u.host.as_str(), u.port, u.path.as_str()),
            (true, "gs.apple.com", 443, "/TSS/controller?action=2")
        );
        let u = Url::parse("http://127.0.0.1:8080").unwrap();
        assert_eq!((u.https, u.port, u.path.as_str()), (false, 8080, "/"));
        let u = Url::parse("http://[::1]:81/x").unwrap();
        assert_eq!((u.host.as_str(), u.port), ("::1", 81));
        assert!(Url::parse("ftp://x").is_err());
        assert!(Url::parse("http://:80/").is_err());
        assert!(Url::parse("http://h:99999/").is_err());
        // Found by the http_answer fuzz target: brackets that are not an IPv6 literal, and
        // control characters that would end up in the Host header.
        assert!(Url::parse("http://[[[\0\n]/").is_err());
        assert!(Url::parse("http://a\r\nX-Injected: 1/").is_err());
        assert!(Url::parse("http://a b/").is_err());
        assert!(Url::parse("http://h/a\r\nb").is_err());
        assert!(Url::parse("http://a:b:5/").is_err());
    }

    #[test]
    fn responses() {
        let r = parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloEXTRA").unwrap();
        assert_eq!((r.status, r.body.as_slice()), (200, &b"hello"[..]));
        let r = parse_response(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;x=y\r\n world\r\n0\r\n\r\n").unwrap();
        assert_eq!(r.body, b"hello world");
        assert!(parse_response(b"SSH-2.0-OpenSSH\r\n\r\n").is_err());
        assert!(
            parse_response(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n").is_err()
        );
        assert!(response_complete(
            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
            false
        ));
        assert!(!response_complete(
            b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok",
            false
        ));
    }

    proptest::proptest! {
        #[test]
        fn hostile_input_never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512), s in "\\PC*") {
            let mut framed = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
            framed.extend_from_slice(&bytes);
            let _ = parse_response(&framed);
            let _ = parse_response(&bytes);
            let _ = response_complete(&bytes, false);
            let _ = Url::parse(&s);
            let _ = Url::parse(&format!("https://{s}"));
        }
    }
}
