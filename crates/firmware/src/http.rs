//! The HTTP client every remote read uses: ureq over rustls (ring), with timeouts and size limits.

use crate::error::{Error, Result};
use std::io::Read;
use std::sync::Arc;
use std::time::Duration;
use ureq::http::{Response, StatusCode};

/// Default time limit for one whole request.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// A configured HTTP agent (cheap to clone).
#[derive(Clone)]
pub struct HttpClient {
    agent: ureq::Agent,
}

impl std::fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HttpClient")
    }
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
    /// A client whose every request gives up after `timeout` (connect after at most 10 s).
    pub fn new(timeout: Duration) -> Self {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = ureq::tls::TlsConfig::builder()
            .provider(ureq::tls::TlsProvider::Rustls)
            .unversioned_rustls_crypto_provider(provider)
            .build();
        let agent = ureq::Agent::config_builder()
            .tls_config(tls)
            .http_status_as_error(false)
            .timeout_global(Some(timeout))
            .timeout_connect(Some(timeout.min(Duration::from_secs(10))))
            .user_agent(concat!("restore-doctor/", env!("CARGO_PKG_VERSION")))
            .max_redirects(5)
            .build()
            .new_agent();
        HttpClient { agent }
    }

    fn fail(url: &str, e: ureq::Error) -> Error {
        let reason = match &e {
            ureq::Error::Timeout(_) => "timed out".to_string(),
            ureq::Error::Io(io) => format!("network error: {io}"),
            ureq::Error::HostNotFound => "host not found (DNS)".to_string(),
            ureq::Error::BodyExceedsLimit(n) => format!("answer larger than {n} bytes"),
            other => other.to_string(),
        };
        Error::Http {
            url: url.to_string(),
            reason,
        }
    }

    fn read_body(url: &str, resp: Response<ureq::Body>, limit: u64) -> Result<Answer> {
        let status = resp.status().as_u16();
        let date = header(&resp, "date");
        let mut body = Vec::new();
        resp.into_body()
            .into_with_config()
            .limit(limit.saturating_add(1))
            .reader()
            .take(limit.saturating_add(1))
            .read_to_end(&mut body)
            .map_err(|e| Error::Http {
                url: url.to_string(),
                reason: format!("reading the answer failed: {e}"),
            })?;
        if body.len() as u64 > limit {
            return Err(Error::TooLarge {
                what: format!("the answer from {url}"),
                size: body.len() as u64,
                limit,
            });
        }
        Ok(Answer { status, body, date })
    }

    /// GET with a body of at most `limit` bytes.
    pub fn get(&self, url: &str, limit: u64) -> Result<Answer> {
        let resp = self.agent.get(url).call().map_err(|e| Self::fail(url, e))?;
        Self::read_body(url, resp, limit)
    }

    /// POST `body` with a content type; answer of at most `limit` bytes. Sent with the user agent
    /// Apple's own restore clients use, as TSS expects.
    pub fn post(&self, url: &str, content_type: &str, body: &[u8], limit: u64) -> Result<Answer> {
        let resp = self
            .agent
            .post(url)
            .header("User-Agent", "InetURL/1.0")
            .header("Content-Type", content_type)
            .header("Cache-Control", "no-cache")
            .send(body)
            .map_err(|e| Self::fail(url, e))?;
        Self::read_body(url, resp, limit)
    }

    /// Ranged GET: `len` bytes at `offset`, or the last `len` bytes when `offset` is `None`.
    /// Returns (total length, start offset, bytes). A server that ignores ranges is an error,
    /// detected before reading its body.
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
        let resp = self
            .agent
            .get(url)
            .header("Range", &range)
            .header("Accept-Encoding", "identity")
            .call()
            .map_err(|e| Self::fail(url, e))?;
        match resp.status() {
            StatusCode::PARTIAL_CONTENT => {}
            StatusCode::OK => return Err(Error::NoRanges(url.to_string())),
            StatusCode::RANGE_NOT_SATISFIABLE => {
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
        let content_range = header(&resp, "content-range").ok_or_else(|| Error::BadAnswer {
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
        let answer = Self::read_body(url, resp, expect)?;
        if answer.body.len() as u64 != expect {
            return Err(Error::corrupt(
                url,
                format!(
                    "the server sent {} bytes for a {expect}-byte range",
                    answer.body.len()
                ),
            ));
        }
        Ok((total, start, answer.body))
    }
}

fn header(resp: &Response<ureq::Body>, name: &str) -> Option<String> {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
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
