//! restore-doctor's one network layer. Every command that goes online (`checkup`, `signed`,
//! `ipsw URL`, `catalog update`) reaches hosts through it, so they share the same trust stores
//! (Apple's roots built in, used alone for Apple's private-PKI hosts; Mozilla's plus the OS's
//! for the rest), crypto provider (ring), resolver and `connect_to` overrides, proxy, timeouts
//! and User-Agent. Configuration is passed in as a [`NetConfig`]: this crate reads no
//! environment variable and builds no async runtime (its HTTP client is blocking; the async
//! steps are for callers that already run one).

pub mod addr;
pub mod data;
pub mod date;
pub mod http;
pub mod proxy;
pub mod trust;

pub use addr::Lookup;
pub use http::{Client, HttpError, Response, Url};
pub use proxy::ProxyConfig;
pub use trust::{TrustConfig, TrustStores};

use std::collections::BTreeMap;
use std::time::Duration;

/// The one User-Agent every request carries (unless a caller names another, which replaces it).
pub const USER_AGENT: &str = concat!("restore-doctor/", env!("CARGO_PKG_VERSION"));

/// How to reach hosts: every setting of the network layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetConfig {
    /// `host[:port]` → `ip[:port]` overrides (like curl's `--connect-to`; TLS still checks the
    /// host name).
    pub connect_to: BTreeMap<String, String>,
    /// Who resolves names: the OS or a given nameserver.
    pub lookup: Lookup,
    /// Trust stores.
    pub trust: TrustConfig,
    /// Proxy routes.
    pub proxy: ProxyConfig,
    /// Budget of one step (resolve, connect, handshake, one read).
    pub step_timeout: Duration,
    /// Budget of one whole request (all redirects included).
    pub total_timeout: Duration,
}

impl Default for NetConfig {
    fn default() -> Self {
        NetConfig {
            connect_to: BTreeMap::new(),
            lookup: Lookup::Os,
            trust: TrustConfig::default(),
            proxy: ProxyConfig::default(),
            step_timeout: Duration::from_secs(10),
            total_timeout: Duration::from_secs(30),
        }
    }
}

impl NetConfig {
    /// Defaults with one overall time limit (steps get at most 10 s of it).
    pub fn with_timeout(total: Duration) -> NetConfig {
        NetConfig {
            step_timeout: total.min(Duration::from_secs(10)),
            total_timeout: total,
            ..NetConfig::default()
        }
    }
}
