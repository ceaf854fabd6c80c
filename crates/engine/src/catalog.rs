//! `catalog`: which firmware catalog answers (embedded or refreshed), refreshing it from
//! ipsw.me, and finding the IPSWs of a build or version.

use crate::net::Net;
use crate::{EngineError, blocking};
use rd_firmware::catalog_update::{self, ActiveCatalog, UpdateSummary};
use serde::Serialize;

/// `catalog info`: the catalog in use.
#[derive(Debug, Clone, Serialize)]
pub struct CatalogInfo {
    /// The catalog that answers.
    pub used: String,
    /// The catalog built into this binary.
    pub embedded: String,
    /// True when a refreshed catalog answers.
    pub updated: bool,
    /// A note about the catalog (a damaged cache file skipped).
    #[serde(skip)]
    pub note: Option<String>,
}

/// `catalog info` (blocking: reads the cache folder).
pub fn info_blocking(net: &Net) -> CatalogInfo {
    let (active, note) = net.catalog();
    CatalogInfo {
        used: active.with(|c| c.info.to_string()),
        embedded: rd_catalog::firmware::embedded().info.to_string(),
        updated: matches!(active, ActiveCatalog::Updated { .. }),
        note,
    }
}

/// `catalog info`.
pub async fn info(net: Net) -> Result<CatalogInfo, EngineError> {
    blocking("catalog", move || Ok(info_blocking(&net))).await
}

/// `catalog update` (blocking): asks ipsw.me for every device and writes the refreshed
/// catalog; `progress` hears (devices done, devices in all).
pub fn update_blocking(
    net: &Net,
    progress: &dyn Fn(usize, usize),
) -> Result<UpdateSummary, EngineError> {
    let dir = net.cache_dir().ok_or_else(|| {
        EngineError::Usage("no cache directory is known here; pass --cache-dir DIR".into())
    })?;
    catalog_update::update(&net.ipswme(), &dir, progress)
        .map_err(|e| EngineError::NotFound(format!("catalog update failed: {e}")))
}

/// One IPSW the catalog knows (the catalog's own owned record).
pub use rd_catalog::firmware::FirmwareRecord as Row;

/// `catalog find`: the IPSWs of a build or version.
#[derive(Debug, Clone, Serialize)]
pub struct Found {
    /// The catalog that answered.
    pub catalog: String,
    /// The IPSWs, in catalog order.
    pub ipsws: Vec<Row>,
    /// A note about the catalog (a damaged cache file skipped).
    #[serde(skip)]
    pub note: Option<String>,
}

/// `catalog find` (blocking): the IPSWs of build or version `what`, optionally for one device.
pub fn find_blocking(net: &Net, what: &str, device: Option<&str>) -> Result<Found, EngineError> {
    let pts: Option<Vec<String>> = match device {
        Some(q) => Some(
            rd_catalog::devices::resolve(q)
                .map_err(|e| EngineError::Usage(e.to_string()))?
                .iter()
                .map(|d| d.product_type.clone())
                .collect(),
        ),
        None => None,
    };
    let (active, note) = net.catalog();
    let (ipsws, label) = active.with(|c| {
        let t = what.trim();
        let rows: Vec<Row> = c
            .entries()
            .iter()
            .filter(|f| f.build.eq_ignore_ascii_case(t) || f.version == t)
            .filter(|f| {
                pts.as_ref()
                    .is_none_or(|p| p.iter().any(|pt| f.supports(pt)))
            })
            .map(|f| f.to_record())
            .collect();
        (rows, c.info.to_string())
    });
    if ipsws.is_empty() {
        return Err(EngineError::NotFound(format!(
            "no IPSW for '{what}'{} in the catalog ({label}); newer builds need `restore-doctor catalog update`",
            device.map(|d| format!(" and {d}")).unwrap_or_default()
        )));
    }
    Ok(Found {
        catalog: label,
        ipsws,
        note,
    })
}

/// `catalog find`.
pub async fn find(net: Net, what: String, device: Option<String>) -> Result<Found, EngineError> {
    blocking("catalog", move || {
        find_blocking(&net, &what, device.as_deref())
    })
    .await
}
