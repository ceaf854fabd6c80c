//! The checkup's embedded data: Apple hosts, interception products, defaults, and the checks it
//! runs, read from the knowledge base's one table of checks (`crates/kb/data/checks.toml`, the rows
//! with a `[check.checkup]` part).

use rd_kb::{CheckId, RemedyId};
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

/// One check of the checkup: its id and the `[check.checkup]` part of its row in the knowledge base.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckSpec {
    /// Check id from the knowledge base, e.g. `net.dns`.
    pub id: CheckId,
    /// Family its findings carry.
    pub family: Family,
    /// Budget for the whole check, in milliseconds.
    pub timeout_ms: u64,
    /// Needs the internet (skipped without it).
    pub network: bool,
    /// Remedies shown when the check is not fine.
    pub remedies: Vec<RemedyId>,
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

/// Check specs, in the order the summary lists them (the order of the knowledge base's rows).
pub fn check_specs() -> &'static [CheckSpec] {
    static F: OnceLock<Vec<CheckSpec>> = OnceLock::new();
    F.get_or_init(|| {
        CheckId::checkup_ids()
            .filter_map(|id| {
                let run = id.checkup()?;
                Some(CheckSpec {
                    id,
                    family: run.family,
                    timeout_ms: run.timeout_ms,
                    network: run.network,
                    remedies: run.remedies.clone(),
                    error_codes: run.error_codes.clone(),
                })
            })
            .collect()
    })
}

/// The spec of one check.
pub fn check_spec(id: &str) -> Option<&'static CheckSpec> {
    check_specs().iter().find(|c| c.id.as_str() == id)
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
    fn check_specs_are_the_checkup_rows_of_the_kb() {
        let ids: Vec<&str> = check_specs().iter().map(|c| c.id.as_str()).collect();
        let rows: Vec<&str> = rd_kb::checks()
            .iter()
            .filter(|c| c.checkup.is_some())
            .map(|c| c.id.as_str())
            .collect();
        assert_eq!(ids, rows);
        for c in check_specs() {
            assert!(c.timeout_ms > 0 && c.timeout_ms <= 10_000, "{}", c.id);
            assert_eq!(check_spec(c.id.as_str()), Some(c));
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
