//! The proxy to send requests through, read from variables the caller passes in (the CLI hands
//! over its environment; the library itself never reads it). `HTTPS_PROXY`/`https_proxy` for
//! https URLs, `HTTP_PROXY`/`http_proxy` for http, `ALL_PROXY` for both, `NO_PROXY` exceptions —
//! the conventions curl and most tools follow. Only `http://` proxies are supported (HTTPS is
//! tunnelled with `CONNECT`, so the TLS chain still comes from the far end).

use std::collections::BTreeMap;

/// Proxies by scheme, and the hosts that bypass them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProxyConfig {
    /// Proxy for `https://` URLs: `(host, port)`.
    pub https: Option<(String, u16)>,
    /// Proxy for `http://` URLs.
    pub http: Option<(String, u16)>,
    /// Host suffixes that go direct (`NO_PROXY`); `*` means everything.
    pub no_proxy: Vec<String>,
    /// Problems met reading the variables (unsupported scheme, malformed value).
    pub notes: Vec<String>,
}

fn parse_proxy_url(v: &str) -> Result<(String, u16), String> {
    let v = v.trim();
    let rest = if let Some(r) = v.strip_prefix("http://") {
        r
    } else if v.contains("://") {
        return Err(format!("proxy {v}: only http:// proxies are supported"));
    } else {
        v
    };
    let authority = rest.split('/').next().unwrap_or("");
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || authority.starts_with('[') => {
            (h, p.parse().map_err(|_| format!("proxy {v}: bad port"))?)
        }
        _ => (authority, 80),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() {
        return Err(format!("proxy {v}: no host"));
    }
    Ok((host.to_string(), port))
}

impl ProxyConfig {
    /// Reads the usual proxy variables from `vars` (names as the environment has them).
    pub fn from_vars(vars: &BTreeMap<String, String>) -> ProxyConfig {
        let get = |names: &[&str]| {
            names
                .iter()
                .find_map(|n| vars.get(*n).filter(|v| !v.trim().is_empty()).cloned())
        };
        let mut cfg = ProxyConfig::default();
        let all = get(&["ALL_PROXY", "all_proxy"]);
        let mut pick = |v: Option<String>| match v.map(|v| parse_proxy_url(&v)) {
            Some(Ok(p)) => Some(p),
            Some(Err(e)) => {
                cfg.notes.push(e);
                None
            }
            None => None,
        };
        let https = pick(get(&["HTTPS_PROXY", "https_proxy"]).or(all.clone()));
        let http = pick(get(&["HTTP_PROXY", "http_proxy"]).or(all));
        cfg.https = https;
        cfg.http = http;
        cfg.no_proxy = get(&["NO_PROXY", "no_proxy"])
            .map(|v| {
                v.split(',')
                    .map(|s| s.trim().trim_start_matches('.').to_ascii_lowercase())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        cfg
    }

    /// The proxy a request to `host` over `https` goes through, if any.
    pub fn route(&self, host: &str, https: bool) -> Option<&(String, u16)> {
        let h = host.to_ascii_lowercase();
        let bypass = self
            .no_proxy
            .iter()
            .any(|n| n == "*" || h == *n || h.ends_with(&format!(".{n}")));
        if bypass {
            return None;
        }
        if https {
            self.https.as_ref()
        } else {
            self.http.as_ref()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn reads_the_usual_variables() {
        let c = ProxyConfig::from_vars(&vars(&[
            ("HTTPS_PROXY", "http://user:pw@proxy.corp:3128/"),
            ("ALL_PROXY", "10.0.0.1:8080"),
            ("NO_PROXY", "localhost, .apple.com"),
        ]));
        assert_eq!(c.https, Some(("proxy.corp".into(), 3128)));
        assert_eq!(c.http, Some(("10.0.0.1".into(), 8080)));
        assert_eq!(c.route("gs.apple.com", true), None);
        assert_eq!(
            c.route("api.ipsw.me", true),
            Some(&("proxy.corp".into(), 3128))
        );
        assert_eq!(
            c.route("api.ipsw.me", false),
            Some(&("10.0.0.1".into(), 8080))
        );
    }

    #[test]
    fn unsupported_schemes_are_noted_not_used() {
        let c = ProxyConfig::from_vars(&vars(&[("https_proxy", "socks5://127.0.0.1:1080")]));
        assert_eq!(c.https, None);
        assert!(c.notes[0].contains("socks5"));
        assert_eq!(
            ProxyConfig::from_vars(&BTreeMap::new()),
            ProxyConfig::default()
        );
    }
}
