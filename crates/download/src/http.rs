//! All of the download's HTTP, in one place: a ranged `GET` streamed through restore-doctor's
//! network layer (`rd_net::Client::open`: its `connect_to` overrides and resolver, its trust
//! stores with Apple's roots, its proxy routes, its User-Agent, redirects, and a time limit on
//! every step, each read included, so a stalled server is an error, never a hang). This module
//! only adds what a resumable download needs: `Range`/`If-Range`, and reading where the answer
//! starts, how long the file is and its validator.

use rd_net::NetConfig;
use std::io::Read;

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

impl Transport for NetTransport {
    fn open(&self, url: &str, from: u64, if_range: Option<&str>) -> Result<Opened, NetError> {
        let fail = |reason: String| NetError {
            url: url.to_string(),
            reason,
        };
        let range = format!("bytes={from}-");
        let mut headers: Vec<(&str, &str)> = Vec::new();
        if from > 0 {
            headers.push(("Range", &range));
            if let Some(v) = if_range {
                headers.push(("If-Range", v));
            }
        }
        let answer = self
            .client
            .open(url, &headers)
            .map_err(|e| fail(e.to_string()))?;
        let header = |name: &str| answer.headers.get(name).map(String::as_str);
        if header("transfer-encoding").is_some_and(|v| !v.eq_ignore_ascii_case("identity")) {
            return Err(fail("the server sent the file in chunked encoding, which a resumable download cannot check; try again later".into()));
        }
        let validator = header("etag")
            .or_else(|| header("last-modified"))
            .map(str::to_string);
        let (start, total) = match answer.status {
            206 => {
                let cr = header("content-range")
                    .ok_or_else(|| fail("206 answer without Content-Range".into()))?;
                let (s, _, t) = parse_content_range(cr)
                    .ok_or_else(|| fail(format!("unreadable Content-Range {cr:?}")))?;
                (s, t)
            }
            _ => (0, answer.length),
        };
        Ok(Opened {
            status: answer.status,
            start,
            total,
            validator,
            body: answer.body,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_ranges_parse() {
        assert_eq!(parse_content_range("bytes 5-9/10"), Some((5, 9, Some(10))));
        assert_eq!(parse_content_range("bytes 0-4/*"), Some((0, 4, None)));
        assert_eq!(parse_content_range("bytes 9-4/10"), None);
    }
}
