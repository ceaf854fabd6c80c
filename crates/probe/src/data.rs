//! The checkup's embedded data: Apple hosts, check definitions, interception products, defaults.

use rd_model::Family;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// One Apple host a restore or update talks to (`data/apple_hosts.toml`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppleHost {
    /// DNS name, e.g. `gs.apple.com`.
    pub name: String,
    /// TCP ports used (443 is probed with a TLS handshake, others with a TCP connect).
    pub ports: Vec<u16>,
    /// What the host is for, in plain words.
    #[serde(default)]
    pub purpose: String,
    /// Served from Apple's own network (17.0.0.0/8): an answer outside it is a redirect.
    #[serde(default)]
    pub in_apple_network: bool,
    /// A restore cannot work without it.
    #[serde(default)]
    pub critical: bool,
    /// Probed only on this OS (`macos`, `windows`, `linux`); absent: everywhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub only_on: Option<String>,
    /// Where the fact comes from (Apple's article, a reference client).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source: String,
}

impl AppleHost {
    /// Whether the host is probed on this OS.
    pub fn applies_here(&self) -> bool {
        self.only_on
            .as_deref()
            .is_none_or(|os| os == std::env::consts::OS)
    }
}

/// One check of the checkup, as data (`data/checks.toml`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckSpec {
    /// Check id from the knowledge base, e.g. `net.dns`.
    pub id: String,
    /// Family its findings carry.
    pub family: Family,
    /// Budget for the whole check, in milliseconds.
    pub timeout_ms: u64,
    /// Needs the internet (skipped without it).
    pub network: bool,
    /// Remedy ids shown when the check is not fine.
    pub remedies: Vec<String>,
    /// Restore errors the problem shows up as.
    pub error_codes: Vec<String>,
}

pub use rd_net::data::{InterceptionProduct, interception_products, product_for_names};

/// An IP-addressed TLS server used to prove internet reachability.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InternetTarget {
    /// `ip:port`.
    pub addr: String,
    /// The name its certificate is issued for (sent as SNI and verified).
    pub name: String,
}

/// A restore tool looked for on PATH.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToolSpec {
    /// Executable name.
    pub name: String,
    /// Arguments that make it print its version.
    pub args: Vec<String>,
    /// Oldest version known to be fit (empty: none stated).
    #[serde(default)]
    pub min_version: String,
    /// Why older builds are a problem.
    #[serde(default)]
    pub why: String,
}

/// Scalar defaults from `data/network.toml`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkDefaults {
    /// Names resolved to tell "DNS broken" from "no network".
    pub internet_names: Vec<String>,
    /// Public resolvers asked directly.
    pub public_resolvers: Vec<String>,
    /// Apple's address blocks (CIDR).
    pub apple_networks: Vec<String>,
    /// Domains whose hosts-file entries are reported.
    pub apple_domains: Vec<String>,
    /// Organisations that legitimately issue Apple's host certificates.
    pub expected_issuer_orgs: Vec<String>,
    /// Apple system status data URL.
    pub status_url: String,
    /// Status services a restore depends on.
    pub status_services: Vec<String>,
    /// TSS endpoint.
    pub tss_url: String,
    /// Free space needed, in GB.
    pub min_free_gb: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HostFile {
    host: Vec<AppleHost>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckFile {
    check: Vec<CheckSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NetworkFile {
    internet_target: Vec<InternetTarget>,
    defaults: NetworkDefaults,
    tool: Vec<ToolSpec>,
}

fn network_file() -> &'static NetworkFile {
    static F: OnceLock<NetworkFile> = OnceLock::new();
    F.get_or_init(|| {
        toml::from_str(include_str!("../data/network.toml"))
            .expect("network.toml is validated by tests")
    })
}

/// Apple hosts, in data order.
pub fn apple_hosts() -> &'static [AppleHost] {
    static F: OnceLock<Vec<AppleHost>> = OnceLock::new();
    F.get_or_init(|| {
        toml::from_str::<HostFile>(include_str!("../data/apple_hosts.toml"))
            .expect("apple_hosts.toml is validated by tests")
            .host
    })
}

/// Check specs, in the order the summary lists them.
pub fn check_specs() -> &'static [CheckSpec] {
    static F: OnceLock<Vec<CheckSpec>> = OnceLock::new();
    F.get_or_init(|| {
        toml::from_str::<CheckFile>(include_str!("../data/checks.toml"))
            .expect("checks.toml is validated by tests")
            .check
    })
}

/// The spec of one check.
pub fn check_spec(id: &str) -> Option<&'static CheckSpec> {
    check_specs().iter().find(|c| c.id == id)
}

/// Every check id the checkup knows, in order.
pub fn check_ids() -> Vec<&'static str> {
    check_specs().iter().map(|c| c.id.as_str()).collect()
}

/// Internet reachability targets.
pub fn internet_targets() -> &'static [InternetTarget] {
    &network_file().internet_target
}

/// Scalar network defaults.
pub fn network_defaults() -> &'static NetworkDefaults {
    &network_file().defaults
}

/// Restore tools looked for on PATH.
pub fn tools() -> &'static [ToolSpec] {
    &network_file().tool
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_check_is_in_the_kb_and_remedies_resolve() {
        let mut seen = HashSet::new();
        for c in check_specs() {
            assert!(seen.insert(&c.id), "duplicate check {}", c.id);
            assert!(
                rd_kb::catalog::check(&c.id).is_some(),
                "{} not in kb checks.toml",
                c.id
            );
            for r in &c.remedies {
                assert!(
                    rd_kb::catalog::remedy(r).is_some(),
                    "{}: unknown remedy {r}",
                    c.id
                );
            }
            for code in &c.error_codes {
                assert!(
                    code.trim_start_matches('-')
                        .chars()
                        .all(|ch| ch.is_ascii_digit()),
                    "{}: code {code}",
                    c.id
                );
            }
            assert!(c.timeout_ms > 0 && c.timeout_ms <= 10_000, "{}", c.id);
        }
        for id in [
            "net.internet",
            "net.dns",
            "net.apple_hosts",
            "sec.hosts_file",
            "sec.tls_interception",
            "sec.proxy",
            "apple.status",
            "apple.tss",
            "host.software",
            "host.disk",
            "host.clock",
        ] {
            assert!(check_spec(id).is_some(), "missing {id}");
        }
    }

    #[test]
    fn apple_hosts_are_well_formed() {
        let mut seen = HashSet::new();
        for h in apple_hosts() {
            assert!(seen.insert(&h.name), "duplicate host {}", h.name);
            assert!(!h.ports.is_empty(), "{} has no port", h.name);
            assert!(h.name.ends_with("apple.com"), "{}", h.name);
            assert!(
                h.only_on
                    .as_deref()
                    .is_none_or(|o| ["macos", "windows", "linux"].contains(&o))
            );
        }
        for must in [
            "gs.apple.com",
            "mesu.apple.com",
            "gdmf.apple.com",
            "xp.apple.com",
            "albert.apple.com",
            "updates.cdn-apple.com",
            "wkms-public.apple.com",
            "fcs-keys-pub-prod.cdn-apple.com",
            "itunes.apple.com",
        ] {
            assert!(seen.contains(&must.to_string()), "missing {must}");
        }
        let host = |n: &str| apple_hosts().iter().find(|h| h.name == n).unwrap();
        // Keys of encrypted iOS 18+ images: a restore of iOS 18+ cannot do without them.
        assert!(host("wkms-public.apple.com").critical);
        assert!(host("fcs-keys-pub-prod.cdn-apple.com").critical);
        assert!(host("itunes.apple.com").critical);
        // OTA catalogs are not used by a computer restore; ig is macOS-only.
        assert!(!host("mesu.apple.com").critical);
        assert_eq!(host("ig.apple.com").only_on.as_deref(), Some("macos"));
        for h in apple_hosts() {
            assert!(!h.source.is_empty(), "{} has no source", h.name);
        }
    }

    #[test]
    fn defaults_parse() {
        let d = network_defaults();
        assert!(d.min_free_gb >= 5.0);
        assert!(!internet_targets().is_empty());
        assert!(tools().iter().any(|t| t.name == "idevicerestore"));
    }
}
