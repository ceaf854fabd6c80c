//! A small HTTP/1.1 client over the checkup's own connect + TLS steps, so status and TSS
//! requests honour `connect_to`, the configured resolver and trust stores, and the same
//! timeouts. One request per connection (`Connection: close`); identity or chunked bodies.

use crate::net::{self, Lookup};
use crate::tls::{self, TrustStores};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// Largest response body read (Apple's status data is well under this).
const MAX_RESPONSE: usize = 4 * 1024 * 1024;

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
        Ok(Url {
            https,
            host,
            port,
            path,
        })
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

/// Where an HTTP exchange failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpError {
    /// The host name did not resolve.
    Resolve(String),
    /// TCP connect failed.
    Connect(String),
    /// TLS failed (with the certificate issuer when one was presented).
    Tls(String),
    /// Sent, but no complete answer in time, or a malformed one.
    Answer(String),
}

impl std::fmt::Display for HttpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HttpError::Resolve(s) => write!(f, "cannot resolve: {s}"),
            HttpError::Connect(s) => write!(f, "cannot connect: {s}"),
            HttpError::Tls(s) => write!(f, "{s}"),
            HttpError::Answer(s) => write!(f, "bad or no answer: {s}"),
        }
    }
}

/// How to reach hosts: resolver, connect-to overrides, trust, per-step timeout.
#[derive(Debug, Clone)]
pub struct Reach<'a> {
    /// Resolver used for names.
    pub lookup: Lookup,
    /// `host[:port]` → address overrides.
    pub connect_to: &'a BTreeMap<String, String>,
    /// Trust stores for TLS.
    pub stores: &'a TrustStores,
    /// Budget of each step.
    pub step: Duration,
}

/// The addresses to connect to for `host:port`: a `connect_to` override, else resolution.
pub async fn addresses(
    reach: &Reach<'_>,
    host: &str,
    port: u16,
) -> Result<Vec<SocketAddr>, net::DnsError> {
    let keys = [format!("{host}:{port}"), host.to_string()];
    for k in &keys {
        if let Some(v) = reach.connect_to.get(k)
            && let Some(sa) = net::parse_connect_to(v, port)
        {
            return Ok(vec![sa]);
        }
    }
    let ips = net::resolve(reach.lookup, host, reach.step).await?;
    Ok(ips
        .into_iter()
        .map(|ip| SocketAddr::new(ip, port))
        .collect())
}

/// Sends one request and reads the whole response.
pub async fn request(
    reach: &Reach<'_>,
    method: &str,
    url: &Url,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<Response, HttpError> {
    let addrs = addresses(reach, &url.host, url.port)
        .await
        .map_err(|e| HttpError::Resolve(format!("{}: {e}", url.host)))?;
    let (tcp, addr, _) = net::connect(&addrs, reach.step)
        .await
        .map_err(|e| HttpError::Connect(e.to_string()))?;
    let host_header = if (url.https && url.port == 443) || (!url.https && url.port == 80) {
        url.host.clone()
    } else {
        format!("{}:{}", url.host, url.port)
    };
    let mut head = format!(
        "{method} {} HTTP/1.1\r\nHost: {host_header}\r\nConnection: close\r\nUser-Agent: restore-doctor/{}\r\nAccept-Encoding: identity\r\nContent-Length: {}\r\n",
        url.path,
        env!("CARGO_PKG_VERSION"),
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    if url.https {
        let hs = tls::handshake(tcp, &url.host, reach.stores, reach.step, true).await;
        match hs.result {
            Ok(stream) => exchange(stream, head.as_bytes(), body, reach.step).await,
            Err(e) => {
                let issuer = hs
                    .chain
                    .first()
                    .and_then(|c| tls::cert_names(c))
                    .map(|n| format!(" (certificate issued by '{}')", n.issuer_cn))
                    .unwrap_or_default();
                Err(HttpError::Tls(format!("{e} at {addr}{issuer}")))
            }
        }
    } else {
        exchange(tcp, head.as_bytes(), body, reach.step).await
    }
}

async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(
    mut s: S,
    head: &[u8],
    body: &[u8],
    step: Duration,
) -> Result<Response, HttpError> {
    let send = async {
        s.write_all(head).await?;
        s.write_all(body).await?;
        s.flush().await
    };
    tokio::time::timeout(step, send)
        .await
        .map_err(|_| HttpError::Answer("sending the request timed out".into()))?
        .map_err(|e| HttpError::Answer(format!("sending the request failed: {e}")))?;
    let mut buf = Vec::new();
    let read = async {
        let mut chunk = [0u8; 16 * 1024];
        loop {
            match s.read(&mut chunk).await {
                Ok(0) => return Ok(()),
                Ok(n) => {
                    buf.extend_from_slice(&chunk[..n]);
                    if buf.len() > MAX_RESPONSE {
                        return Err("response too large".to_string());
                    }
                    if response_complete(&buf) {
                        return Ok(());
                    }
                }
                // A peer that closes TLS without close_notify after a full body is common.
                Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof && !buf.is_empty() => {
                    return Ok(());
                }
                Err(e) => return Err(e.to_string()),
            }
        }
    };
    tokio::time::timeout(step, read)
        .await
        .map_err(|_| {
            HttpError::Answer(if buf.is_empty() {
                "no answer in time".into()
            } else {
                "answer incomplete in time".into()
            })
        })?
        .map_err(HttpError::Answer)?;
    parse_response(&buf).map_err(HttpError::Answer)
}

fn split_head(buf: &[u8]) -> Option<(&[u8], &[u8])> {
    let i = buf.windows(4).position(|w| w == b"\r\n\r\n")?;
    Some((&buf[..i], &buf[i + 4..]))
}

fn response_complete(buf: &[u8]) -> bool {
    let Some((head, body)) = split_head(buf) else {
        return false;
    };
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

fn dechunk(mut b: &[u8]) -> Result<Vec<u8>, String> {
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
            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
        ));
        assert!(!response_complete(
            b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok"
        ));
    }

    proptest::proptest! {
        #[test]
        fn hostile_input_never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512), s in "\\PC*") {
            let mut framed = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
            framed.extend_from_slice(&bytes);
            let _ = parse_response(&framed);
            let _ = parse_response(&bytes);
            let _ = response_complete(&bytes);
            let _ = Url::parse(&s);
            let _ = Url::parse(&format!("https://{s}"));
        }
    }
}
