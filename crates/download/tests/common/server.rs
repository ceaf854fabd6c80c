//! A loopback HTTP/1.1 file server for the download tests and the benchmark: `Range`
//! (`bytes=N-` and `bytes=N-M`), `ETag` and `If-Range` as RFC 9110 describes them, and fault
//! injection — drop the connection after some bytes, flip one byte on the way. Tokio, bound
//! to 127.0.0.1 only.

#![allow(dead_code)]

use std::io::{Read, Seek, SeekFrom};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What is served.
#[derive(Debug, Clone)]
pub enum Content {
    /// Bytes in memory.
    Memory(Arc<Vec<u8>>),
    /// A file on disk (read in chunks; for the 2 GiB benchmark).
    File(PathBuf),
}

impl Content {
    fn len(&self) -> u64 {
        match self {
            Content::Memory(b) => b.len() as u64,
            Content::File(p) => std::fs::metadata(p).map_or(0, |m| m.len()),
        }
    }
}

/// Faults to inject.
#[derive(Debug, Default)]
pub struct Faults {
    /// Close the connection after this many body bytes, for this many responses.
    pub drop_after: Option<u64>,
    /// How many responses still drop (decremented per dropped response).
    pub drops_left: AtomicUsize,
    /// Send this byte of the file with its bits flipped.
    pub corrupt_at: Option<u64>,
    /// Ignore `Range` (answer 200 with the whole file).
    pub no_ranges: bool,
}

/// Counters the tests read.
#[derive(Debug, Default)]
pub struct Stats {
    /// Requests answered.
    pub requests: AtomicUsize,
    /// Requests that carried a `Range`.
    pub ranged: AtomicUsize,
    /// Body bytes sent in all.
    pub sent: AtomicU64,
}

/// A running server.
pub struct Server {
    /// Its address.
    pub addr: SocketAddr,
    /// Its counters.
    pub stats: Arc<Stats>,
}

impl Server {
    /// `http://127.0.0.1:PORT/path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

fn parse_range(v: &str, len: u64) -> Option<(u64, u64)> {
    let r = v.trim().strip_prefix("bytes=")?;
    let (a, b) = r.split_once('-')?;
    let start: u64 = a.trim().parse().ok()?;
    let end: u64 = if b.trim().is_empty() {
        len.checked_sub(1)?
    } else {
        b.trim().parse::<u64>().ok()?.min(len.checked_sub(1)?)
    };
    (start <= end && start < len).then_some((start, end))
}

/// Starts serving `content` with `etag` on 127.0.0.1 (any path).
pub async fn start(content: Content, etag: &str, faults: Arc<Faults>) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("address");
    let stats = Arc::new(Stats::default());
    let etag = etag.to_string();
    let s2 = stats.clone();
    tokio::spawn(async move {
        loop {
            let Ok((sock, _)) = listener.accept().await else {
                return;
            };
            let (c, e, f, s) = (content.clone(), etag.clone(), faults.clone(), s2.clone());
            tokio::spawn(async move {
                let _ = serve(sock, c, e, f, s).await;
            });
        }
    });
    Server { addr, stats }
}

async fn serve(
    mut sock: TcpStream,
    content: Content,
    etag: String,
    faults: Arc<Faults>,
    stats: Arc<Stats>,
) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 2048];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = sock.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    stats.requests.fetch_add(1, Ordering::SeqCst);
    let head = String::from_utf8_lossy(&buf).to_string();
    let header = |name: &str| {
        head.lines()
            .filter_map(|l| l.split_once(':'))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim().to_string())
    };
    let len = content.len();
    let quoted = format!("\"{etag}\"");
    let if_range_ok = header("if-range").is_none_or(|v| v == quoted);
    let range = header("range")
        .filter(|_| !faults.no_ranges && if_range_ok)
        .map(|v| parse_range(&v, len));
    if header("range").is_some() {
        stats.ranged.fetch_add(1, Ordering::SeqCst);
    }
    let (status, start, end) = match range {
        Some(Some((s, e))) => ("206 Partial Content", s, e),
        Some(None) => {
            let h = format!(
                "HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */{len}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            sock.write_all(h.as_bytes()).await?;
            return Ok(());
        }
        None => ("200 OK", 0, len.saturating_sub(1)),
    };
    let body_len = if len == 0 { 0 } else { end - start + 1 };
    let mut h = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {body_len}\r\nETag: {quoted}\r\nAccept-Ranges: bytes\r\nConnection: close\r\n"
    );
    if status.starts_with("206") {
        h.push_str(&format!("Content-Range: bytes {start}-{end}/{len}\r\n"));
    }
    h.push_str("\r\n");
    sock.write_all(h.as_bytes()).await?;
    let drop_now = faults.drop_after.is_some()
        && faults
            .drops_left
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
    let limit = if drop_now {
        faults.drop_after.unwrap_or(u64::MAX).min(body_len)
    } else {
        body_len
    };
    let mut pos = start;
    let stop = start + limit;
    let mut file = match &content {
        Content::File(p) => {
            let mut f = std::fs::File::open(p)?;
            f.seek(SeekFrom::Start(start))?;
            Some(f)
        }
        Content::Memory(_) => None,
    };
    let mut out = vec![0u8; 256 * 1024];
    while pos < stop {
        let n = usize::try_from(stop - pos)
            .unwrap_or(usize::MAX)
            .min(out.len());
        match (&content, file.as_mut()) {
            (Content::Memory(b), _) => {
                let p = pos as usize;
                out[..n].copy_from_slice(&b[p..p + n]);
            }
            (Content::File(_), Some(f)) => f.read_exact(&mut out[..n])?,
            (Content::File(_), None) => unreachable!("file opened above"),
        }
        if let Some(c) = faults.corrupt_at
            && (pos..pos + n as u64).contains(&c)
        {
            out[(c - pos) as usize] ^= 0xFF;
        }
        sock.write_all(&out[..n]).await?;
        stats.sent.fetch_add(n as u64, Ordering::SeqCst);
        pos += n as u64;
    }
    sock.flush().await?;
    if drop_now {
        // An abrupt close mid-body: what a dropped connection looks like to the client.
        drop(sock);
    } else {
        let _ = sock.shutdown().await;
    }
    Ok(())
}
