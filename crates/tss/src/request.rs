//! Builds the AP-ticket personalization request for one build identity, the way Apple's clients
//! build it (see the crate docs for the reference clients and commits).
//!
//! The rules, in short:
//! - frame: `@HostPlatformInfo`, `@VersionInfo`, a random upper-case `@UUID`, `@Locality`;
//! - device: `ApECID`, `UniqueBuildID`, `ApChipID`, `ApBoardID`, `ApSecurityDomain` (integers,
//!   whether the manifest stores them as integers or `0x..` strings);
//! - components: every `Manifest` entry that has an `Info` dictionary, except the entries named
//!   in `data/request.toml` and those marked `IsFTAB`; on Image4 chips only entries that have
//!   `RestoreRequestRules` or are `Trusted`. Each is sent as in the manifest without `Info`;
//!   `RestoreRequestRules` set EPRO/ESEC (and DPRO/DSEC); an Image4 entry without rules gets
//!   EPRO/ESEC from the production/security mode; a `Trusted` entry without a `Digest` gets an
//!   empty one;
//! - Image4: the identity's `Ap,*` strings, `ApNonce` (length by chip), `@ApImg4Ticket`,
//!   `ApSecurityMode`, `ApProductionMode`, `SepNonce` (20 bytes), the NeRD/Pearl keys the identity
//!   carries, and `UID_MODE`/`Ap,SikaFuse` when the identity's `Info.RequiresUIDMode` is set;
//! - Image3: `ApNonce` (when the chip has one), `@APTicket`, `ApProductionMode`.
//!
//! No `@BBTicket`: a baseband ticket needs the device's baseband serial number (BbSNUM), which a
//! signing check does not have; libtatsu adds `@BBTicket` only together with it.

use crate::chips;
use crate::data;
use crate::rules::{self, RuleParams};
use plist::{Dictionary, Value};
use std::collections::BTreeSet;

/// Why no request could be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    /// The build identity lacks a key every request needs.
    #[error("the build identity has no {0}")]
    Missing(&'static str),
    /// A nonce given by the caller has the wrong length for the chip.
    #[error("the {which} is {got} bytes; chip 0x{cpid:04X} takes {want}")]
    NonceLength {
        /// `ApNonce` or `SepNonce`.
        which: &'static str,
        /// Its length.
        got: usize,
        /// The length the chip takes.
        want: usize,
        /// The chip.
        cpid: u64,
    },
    /// The operating system's random-number source failed.
    #[error("no random numbers from the operating system: {0}")]
    Random(String),
    /// The request could not be written as XML.
    #[error("the request could not be written: {0}")]
    Write(String),
}

/// The device a request is for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Target {
    /// The device's ECID (any well-formed value when only the signing status is wanted).
    pub ecid: u64,
    /// The device's ApNonce; `None` = a fresh random one of the chip's length.
    pub ap_nonce: Option<Vec<u8>>,
    /// The device's SepNonce; `None` = a fresh random one.
    pub sep_nonce: Option<Vec<u8>>,
}

/// Device-state parameters; the default is a production device in normal restore, as
/// idevicerestore sends for a restore.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApParams {
    /// `ApProductionMode`.
    pub production_mode: bool,
    /// `ApSecurityMode`.
    pub security_mode: bool,
    /// Demotion policy, when one applies.
    pub demotion_policy: Option<String>,
    /// In-ROM DFU, when known.
    pub in_rom_dfu: Option<bool>,
}

impl Default for ApParams {
    fn default() -> Self {
        ApParams {
            production_mode: true,
            security_mode: true,
            demotion_policy: None,
            in_rom_dfu: None,
        }
    }
}

/// A build identity as the manifest stores it: its top-level keys and its `Manifest`.
#[derive(Debug, Clone, Copy)]
pub struct Identity<'a> {
    /// The identity's keys (`ApChipID`, `UniqueBuildID`, `Info`, `Ap,*`, …); a `Manifest` key
    /// here is ignored.
    pub keys: &'a Dictionary,
    /// The identity's `Manifest` (component name → entry).
    pub manifest: &'a Dictionary,
}

impl<'a> Identity<'a> {
    /// Both parts from one BuildIdentity dictionary.
    pub fn from_dict(d: &'a Dictionary) -> Option<Identity<'a>> {
        Some(Identity {
            keys: d,
            manifest: d.get("Manifest")?.as_dictionary()?,
        })
    }
}

/// A built request.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// The request plist.
    pub plist: Dictionary,
    /// The chip's CPID.
    pub cpid: u64,
    /// Whether it asks for an Image4 ticket.
    pub image4: bool,
}

impl Request {
    /// The component entries sent (the keys whose value is a dictionary).
    pub fn components(&self) -> BTreeSet<String> {
        self.plist
            .iter()
            .filter(|(_, v)| v.as_dictionary().is_some())
            .map(|(k, _)| k.clone())
            .collect()
    }

    /// The request as the XML plist that is POSTed.
    pub fn to_xml(&self) -> Result<Vec<u8>, BuildError> {
        let mut out = Vec::new();
        plist::to_writer_xml(&mut out, &Value::Dictionary(self.plist.clone()))
            .map_err(|e| BuildError::Write(e.to_string()))?;
        Ok(out)
    }
}

/// Reads an integer stored as an integer or as a decimal/`0x` hex string.
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

fn random(n: usize) -> Result<Vec<u8>, BuildError> {
    let mut b = vec![0u8; n];
    getrandom::fill(&mut b).map_err(|e| BuildError::Random(e.to_string()))?;
    Ok(b)
}

/// A random (version 4) UUID, upper-case and hyphenated, as `@UUID` carries it.
pub fn random_uuid() -> Result<String, BuildError> {
    let mut b = random(16)?;
    b[6] = (b[6] & 0x0F) | 0x40;
    b[8] = (b[8] & 0x3F) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02X}")).collect();
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    ))
}

fn nonce(
    given: &Option<Vec<u8>>,
    want: usize,
    which: &'static str,
    cpid: u64,
) -> Result<Vec<u8>, BuildError> {
    match given {
        Some(n) if n.len() != want => Err(BuildError::NonceLength {
            which,
            got: n.len(),
            want,
            cpid,
        }),
        Some(n) => Ok(n.clone()),
        None => random(want),
    }
}

/// The component entries for an identity, by the rules in the module docs.
pub fn components(manifest: &Dictionary, image4: bool, params: &ApParams) -> Dictionary {
    let skip = &data::request().skip_components;
    let rp = RuleParams {
        production_mode: params.production_mode,
        security_mode: params.security_mode,
        supports_img4: image4,
        demotion_policy: params.demotion_policy.clone(),
        in_rom_dfu: params.in_rom_dfu,
    };
    let mut out = Dictionary::new();
    for (name, entry) in manifest {
        let Some(entry) = entry.as_dictionary() else {
            continue;
        };
        if skip.iter().any(|s| s == name) {
            continue;
        }
        let Some(info) = entry.get("Info").and_then(Value::as_dictionary) else {
            continue;
        };
        let trusted = entry.get("Trusted").and_then(Value::as_boolean) == Some(true);
        let rules_value = info.get("RestoreRequestRules");
        if image4 && rules_value.is_none() && !trusted {
            continue;
        }
        if info.get("IsFTAB").and_then(Value::as_boolean) == Some(true) {
            continue;
        }
        let mut sent: Dictionary = entry
            .iter()
            .filter(|(k, _)| k.as_str() != "Info")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        match rules_value {
            Some(r) => {
                rules::apply(&mut sent, r, &rp);
            }
            None if image4 => {
                sent.insert("EPRO".into(), Value::Boolean(params.production_mode));
                sent.insert("ESEC".into(), Value::Boolean(params.security_mode));
            }
            None => {}
        }
        if trusted && !entry.contains_key("Digest") {
            sent.insert("Digest".into(), Value::Data(Vec::new()));
        }
        if !sent.is_empty() {
            out.insert(name.clone(), Value::Dictionary(sent));
        }
    }
    out
}

/// Builds the AP-ticket request for `identity` and `target`.
pub fn build(
    identity: Identity<'_>,
    target: &Target,
    params: &ApParams,
) -> Result<Request, BuildError> {
    let keys = identity.keys;
    let cpid = int_of(keys.get("ApChipID")).ok_or(BuildError::Missing("ApChipID"))?;
    let bdid = int_of(keys.get("ApBoardID")).ok_or(BuildError::Missing("ApBoardID"))?;
    let chip = chips::chip(cpid);
    let framing = data::request();
    let mut d = Dictionary::new();
    let windows = cfg!(windows);
    d.insert(
        "@HostPlatformInfo".into(),
        Value::String(if windows {
            framing.host_platform_windows.clone()
        } else {
            framing.host_platform.clone()
        }),
    );
    d.insert(
        "@VersionInfo".into(),
        Value::String(if windows {
            framing.version_info_windows.clone()
        } else {
            framing.version_info.clone()
        }),
    );
    d.insert("@UUID".into(), Value::String(random_uuid()?));
    d.insert("@Locality".into(), Value::String(framing.locality.clone()));
    d.insert("ApECID".into(), Value::Integer(target.ecid.into()));
    if chip.image4 {
        let ubid = keys
            .get("UniqueBuildID")
            .and_then(Value::as_data)
            .ok_or(BuildError::Missing("UniqueBuildID"))?;
        d.insert("UniqueBuildID".into(), Value::Data(ubid.to_vec()));
    } else if let Some(u) = keys.get("UniqueBuildID").and_then(Value::as_data) {
        d.insert("UniqueBuildID".into(), Value::Data(u.to_vec()));
    }
    d.insert("ApChipID".into(), Value::Integer(cpid.into()));
    d.insert("ApBoardID".into(), Value::Integer(bdid.into()));
    if let Some(sd) = int_of(keys.get("ApSecurityDomain")) {
        d.insert("ApSecurityDomain".into(), Value::Integer(sd.into()));
    }
    for (name, entry) in components(identity.manifest, chip.image4, params) {
        d.insert(name, entry);
    }
    if chip.image4 {
        for k in &framing.ap_string_keys {
            if let Some(s) = keys.get(k).and_then(Value::as_string) {
                d.insert(k.clone(), Value::String(s.to_string()));
            }
        }
        let ap = nonce(&target.ap_nonce, chip.ap_nonce, "ApNonce", cpid)?;
        d.insert("ApNonce".into(), Value::Data(ap));
        d.insert("@ApImg4Ticket".into(), Value::Boolean(true));
        d.insert(
            "ApSecurityMode".into(),
            Value::Boolean(params.security_mode),
        );
        d.insert(
            "ApProductionMode".into(),
            Value::Boolean(params.production_mode),
        );
        let sep = nonce(&target.sep_nonce, chips::sep_nonce_len(), "SepNonce", cpid)?;
        d.insert("SepNonce".into(), Value::Data(sep));
        if let Some(e) = int_of(keys.get("NeRDEpoch")) {
            d.insert("NeRDEpoch".into(), Value::Integer(e.into()));
            d.insert("PermitNeRDPivot".into(), Value::Data(Vec::new()));
        }
        if let Some(p) = keys
            .get("PearlCertificationRootPub")
            .and_then(Value::as_data)
        {
            d.insert("PearlCertificationRootPub".into(), Value::Data(p.to_vec()));
        }
        if let Some(b) = keys.get("AllowNeRDBoot").and_then(Value::as_boolean) {
            d.insert("AllowNeRDBoot".into(), Value::Boolean(b));
        }
        let uid_mode = keys
            .get("Info")
            .and_then(Value::as_dictionary)
            .and_then(|i| i.get("RequiresUIDMode"))
            .and_then(Value::as_boolean)
            == Some(true);
        if uid_mode {
            d.insert("UID_MODE".into(), Value::Boolean(false));
            d.insert("Ap,SikaFuse".into(), Value::Integer(0.into()));
        }
    } else {
        if chip.ap_nonce > 0 {
            let ap = nonce(&target.ap_nonce, chip.ap_nonce, "ApNonce", cpid)?;
            d.insert("ApNonce".into(), Value::Data(ap));
        }
        d.insert("@APTicket".into(), Value::Boolean(true));
        d.insert(
            "ApProductionMode".into(),
            Value::Boolean(params.production_mode),
        );
    }
    Ok(Request {
        plist: d,
        cpid,
        image4: chip.image4,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity(cpid: &str) -> Dictionary {
        let mut m = Dictionary::new();
        let mut kc = Dictionary::new();
        kc.insert("Digest".into(), Value::Data(vec![1; 48]));
        kc.insert("Trusted".into(), Value::Boolean(true));
        kc.insert("Info".into(), Value::Dictionary(Dictionary::new()));
        m.insert("KernelCache".into(), Value::Dictionary(kc));
        let mut untrusted = Dictionary::new();
        untrusted.insert("Digest".into(), Value::Data(vec![2; 48]));
        untrusted.insert("Info".into(), Value::Dictionary(Dictionary::new()));
        m.insert("Savage,B0-Prod-Patch".into(), Value::Dictionary(untrusted));
        let mut noinfo = Dictionary::new();
        noinfo.insert("Digest".into(), Value::Data(vec![3; 48]));
        noinfo.insert("Trusted".into(), Value::Boolean(true));
        m.insert("NoInfo".into(), Value::Dictionary(noinfo));
        let mut d = Dictionary::new();
        d.insert("ApChipID".into(), Value::String(cpid.into()));
        d.insert("ApBoardID".into(), Value::String("0x0C".into()));
        d.insert("ApSecurityDomain".into(), Value::String("0x01".into()));
        d.insert("UniqueBuildID".into(), Value::Data(vec![9; 20]));
        d.insert("Ap,ProductType".into(), Value::String("iPhone9,3".into()));
        d.insert("Manifest".into(), Value::Dictionary(m));
        d
    }

    #[test]
    fn image4_request_shape() {
        let d = identity("0x8010");
        let r = build(
            Identity::from_dict(&d).unwrap(),
            &Target {
                ecid: 0x1234,
                ..Target::default()
            },
            &ApParams::default(),
        )
        .unwrap();
        let p = &r.plist;
        assert_eq!(p["ApChipID"].as_unsigned_integer(), Some(0x8010));
        assert_eq!(p["ApBoardID"].as_unsigned_integer(), Some(0x0C));
        assert_eq!(p["ApSecurityDomain"].as_unsigned_integer(), Some(1));
        assert_eq!(p["ApNonce"].as_data().map(<[u8]>::len), Some(32));
        assert_eq!(p["SepNonce"].as_data().map(<[u8]>::len), Some(20));
        assert_eq!(p["Ap,ProductType"].as_string(), Some("iPhone9,3"));
        assert_eq!(p["@ApImg4Ticket"].as_boolean(), Some(true));
        let kc = p["KernelCache"].as_dictionary().unwrap();
        assert_eq!(kc["EPRO"].as_boolean(), Some(true));
        assert!(!kc.contains_key("Info"));
        assert_eq!(
            r.components().into_iter().collect::<Vec<_>>(),
            vec!["KernelCache".to_string()]
        );
        let uuid = p["@UUID"].as_string().unwrap();
        assert_eq!(uuid.len(), 36);
        assert_eq!(uuid, uuid.to_uppercase());
        assert_eq!(uuid.matches('-').count(), 4);
    }

    #[test]
    fn image3_request_keeps_untrusted_entries() {
        let d = identity("0x8930");
        let r = build(
            Identity::from_dict(&d).unwrap(),
            &Target::default(),
            &ApParams::default(),
        )
        .unwrap();
        assert!(!r.image4);
        assert_eq!(r.plist["@APTicket"].as_boolean(), Some(true));
        assert!(!r.plist.contains_key("@ApImg4Ticket"));
        assert_eq!(r.plist["ApNonce"].as_data().map(<[u8]>::len), Some(20));
        assert!(r.components().contains("Savage,B0-Prod-Patch"));
        assert!(
            !r.plist["KernelCache"]
                .as_dictionary()
                .unwrap()
                .contains_key("EPRO")
        );
    }

    #[test]
    fn wrong_nonce_length_is_refused() {
        let d = identity("0x8010");
        let e = build(
            Identity::from_dict(&d).unwrap(),
            &Target {
                ecid: 1,
                ap_nonce: Some(vec![0; 20]),
                sep_nonce: None,
            },
            &ApParams::default(),
        )
        .unwrap_err();
        assert!(matches!(
            e,
            BuildError::NonceLength {
                want: 32,
                got: 20,
                ..
            }
        ));
    }

    #[test]
    fn uuids_differ() {
        assert_ne!(random_uuid().unwrap(), random_uuid().unwrap());
    }
}
