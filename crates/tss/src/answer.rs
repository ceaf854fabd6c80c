//! Reads what came back from a TSS request: `STATUS=n&MESSAGE=…&REQUEST_STRING=<plist>` from
//! Apple, or something else (an HTML page from a proxy or captive portal, garbage, a cut-off or
//! oversized body). Every input gives a typed result; nothing here panics or allocates more than
//! [`MAX_ANSWER`] bytes' worth.

use crate::status::{self, StatusInfo, StatusVerdict};
use plist::Value;
use serde::Serialize;

/// Largest answer read (a ticket answer is a few KiB to a few hundred KiB).
pub const MAX_ANSWER: usize = 4 * 1024 * 1024;
/// Longest `MESSAGE` kept, in characters.
const MAX_MESSAGE: usize = 300;
/// Longest excerpt of a non-TSS body kept, in characters.
const MAX_EXCERPT: usize = 160;

/// Whether the answer carried a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Ticket {
    /// `REQUEST_STRING` holds a plist with `ApImg4Ticket` or `APTicket`.
    Present,
    /// No `REQUEST_STRING`, or one without a ticket.
    Missing,
    /// `REQUEST_STRING` is there but its plist is cut off or unreadable.
    Truncated,
}

/// A TSS answer (it had a `STATUS`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reply {
    /// The `STATUS` number.
    pub status: i64,
    /// The `MESSAGE` text (bounded).
    pub message: String,
    /// The ticket's state.
    pub ticket: Ticket,
}

/// Why a body is not a TSS answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NotTss {
    /// Nothing came back.
    Empty,
    /// An HTML page (a proxy, captive portal, filter or block page answered).
    Html,
    /// Text without a readable `STATUS=`.
    Garbage,
    /// More than [`MAX_ANSWER`] bytes.
    TooLarge,
}

/// What a body turned out to be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Parsed {
    /// A TSS answer.
    Reply(Reply),
    /// Not a TSS answer.
    NotTss {
        /// Which kind of non-answer.
        why: NotTss,
        /// The start of the body, printable characters only.
        excerpt: String,
    },
}

/// The verdict about signing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// STATUS=0 with a ticket: Apple signs the build for this device.
    Signed,
    /// Apple refuses to sign the build for this device (94, 69).
    NotSigned,
    /// The request was refused as malformed (8, 49, 100, 126): a tool matter.
    RequestRejected,
    /// Apple's server failed (128, 168): says nothing about signing.
    ServerError,
    /// STATUS=0 but no usable ticket (a cut-off answer): says nothing about signing.
    Incomplete,
    /// Something other than Apple's signing server answered.
    NotTss(NotTss),
    /// A status nobody gives a meaning for: says nothing about signing.
    Unknown,
}

impl Verdict {
    /// Whether the verdict settles the signing question.
    pub fn is_conclusive(self) -> bool {
        matches!(self, Verdict::Signed | Verdict::NotSigned)
    }
}

impl Parsed {
    /// The verdict about signing.
    pub fn verdict(&self) -> Verdict {
        match self {
            Parsed::NotTss { why, .. } => Verdict::NotTss(*why),
            Parsed::Reply(r) if r.status == 0 => match r.ticket {
                Ticket::Present => Verdict::Signed,
                Ticket::Missing | Ticket::Truncated => Verdict::Incomplete,
            },
            Parsed::Reply(r) => match status::verdict_of(r.status) {
                StatusVerdict::NotSigned => Verdict::NotSigned,
                StatusVerdict::RequestRejected => Verdict::RequestRejected,
                StatusVerdict::ServerError => Verdict::ServerError,
                // A nonzero status never means "signed", whatever a table says.
                StatusVerdict::Signed | StatusVerdict::Unknown => Verdict::Unknown,
            },
        }
    }

    /// The status table's row, for a reply whose status is listed.
    pub fn status_info(&self) -> Option<&'static StatusInfo> {
        match self {
            Parsed::Reply(r) => status::lookup(r.status),
            Parsed::NotTss { .. } => None,
        }
    }
}

fn excerpt(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_control() || *c == ' ')
        .take(MAX_EXCERPT)
        .collect()
}

fn looks_like_html(text: &str) -> bool {
    let head: String = text
        .trim_start()
        .chars()
        .take(512)
        .collect::<String>()
        .to_ascii_lowercase();
    head.starts_with("<!doctype html")
        || head.starts_with("<html")
        || head.contains("<html")
        || head.contains("<head")
        || head.contains("<body")
        || head.contains("<title")
}

/// Reads the status number right after `STATUS=` (an optional sign and up to 9 digits).
fn status_number(after: &str) -> Option<i64> {
    let t = after.trim_start();
    let (neg, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    let n: String = digits.chars().take_while(char::is_ascii_digit).collect();
    if n.is_empty() || n.len() > 9 {
        return None;
    }
    let v: i64 = n.parse().ok()?;
    Some(if neg { -v } else { v })
}

fn ticket_state(request_string: Option<&str>) -> Ticket {
    let Some(rs) = request_string else {
        return Ticket::Missing;
    };
    let Some(start) = rs.find("<?xml").or_else(|| rs.find("<plist")) else {
        return Ticket::Truncated;
    };
    match Value::from_reader_xml(&rs.as_bytes()[start..]) {
        Ok(Value::Dictionary(d)) => {
            let has = |k: &str| {
                d.get(k)
                    .and_then(Value::as_data)
                    .is_some_and(|t| !t.is_empty())
            };
            if has("ApImg4Ticket") || has("APTicket") {
                Ticket::Present
            } else {
                Ticket::Missing
            }
        }
        _ => Ticket::Truncated,
    }
}

/// Reads a body (the HTTP status is not needed: Apple answers 200 for refusals too).
pub fn parse(body: &[u8]) -> Parsed {
    if body.len() > MAX_ANSWER {
        return Parsed::NotTss {
            why: NotTss::TooLarge,
            excerpt: excerpt(&String::from_utf8_lossy(
                &body[..MAX_EXCERPT.min(body.len())],
            )),
        };
    }
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Parsed::NotTss {
            why: NotTss::Empty,
            excerpt: String::new(),
        };
    }
    let (head, request_string) = match trimmed.find("REQUEST_STRING=") {
        Some(i) => (&trimmed[..i], Some(&trimmed[i + "REQUEST_STRING=".len()..])),
        None => (trimmed, None),
    };
    let status = head
        .split('&')
        .find_map(|p| p.trim().strip_prefix("STATUS="))
        .and_then(status_number);
    let Some(status) = status else {
        let why = if looks_like_html(trimmed) {
            NotTss::Html
        } else {
            NotTss::Garbage
        };
        return Parsed::NotTss {
            why,
            excerpt: excerpt(trimmed),
        };
    };
    let message = head
        .find("MESSAGE=")
        .map(|i| {
            head[i + "MESSAGE=".len()..]
                .trim_end_matches('&')
                .trim()
                .chars()
                .filter(|c| !c.is_control())
                .take(MAX_MESSAGE)
                .collect()
        })
        .unwrap_or_default();
    Parsed::Reply(Reply {
        status,
        message,
        ticket: ticket_state(request_string),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TICKET: &str = "STATUS=0&MESSAGE=SUCCESS&REQUEST_STRING=<?xml version=\"1.0\" encoding=\"UTF-8\"?><plist version=\"1.0\"><dict><key>ApImg4Ticket</key><data>MIIK</data></dict></plist>";

    #[test]
    fn statuses_map_to_verdicts() {
        assert_eq!(parse(TICKET.as_bytes()).verdict(), Verdict::Signed);
        let no = parse(b"STATUS=94&MESSAGE=This device isn't eligible for the requested build.");
        assert_eq!(no.verdict(), Verdict::NotSigned);
        let Parsed::Reply(r) = &no else { panic!() };
        assert_eq!(
            r.message,
            "This device isn't eligible for the requested build."
        );
        assert_eq!(parse(b"STATUS=69&MESSAGE=x").verdict(), Verdict::NotSigned);
        assert_eq!(
            parse(b"STATUS=128&MESSAGE=x").verdict(),
            Verdict::ServerError
        );
        assert_eq!(
            parse(b"STATUS=168&MESSAGE=An internal error occurred.").verdict(),
            Verdict::ServerError
        );
        assert_eq!(
            parse(b"STATUS=100&MESSAGE=x").verdict(),
            Verdict::RequestRejected
        );
        assert_eq!(parse(b"STATUS=4242&MESSAGE=x").verdict(), Verdict::Unknown);
    }

    #[test]
    fn cut_off_and_foreign_bodies() {
        let cut = &TICKET[..TICKET.len() - 30];
        assert_eq!(parse(cut.as_bytes()).verdict(), Verdict::Incomplete);
        assert_eq!(
            parse(b"STATUS=0&MESSAGE=SUCCESS").verdict(),
            Verdict::Incomplete
        );
        assert_eq!(
            parse(b"<!DOCTYPE html><html><body>Access denied</body></html>").verdict(),
            Verdict::NotTss(NotTss::Html)
        );
        assert_eq!(
            parse(b"\x00\xff\x13junk").verdict(),
            Verdict::NotTss(NotTss::Garbage)
        );
        assert_eq!(
            parse(b"STATUS=abc").verdict(),
            Verdict::NotTss(NotTss::Garbage)
        );
        assert_eq!(parse(b"   ").verdict(), Verdict::NotTss(NotTss::Empty));
        let huge = vec![b'A'; MAX_ANSWER + 1];
        assert_eq!(parse(&huge).verdict(), Verdict::NotTss(NotTss::TooLarge));
    }

    #[test]
    fn a_listed_nonzero_status_is_never_signed() {
        for s in crate::status::table().iter().filter(|s| s.code != 0) {
            let body = format!("STATUS={}&MESSAGE=x", s.code);
            assert_ne!(
                parse(body.as_bytes()).verdict(),
                Verdict::Signed,
                "{}",
                s.code
            );
        }
    }
}
