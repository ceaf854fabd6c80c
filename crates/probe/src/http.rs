//! The checkup's HTTP requests go through the one client of the network layer (`rd_net`), with
//! this run's resolver, `connect_to` overrides, proxy, trust stores and step budget; this module
//! adapts it to the checkup's async checks.

use crate::net::{self, Lookup};
use crate::tls::TrustStores;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

pub use rd_net::http::{HttpError, Response, Url, parse_response};

/// Largest response body read (Apple's status data is well under this).
const MAX_RESPONSE: u64 = 4 * 1024 * 1024;

/// How to reach hosts: resolver, connect-to overrides, trust, per-step timeout.
#[derive(Debug, Clone)]
pub struct Reach<'a> {
    /// Resolver used for names.
    pub lookup: Lookup,
    /// `host[:port]` → address overrides.
    pub connect_to: &'a BTreeMap<String, String>,
    /// Trust stores for TLS.
    pub stores: &'a Arc<TrustStores>,
    /// Proxy routes for HTTP requests.
    pub proxy: &'a rd_net::ProxyConfig,
    /// Budget of each step.
    pub step: Duration,
}

impl Reach<'_> {
    /// The network layer's client with these settings (sharing the loaded trust stores).
    pub fn client(&self) -> rd_net::Client {
        let cfg = rd_net::NetConfig {
            connect_to: self.connect_to.clone(),
            lookup: self.lookup,
            trust: rd_net::TrustConfig::default(),
            proxy: self.proxy.clone(),
            step_timeout: self.step,
            total_timeout: self.step * 3,
        };
        rd_net::Client::with_stores(cfg, self.stores.clone())
    }
}

/// The addresses to connect to for `host:port`: a `connect_to` override, else resolution.
pub async fn addresses(
    reach: &Reach<'_>,
    host: &str,
    port: u16,
) -> Result<Vec<SocketAddr>, net::DnsError> {
    if let Some(sa) = rd_net::http::override_for(reach.connect_to, host, port) {
        return Ok(vec![sa]);
    }
    let ips = net::resolve(reach.lookup, host, reach.step).await?;
    Ok(ips
        .into_iter()
        .map(|ip| SocketAddr::new(ip, port))
        .collect())
}

/// Sends one request through the network layer's client (on a blocking thread) and reads the
/// whole response; a `User-Agent` among `headers` replaces the layer's own.
pub async fn request(
    reach: &Reach<'_>,
    method: &str,
    url: &Url,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<Response, HttpError> {
    let client = reach.client();
    let method = method.to_string();
    let url = url.to_string();
    let headers: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let body = body.to_vec();
    tokio::task::spawn_blocking(move || {
        let h: Vec<(&str, &str)> = headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        client.send(&method, &url, &h, &body, MAX_RESPONSE)
    })
    .await
    .unwrap_or_else(|e| Err(HttpError::Answer(format!("the request crashed: {e}"))))
}
