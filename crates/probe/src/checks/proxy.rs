//! `sec.proxy`: proxy settings from the environment (as the caller passes them in
//! [`crate::config::ProxyConfig::variables`]) and the OS (macOS `scutil --proxy`, the
//! Windows Internet Settings registry key, GNOME's settings), whether Apple's hosts go through
//! them (`NO_PROXY` / bypass lists), and whether the proxy answers.

use crate::data::CheckSpec;
use crate::hosts::under_domain;
use crate::net;
use crate::runner::{Ctx, finding};
use rd_model::{Evidence, Finding, Severity};
use std::collections::BTreeMap;
use std::time::Duration;

/// One proxy setting found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxySetting {
    /// Where it was found (`HTTPS_PROXY`, `macOS network settings`…).
    pub source: String,
    /// `host:port`, or a PAC URL when `pac`.
    pub target: String,
    /// Automatic configuration script (cannot tell which hosts it routes).
    pub pac: bool,
    /// Bypass list entries.
    pub bypass: Vec<String>,
}

/// Reads proxy variables (upper- and lower-case) into settings.
pub fn from_variables(vars: &BTreeMap<String, String>) -> Vec<ProxySetting> {
    let get = |k: &str| {
        vars.get(k)
            .or_else(|| vars.get(&k.to_ascii_lowercase()))
            .filter(|v| !v.trim().is_empty())
            .cloned()
    };
    let bypass: Vec<String> = get("NO_PROXY")
        .map(|v| {
            v.split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let mut out: Vec<ProxySetting> = Vec::new();
    for key in ["HTTPS_PROXY", "ALL_PROXY", "HTTP_PROXY"] {
        if let Some(v) = get(key) {
            let target = host_port(&v);
            if !out.iter().any(|p| p.target == target) {
                out.push(ProxySetting {
                    source: key.into(),
                    target,
                    pac: false,
                    bypass: bypass.clone(),
                });
            }
        }
    }
    out
}

/// `scheme://user:pass@host:port/` → `host:port` (default port 8080 when none is given).
pub fn host_port(v: &str) -> String {
    let v = v.trim();
    let v = v.split_once("://").map(|(_, r)| r).unwrap_or(v);
    let v = v.rsplit_once('@').map(|(_, r)| r).unwrap_or(v);
    let v = v.split('/').next().unwrap_or(v);
    if v.rsplit_once(':')
        .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
    {
        v.to_string()
    } else {
        format!("{v}:8080")
    }
}

/// Whether `host` bypasses the proxy under this list (`*`, `.apple.com`, `*.apple.com`, `apple.com`).
pub fn bypassed(host: &str, bypass: &[String]) -> bool {
    bypass.iter().any(|b| {
        let b = b.trim();
        if b == "*" {
            return true;
        }
        let d = b
            .trim_start_matches("*.")
            .trim_start_matches('.')
            .trim_start_matches('*');
        !d.is_empty() && under_domain(host, d.split(':').next().unwrap_or(d))
    })
}

/// Parses `scutil --proxy` output (macOS).
pub fn from_scutil(text: &str) -> Vec<ProxySetting> {
    let mut kv = BTreeMap::new();
    let mut exceptions = Vec::new();
    let mut in_exceptions = false;
    for line in text.lines() {
        let l = line.trim();
        if l.starts_with("ExceptionsList") {
            in_exceptions = true;
            continue;
        }
        if in_exceptions {
            if l.starts_with('}') {
                in_exceptions = false;
            } else if let Some((_, v)) = l.split_once(':') {
                exceptions.push(v.trim().to_string());
            }
            continue;
        }
        if let Some((k, v)) = l.split_once(" : ") {
            kv.insert(k.trim().to_string(), v.trim().to_string());
        }
    }
    let mut out = Vec::new();
    for (kind, label) in [
        ("HTTPS", "macOS network settings (HTTPS proxy)"),
        ("HTTP", "macOS network settings (HTTP proxy)"),
    ] {
        if kv.get(&format!("{kind}Enable")).map(String::as_str) == Some("1")
            && let Some(h) = kv.get(&format!("{kind}Proxy"))
        {
            let port = kv
                .get(&format!("{kind}Port"))
                .cloned()
                .unwrap_or_else(|| "8080".into());
            out.push(ProxySetting {
                source: label.into(),
                target: format!("{h}:{port}"),
                pac: false,
                bypass: exceptions.clone(),
            });
        }
    }
    if kv.get("ProxyAutoConfigEnable").map(String::as_str) == Some("1") {
        let url = kv
            .get("ProxyAutoConfigURLString")
            .cloned()
            .unwrap_or_default();
        out.push(ProxySetting {
            source: "macOS network settings (automatic proxy configuration)".into(),
            target: url,
            pac: true,
            bypass: exceptions,
        });
    }
    out
}

/// Parses `reg query "HKCU\...\Internet Settings"` output (Windows).
pub fn from_windows_reg(text: &str) -> Vec<ProxySetting> {
    let mut kv = BTreeMap::new();
    for line in text.lines() {
        let parts: Vec<&str> = line.split_whitespace().collect();
        if parts.len() >= 3 && parts[1].starts_with("REG_") {
            kv.insert(parts[0].to_string(), parts[2..].join(" "));
        }
    }
    let mut out = Vec::new();
    let bypass: Vec<String> = kv
        .get("ProxyOverride")
        .map(|v| v.split(';').map(|s| s.trim().to_string()).collect())
        .unwrap_or_default();
    if kv.get("ProxyEnable").is_some_and(|v| v == "0x1")
        && let Some(server) = kv.get("ProxyServer")
    {
        // "host:port" or "http=h:p;https=h:p"
        let target = server
            .split(';')
            .find_map(|s| s.strip_prefix("https="))
            .or_else(|| server.split(';').find_map(|s| s.strip_prefix("http=")))
            .unwrap_or(server);
        out.push(ProxySetting {
            source: "Windows Internet settings".into(),
            target: host_port(target),
            pac: false,
            bypass: bypass.clone(),
        });
    }
    if let Some(pac) = kv.get("AutoConfigURL") {
        out.push(ProxySetting {
            source: "Windows Internet settings (automatic configuration script)".into(),
            target: pac.clone(),
            pac: true,
            bypass,
        });
    }
    out
}

async fn os_settings(t: Duration) -> Vec<ProxySetting> {
    use crate::checks::command_output;
    if cfg!(target_os = "macos") {
        return command_output("scutil", &["--proxy"], t)
            .await
            .map(|s| from_scutil(&s))
            .unwrap_or_default();
    }
    if cfg!(windows) {
        return command_output(
            "reg",
            &[
                "query",
                "HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings",
            ],
            t,
        )
        .await
        .map(|s| from_windows_reg(&s))
        .unwrap_or_default();
    }
    // GNOME (and others that use its settings).
    let Some(mode) =
        command_output("gsettings", &["get", "org.gnome.system.proxy", "mode"], t).await
    else {
        return Vec::new();
    };
    let unquote = |s: String| s.trim().trim_matches('\'').to_string();
    match unquote(mode).as_str() {
        "manual" => {
            let host = command_output(
                "gsettings",
                &["get", "org.gnome.system.proxy.https", "host"],
                t,
            )
            .await
            .map(unquote)
            .unwrap_or_default();
            let port = command_output(
                "gsettings",
                &["get", "org.gnome.system.proxy.https", "port"],
                t,
            )
            .await
            .map(unquote)
            .unwrap_or_default();
            let ignore = command_output(
                "gsettings",
                &["get", "org.gnome.system.proxy", "ignore-hosts"],
                t,
            )
            .await
            .unwrap_or_default();
            let bypass = ignore
                .trim()
                .trim_matches(['[', ']'])
                .split(',')
                .map(|s| s.trim().trim_matches('\'').to_string())
                .filter(|s| !s.is_empty())
                .collect();
            if host.is_empty() {
                Vec::new()
            } else {
                vec![ProxySetting {
                    source: "GNOME proxy settings".into(),
                    target: format!("{host}:{port}"),
                    pac: false,
                    bypass,
                }]
            }
        }
        "auto" => {
            let url = command_output(
                "gsettings",
                &["get", "org.gnome.system.proxy", "autoconfig-url"],
                t,
            )
            .await
            .map(unquote)
            .unwrap_or_default();
            vec![ProxySetting {
                source: "GNOME proxy settings (automatic)".into(),
                target: url,
                pac: true,
                bypass: Vec::new(),
            }]
        }
        _ => Vec::new(),
    }
}

/// Runs the check.
pub async fn check(ctx: &Ctx, spec: &CheckSpec) -> Finding {
    let cfg = &ctx.cfg.proxy;
    let mut settings = Vec::new();
    // The proxy variables come in through the configuration: the caller read them from its
    // environment (when `environment` is on), this crate reads none.
    if let Some(vars) = &cfg.variables {
        settings.extend(from_variables(vars));
    }
    if cfg.os_settings {
        settings.extend(os_settings(Duration::from_millis(500)).await);
    }
    if settings.is_empty() {
        return finding(
            spec,
            Severity::Ok,
            "No proxy configured",
            "Neither the environment nor the system settings name a proxy; connections to Apple go direct.",
        );
    }
    let apple = "gs.apple.com";
    let step = ctx.cfg.step_timeout();
    let mut worst = Severity::Ok;
    let mut title = String::from("Proxy configured, but Apple's hosts bypass it");
    let mut explanation = String::from(
        "A proxy is set, and its bypass list covers Apple's hosts, so restores go direct.",
    );
    let mut f_evidence = Vec::new();
    for s in &settings {
        if s.pac {
            f_evidence.push(Evidence::new(
                format!("{}: automatic configuration {}", s.source, s.target),
                "a script decides per host; which route Apple takes cannot be read from it",
            ));
            if worst < Severity::Warn {
                worst = Severity::Warn;
                title = "An automatic proxy configuration script is in use".into();
                explanation = "A PAC script may send Apple's hosts through a proxy; restore tools often ignore it while Finder/iTunes follow it, and inspecting proxies break signing.".into();
            }
            continue;
        }
        if bypassed(apple, &s.bypass) {
            f_evidence.push(Evidence::new(
                format!(
                    "{}: {} (bypass: {})",
                    s.source,
                    s.target,
                    s.bypass.join(",")
                ),
                "Apple's hosts bypass it",
            ));
            continue;
        }
        let stores = ctx.stores().await;
        let reach = crate::http::Reach {
            step,
            ..ctx.reach(&stores)
        };
        let addrs = match crate::http::addresses(
            &reach,
            s.target
                .rsplit_once(':')
                .map(|(h, _)| h.trim_matches(['[', ']']))
                .unwrap_or(&s.target),
            s.target
                .rsplit_once(':')
                .and_then(|(_, p)| p.parse().ok())
                .unwrap_or(8080),
        )
        .await
        {
            Ok(a) => Ok(a),
            Err(e) => Err(format!("does not resolve ({e})")),
        };
        let reach = match addrs {
            Ok(a) => net::connect(&a, step)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
            Err(e) => Err(e),
        };
        match reach {
            Ok(()) => {
                f_evidence.push(Evidence::new(
                    format!("{}: {}", s.source, s.target),
                    "Apple's hosts go through this proxy",
                ));
                if worst < Severity::Warn {
                    worst = Severity::Warn;
                    title = format!("Apple's hosts go through the proxy {}", s.target);
                    explanation = format!(
                        "{} sends connections to gs.apple.com through {}. Some restore tools ignore proxies and others follow them; a proxy that inspects HTTPS breaks Apple's signing requests.",
                        s.source, s.target
                    );
                }
            }
            Err(e) => {
                f_evidence.push(Evidence::new(
                    format!("{}: {} — {e}", s.source, s.target),
                    "the proxy does not answer",
                ));
                worst = Severity::Fail;
                title = format!("The configured proxy {} does not answer", s.target);
                explanation = format!(
                    "{} names a proxy that cannot be reached ({e}); programs that follow it cannot reach Apple at all.",
                    s.source
                );
            }
        }
    }
    f_evidence.into_iter().fold(
        finding(spec, worst, title, explanation),
        Finding::with_evidence,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_and_bypass() {
        let mut v = BTreeMap::new();
        v.insert(
            "https_proxy".to_string(),
            "http://user:pw@proxy.corp:3128/".to_string(),
        );
        v.insert("NO_PROXY".to_string(), "localhost, .apple.com".to_string());
        let s = from_variables(&v);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].target, "proxy.corp:3128");
        assert!(bypassed("gs.apple.com", &s[0].bypass));
        assert!(!bypassed(
            "gs.apple.com",
            &["localhost".into(), "notapple.com".into()]
        ));
        assert!(bypassed("gs.apple.com", &["*".into()]));
        assert!(bypassed("gs.apple.com", &["*.apple.com".into()]));
        assert_eq!(host_port("proxy"), "proxy:8080");
    }

    #[test]
    fn scutil_and_registry() {
        let mac = "<dictionary> {\n  ExceptionsList : <array> {\n    0 : *.local\n    1 : 169.254/16\n  }\n  HTTPSEnable : 1\n  HTTPSPort : 8443\n  HTTPSProxy : 10.0.0.5\n  ProxyAutoConfigEnable : 0\n}\n";
        let s = from_scutil(mac);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].target, "10.0.0.5:8443");
        assert_eq!(s[0].bypass, ["*.local", "169.254/16"]);
        let win = "\nHKEY_CURRENT_USER\\Software\\...\\Internet Settings\n    ProxyEnable    REG_DWORD    0x1\n    ProxyServer    REG_SZ    http=p.corp:80;https=p.corp:8443\n    ProxyOverride    REG_SZ    *.apple.com;<local>\n";
        let s = from_windows_reg(win);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].target, "p.corp:8443");
        assert!(bypassed("gs.apple.com", &s[0].bypass));
        assert!(from_windows_reg("    ProxyEnable    REG_DWORD    0x0\n").is_empty());
    }
}
