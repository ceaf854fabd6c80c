//! What keeps the local server safe from the other web pages the user visits (OWASP's advice
//! for local servers):
//!
//! - **Host**: only this server's loopback names with its port (`127.0.0.1:P`, `localhost:P`,
//!   `[::1]:P`) are answered. A DNS-rebinding page reaches us under its own name
//!   (`Host: evil.example:P`), so this check is what defeats DNS rebinding. With `--bind` to
//!   another address, that address (or, for 0.0.0.0/::, any IP literal) is accepted too: an IP
//!   literal cannot be rebound.
//! - **Origin**: a request that names an origin must name this server; `Origin: null` and
//!   other sites are refused. Requests without `Origin` (curl, scripts) keep working.
//! - **Fetch metadata**: `Sec-Fetch-Site: cross-site` or `same-site` (another port of this
//!   computer) is refused, except a plain navigation to the page itself (a shared `/?q=4013` link).
//! - No CORS headers, a strict Content-Security-Policy (no inline script or style), no framing,
//!   no referrer, no caching of answers.
//! - At most `max_in_flight` API requests at once; the rest get 503 with a JSON error.

use crate::ApiError;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use tokio::sync::Semaphore;

/// Who may talk to the server: the port `Host` must carry, and the address it listens on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Access {
    /// The port the server really listens on.
    pub port: u16,
    /// The address it listens on (loopback unless `--bind`).
    pub bind: IpAddr,
}

impl Default for Access {
    fn default() -> Self {
        Access {
            port: 7420,
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
        }
    }
}

impl Access {
    /// Access for a listener bound at `local` (its real port) asked to listen on `bind`.
    pub fn for_listener(local: SocketAddr, bind: IpAddr) -> Access {
        Access {
            port: local.port(),
            bind: if bind.is_unspecified() || !bind.is_loopback() {
                bind
            } else {
                local.ip()
            },
        }
    }

    /// True when `authority` (`host[:port]` as in a Host header or an Origin) names this server.
    pub fn allows(&self, authority: &str) -> bool {
        let Some((host, port)) = split_authority(authority) else {
            return false;
        };
        if port != self.port {
            return false;
        }
        let host = host.to_ascii_lowercase();
        if matches!(host.as_str(), "127.0.0.1" | "localhost" | "[::1]") {
            return true;
        }
        let ip = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>();
        match ip {
            Ok(ip) if self.bind.is_unspecified() => !ip.is_unspecified(),
            Ok(ip) => !self.bind.is_loopback() && ip == self.bind,
            Err(_) => false,
        }
    }

    /// What a non-loopback bind exposes, said loudly at start-up (`None` on loopback).
    pub fn exposure_warning(&self) -> Option<String> {
        if self.bind.is_loopback() {
            return None;
        }
        let whom = if self.bind.is_unspecified() {
            "every network this computer is on".to_string()
        } else {
            format!("anyone who can reach {}", self.bind)
        };
        Some(format!(
            "WARNING: listening on {}:{} exposes this page to {whom}. Anyone there can list the connected devices with their ECID and serial numbers, read IPSW files and logs by path on this computer, and start network checks — with no password. Use it only on a network you trust, and stop the server when done.",
            self.bind, self.port
        ))
    }
}

/// `host[:port]` → (host, port); the port defaults to 80 (an `http://` origin without one).
fn split_authority(a: &str) -> Option<(&str, u16)> {
    let a = a.trim();
    if a.is_empty() || a.contains(['/', '@', ' ']) {
        return None;
    }
    let (host, port) = if let Some(rest) = a.strip_prefix('[') {
        let end = rest.find(']')?;
        let host = &a[..end + 2];
        match &rest[end + 1..] {
            "" => (host, None),
            p => (host, Some(p.strip_prefix(':')?)),
        }
    } else {
        match a.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (a, None),
        }
    };
    let port = match port {
        None => 80,
        Some(p) => p.parse().ok()?,
    };
    (!host.is_empty()).then_some((host, port))
}

/// Shared state of the guard.
pub(crate) struct Guard {
    pub access: Access,
    pub in_flight: Arc<Semaphore>,
}

fn header<'a>(h: &'a HeaderMap, name: &header::HeaderName) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

/// Why a request is refused, if it is.
fn refusal(access: &Access, req: &Request) -> Option<ApiError> {
    let h = req.headers();
    let host = header(h, &header::HOST).or_else(|| req.uri().authority().map(|a| a.as_str()));
    let here = format!("http://127.0.0.1:{}/", access.port);
    if !host.is_some_and(|host| access.allows(host)) {
        return Some(ApiError::forbidden(format!(
            "refused: this server answers only to {here} (or localhost, [::1]); the request named host '{}'",
            host.unwrap_or("")
        )));
    }
    if let Some(origin) = h.get(header::ORIGIN) {
        let ok = origin
            .to_str()
            .ok()
            .and_then(|o| o.strip_prefix("http://"))
            .is_some_and(|a| access.allows(a));
        if !ok {
            return Some(ApiError::forbidden(format!(
                "refused: a request from another site ({}) may not use this server",
                origin.to_str().unwrap_or("?")
            )));
        }
    }
    let site = header(h, &HeaderName::from_static("sec-fetch-site"));
    if matches!(site, Some("cross-site" | "same-site")) {
        let navigation = req.method() == Method::GET
            && req.uri().path() == "/"
            && header(h, &HeaderName::from_static("sec-fetch-mode")) == Some("navigate");
        if !navigation {
            return Some(ApiError::forbidden(
                "refused: another site's page may not use this server (Sec-Fetch-Site)",
            ));
        }
    }
    None
}

/// The middleware: refusals, the concurrency limit, and the security headers on every answer.
pub(crate) async fn guard(State(g): State<Arc<Guard>>, req: Request, next: Next) -> Response {
    if let Some(no) = refusal(&g.access, &req) {
        return with_headers(no.into_response());
    }
    let permit = if req.uri().path().starts_with("/api/") {
        match g.in_flight.clone().try_acquire_owned() {
            Ok(p) => Some(p),
            Err(_) => return with_headers(ApiError::busy().into_response()),
        }
    } else {
        None
    };
    let resp = next.run(req).await;
    drop(permit);
    with_headers(resp)
}

/// The Content-Security-Policy: only this server's own script, style and connections.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

fn with_headers(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    for (name, value) in [
        ("content-security-policy", CSP),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "no-referrer"),
        ("x-frame-options", "DENY"),
        ("cross-origin-opener-policy", "same-origin"),
        ("cross-origin-resource-policy", "same-origin"),
        ("cache-control", "no-store"),
    ] {
        h.insert(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_names_with_the_port_only() {
        let a = Access::default();
        for ok in [
            "127.0.0.1:7420",
            "localhost:7420",
            "LOCALHOST:7420",
            "[::1]:7420",
        ] {
            assert!(a.allows(ok), "{ok}");
        }
        for no in [
            "evil.example:7420",
            "127.0.0.1:7421",
            "127.0.0.1",
            "localhost.evil.example:7420",
            "192.168.1.5:7420",
            "[::1]",
            "",
            "127.0.0.1:7420/x",
        ] {
            assert!(!a.allows(no), "{no}");
        }
    }

    #[test]
    fn a_wider_bind_adds_ip_literals_never_names() {
        let any = Access {
            port: 80,
            bind: "0.0.0.0".parse().unwrap(),
        };
        assert!(any.allows("192.168.1.5"));
        assert!(any.allows("[fe80::1]:80"));
        assert!(!any.allows("evil.example"));
        assert!(!any.allows("0.0.0.0"));
        let one = Access {
            port: 8080,
            bind: "10.0.0.2".parse().unwrap(),
        };
        assert!(one.allows("10.0.0.2:8080"));
        assert!(!one.allows("10.0.0.3:8080"));
        assert!(one.exposure_warning().unwrap().contains("ECID"));
        assert!(Access::default().exposure_warning().is_none());
    }
}
