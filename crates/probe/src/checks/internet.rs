//! `net.internet`: is the internet reachable at all? IP-addressed TLS servers (no DNS needed)
//! and names through the system resolver, all at once, within the check's budget. A target
//! counts only when its own certificate comes back, so a gateway that answers every connection
//! itself (captive portal, filtering proxy) is told apart from the internet.

use crate::data::CheckSpec;
use crate::net::{self, DnsError};
use crate::runner::{Ctx, finding};
use crate::tls;
use rd_model::{Evidence, Finding, Severity};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// What one target showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetOutcome {
    /// The name did not resolve (name targets only).
    NoAddress(DnsError),
    /// TCP failed.
    NoConnection(net::ConnectError),
    /// Connected, but the TLS answer was not the target's own (issuer named).
    NotItself(String),
    /// Connected, but TLS failed otherwise.
    TlsFailed(String),
    /// Reached: the target's own certificate, validated (`public`: under Mozilla's roots).
    Reached {
        /// Valid under public roots (not only the OS store).
        public: bool,
        /// Leaf issuer.
        issuer: String,
    },
    /// No result within the budget.
    NoResult,
}

/// One target's line of evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetResult {
    /// `addr (name)` or the name.
    pub label: String,
    /// What happened.
    pub outcome: TargetOutcome,
    /// Time taken.
    pub elapsed: Duration,
}

/// The overall state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InternetVerdict {
    /// Reached, DNS works.
    Online,
    /// Reached only through a proxy that re-signs certificates (trusted by the OS).
    OnlineIntercepted,
    /// Reached by address, but names do not resolve.
    DnsBroken,
    /// Nothing reached. `gateway`: a local device answered in the internet's place.
    Offline {
        /// Issuer of the certificate the gateway presented, if one answered.
        gateway: Option<String>,
        /// Names did resolve (so DNS works but connections do not get through).
        dns_ok: bool,
    },
}

/// The internet probe's result, shared with the network checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InternetState {
    /// The verdict.
    pub verdict: InternetVerdict,
    /// IP-addressed targets.
    pub targets: Vec<TargetResult>,
    /// Name targets.
    pub names: Vec<TargetResult>,
}

impl InternetState {
    /// Why network checks should be skipped (no internet at all), if so.
    pub fn offline_reason(&self) -> Option<String> {
        matches!(self.verdict, InternetVerdict::Offline { .. })
            .then(|| "no internet connection".to_string())
    }
}

async fn tls_target(
    ctx: &Ctx,
    addrs: Vec<SocketAddr>,
    name: &str,
    step: Duration,
) -> TargetOutcome {
    let (tcp, _, _) = match net::connect(&addrs, step).await {
        Ok(c) => c,
        Err(e) => return TargetOutcome::NoConnection(e),
    };
    let stores = ctx.stores().await;
    let hs = tls::handshake(tcp, name, &stores, step, false).await;
    let verdict = (!hs.chain.is_empty()).then(|| tls::judge(&hs.chain, name, &stores, &[]));
    match (hs.result, verdict) {
        (Ok(_), Some(v)) => TargetOutcome::Reached {
            public: v.under_public,
            issuer: v.leaf.issuer_cn,
        },
        (Ok(_), None) => TargetOutcome::Reached {
            public: false,
            issuer: String::new(),
        },
        (Err(tls::HandshakeError::Certificate(_)), Some(v)) => {
            TargetOutcome::NotItself(v.leaf.issuer_cn)
        }
        (Err(e), _) => TargetOutcome::TlsFailed(e.to_string()),
    }
}

/// Probes every target concurrently; whatever has not finished by the budget counts as no result.
pub async fn probe(ctx: &Ctx) -> InternetState {
    let budget = ctx
        .cfg
        .check_timeout(rd_kb::check_id!("net.internet").as_str())
        .saturating_sub(Duration::from_millis(100));
    let step = ctx.cfg.step_timeout().min(budget);
    let deadline = tokio::time::Instant::now() + budget;
    // Warm the trust stores while connections are in flight.
    let stores = ctx.stores();
    let targets = async {
        let futs = ctx.cfg.internet_targets.iter().map(|t| async move {
            let start = Instant::now();
            let outcome = match t.addr.parse::<SocketAddr>() {
                Ok(sa) => tls_target(ctx, vec![sa], &t.name, step).await,
                Err(_) => TargetOutcome::TlsFailed(format!("bad address {}", t.addr)),
            };
            TargetResult {
                label: format!("{} ({})", t.addr, t.name),
                outcome,
                elapsed: start.elapsed(),
            }
        });
        crate::join::join_all_until(futs, deadline, |i| TargetResult {
            label: ctx.cfg.internet_targets[i].addr.clone(),
            outcome: TargetOutcome::NoResult,
            elapsed: budget,
        })
        .await
    };
    let names = async {
        let futs = ctx.cfg.internet_names.iter().map(|n| async move {
            let start = Instant::now();
            let outcome = match net::resolve(ctx.lookup(), n, step).await {
                Err(e) => TargetOutcome::NoAddress(e),
                Ok(ips) => {
                    // Resolution is what proves DNS; the connection honours `connect_to`.
                    let over = [format!("{n}:443"), n.clone()]
                        .iter()
                        .find_map(|k| ctx.cfg.connect_to.get(k))
                        .and_then(|v| net::parse_connect_to(v, 443));
                    let addrs = match over {
                        Some(sa) => vec![sa],
                        None => ips.into_iter().map(|ip| SocketAddr::new(ip, 443)).collect(),
                    };
                    tls_target(ctx, addrs, n, step).await
                }
            };
            TargetResult {
                label: n.clone(),
                outcome,
                elapsed: start.elapsed(),
            }
        });
        crate::join::join_all_until(futs, deadline, |i| TargetResult {
            label: ctx.cfg.internet_names[i].clone(),
            outcome: TargetOutcome::NoResult,
            elapsed: budget,
        })
        .await
    };
    let (_, targets, names) = tokio::join!(stores, targets, names);
    let verdict = judge(&targets, &names);
    InternetState {
        verdict,
        targets,
        names,
    }
}

/// The verdict from target outcomes.
pub fn judge(targets: &[TargetResult], names: &[TargetResult]) -> InternetVerdict {
    let all = || targets.iter().chain(names);
    let reached: Vec<bool> = all()
        .filter_map(|t| match &t.outcome {
            TargetOutcome::Reached { public, .. } => Some(*public),
            _ => None,
        })
        .collect();
    let dns_ok = names.iter().any(|n| {
        !matches!(
            n.outcome,
            TargetOutcome::NoAddress(_) | TargetOutcome::NoResult
        )
    });
    if reached.is_empty() {
        let gateway = all().find_map(|t| match &t.outcome {
            TargetOutcome::NotItself(issuer) => Some(issuer.clone()),
            _ => None,
        });
        return InternetVerdict::Offline { gateway, dns_ok };
    }
    if !dns_ok && !names.is_empty() {
        return InternetVerdict::DnsBroken;
    }
    if reached.iter().any(|p| *p) {
        InternetVerdict::Online
    } else {
        InternetVerdict::OnlineIntercepted
    }
}

fn describe(o: &TargetOutcome) -> (String, &'static str) {
    match o {
        TargetOutcome::NoAddress(e) => (
            format!("name does not resolve: {e}"),
            "DNS gives no address",
        ),
        TargetOutcome::NoConnection(e) => (
            format!("TCP {e}"),
            "nothing answers at this address from here",
        ),
        TargetOutcome::NotItself(issuer) => (
            format!("answered with a certificate from '{issuer}', not its own"),
            "a device on your network answers in the server's place",
        ),
        TargetOutcome::TlsFailed(e) => (e.clone(), "the secure connection did not complete"),
        TargetOutcome::Reached { public, issuer } => (
            format!("reached (certificate from '{issuer}')"),
            if *public {
                "genuine connection"
            } else {
                "reached through a proxy that re-signs certificates"
            },
        ),
        TargetOutcome::NoResult => ("no result in time".into(), "packets are probably dropped"),
    }
}

fn evidence(state: &InternetState) -> Vec<Evidence> {
    state
        .targets
        .iter()
        .chain(&state.names)
        .map(|t| {
            let (text, why) = describe(&t.outcome);
            Evidence::new(format!("{}: {text} ({})", t.label, net::ms(t.elapsed)), why)
        })
        .collect()
}

/// Runs the check.
pub async fn check(ctx: &Ctx, spec: &CheckSpec) -> Finding {
    let state = ctx.internet().await;
    let f = match &state.verdict {
        InternetVerdict::Online => finding(spec, Severity::Ok, "Internet connection works", "Independent internet servers answer with their own certificates, and names resolve."),
        InternetVerdict::OnlineIntercepted => finding(
            spec,
            Severity::Warn,
            "Internet works only through an intercepting proxy",
            "Servers answer, but every certificate is re-signed by a proxy or security product that this computer trusts. Apple's signing server may reject such connections (see TLS interception).",
        ),
        InternetVerdict::DnsBroken => finding(
            spec,
            Severity::Fail,
            "DNS is broken: the internet is reachable by address but names do not resolve",
            "Servers answer when addressed by number, but the system resolver gives no address for well-known names, so gs.apple.com cannot be found either.",
        )
        .with_remedies(rd_kb::remedies!["dns-fix"]),
        InternetVerdict::Offline { gateway, dns_ok } => {
            let mut explanation = String::from("None of the independent internet servers could be reached, so Apple's servers cannot be either; the network checks were skipped.");
            if let Some(g) = gateway {
                explanation.push_str(&format!(" A device on the local network accepts connections in their place and presents a certificate from '{g}' (a captive portal, filtering proxy or firewall): sign in to the network or ask its administrator."));
            } else if *dns_ok {
                explanation.push_str(" Names resolve, but connections do not get through: a firewall or captive portal may block them.");
            } else if !state.names.is_empty() {
                explanation.push_str(" Names do not resolve either.");
            }
            finding(spec, Severity::Fail, "No internet connection", explanation)
        }
    };
    evidence(&state).into_iter().fold(f, Finding::with_evidence)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(outcome: TargetOutcome) -> TargetResult {
        TargetResult {
            label: "x".into(),
            outcome,
            elapsed: Duration::ZERO,
        }
    }

    #[test]
    fn verdicts() {
        let reached = || {
            t(TargetOutcome::Reached {
                public: true,
                issuer: "CA".into(),
            })
        };
        let nodns = || t(TargetOutcome::NoAddress(DnsError::NoSuchName));
        let refused = || t(TargetOutcome::NoConnection(net::ConnectError::Refused));
        assert_eq!(judge(&[reached()], &[reached()]), InternetVerdict::Online);
        assert_eq!(judge(&[reached()], &[nodns()]), InternetVerdict::DnsBroken);
        assert_eq!(
            judge(&[refused()], &[nodns()]),
            InternetVerdict::Offline {
                gateway: None,
                dns_ok: false
            }
        );
        assert_eq!(
            judge(
                &[t(TargetOutcome::NotItself("egress-ca".into()))],
                &[nodns()]
            ),
            InternetVerdict::Offline {
                gateway: Some("egress-ca".into()),
                dns_ok: false
            }
        );
        assert_eq!(
            judge(
                &[t(TargetOutcome::Reached {
                    public: false,
                    issuer: "Zscaler".into()
                })],
                &[t(TargetOutcome::Reached {
                    public: false,
                    issuer: "Zscaler".into()
                })]
            ),
            InternetVerdict::OnlineIntercepted
        );
        assert_eq!(
            judge(&[t(TargetOutcome::NoResult)], &[t(TargetOutcome::NoResult)]),
            InternetVerdict::Offline {
                gateway: None,
                dns_ok: false
            }
        );
    }
}
