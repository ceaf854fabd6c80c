//! All of the download's HTTP, in one place so the layer can be switched: a streaming, ranged
//! `GET` over restore-doctor's network layer (`rd-net`: its `connect_to` overrides and
//! resolver, its trust stores with Apple's roots, its proxy routes, its User-Agent). rd-net's
//! own client reads whole answers into memory, which suits a catalog but not a 5 GiB IPSW, so
//! this module streams the body itself, with a time limit on every step: connecting, the TLS
//! handshake, sending, and each read (a stalled server is an error, never a hang).

use rd_net::{NetConfig, Url};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex};

/// Redirects followed at most.
pub const MAX_REDIRECTS: usize = 5;
/// Largest response head accepted.
const MAX_HEAD: usize = 64 * 1024;

/// Why a request failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{url}: {reason}")]
pub struct NetError {
    /// The URL asked.
    pub url: String,
    /// What went wrong, in one line.
    pub reason: String,
}

/// An answer whose body is still to be read.
pub struct Opened {
    /// HTTP status.
    pub status: u16,
    /// First byte of the body within the file (0 unless a 206).
    pub start: u64,
    /// Length of the whole file, when the answer says it.
    pub total: Option<u64>,
    /// `ETag`, else `Last-Modified`: what `If-Range` sends back on a resume.
    pub validator: Option<String>,
    /// The body (exactly the announced length; shorter means the connection dropped).
    pub body: Box<dyn Read + Send>,
}

impl std::fmt::Debug for Opened {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Opened")
            .field("status", &self.status)
            .field("start", &self.start)
            .field("total", &self.total)
            .field("validator", &self.validator)
            .finish()
    }
}

/// Anything that can start a ranged download (the network, or a test double).
pub trait Transport: Send + Sync {
    /// `GET url` from byte `from` on; with `if_range`, a server whose file changed answers
    /// 200 with the whole new file instead of 206.
    fn open(&self, url: &str, from: u64, if_range: Option<&str>) -> Result<Opened, NetError>;
}

/// The real transport over rd-net's configuration.
#[derive(Debug, Clone)]
pub struct NetTransport {
    client: rd_net::Client,
}

impl NetTransport {
    /// A transport with these network settings.
    pub fn new(cfg: NetConfig) -> NetTransport {
        NetTransport {
            client: rd_net::Client::new(cfg),
        }
    }
}

trait Stream: Read + Write + Send {}
impl<T: Read + Write + Send> Stream for T {}

/// Parsed response head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    /// Status code.
    pub status: u16,
    /// Headers, names lower-cased (the last of repeated ones wins).
    pub headers: Vec<(String, String)>,
}

impl Head {
    /// A header's value.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .rev()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Parses a response head (without the blank line).
pub fn parse_head(text: &str) -> Result<Head, String> {
    let mut lines = text.split("\r\n");
    let status_line = lines.next().unwrap_or("");
    let mut parts = status_line.split_whitespace();
    if !parts.next().unwrap_or("").starts_with("HTTP/1.") {
        return Err(format!("not an HTTP/1.x answer: {status_line:.60}"));
    }
    let status = parts
        .next()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("bad status line: {status_line:.60}"))?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Ok(Head { status, headers })
}

/// Parses `bytes START-END/TOTAL` (TOTAL may be `*`).
pub fn parse_content_range(v: &str) -> Option<(u64, u64, Option<u64>)> {
    let rest = v.trim().strip_prefix("bytes")?.trim_start();
    let (range, total) = rest.split_once('/')?;
    let (a, b) = range.split_once('-')?;
    let (start, end): (u64, u64) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
    let total = match total.trim() {
        "*" => None,
        t => Some(t.parse().ok()?),
    };
    (start <= end).then_some((start, end, total))
}

fn read_head(s: &mut dyn Stream) -> Result<(Head, Vec<u8>), String> {
    let mut buf = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = parse_head(&String::from_utf8_lossy(&buf[..i]))?;
            return Ok((head, buf[i + 4..].to_vec()));
        }
        if buf.len() > MAX_HEAD {
            return Err("the answer's header is too long".into());
        }
        match s.read(&mut chunk) {
            Ok(0) => return Err("the server closed the connection without answering".into()),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(io_reason(&e)),
        }
    }
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => {
            "no answer in time (timed out)".into()
        }
        _ => e.to_string(),
    }
}

/// The body: what was read with the head, then the stream, up to `left` bytes.
struct Body {
    early: std::io::Cursor<Vec<u8>>,
    stream: Box<dyn Stream>,
    left: u64,
}

impl Read for Body {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 || buf.is_empty() {
            return Ok(0);
        }
        let max = usize::try_from(self.left)
            .unwrap_or(usize::MAX)
            .min(buf.len());
        let n = match self.early.read(&mut buf[..max])? {
            0 => self.stream.read(&mut buf[..max])?,
            n => n,
        };
        self.left -= n as u64;
        Ok(n)
    }
}

fn connect_tunnel(s: &mut TcpStream, host: &str, port: u16) -> Result<(), String> {
    let req = format!(
        "CONNECT {host}:{port} HTTP/1.1\r\nHost: {host}:{port}\r\nUser-Agent: {}\r\n\r\n",
        rd_net::USER_AGENT
    );
    s.write_all(req.as_bytes())
        .map_err(|e| format!("proxy: {}", io_reason(&e)))?;
    let (head, _) = read_head(s).map_err(|e| format!("proxy: {e}"))?;
    if (200..300).contains(&head.status) {
        Ok(())
    } else {
        Err(format!(
            "the proxy refused the tunnel to {host}:{port} (HTTP {})",
            head.status
        ))
    }
}

impl NetTransport {
    fn connect(&self, url: &Url) -> Result<(Box<dyn Stream>, bool), String> {
        let cfg = self.client.config();
        let direct = rd_net::http::override_for(&cfg.connect_to, &url.host, url.port).is_some();
        let proxy = cfg
            .proxy
            .route(&url.host, url.https)
            .cloned()
            .filter(|_| !direct);
        let (host, port) = proxy
            .clone()
            .unwrap_or_else(|| (url.host.clone(), url.port));
        let addrs = self
            .client
            .addresses(&host, port)
            .map_err(|e| format!("cannot resolve {host}: {e}"))?;
        let (mut tcp, _) = rd_net::addr::connect_blocking(&addrs, cfg.step_timeout)
            .map_err(|e| format!("cannot connect to {host}:{port}: {e}"))?;
        let t = Some(cfg.step_timeout);
        tcp.set_read_timeout(t)
            .and_then(|_| tcp.set_write_timeout(t))
            .map_err(|e| e.to_string())?;
        let _ = tcp.set_nodelay(true);
        if proxy.is_some() && url.https {
            connect_tunnel(&mut tcp, &url.host, url.port)?;
        }
        let absolute_target = proxy.is_some() && !url.https;
        if !url.https {
            return Ok((Box::new(tcp), absolute_target));
        }
        let stores = self.client.stores();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let config = stores.client_config(&url.host, seen, true);
        let name = rustls::pki_types::ServerName::try_from(url.host.clone())
            .map_err(|e| format!("bad server name {}: {e}", url.host))?;
        let mut conn = rustls::ClientConnection::new(config, name).map_err(|e| e.to_string())?;
        while conn.is_handshaking() {
            conn.complete_io(&mut tcp)
                .map_err(|e| format!("TLS with {} failed: {}", url.host, io_reason(&e)))?;
        }
        Ok((Box::new(rustls::StreamOwned::new(conn, tcp)), false))
    }

    fn open_once(
        &self,
        url: &Url,
        from: u64,
        if_range: Option<&str>,
    ) -> Result<(Head, Box<dyn Read + Send>), String> {
        let (mut s, absolute) = self.connect(url)?;
        let target = if absolute {
            url.to_string()
        } else {
            url.path.clone()
        };
        let range = format!("bytes={from}-");
        let mut headers: Vec<(&str, &str)> = Vec::new();
        if from > 0 {
            headers.push(("Range", &range));
            if let Some(v) = if_range {
                headers.push(("If-Range", v));
            }
        }
        let head = rd_net::http::request_head("GET", &target, url, &headers, 0);
        s.write_all(head.as_bytes())
            .and_then(|_| s.flush())
            .map_err(|e| format!("sending the request failed: {}", io_reason(&e)))?;
        let (head, early) = read_head(s.as_mut())?;
        if head
            .get("transfer-encoding")
            .is_some_and(|v| !v.eq_ignore_ascii_case("identity"))
        {
            return Err("the server sent the file in chunked encoding, which a resumable download cannot check; try again later".into());
        }
        let left = head
            .get("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(u64::MAX);
        Ok((
            head,
            Box::new(Body {
                early: std::io::Cursor::new(early),
                stream: s,
                left,
            }),
        ))
    }
}

impl Transport for NetTransport {
    fn open(&self, url: &str, from: u64, if_range: Option<&str>) -> Result<Opened, NetError> {
        let fail = |u: &str, reason: String| NetError {
            url: u.to_string(),
            reason,
        };
        let mut current = Url::parse(url).map_err(|e| fail(url, e))?;
        for _ in 0..=MAX_REDIRECTS {
            let shown = current.to_string();
            let (head, body) = self
                .open_once(&current, from, if_range)
                .map_err(|e| fail(&shown, e))?;
            if matches!(head.status, 301 | 302 | 303 | 307 | 308) {
                let loc = head
                    .get("location")
                    .ok_or_else(|| fail(&shown, "redirect without Location".into()))?;
                current = current
                    .join(loc)
                    .map_err(|e| fail(&shown, format!("redirect to {loc:.80}: {e}")))?;
                continue;
            }
            let validator = head
                .get("etag")
                .or_else(|| head.get("last-modified"))
                .map(str::to_string);
            let length: Option<u64> = head.get("content-length").and_then(|v| v.parse().ok());
            let (start, total) = match head.status {
                206 => {
                    let cr = head
                        .get("content-range")
                        .ok_or_else(|| fail(&shown, "206 answer without Content-Range".into()))?;
                    let (s, _, t) = parse_content_range(cr)
                        .ok_or_else(|| fail(&shown, format!("unreadable Content-Range {cr:?}")))?;
                    (s, t)
                }
                _ => (0, length),
            };
            return Ok(Opened {
                status: head.status,
                start,
                total,
                validator,
                body,
            });
        }
        Err(fail(url, format!("more than {MAX_REDIRECTS} redirects")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_and_ranges_parse() {
        let h = parse_head(
            "HTTP/1.1 206 Partial Content\r\nETag: \"abc\"\r\nContent-Range: bytes 5-9/10",
        )
        .unwrap();
        assert_eq!(h.status, 206);
        assert_eq!(h.get("etag"), Some("\"abc\""));
        assert_eq!(
            parse_content_range(h.get("content-range").unwrap()),
            Some((5, 9, Some(10)))
        );
        assert_eq!(parse_content_range("bytes 0-4/*"), Some((0, 4, None)));
        assert_eq!(parse_content_range("bytes 9-4/10"), None);
        assert!(parse_head("SSH-2.0-OpenSSH").is_err());
    }
}
