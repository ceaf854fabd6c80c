//! Asks Apple's signing server about a build identity read from an IPSW. The request, the
//! answer's reading and the meaning of each status all come from `rd-tss` (the one TSS module);
//! this file only connects it to the IPSW reader and the HTTP client.

use crate::error::{Error, Result};
use crate::http::HttpClient;
use crate::manifest::BuildIdentity;
use rd_tss::request::{ApParams, Identity, Target};
use rd_tss::{Parsed, Verdict};
use serde::Serialize;

/// Apple's TSS endpoint.
pub const DEFAULT_URL: &str = rd_tss::DEFAULT_URL;

/// Apple's answer (or whatever answered in its place), with when it came.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TssAnswer {
    /// The body as read.
    pub parsed: Parsed,
    /// The HTTP status.
    pub http_status: u16,
    /// The server's `Date` header.
    pub date: Option<String>,
    /// Our clock when the answer arrived (Unix seconds).
    pub received_unix: u64,
}

impl TssAnswer {
    /// What the answer says about signing.
    pub fn verdict(&self) -> Verdict {
        self.parsed.verdict()
    }

    /// The `STATUS`, when it was a TSS answer.
    pub fn status(&self) -> Option<i64> {
        match &self.parsed {
            Parsed::Reply(r) => Some(r.status),
            Parsed::NotTss { .. } => None,
        }
    }

    /// The `MESSAGE`, when it was a TSS answer.
    pub fn message(&self) -> &str {
        match &self.parsed {
            Parsed::Reply(r) => &r.message,
            Parsed::NotTss { .. } => "",
        }
    }

    /// One line: `STATUS=94 ("This device isn't eligible …")`, or what came instead.
    pub fn said(&self) -> String {
        match &self.parsed {
            Parsed::Reply(r) if r.message.is_empty() => format!("STATUS={}", r.status),
            Parsed::Reply(r) => format!("STATUS={} (\"{}\")", r.status, r.message),
            Parsed::NotTss { why, excerpt } => {
                let what = match why {
                    rd_tss::NotTss::Empty => "an empty answer",
                    rd_tss::NotTss::Html => "an HTML page",
                    rd_tss::NotTss::Garbage => "an answer that is not TSS",
                    rd_tss::NotTss::TooLarge => "an oversized answer",
                };
                if excerpt.is_empty() {
                    format!("{what} (HTTP {})", self.http_status)
                } else {
                    format!("{what} (HTTP {}): {excerpt}", self.http_status)
                }
            }
        }
    }

    /// The meaning of the status, from the status table.
    pub fn meaning(&self) -> Option<String> {
        self.status().map(rd_tss::status::meaning_of)
    }
}

/// Builds the request XML for a build identity. `ecid` is the device's, or any well-formed
/// value when only the signing status is wanted; nonces are fresh random ones of the chip's
/// length.
pub fn build_request(identity: &BuildIdentity, ecid: u64) -> Result<Vec<u8>> {
    let id = Identity {
        keys: &identity.keys,
        manifest: &identity.components,
    };
    let target = Target {
        ecid,
        ..Target::default()
    };
    let bad = |e: rd_tss::request::BuildError| Error::BadPlist {
        name: "BuildManifest.plist".into(),
        detail: format!("no TSS request could be built: {e}"),
    };
    rd_tss::build(id, &target, &ApParams::default())
        .map_err(bad)?
        .to_xml()
        .map_err(bad)
}

/// Why no answer came back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AskError {
    /// Someone other than Apple answered with their own certificate (security software or a
    /// proxy inspecting HTTPS); the text names the issuer.
    Intercepted(String),
    /// The server could not be reached or gave no complete answer.
    Unreachable(String),
}

impl std::fmt::Display for AskError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AskError::Intercepted(s) | AskError::Unreachable(s) => f.write_str(s),
        }
    }
}

fn answer(parsed: Parsed, http_status: u16, date: Option<String>) -> TssAnswer {
    TssAnswer {
        parsed,
        http_status,
        date,
        received_unix: crate::signing::now_unix(),
    }
}

/// POSTs a request with the headers reference clients send (one User-Agent) and reads the
/// answer. Only the lack of any answer is an error; an answer that is not Apple's (an HTML page
/// from a proxy, an oversized body) comes back as a [`Parsed::NotTss`].
pub fn ask(
    client: &HttpClient,
    url: &str,
    request: &[u8],
) -> std::result::Result<TssAnswer, AskError> {
    let limit = rd_tss::answer::MAX_ANSWER as u64;
    match client.send("POST", url, &rd_tss::headers(), request, limit) {
        Ok(r) => {
            let date = r.header("date").map(str::to_string);
            Ok(answer(rd_tss::parse(&r.body), r.status, date))
        }
        Err(rd_net::HttpError::Answer(m)) if m.contains("larger than") => Ok(answer(
            Parsed::NotTss {
                why: rd_tss::NotTss::TooLarge,
                excerpt: String::new(),
            },
            200,
            None,
        )),
        Err(e @ rd_net::HttpError::Intercepted { .. }) => {
            Err(AskError::Intercepted(format!("{url}: {e}")))
        }
        Err(e) => Err(AskError::Unreachable(format!("{url}: {e}"))),
    }
}
