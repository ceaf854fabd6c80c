//! Opening an IPSW (file or URL) and reading what it is: manifest facts and package kind.

use crate::error::{Error, Result};
use crate::filename::{self, IpswName};
use crate::http::HttpClient;
use crate::manifest::{Manifest, RestoreInfo};
use crate::source::{ByteSource, FileSource, HttpSource};
use crate::zipdir::{self, MAX_ENTRY, ZipIndex};
use serde::Serialize;

/// What kind of package the zip is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IpswKind {
    /// An iPhone/iPad/iPod touch restore IPSW.
    Restore,
    /// An over-the-air update package (`AssetData/boot/BuildManifest.plist`).
    Ota,
    /// A Mac (Apple silicon) or T2 restore image.
    MacOs,
    /// Apple TV firmware.
    AppleTv,
    /// Apple Watch firmware.
    Watch,
    /// HomePod firmware.
    HomePod,
    /// Something else with a manifest.
    Other,
}

impl IpswKind {
    /// Plain description, e.g. `an Apple TV firmware`.
    pub fn describe(self) -> &'static str {
        match self {
            IpswKind::Restore => "an iPhone/iPad/iPod touch restore IPSW",
            IpswKind::Ota => "an over-the-air (OTA) update package",
            IpswKind::MacOs => "a macOS restore image for Macs",
            IpswKind::AppleTv => "an Apple TV firmware",
            IpswKind::Watch => "an Apple Watch firmware",
            IpswKind::HomePod => "a HomePod firmware",
            IpswKind::Other => "a firmware package for another kind of device",
        }
    }
}

/// Everything read from an IPSW's directory and manifests.
#[derive(Debug, Clone)]
pub struct Ipsw {
    /// Path or URL.
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// The zip directory.
    pub index: ZipIndex,
    /// Package kind.
    pub kind: IpswKind,
    /// Which entry held the manifest.
    pub manifest_entry: Option<String>,
    /// `BuildManifest.plist`, when present.
    pub manifest: Option<Manifest>,
    /// `Restore.plist`, when present and readable.
    pub restore: Option<RestoreInfo>,
    /// What the file name says, when it has the standard shape.
    pub file_name: Option<IpswName>,
}

impl Ipsw {
    /// Version from the manifest, else Restore.plist.
    pub fn version(&self) -> Option<&str> {
        self.manifest
            .as_ref()
            .map(|m| m.version.as_str())
            .or_else(|| self.restore.as_ref()?.version.as_deref())
    }

    /// Build from the manifest, else Restore.plist.
    pub fn build(&self) -> Option<&str> {
        self.manifest
            .as_ref()
            .map(|m| m.build.as_str())
            .or_else(|| self.restore.as_ref()?.build.as_deref())
    }

    /// Supported product types from the manifest, else Restore.plist.
    pub fn product_types(&self) -> Vec<String> {
        match &self.manifest {
            Some(m) if !m.product_types.is_empty() => m.product_types.clone(),
            _ => self
                .restore
                .as_ref()
                .map(|r| r.product_types.clone())
                .unwrap_or_default(),
        }
    }
}

/// The manifest facts, as `--json` shows them next to the findings.
#[derive(Debug, Clone, Serialize)]
pub struct IpswFacts {
    /// Path or URL.
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// Package kind.
    pub kind: IpswKind,
    /// Zip64 end records used.
    pub zip64: bool,
    /// Entries in the zip.
    pub entries: usize,
    /// Version.
    pub version: Option<String>,
    /// Build.
    pub build: Option<String>,
    /// Beta build (catalog, else Apple's beta build numbering).
    pub beta: bool,
    /// Release candidate (catalog only).
    pub rc: bool,
    /// Supported product types.
    pub product_types: Vec<String>,
    /// Build identities.
    pub identities: Vec<crate::manifest::BuildIdentity>,
    /// Restore.plist boards (board config, CPID, BDID).
    pub restore_boards: Vec<(String, Option<u64>, Option<u64>)>,
    /// What the file name says.
    pub file_name: Option<IpswName>,
}

impl Ipsw {
    /// The facts for output; `catalog` gives beta/RC flags when the build is known.
    pub fn facts(&self, catalog: Option<&rd_catalog::firmware::Firmware<'_>>) -> IpswFacts {
        let build = self.build().map(str::to_string);
        IpswFacts {
            name: self.name.clone(),
            size: self.size,
            kind: self.kind,
            zip64: self.index.zip64,
            entries: self.index.entries.len(),
            version: self.version().map(str::to_string),
            beta: catalog.map(|c| c.beta).unwrap_or_else(|| {
                build
                    .as_deref()
                    .is_some_and(crate::manifest::looks_like_beta_build)
            }),
            rc: catalog.is_some_and(|c| c.rc),
            build,
            product_types: self.product_types(),
            identities: self
                .manifest
                .as_ref()
                .map(|m| m.identities.clone())
                .unwrap_or_default(),
            restore_boards: self
                .restore
                .as_ref()
                .map(|r| r.boards.clone())
                .unwrap_or_default(),
            file_name: self.file_name.clone(),
        }
    }
}

/// Whether the text names a URL rather than a file.
pub fn is_url(target: &str) -> bool {
    let t = target.trim().to_ascii_lowercase();
    t.starts_with("http://") || t.starts_with("https://")
}

/// Opens a local path or an `http(s)://` URL for random access.
pub fn open(target: &str, client: &HttpClient) -> Result<Box<dyn ByteSource>> {
    if is_url(target) {
        Ok(Box::new(HttpSource::open(client.clone(), target.trim())?))
    } else {
        Ok(Box::new(FileSource::open(std::path::Path::new(target))?))
    }
}

/// Classifies by product types (`AppleTV5,3`, `Watch6,1`, `AudioAccessory1,1`, `Mac14,2`…).
pub fn kind_of(product_types: &[String]) -> IpswKind {
    let fam = |p: &str| {
        let letters: String = p.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
        match letters.as_str() {
            "iPhone" | "iPad" | "iPod" => IpswKind::Restore,
            "AppleTV" => IpswKind::AppleTv,
            "Watch" => IpswKind::Watch,
            "AudioAccessory" => IpswKind::HomePod,
            "Mac" | "MacBookPro" | "MacBookAir" | "Macmini" | "iMac" | "iMacPro" | "MacPro"
            | "VirtualMac" | "iBridge" | "ADP" => IpswKind::MacOs,
            _ => IpswKind::Other,
        }
    };
    let kinds: Vec<IpswKind> = product_types.iter().map(|p| fam(p)).collect();
    if kinds.contains(&IpswKind::Restore) {
        IpswKind::Restore
    } else {
        kinds.first().copied().unwrap_or(IpswKind::Other)
    }
}

/// Reads the directory and the manifests: the few reads at the end of the file that answer
/// "what is this IPSW?" (no scan of the data).
pub fn inspect(src: &dyn ByteSource) -> Result<Ipsw> {
    let name = src.name().to_string();
    let index = ZipIndex::read(src)?;
    let ota_path = "AssetData/boot/BuildManifest.plist";
    let (manifest_entry, is_ota) = if let Some(e) = index.find("BuildManifest.plist") {
        (Some(e.clone()), false)
    } else if let Some(e) = index.find(ota_path) {
        (Some(e.clone()), true)
    } else {
        (None, false)
    };
    let manifest = match &manifest_entry {
        Some(e) => Some(Manifest::parse(&zipdir::read_entry(
            src, &index, e, MAX_ENTRY,
        )?)?),
        None => None,
    };
    let restore = match index.find("Restore.plist") {
        Some(e) => {
            let bytes = zipdir::read_entry(src, &index, e, MAX_ENTRY)?;
            match RestoreInfo::parse(&bytes) {
                Ok(r) => Some(r),
                // Without a BuildManifest, Restore.plist is all there is, so it must parse.
                Err(err) if manifest.is_none() => return Err(err),
                Err(_) => None,
            }
        }
        None => None,
    };
    if manifest.is_none() && restore.is_none() {
        return Err(Error::NoManifest(name));
    }
    let mut ipsw = Ipsw {
        file_name: filename::parse(&name),
        size: src.len(),
        kind: IpswKind::Other,
        manifest_entry: manifest_entry.map(|e| e.name),
        manifest,
        restore,
        index,
        name,
    };
    ipsw.kind = if is_ota {
        IpswKind::Ota
    } else {
        kind_of(&ipsw.product_types())
    };
    Ok(ipsw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_by_product_type() {
        let k = |v: &[&str]| kind_of(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(k(&["iPhone3,1"]), IpswKind::Restore);
        assert_eq!(k(&["AppleTV5,3"]), IpswKind::AppleTv);
        assert_eq!(k(&["Mac14,2", "VirtualMac2,1"]), IpswKind::MacOs);
        assert_eq!(k(&["AudioAccessory5,1"]), IpswKind::HomePod);
        assert_eq!(k(&[]), IpswKind::Other);
    }

    #[test]
    fn urls_are_recognised() {
        assert!(is_url("https://updates.cdn-apple.com/x.ipsw"));
        assert!(is_url("HTTP://127.0.0.1:80/x"));
        assert!(!is_url("/tmp/x.ipsw"));
    }
}
