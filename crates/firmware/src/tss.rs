//! A real personalization request to Apple's TSS, built from a build identity, and the meaning
//! of its answer (`STATUS=0` signed, 94/69 not eligible, 128 Apple-side error).

use crate::error::{Error, Result};
use crate::http::HttpClient;
use crate::manifest::BuildIdentity;
use plist::{Dictionary, Value};
use sha2::Digest;

/// Apple's TSS endpoint.
pub const DEFAULT_URL: &str = "https://gs.apple.com/TSS/controller?action=2";
/// Largest TSS answer accepted (a ticket is a few hundred KiB at most).
pub const MAX_ANSWER: u64 = 8 * 1024 * 1024;

/// What a TSS status code means for signing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TssVerdict {
    /// STATUS=0 with a ticket: Apple signs this build for this device.
    Signed,
    /// STATUS=94 or 69: the device is not eligible for the build — it is not signed.
    NotSigned,
    /// STATUS=128 and similar: Apple's server failed; says nothing about signing.
    ServerError,
    /// A status this tool has no meaning for.
    Unknown,
}

/// Apple's answer.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TssAnswer {
    /// The `STATUS` number.
    pub status: i64,
    /// The `MESSAGE` text.
    pub message: String,
    /// Whether a ticket came back.
    pub has_ticket: bool,
    /// The server's `Date` header.
    pub date: Option<String>,
}

impl TssAnswer {
    /// The meaning of the status.
    pub fn verdict(&self) -> TssVerdict {
        match self.status {
            0 if self.has_ticket => TssVerdict::Signed,
            0 => TssVerdict::Unknown,
            94 | 69 => TssVerdict::NotSigned,
            128 | 100 | 126 | 127 => TssVerdict::ServerError,
            _ => TssVerdict::Unknown,
        }
    }
}

/// Parses `STATUS=0&MESSAGE=SUCCESS&REQUEST_STRING=<plist>`.
pub fn parse_answer(body: &[u8]) -> Option<TssAnswer> {
    let text = String::from_utf8_lossy(body);
    let (head, ticket) = match text.find("&REQUEST_STRING=") {
        Some(i) => (&text[..i], &text[i..]),
        None => (&text[..], ""),
    };
    let mut status = None;
    let mut message = String::new();
    for part in head.trim().split('&') {
        if let Some(v) = part.strip_prefix("STATUS=") {
            status = v.trim().parse().ok();
        } else if let Some(v) = part.strip_prefix("MESSAGE=") {
            message = v.trim().to_string();
        }
    }
    Some(TssAnswer {
        status: status?,
        message,
        has_ticket: ticket.contains("ApImg4Ticket") || ticket.contains("APTicket"),
        date: None,
    })
}

/// Bytes that differ per request (nonces, UUID) without a random-number crate: a SHA-256 of the
/// clock, the process id and a label.
fn fresh_bytes(label: &str, n: usize) -> Vec<u8> {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let mut h = sha2::Sha256::new();
    h.update(t.to_le_bytes());
    h.update(std::process::id().to_le_bytes());
    h.update(label.as_bytes());
    h.finalize()[..n.min(32)].to_vec()
}

/// 32-bit chips (S5L89xx, A4–A6X) use Image3 tickets; everything from A7 (0x8960) on, Image4.
fn is_img3_chip(chip: u64) -> bool {
    (0x8900..0x8960).contains(&chip)
}

/// A7–A10 devices take a 20-byte ApNonce; A11 and later, 32 bytes.
fn nonce_len(chip: u64) -> usize {
    if matches!(chip, 0x8960 | 0x7000 | 0x7001 | 0x8000..=0x8012) {
        20
    } else {
        32
    }
}

/// Builds the request plist (XML) for a build identity. `ecid` is the device's, or any
/// well-formed value when only the signing status is wanted.
pub fn build_request(identity: &BuildIdentity, ecid: u64) -> Result<Vec<u8>> {
    let (Some(chip), Some(board)) = (identity.chip_id, identity.board_id) else {
        return Err(Error::BadPlist {
            name: "BuildManifest.plist".into(),
            detail: "the build identity has no ApChipID/ApBoardID".into(),
        });
    };
    let img4 = !is_img3_chip(chip);
    let mut d = Dictionary::new();
    let uuid = hex::encode(fresh_bytes("uuid", 16)).to_uppercase();
    d.insert(
        "@UUID".into(),
        Value::String(format!(
            "{}-{}-{}-{}-{}",
            &uuid[0..8],
            &uuid[8..12],
            &uuid[12..16],
            &uuid[16..20],
            &uuid[20..32]
        )),
    );
    d.insert("@HostPlatformInfo".into(), Value::String("mac".into()));
    d.insert(
        "@VersionInfo".into(),
        Value::String("libauthinstall-1033.0.2".into()),
    );
    d.insert(
        if img4 { "@ApImg4Ticket" } else { "@APTicket" }.into(),
        Value::Boolean(true),
    );
    d.insert("ApChipID".into(), Value::Integer(chip.into()));
    d.insert("ApBoardID".into(), Value::Integer(board.into()));
    d.insert("ApECID".into(), Value::Integer(ecid.into()));
    d.insert(
        "ApSecurityDomain".into(),
        Value::Integer(identity.security_domain.unwrap_or(1).into()),
    );
    d.insert("ApProductionMode".into(), Value::Boolean(true));
    if img4 {
        d.insert("ApSecurityMode".into(), Value::Boolean(true));
        d.insert(
            "ApNonce".into(),
            Value::Data(fresh_bytes("apnonce", nonce_len(chip))),
        );
        d.insert("SepNonce".into(), Value::Data(fresh_bytes("sepnonce", 20)));
        if let Some(u) = &identity.unique_build_id {
            d.insert("UniqueBuildID".into(), Value::Data(u.clone()));
        }
    }
    for (name, v) in &identity.components {
        let Some(comp) = v.as_dictionary() else {
            continue;
        };
        if name == "BasebandFirmware" || !comp.contains_key("Digest") {
            continue;
        }
        let mut c = Dictionary::new();
        for key in ["Digest", "Trusted", "PartialDigest", "BuildString"] {
            if let Some(val) = comp.get(key) {
                c.insert(key.into(), val.clone());
            }
        }
        if img4 {
            c.insert("EPRO".into(), Value::Boolean(true));
            c.insert("ESEC".into(), Value::Boolean(true));
        }
        d.insert(name.clone(), Value::Dictionary(c));
    }
    let mut out = Vec::new();
    plist::to_writer_xml(&mut out, &Value::Dictionary(d)).map_err(|e| Error::BadPlist {
        name: "TSS request".into(),
        detail: e.to_string(),
    })?;
    Ok(out)
}

/// POSTs a request to a TSS URL and reads the status.
pub fn ask(client: &HttpClient, url: &str, request: &[u8]) -> Result<TssAnswer> {
    let a = client.post(url, "text/xml; charset=\"utf-8\"", request, MAX_ANSWER)?;
    if a.status != 200 {
        return Err(Error::Http {
            url: url.into(),
            reason: format!("HTTP {}", a.status),
        });
    }
    let mut ans = parse_answer(&a.body).ok_or_else(|| Error::BadAnswer {
        url: url.into(),
        detail: "no STATUS= in the answer".into(),
    })?;
    ans.date = a.date;
    Ok(ans)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_map_to_verdicts() {
        let ok = parse_answer(b"STATUS=0&MESSAGE=SUCCESS&REQUEST_STRING=<dict><key>ApImg4Ticket</key><data>AA==</data></dict>").unwrap();
        assert_eq!(ok.verdict(), TssVerdict::Signed);
        let no =
            parse_answer(b"STATUS=94&MESSAGE=This device isn't eligible for the requested build.")
                .unwrap();
        assert_eq!(no.verdict(), TssVerdict::NotSigned);
        assert!(no.message.contains("eligible"));
        assert_eq!(
            parse_answer(b"STATUS=69&MESSAGE=x").unwrap().verdict(),
            TssVerdict::NotSigned
        );
        assert_eq!(
            parse_answer(b"STATUS=128&MESSAGE=x").unwrap().verdict(),
            TssVerdict::ServerError
        );
        assert_eq!(
            parse_answer(b"STATUS=0&MESSAGE=SUCCESS").unwrap().verdict(),
            TssVerdict::Unknown
        );
        assert!(parse_answer(b"<html>proxy login</html>").is_none());
    }

    #[test]
    fn request_carries_identity_and_components() {
        let mut comps = Dictionary::new();
        let mut kc = Dictionary::new();
        kc.insert("Digest".into(), Value::Data(vec![1; 48]));
        kc.insert("Trusted".into(), Value::Boolean(true));
        comps.insert("KernelCache".into(), Value::Dictionary(kc));
        comps.insert("NoDigest".into(), Value::Dictionary(Dictionary::new()));
        let id = BuildIdentity {
            chip_id: Some(0x8010),
            board_id: Some(0x0C),
            device_class: Some("d101ap".into()),
            variant: None,
            restore_behavior: Some("Erase".into()),
            security_domain: Some(1),
            unique_build_id: Some(vec![9; 20]),
            components: comps,
        };
        let req = build_request(&id, 0x1234).unwrap();
        let v = plist::Value::from_reader_xml(&req[..]).unwrap();
        let d = v.as_dictionary().unwrap();
        assert_eq!(d["ApChipID"].as_unsigned_integer(), Some(0x8010));
        assert_eq!(d["ApBoardID"].as_unsigned_integer(), Some(0x0C));
        assert_eq!(d["@ApImg4Ticket"].as_boolean(), Some(true));
        assert_eq!(d["ApNonce"].as_data().map(<[u8]>::len), Some(20));
        assert_eq!(nonce_len(0x8015), 32);
        assert_eq!(nonce_len(0x8101), 32);
        assert!(
            d["KernelCache"]
                .as_dictionary()
                .unwrap()
                .contains_key("Digest")
        );
        assert!(!d.contains_key("NoDigest"));
        let old = BuildIdentity {
            chip_id: Some(0x8930),
            board_id: Some(0),
            ..id
        };
        let req = build_request(&old, 1).unwrap();
        let v = plist::Value::from_reader_xml(&req[..]).unwrap();
        assert_eq!(
            v.as_dictionary().unwrap()["@APTicket"].as_boolean(),
            Some(true)
        );
    }
}
