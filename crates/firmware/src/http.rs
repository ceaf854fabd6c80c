//! The HTTP client every remote read uses: the one network layer (`rd_net`) shared with the
//! checkup — same trust stores (Apple's roots for Apple's private-PKI hosts), resolver and
//! `connect_to` overrides, proxy, timeouts and User-Agent — with the firmware code's size limits
//! and error type on top.

use crate::error::{Error, Result};

pub use std::time::Duration;

/// Default time limit for one whole request.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// A configured HTTP client (cheap to clone).
#[derive(Clone, Debug)]
pub struct HttpClient {
    net: rd_net::Client,
}

/// One HTTP answer: status, body, and the server's `Date` header.
#[derive(Debug, Clone)]
pub struct Answer {
    /// HTTP status code.
    pub status: u16,
    /// Body (bounded by the caller's limit).
    pub body: Vec<u8>,
    /// The `Date` header, when sent.
    pub date: Option<String>,
}

impl HttpClient {
    /// A client with the network layer's defaults (OS resolver, no overrides, no proxy) whose
    /// every request gives up after `timeout`.
    pub fn new(timeout: Duration) -> Self {
        HttpClient::with_net(rd_net::Client::new(rd_net::NetConfig::with_timeout(
            timeout,
        )))
    }

    /// A client over a configured network layer (the CLI's `--connect-to`, `--resolver`,
    /// config file, proxy and timeout).
    pub fn with_net(net: rd_net::Client) -> Self {
        HttpClient { net }
    }

    /// The network layer underneath.
    pub fn net(&self) -> &rd_net::Client {
        &self.net
    }

    fn fail(url: &str, e: rd_net::HttpError) -> Error {
        Error::Http {
            url: url.to_string(),
            reason: e.to_string(),
        }
    }

    fn answer(url: &str, r: rd_net::Response, limit: u64) -> Result<Answer> {
        if r.body.len() as u64 > limit {
            return Err(Error::TooLarge {
                what: format!("the answer from {url}"),
                size: r.body.len() as u64,
                limit,
            });
        }
        Ok(Answer {
            status: r.status,
            date: r.header("date").map(str::to_string),
            body: r.body,
        })
    }

    fn limited(url: &str, e: rd_net::HttpError, limit: u64) -> Error {
        match &e {
            rd_net::HttpError::Answer(m) if m.contains("larger than") => Error::TooLarge {
                what: format!("the answer from {url}"),
                size: limit.saturating_add(1),
                limit,
            },
            _ => Self::fail(url, e),
        }
    }

    /// Sends one request as is, keeping the network layer's error (so a caller can tell an
    /// intercepted connection, [`rd_net::HttpError::Intercepted`], from an unreachable one).
    pub fn send(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: &[u8],
        limit: u64,
    ) -> std::result::Result<rd_net::Response, rd_net::HttpError> {
        self.net.send(method, url, headers, body, limit)
    }

    /// GET with a body of at most `limit` bytes.
    pub fn get(&self, url: &str, limit: u64) -> Result<Answer> {
        let r = self
            .net
            .get(url, &[], limit)
            .map_err(|e| Self::limited(url, e, limit))?;
        Self::answer(url, r, limit)
    }

    /// POST `body` with a content type; answer of at most `limit` bytes. Sent with the user agent
    /// Apple's own restore clients use, as TSS expects (it replaces the layer's own: one
    /// User-Agent).
    pub fn post(&self, url: &str, content_type: &str, body: &[u8], limit: u64) -> Result<Answer> {
        self.post_with(
            url,
            &[
                ("User-Agent", "InetURL/1.0"),
                ("Content-Type", content_type),
                ("Cache-Control", "no-cache"),
            ],
            body,
            limit,
        )
    }

    /// POST `body` with exactly these headers (a `User-Agent` among them replaces the layer's).
    pub fn post_with(
        &self,
        url: &str,
        headers: &[(&str, &str)],
        body: &[u8],
        limit: u64,
    ) -> Result<Answer> {
        let r = self
            .net
            .send("POST", url, headers, body, limit)
            .map_err(|e| Self::limited(url, e, limit))?;
        Self::answer(url, r, limit)
    }

    /// Ranged GET: `len` bytes at `offset`, or the last `len` bytes when `offset` is `None`.
    /// Returns (total length, start offset, bytes). A server that ignores ranges is an error.
    pub fn get_range(
        &self,
        url: &str,
        offset: Option<u64>,
        len: u64,
    ) -> Result<(u64, u64, Vec<u8>)> {
        if len == 0 {
            return Err(Error::BadAnswer {
                url: url.into(),
                detail: "empty range requested".into(),
            });
        }
        let range = match offset {
            Some(o) => format!("bytes={o}-{}", o + len - 1),
            None => format!("bytes=-{len}"),
        };
        let resp = match self.net.get(
            url,
            &[("Range", &range), ("Accept-Encoding", "identity")],
            len,
        ) {
            Ok(r) => r,
            // A server that ignores the range sends the whole file: more than asked for.
            Err(rd_net::HttpError::Answer(m)) if m.contains("larger than") => {
                return Err(Error::NoRanges(url.to_string()));
            }
            Err(e) => return Err(Self::fail(url, e)),
        };
        match resp.status {
            206 => {}
            200 => return Err(Error::NoRanges(url.to_string())),
            416 => {
                return Err(Error::BadAnswer {
                    url: url.into(),
                    detail: format!("range {range} is outside the file (HTTP 416)"),
                });
            }
            s => {
                return Err(Error::Http {
                    url: url.into(),
                    reason: format!("HTTP {s}"),
                });
            }
        }
        let content_range = resp
            .header("content-range")
            .map(str::to_string)
            .ok_or_else(|| Error::BadAnswer {
                url: url.into(),
                detail: "206 answer without Content-Range".into(),
            })?;
        let (start, end, total) =
            parse_content_range(&content_range).ok_or_else(|| Error::BadAnswer {
                url: url.into(),
                detail: format!("unreadable Content-Range {content_range:?}"),
            })?;
        let expect = end - start + 1;
        if expect > len || end >= total {
            return Err(Error::BadAnswer {
                url: url.into(),
                detail: format!("Content-Range {content_range:?} does not match {range}"),
            });
        }
        if resp.body.len() as u64 != expect {
            return Err(Error::corrupt(
                url,
                format!(
                    "the server sent {} bytes for a {expect}-byte range",
                    resp.body.len()
                ),
            ));
        }
        Ok((total, start, resp.body))
    }
}

/// Parses `bytes START-END/TOTAL`.
pub fn parse_content_range(v: &str) -> Option<(u64, u64, u64)> {
    let rest = v.trim().strip_prefix("bytes")?.trim_start();
    let (range, total) = rest.split_once('/')?;
    let (a, b) = range.split_once('-')?;
    let (start, end, total) = (
        a.trim().parse().ok()?,
        b.trim().parse().ok()?,
        total.trim().parse().ok()?,
    );
    (start <= end).then_some((start, end, total))
}

#[cfg(test)]
mod tests {
    use super::parse_content_range;

    #[test]
    fn content_range_forms() {
        assert_eq!(parse_content_range("bytes 0-99/1000"), Some((0, 99, 1000)));
        assert_eq!(parse_content_range("bytes 5-4/10"), None);
        assert_eq!(parse_content_range("bytes */10"), None);
        assert_eq!(parse_content_range("items 0-1/2"), None);
    }
}
