//! The catalog in use (embedded, or refreshed into the user's cache) and `catalog update`,
//! which rebuilds it from ipsw.me.

use crate::error::{Error, Result};
use crate::ipswme::{ApiFirmware, IpswMe};
use rd_catalog::firmware::{self, FirmwareCatalog, FirmwareRecord, MAX_CATALOG_BYTES, header_line};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// File name of the refreshed catalog inside the cache directory.
pub const FILE_NAME: &str = "firmwares.tsv";

/// The catalog an answer uses: the refreshed one when present and valid, else the embedded one.
#[derive(Debug, Clone)]
pub enum ActiveCatalog {
    /// Built into the binary.
    Embedded,
    /// Written by `catalog update`.
    Updated {
        /// Its text.
        text: String,
        /// Where it was read from.
        path: PathBuf,
    },
}

impl ActiveCatalog {
    /// Picks the catalog: `dir/firmwares.tsv` if it exists and parses, else the embedded one.
    /// A damaged cache file is reported in the second value and ignored.
    pub fn load(dir: Option<&Path>) -> (ActiveCatalog, Option<String>) {
        let Some(path) = dir.map(|d| d.join(FILE_NAME)) else {
            return (ActiveCatalog::Embedded, None);
        };
        let meta = match std::fs::metadata(&path) {
            Ok(m) => m,
            Err(_) => return (ActiveCatalog::Embedded, None),
        };
        if meta.len() > MAX_CATALOG_BYTES {
            return (
                ActiveCatalog::Embedded,
                Some(format!(
                    "{} is too large; using the embedded catalog",
                    path.display()
                )),
            );
        }
        match std::fs::read_to_string(&path) {
            Ok(text) => match FirmwareCatalog::parse(&text) {
                Ok(_) => (ActiveCatalog::Updated { text, path }, None),
                Err(e) => (
                    ActiveCatalog::Embedded,
                    Some(format!(
                        "{}: {e}; using the embedded catalog",
                        path.display()
                    )),
                ),
            },
            Err(e) => (
                ActiveCatalog::Embedded,
                Some(format!(
                    "cannot read {}: {e}; using the embedded catalog",
                    path.display()
                )),
            ),
        }
    }

    /// Runs `f` with the parsed catalog.
    pub fn with<R>(&self, f: impl FnOnce(&FirmwareCatalog<'_>) -> R) -> R {
        match self {
            ActiveCatalog::Embedded => f(firmware::embedded()),
            // Checked row by row in `load`; here only the header is read again.
            ActiveCatalog::Updated { text, path } => match FirmwareCatalog::open(text) {
                Ok(mut c) => {
                    c.info.path = Some(path.display().to_string());
                    f(&c)
                }
                Err(_) => f(firmware::embedded()),
            },
        }
    }
}

/// What an update did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UpdateSummary {
    /// File written.
    pub path: String,
    /// IPSWs in it.
    pub rows: usize,
    /// Devices asked about.
    pub devices: usize,
    /// When (UTC).
    pub date: String,
}

fn os_name(identifier: &str, version: &str) -> &'static str {
    let major: u32 = version
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    if major < 4 {
        "iPhoneOS"
    } else if identifier.starts_with("iPad") && major >= 13 {
        "iPadOS"
    } else {
        "iOS"
    }
}

/// Merges per-device lists into one row per IPSW file (by URL, else by build and device).
pub fn merge(fws: &[ApiFirmware]) -> Vec<FirmwareRecord> {
    let mut by_key: BTreeMap<String, FirmwareRecord> = BTreeMap::new();
    for f in fws {
        let key = f
            .url
            .clone()
            .unwrap_or_else(|| format!("{}|{}", f.buildid, f.identifier));
        let rec = by_key.entry(key).or_insert_with(|| FirmwareRecord {
            os: os_name(&f.identifier, &f.version).into(),
            version: f.version.clone(),
            build: f.buildid.clone(),
            product_types: Vec::new(),
            released: f
                .releasedate
                .as_deref()
                .map(|d| d.chars().take(10).collect()),
            beta: false,
            rc: false,
            url: f.url.clone(),
            sha1: f.sha1sum.clone().filter(|h| h.len() == 40),
            sha256: f.sha256sum.clone().filter(|h| h.len() == 64),
            size: f.filesize,
        });
        if !rec.product_types.contains(&f.identifier) {
            rec.product_types.push(f.identifier.clone());
        }
    }
    let mut rows: Vec<FirmwareRecord> = by_key.into_values().collect();
    rows.sort_by(|a, b| {
        a.released
            .cmp(&b.released)
            .then_with(|| a.build.cmp(&b.build))
    });
    rows
}

/// Fetches every iPhone/iPad/iPod touch's IPSW list from ipsw.me and writes the catalog into
/// `dir` (atomically: a failed update leaves the previous file in place).
pub fn update(api: &IpswMe, dir: &Path, progress: &dyn Fn(usize, usize)) -> Result<UpdateSummary> {
    let devices = api.devices()?.value;
    let wanted: Vec<String> = devices
        .into_iter()
        .map(|d| d.identifier)
        .filter(|i| i.starts_with("iPhone") || i.starts_with("iPad") || i.starts_with("iPod"))
        .collect();
    if wanted.is_empty() {
        return Err(Error::BadAnswer {
            url: format!("{}/devices", api.base()),
            detail: "no iPhone, iPad or iPod touch in the device list".into(),
        });
    }
    let mut all = Vec::new();
    for (i, id) in wanted.iter().enumerate() {
        progress(i, wanted.len());
        all.extend(api.device(id)?.value.firmwares);
    }
    progress(wanted.len(), wanted.len());
    let rows = merge(&all);
    let date = crate::signing::now_utc();
    let mut text = header_line("ipsw.me (updated)", &date, rows.len());
    text.push('\n');
    for r in &rows {
        text.push_str(&r.to_line());
        text.push('\n');
    }
    FirmwareCatalog::parse(&text).map_err(|e| Error::BadAnswer {
        url: api.base().into(),
        detail: format!("the data makes an invalid catalog: {e}"),
    })?;
    let io = |e: std::io::Error| Error::Io {
        path: dir.display().to_string(),
        reason: e.to_string(),
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    let path = dir.join(FILE_NAME);
    let tmp = dir.join(format!("{FILE_NAME}.tmp{}", std::process::id()));
    std::fs::write(&tmp, &text).map_err(io)?;
    std::fs::rename(&tmp, &path).map_err(io)?;
    Ok(UpdateSummary {
        path: path.display().to_string(),
        rows: rows.len(),
        devices: wanted.len(),
        date,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fw(id: &str, v: &str, b: &str, url: &str) -> ApiFirmware {
        ApiFirmware {
            identifier: id.into(),
            version: v.into(),
            buildid: b.into(),
            sha1sum: Some("a".repeat(40)),
            sha256sum: None,
            filesize: Some(5),
            url: Some(url.into()),
            releasedate: Some("2024-09-16T17:00:00Z".into()),
            signed: true,
        }
    }

    #[test]
    fn merges_shared_files_and_names_the_os() {
        let rows = merge(&[
            fw("iPhone10,3", "16.7.10", "20H350", "u1"),
            fw("iPhone10,6", "16.7.10", "20H350", "u1"),
            fw("iPad7,5", "17.0", "21A329", "u2"),
        ]);
        assert_eq!(rows.len(), 2);
        let shared = rows.iter().find(|r| r.build == "20H350").unwrap();
        assert_eq!(shared.product_types, ["iPhone10,3", "iPhone10,6"]);
        assert_eq!(shared.released.as_deref(), Some("2024-09-16"));
        assert_eq!(
            rows.iter().find(|r| r.build == "21A329").unwrap().os,
            "iPadOS"
        );
    }

    #[test]
    fn missing_or_damaged_cache_falls_back_to_embedded() {
        let dir = tempfile::tempdir().unwrap();
        let (c, note) = ActiveCatalog::load(Some(dir.path()));
        assert!(matches!(c, ActiveCatalog::Embedded) && note.is_none());
        std::fs::write(dir.path().join(FILE_NAME), "garbage").unwrap();
        let (c, note) = ActiveCatalog::load(Some(dir.path()));
        assert!(matches!(c, ActiveCatalog::Embedded));
        assert!(note.unwrap().contains("embedded"));
    }
}
