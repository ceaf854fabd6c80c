//! The network and catalog settings `ipsw`, `signed` and `catalog` share: the ipsw.me base URL,
//! the refreshed-catalog folder, and the network layer's configuration (trust, overrides, proxy,
//! timeouts), all decided by the surface and passed in.

use rd_firmware::catalog_update::ActiveCatalog;
use rd_firmware::http::HttpClient;
use rd_firmware::ipswme::IpswMe;
use std::path::PathBuf;
use std::time::Duration;

/// Network and catalog settings.
#[derive(Debug, Clone)]
pub struct Net {
    /// Base URL of the ipsw.me v4 API.
    pub api: String,
    /// Folder of the refreshed firmware catalog (`None`: none, the embedded catalog only; the
    /// surface passes the user's cache folder).
    pub cache_dir: Option<PathBuf>,
    /// How to reach hosts.
    pub config: rd_net::NetConfig,
}

/// The network layer's settings for `ipsw`, `signed` and `catalog` from the checkup's
/// configuration and a whole-request budget of `timeout_secs` (clamped to 1–600 s), of which
/// each step (connect, handshake, answer) gets at most 10 s.
pub fn net_config(cfg: &rd_probe::Config, timeout_secs: u64) -> rd_net::NetConfig {
    let total = Duration::from_secs(timeout_secs.clamp(1, 600));
    let mut net = cfg.net_config(total);
    net.step_timeout = total.min(Duration::from_secs(10));
    net
}

impl Net {
    /// The HTTP client over the network layer.
    pub fn client(&self) -> HttpClient {
        HttpClient::with_net(rd_net::Client::new(self.config.clone()))
    }

    /// The ipsw.me client.
    pub fn ipswme(&self) -> IpswMe {
        IpswMe::new(self.client(), &self.api)
    }

    /// The folder of the refreshed catalog.
    pub fn cache_dir(&self) -> Option<PathBuf> {
        self.cache_dir.clone()
    }

    /// The catalog to use, and a note when a damaged cache file was skipped (blocking).
    pub fn catalog(&self) -> (ActiveCatalog, Option<String>) {
        ActiveCatalog::load(self.cache_dir().as_deref())
    }
}
