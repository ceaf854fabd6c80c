//! A client for the ipsw.me v4 API (`/devices`, `/device/{identifier}`). Its answers are cached by
//! ipsw.me for hours, so "signed" there can lag Apple's own answer.

use crate::error::{Error, Result};
use crate::http::HttpClient;
use serde::{Deserialize, Serialize};

/// The public API's base URL.
pub const DEFAULT_BASE: &str = "https://api.ipsw.me/v4";
/// Largest answer accepted (a device's whole history is well under 1 MiB).
pub const MAX_ANSWER: u64 = 16 * 1024 * 1024;

/// One IPSW as ipsw.me lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiFirmware {
    /// Product type.
    pub identifier: String,
    /// Version, e.g. `18.3.1`.
    pub version: String,
    /// Build, e.g. `22D72`.
    pub buildid: String,
    /// SHA-1 hex.
    #[serde(default)]
    pub sha1sum: Option<String>,
    /// SHA-256 hex.
    #[serde(default)]
    pub sha256sum: Option<String>,
    /// Size in bytes.
    #[serde(default)]
    pub filesize: Option<u64>,
    /// Download URL.
    #[serde(default)]
    pub url: Option<String>,
    /// Release date (ISO 8601).
    #[serde(default)]
    pub releasedate: Option<String>,
    /// Whether ipsw.me last saw Apple signing it.
    #[serde(default)]
    pub signed: bool,
}

/// `/device/{identifier}`: a device and its IPSWs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiDevice {
    /// Product type.
    pub identifier: String,
    /// Marketing name.
    #[serde(default)]
    pub name: String,
    /// IPSWs, newest first.
    #[serde(default)]
    pub firmwares: Vec<ApiFirmware>,
}

/// An ipsw.me answer with the time the server gave.
#[derive(Debug, Clone)]
pub struct Dated<T> {
    /// The value.
    pub value: T,
    /// The URL asked.
    pub url: String,
    /// The server's `Date` header.
    pub date: Option<String>,
}

/// The client.
#[derive(Debug, Clone)]
pub struct IpswMe {
    client: HttpClient,
    base: String,
}

impl IpswMe {
    /// A client for `base` (e.g. [`DEFAULT_BASE`] or a test server).
    pub fn new(client: HttpClient, base: &str) -> Self {
        IpswMe {
            client,
            base: base.trim_end_matches('/').to_string(),
        }
    }

    /// The base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    fn get_json<T: serde::de::DeserializeOwned>(&self, url: String) -> Result<Dated<T>> {
        let a = self.client.get(&url, MAX_ANSWER)?;
        if a.status == 404 {
            return Err(Error::BadAnswer {
                url,
                detail: "ipsw.me does not know it (HTTP 404)".into(),
            });
        }
        if a.status != 200 {
            return Err(Error::Http {
                url,
                reason: format!("HTTP {}", a.status),
            });
        }
        let value = serde_json::from_slice(&a.body).map_err(|e| Error::BadAnswer {
            url: url.clone(),
            detail: format!("not the JSON ipsw.me sends: {e}"),
        })?;
        Ok(Dated {
            value,
            url,
            date: a.date,
        })
    }

    /// Every IPSW of a device (`/device/{identifier}?type=ipsw`).
    pub fn device(&self, identifier: &str) -> Result<Dated<ApiDevice>> {
        self.get_json(format!(
            "{}/device/{}?type=ipsw",
            self.base,
            identifier.trim()
        ))
    }

    /// Every device ipsw.me knows (`/devices`), without firmware lists.
    pub fn devices(&self) -> Result<Dated<Vec<ApiDevice>>> {
        self.get_json(format!("{}/devices", self.base))
    }
}
