//! The facts an IPSW's `BuildManifest.plist` and `Restore.plist` state.

use crate::error::{Error, Result};
use crate::plistread;
use plist::{Dictionary, Value};
use serde::Serialize;

/// One build identity: the firmware set for one chip/board, in one variant (erase or update).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BuildIdentity {
    /// `ApChipID` (CPID).
    pub chip_id: Option<u64>,
    /// `ApBoardID` (BDID).
    pub board_id: Option<u64>,
    /// `Info.DeviceClass`, the board config, e.g. `n90ap`.
    pub device_class: Option<String>,
    /// `Info.Variant`, e.g. `Customer Erase Install (IPSW)`.
    pub variant: Option<String>,
    /// `Info.RestoreBehavior`: `Erase` or `Update`.
    pub restore_behavior: Option<String>,
    /// `ApSecurityDomain`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security_domain: Option<u64>,
    /// `UniqueBuildID`, when present.
    #[serde(skip)]
    pub unique_build_id: Option<Vec<u8>>,
    /// The identity's `Manifest` dictionary (components with digests), used for TSS requests.
    #[serde(skip)]
    pub components: Dictionary,
    /// The identity's other keys (`Info`, `Ap,*`, `UniqueBuildID`, …) as stored, for TSS requests.
    #[serde(skip)]
    pub keys: Dictionary,
}

impl BuildIdentity {
    /// Whether this identity erases the device (a full restore) rather than updating it.
    pub fn is_erase(&self) -> bool {
        self.restore_behavior.as_deref() == Some("Erase")
            || self
                .variant
                .as_deref()
                .is_some_and(|v| v.to_ascii_lowercase().contains("erase"))
    }
}

/// What `BuildManifest.plist` says.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Manifest {
    /// `ProductVersion`.
    pub version: String,
    /// `ProductBuildVersion`.
    pub build: String,
    /// `SupportedProductTypes`.
    pub product_types: Vec<String>,
    /// `BuildIdentities`.
    pub identities: Vec<BuildIdentity>,
}

/// What `Restore.plist` says (older IPSWs rely on it; newer ones still ship it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RestoreInfo {
    /// `ProductVersion`.
    pub version: Option<String>,
    /// `ProductBuildVersion`.
    pub build: Option<String>,
    /// `SupportedProductTypes` (or `ProductType` on the oldest).
    pub product_types: Vec<String>,
    /// `DeviceMap` boards: (board config, CPID, BDID).
    pub boards: Vec<(String, Option<u64>, Option<u64>)>,
}

/// Reads an integer that a plist stores as an integer or as a hex/decimal string.
pub fn int_of(v: Option<&Value>) -> Option<u64> {
    match v? {
        Value::Integer(i) => i.as_unsigned(),
        Value::String(s) => {
            let t = s.trim();
            match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
                Some(h) => u64::from_str_radix(h, 16).ok(),
                None => t.parse().ok(),
            }
        }
        _ => None,
    }
}

fn str_of(d: &Dictionary, k: &str) -> Option<String> {
    d.get(k).and_then(Value::as_string).map(str::to_string)
}

fn strings_of(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_string)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn root_dict(name: &str, bytes: &[u8]) -> Result<Dictionary> {
    let bad = |detail: String| Error::BadPlist {
        name: name.to_string(),
        detail,
    };
    match plistread::parse(bytes).map_err(bad)? {
        Value::Dictionary(d) => Ok(d),
        _ => Err(bad("the top level is not a dictionary".into())),
    }
}

impl Manifest {
    /// Parses `BuildManifest.plist` bytes.
    pub fn parse(bytes: &[u8]) -> Result<Manifest> {
        let name = "BuildManifest.plist";
        let d = root_dict(name, bytes)?;
        let missing = |k: &str| Error::BadPlist {
            name: name.to_string(),
            detail: format!("it has no {k}"),
        };
        let version = str_of(&d, "ProductVersion").ok_or_else(|| missing("ProductVersion"))?;
        let build =
            str_of(&d, "ProductBuildVersion").ok_or_else(|| missing("ProductBuildVersion"))?;
        let product_types = strings_of(d.get("SupportedProductTypes"));
        let identities = d
            .get("BuildIdentities")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_dictionary)
                    .map(identity)
                    .collect()
            })
            .unwrap_or_default();
        Ok(Manifest {
            version,
            build,
            product_types,
            identities,
        })
    }

    /// The identity for this chip and board, preferring the erase variant.
    pub fn identity_for(&self, cpid: u64, bdid: u64) -> Option<&BuildIdentity> {
        let mut matching = self
            .identities
            .iter()
            .filter(|i| i.chip_id == Some(cpid) && i.board_id == Some(bdid));
        let first = matching.next()?;
        Some(if first.is_erase() {
            first
        } else {
            matching.find(|i| i.is_erase()).unwrap_or(first)
        })
    }
}

fn identity(d: &Dictionary) -> BuildIdentity {
    let info = d.get("Info").and_then(Value::as_dictionary);
    let info_str = |k: &str| info.and_then(|i| str_of(i, k));
    BuildIdentity {
        chip_id: int_of(d.get("ApChipID")),
        board_id: int_of(d.get("ApBoardID")),
        device_class: info_str("DeviceClass").map(|s| s.to_ascii_lowercase()),
        variant: info_str("Variant"),
        restore_behavior: info_str("RestoreBehavior"),
        security_domain: int_of(d.get("ApSecurityDomain")),
        unique_build_id: d
            .get("UniqueBuildID")
            .and_then(Value::as_data)
            .map(<[u8]>::to_vec),
        components: d
            .get("Manifest")
            .and_then(Value::as_dictionary)
            .cloned()
            .unwrap_or_default(),
        keys: d
            .iter()
            .filter(|(k, _)| k.as_str() != "Manifest")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    }
}

impl RestoreInfo {
    /// Parses `Restore.plist` bytes.
    pub fn parse(bytes: &[u8]) -> Result<RestoreInfo> {
        let d = root_dict("Restore.plist", bytes)?;
        let mut product_types = strings_of(d.get("SupportedProductTypes"));
        if product_types.is_empty()
            && let Some(p) = str_of(&d, "ProductType")
        {
            product_types.push(p);
        }
        let boards = d
            .get("DeviceMap")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_dictionary)
                    .map(|m| {
                        (
                            str_of(m, "BoardConfig")
                                .unwrap_or_default()
                                .to_ascii_lowercase(),
                            int_of(m.get("CPID")),
                            int_of(m.get("BDID")),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(RestoreInfo {
            version: str_of(&d, "ProductVersion"),
            build: str_of(&d, "ProductBuildVersion"),
            product_types,
            boards,
        })
    }
}

/// A build number that follows Apple's beta numbering (`22A5316k`: a 5000-range build number).
pub fn looks_like_beta_build(build: &str) -> bool {
    let Some(letter) = build.find(|c: char| c.is_ascii_alphabetic()) else {
        return false;
    };
    let digits: String = build[letter + 1..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.len() == 4 && digits.starts_with('5')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beta_build_pattern() {
        assert!(looks_like_beta_build("22A5316k"));
        assert!(looks_like_beta_build("21A5277j"));
        assert!(!looks_like_beta_build("22D72"));
        assert!(!looks_like_beta_build("11D257"));
        assert!(!looks_like_beta_build("20H350"));
    }

    #[test]
    fn ints_from_strings_and_integers() {
        assert_eq!(int_of(Some(&Value::String("0x8930".into()))), Some(0x8930));
        assert_eq!(int_of(Some(&Value::String("12".into()))), Some(12));
        assert_eq!(int_of(Some(&Value::Integer(6.into()))), Some(6));
        assert_eq!(int_of(Some(&Value::Boolean(true))), None);
    }
}
