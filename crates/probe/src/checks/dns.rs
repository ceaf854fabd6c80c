//! `net.dns`: the system resolver's answer for Apple's own hosts vs a direct query to public
//! resolvers (hickory). An answer outside Apple's network, or one that differs from the direct
//! answer, is a redirect; the hosts file is named when it is the source.

use crate::data::CheckSpec;
use crate::hosts;
use crate::net::{self, Cidr, DnsError, Lookup};
use crate::runner::{Ctx, finding};
use rd_model::{Confidence, Evidence, Finding, Severity};
use std::net::{IpAddr, SocketAddr};

/// What one name's answers show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameVerdict {
    /// System answer inside Apple's network.
    Good,
    /// System answer outside Apple's network (`source`: hosts file line, or the resolver).
    Redirected {
        /// Addresses outside Apple's network.
        outside: Vec<IpAddr>,
        /// Hosts-file line that causes it, if any.
        hosts_line: Option<u64>,
        /// The direct answer was Apple's, so the system's resolver rewrites it.
        direct_is_apple: bool,
    },
    /// The system resolver gives no address but a direct query does.
    BlockedBySystem(DnsError),
    /// Neither resolves.
    Unresolved(DnsError),
}

/// Judges one name from the system answer, the direct answer and the hosts file.
pub fn judge(
    system: &Result<Vec<IpAddr>, DnsError>,
    direct: &Result<Vec<IpAddr>, DnsError>,
    nets: &[Cidr],
    hosts_entries: &[hosts::AppleEntry],
    name: &str,
) -> NameVerdict {
    let in_apple = |ip: &IpAddr| nets.iter().any(|n| n.contains(*ip));
    match system {
        Ok(ips) => {
            let outside: Vec<IpAddr> = ips.iter().copied().filter(|ip| !in_apple(ip)).collect();
            if outside.is_empty() {
                return NameVerdict::Good;
            }
            let hosts_line = hosts_entries
                .iter()
                .find(|e| {
                    e.names.iter().any(|n| n == name)
                        && e.address
                            .parse::<IpAddr>()
                            .is_ok_and(|a| outside.contains(&a))
                })
                .map(|e| e.line);
            let direct_is_apple = direct.as_ref().is_ok_and(|d| d.iter().any(in_apple));
            NameVerdict::Redirected {
                outside,
                hosts_line,
                direct_is_apple,
            }
        }
        Err(e) => match direct {
            Ok(_) => NameVerdict::BlockedBySystem(e.clone()),
            Err(_) => NameVerdict::Unresolved(e.clone()),
        },
    }
}

async fn direct_answer(
    resolvers: &[SocketAddr],
    name: &str,
    step: std::time::Duration,
) -> (Result<Vec<IpAddr>, DnsError>, Option<SocketAddr>) {
    let futs = resolvers
        .iter()
        .map(|r| async move { (net::query_server(*r, name, step).await, *r) });
    let answers = crate::join::join_all(futs).await;
    let mut first_err = None;
    for (res, r) in answers {
        match res {
            Ok(ips) => return (Ok(ips), Some(r)),
            Err(e) => {
                first_err.get_or_insert(e);
            }
        }
    }
    (
        Err(first_err.unwrap_or(DnsError::Other("no public resolver configured".into()))),
        None,
    )
}

fn show(r: &Result<Vec<IpAddr>, DnsError>) -> String {
    match r {
        Ok(ips) => ips
            .iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(", "),
        Err(e) => format!("({e})"),
    }
}

/// Runs the check.
pub async fn check(ctx: &Ctx, spec: &CheckSpec) -> Finding {
    let nets: Vec<Cidr> = ctx
        .cfg
        .dns
        .apple_networks
        .iter()
        .filter_map(|n| Cidr::parse(n))
        .collect();
    let mut names: Vec<String> = ctx
        .cfg
        .apple_hosts
        .iter()
        .filter(|h| h.in_apple_network)
        .map(|h| h.name.clone())
        .collect();
    if names.is_empty() {
        names.push("gs.apple.com".into());
    }
    let resolvers: Vec<SocketAddr> = ctx
        .cfg
        .dns
        .public_resolvers
        .iter()
        .filter_map(|r| r.parse().ok())
        .collect();
    let step = ctx.cfg.step_timeout();
    let lookup = ctx.lookup();
    let hosts_entries = std::fs::read(ctx.cfg.hosts_path())
        .map(|b| hosts::apple_entries(&hosts::decode(&b), &ctx.cfg.apple_domains))
        .unwrap_or_default();
    let hosts_path = ctx.cfg.hosts_path().display().to_string();
    let futs = names.iter().map(|n| {
        let resolvers = &resolvers;
        async move {
            let (system, (direct, via)) = tokio::join!(
                net::resolve(lookup, n, step),
                direct_answer(resolvers, n, step)
            );
            (n.clone(), system, direct, via)
        }
    });
    let results = crate::join::join_all(futs).await;
    let mut worst = Severity::Ok;
    let mut title = format!(
        "DNS answers for Apple's hosts are Apple's ({})",
        names.join(", ")
    );
    let mut explanation = format!("{lookup} answers with addresses in Apple's own network.");
    let mut evidence = Vec::new();
    let mut confidence = None;
    for (name, system, direct, via) in &results {
        let verdict = judge(system, direct, &nets, &hosts_entries, name);
        let via = via
            .map(|v| v.to_string())
            .unwrap_or_else(|| "public resolvers".into());
        evidence.push(Evidence::new(
            format!(
                "{name}: {lookup} → {}; {via} → {}",
                show(system),
                show(direct)
            ),
            match &verdict {
                NameVerdict::Good => "inside Apple's network".to_string(),
                NameVerdict::Redirected { .. } => "outside Apple's network: redirected".to_string(),
                NameVerdict::BlockedBySystem(_) => {
                    "the system resolver refuses a name public resolvers know".to_string()
                }
                NameVerdict::Unresolved(_) => "no resolver answered".to_string(),
            },
        ));
        let (sev, t, x) = match verdict {
            NameVerdict::Good => continue,
            NameVerdict::Redirected {
                outside,
                hosts_line: Some(line),
                ..
            } => {
                evidence.push(
                    Evidence::new(
                        format!("{name} → {}", outside[0]),
                        "this hosts-file line is the source",
                    )
                    .at_line(line)
                    .from_source(hosts_path.clone()),
                );
                confidence = Some(Confidence::High);
                (
                    Severity::Fail,
                    format!("{name} is redirected by the hosts file (line {line})"),
                    format!(
                        "The system resolves {name} to {}, outside Apple's network, because {hosts_path} says so.",
                        outside[0]
                    ),
                )
            }
            NameVerdict::Redirected {
                outside,
                direct_is_apple,
                ..
            } => {
                confidence = Some(if direct_is_apple {
                    Confidence::High
                } else {
                    Confidence::Medium
                });
                let src = if direct_is_apple {
                    format!(
                        "A direct query to {via} gives Apple's address, so the resolver this computer uses (router, DNS filter, Pi-hole, parental control or VPN) rewrites the answer."
                    )
                } else {
                    "Public resolvers did not give Apple's address either (they may be blocked or intercepted too).".to_string()
                };
                (
                    Severity::Fail,
                    format!(
                        "{name} resolves outside Apple's network ({})",
                        outside
                            .iter()
                            .map(|i| i.to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    format!("{lookup} answers {name} with an address that is not Apple's. {src}"),
                )
            }
            NameVerdict::BlockedBySystem(e) => (
                Severity::Fail,
                format!("{lookup} cannot resolve {name}, but public resolvers can"),
                format!(
                    "The system's resolver answers '{e}' for {name} while {via} knows it: a DNS filter blocks Apple."
                ),
            ),
            NameVerdict::Unresolved(e) => (
                Severity::Warn,
                format!("{name} could not be resolved by any resolver"),
                format!("Neither {lookup} nor the public resolvers answered ({e})."),
            ),
        };
        if sev > worst {
            worst = sev;
            title = t;
            explanation = x;
        }
    }
    if matches!(lookup, Lookup::Server(_)) {
        evidence.push(Evidence::new(
            format!(
                "system resolver overridden: {}",
                ctx.cfg.dns.system_resolver
            ),
            "from the configuration",
        ));
    }
    let mut f = finding(spec, worst, title, explanation);
    if let Some(c) = confidence {
        f = f.with_confidence(c);
    }
    evidence.into_iter().fold(f, Finding::with_evidence)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn verdicts() {
        let nets = vec![Cidr::parse("17.0.0.0/8").unwrap()];
        let apple = Ok(vec![ip("17.111.103.65")]);
        let evil = Ok(vec![ip("74.208.105.171")]);
        assert_eq!(
            judge(&apple, &apple, &nets, &[], "gs.apple.com"),
            NameVerdict::Good
        );
        let entry = hosts::AppleEntry {
            line: 7,
            address: "74.208.105.171".into(),
            names: vec!["gs.apple.com".into()],
            text: String::new(),
        };
        assert_eq!(
            judge(&evil, &apple, &nets, &[entry], "gs.apple.com"),
            NameVerdict::Redirected {
                outside: vec![ip("74.208.105.171")],
                hosts_line: Some(7),
                direct_is_apple: true
            }
        );
        assert_eq!(
            judge(&evil, &Err(DnsError::Timeout), &nets, &[], "gs.apple.com"),
            NameVerdict::Redirected {
                outside: vec![ip("74.208.105.171")],
                hosts_line: None,
                direct_is_apple: false
            }
        );
        assert_eq!(
            judge(
                &Err(DnsError::NoSuchName),
                &apple,
                &nets,
                &[],
                "gs.apple.com"
            ),
            NameVerdict::BlockedBySystem(DnsError::NoSuchName)
        );
        assert_eq!(
            judge(
                &Err(DnsError::Timeout),
                &Err(DnsError::Timeout),
                &nets,
                &[],
                "gs.apple.com"
            ),
            NameVerdict::Unresolved(DnsError::Timeout)
        );
    }
}
