//! `net.apple_hosts`: each Apple host a restore needs is resolved, reached over TCP on each of
//! its ports, and (on 443) completes a TLS handshake; every step is timed. The probes (and the
//! chains they capture) are shared with `sec.tls_interception`.

use crate::checks::internet::InternetVerdict;
use crate::data::{AppleHost, CheckSpec};
use crate::http;
use crate::net::{self, ConnectError, DnsError};
use crate::runner::{Ctx, finding};
use crate::tls::{self, ChainVerdict, HandshakeError};
use rd_model::{Evidence, Finding, Severity};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// Where a host probe stopped.
#[derive(Debug, Clone)]
pub enum HostOutcome {
    /// The name did not resolve.
    Dns(DnsError),
    /// TCP failed.
    Tcp(ConnectError),
    /// TCP worked, TLS failed.
    Tls {
        /// TCP connect time.
        connect: Duration,
        /// Why.
        error: HandshakeError,
    },
    /// Reached (TLS done on 443, TCP only elsewhere).
    Reached {
        /// TCP connect time.
        connect: Duration,
        /// TLS handshake time (443 only).
        tls: Option<Duration>,
    },
    /// No result within the budget.
    NoResult,
}

/// One host and port, probed.
#[derive(Debug, Clone)]
pub struct HostProbe {
    /// The host.
    pub host: AppleHost,
    /// The port.
    pub port: u16,
    /// The address connected to (when one was).
    pub addr: Option<SocketAddr>,
    /// Where it stopped.
    pub outcome: HostOutcome,
    /// Judgement of the presented chain (443 only, when one was presented).
    pub chain: Option<ChainVerdict>,
    /// Total time.
    pub elapsed: Duration,
}

impl HostProbe {
    /// Reached at this port (and not intercepted).
    pub fn ok(&self) -> bool {
        matches!(self.outcome, HostOutcome::Reached { .. }) && !self.intercepted()
    }

    /// Something other than the host answered TLS with its own certificate.
    pub fn intercepted(&self) -> bool {
        self.chain
            .as_ref()
            .is_some_and(|c| c.kind == tls::ChainKind::Intercepted)
    }
}

async fn probe_one(ctx: &Ctx, host: &AppleHost, port: u16) -> HostProbe {
    let start = Instant::now();
    let stores = ctx.stores().await;
    let reach = ctx.reach(&stores);
    let mut probe = HostProbe {
        host: host.clone(),
        port,
        addr: None,
        outcome: HostOutcome::NoResult,
        chain: None,
        elapsed: Duration::ZERO,
    };
    let addrs = match http::addresses(&reach, &host.name, port).await {
        Ok(a) => a,
        Err(e) => {
            probe.outcome = HostOutcome::Dns(e);
            probe.elapsed = start.elapsed();
            return probe;
        }
    };
    let (tcp, addr, connect) = match net::connect(&addrs, reach.step).await {
        Ok(c) => c,
        Err(e) => {
            probe.outcome = HostOutcome::Tcp(e);
            probe.elapsed = start.elapsed();
            return probe;
        }
    };
    probe.addr = Some(addr);
    if port == 443 {
        let hs = tls::handshake(tcp, &host.name, &stores, reach.step, false).await;
        if !hs.chain.is_empty() {
            probe.chain = Some(tls::judge(
                &hs.chain,
                &host.name,
                &stores,
                &ctx.cfg.tls.expected_issuer_orgs,
            ));
        }
        let apple_own = probe
            .chain
            .as_ref()
            .is_some_and(|c| c.kind == tls::ChainKind::Genuine);
        probe.outcome = match hs.result {
            Ok(_) => HostOutcome::Reached {
                connect,
                tls: Some(hs.elapsed),
            },
            // Apple's private chain without Apple's roots configured: the path works.
            Err(HandshakeError::Certificate(_)) if apple_own => HostOutcome::Reached {
                connect,
                tls: Some(hs.elapsed),
            },
            Err(error) => HostOutcome::Tls { connect, error },
        };
    } else {
        probe.outcome = HostOutcome::Reached { connect, tls: None };
    }
    probe.elapsed = start.elapsed();
    probe
}

/// Probes every configured host and port concurrently, each within the check's budget.
pub async fn probe_all(ctx: &Ctx) -> Vec<HostProbe> {
    let budget = ctx
        .cfg
        .check_timeout(rd_kb::check_id!("net.apple_hosts").as_str())
        .saturating_sub(Duration::from_millis(150));
    let pairs: Vec<(&AppleHost, u16)> = ctx
        .cfg
        .apple_hosts
        .iter()
        .filter(|h| h.applies_here())
        .flat_map(|h| h.ports.iter().map(move |p| (h, *p)))
        .collect();
    let futs = pairs.iter().map(|(h, p)| async move {
        match tokio::time::timeout(budget, probe_one(ctx, h, *p)).await {
            Ok(probe) => probe,
            Err(_) => HostProbe {
                host: (*h).clone(),
                port: *p,
                addr: None,
                outcome: HostOutcome::NoResult,
                chain: None,
                elapsed: budget,
            },
        }
    });
    crate::join::join_all(futs).await
}

fn line(p: &HostProbe) -> (String, String) {
    let at = p.addr.map(|a| format!(" via {a}")).unwrap_or_default();
    let label = format!("{}:{}", p.host.name, p.port);
    if let Some(c) = p.chain.as_ref().filter(|_| p.intercepted()) {
        return (
            format!(
                "{label}{at}: answered, but TLS is intercepted: certificate issued by {}",
                c.who()
            ),
            "not Apple's own connection (see HTTPS interception)".into(),
        );
    }
    match &p.outcome {
        HostOutcome::Dns(e) => (format!("{label}: does not resolve ({e})"), "the name gives no address here".into()),
        HostOutcome::Tcp(ConnectError::Refused) => (format!("{label}: connection refused"), "a firewall rejects it, or the address is not Apple's".into()),
        HostOutcome::Tcp(ConnectError::Timeout) => (format!("{label}: TCP connect timed out"), "packets are dropped on the way (firewall)".into()),
        HostOutcome::Tcp(e) => (format!("{label}: {e}"), "TCP could not connect".into()),
        HostOutcome::Tls { connect, error: HandshakeError::Timeout } => (
            format!("{label}{at}: TCP connected in {}, then the TLS handshake got no answer", net::ms(*connect)),
            "something in the path accepts the connection and holds it (firewall, security software)".into(),
        ),
        HostOutcome::Tls { connect, error } => (
            format!("{label}{at}: TCP connected in {}, {error}", net::ms(*connect)),
            "the secure connection failed (see TLS interception)".into(),
        ),
        HostOutcome::Reached { connect, tls: Some(t) } => (
            format!("{label}{at}: OK (TCP {}, TLS {})", net::ms(*connect), net::ms(*t)),
            p.host.purpose.clone(),
        ),
        HostOutcome::Reached { connect, tls: None } => (format!("{label}{at}: OK (TCP {})", net::ms(*connect)), p.host.purpose.clone()),
        HostOutcome::NoResult => (format!("{label}: no result in time"), "the check's time limit passed first".into()),
    }
}

/// Runs the check.
pub async fn check(ctx: &Ctx, spec: &CheckSpec) -> Finding {
    let (probes, internet) = tokio::join!(ctx.host_probes(), ctx.internet());
    if probes.is_empty() {
        return finding(
            spec,
            Severity::Warn,
            "No Apple hosts configured",
            "The configuration lists no Apple host to probe.",
        );
    }
    let failed: Vec<&HostProbe> = probes.iter().filter(|p| !p.ok()).collect();
    let intercepted: Vec<&HostProbe> = failed.iter().copied().filter(|p| p.intercepted()).collect();
    let critical_failed = failed.iter().filter(|p| p.host.critical).count();
    let slowest = probes
        .iter()
        .filter(|p| p.ok())
        .max_by_key(|p| p.elapsed)
        .map(|p| format!("slowest {}:{} {}", p.host.name, p.port, net::ms(p.elapsed)))
        .unwrap_or_default();
    let internet_ok = matches!(
        internet.verdict,
        InternetVerdict::Online | InternetVerdict::OnlineIntercepted
    );
    let f = if failed.is_empty() {
        finding(
            spec,
            Severity::Ok,
            format!(
                "All {} Apple restore and update endpoints reachable ({slowest})",
                probes.len()
            ),
            "Every Apple host a restore uses resolves, accepts connections and completes TLS.",
        )
    } else if intercepted.len() == failed.len() {
        let who = intercepted[0]
            .chain
            .as_ref()
            .map(|c| c.who())
            .unwrap_or_default();
        let names: Vec<String> = intercepted
            .iter()
            .map(|p| format!("{}:{}", p.host.name, p.port))
            .collect();
        finding(
            spec,
            if critical_failed > 0 {
                Severity::Fail
            } else {
                Severity::Warn
            },
            format!(
                "Apple endpoints answer, but {} are intercepted by {who}: {}",
                names.len(),
                names.join(", ")
            ),
            "The connections reach a server, but TLS is answered by security software or a proxy with its own certificate, not by Apple. Apple's services refuse intercepted connections, so the restore fails at signing or download.",
        )
    } else if failed.len() == probes.len() && internet_ok {
        finding(
            spec,
            Severity::Fail,
            "Only Apple is blocked: the internet works but none of Apple's restore servers can be reached",
            "Other internet servers answer, yet every Apple host fails. A firewall, security software, a DNS filter or the hosts file is blocking Apple specifically.",
        )
    } else {
        let sev = if critical_failed > 0 {
            Severity::Fail
        } else {
            Severity::Warn
        };
        let names: Vec<String> = failed
            .iter()
            .map(|p| format!("{}:{}", p.host.name, p.port))
            .collect();
        finding(
            spec,
            sev,
            format!(
                "{} of {} Apple endpoints unreachable: {}",
                failed.len(),
                probes.len(),
                names.join(", ")
            ),
            if critical_failed > 0 {
                "A restore needs these hosts; while they cannot be reached the restore stops at signing or download."
            } else {
                "The hosts a restore cannot do without answer, but some secondary ones do not; updates or activation may be affected."
            },
        )
    };
    let mut f = f;
    for p in failed
        .iter()
        .copied()
        .chain(probes.iter().filter(|p| p.ok()))
    {
        let (text, why) = line(p);
        f = f.with_evidence(Evidence::new(text, why));
    }
    f
}
