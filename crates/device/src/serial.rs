//! The identification string iBoot and the SecureROM put in the USB serial-number descriptor
//! (`CPID:8010 CPRV:11 … ECID:001A2B3C4D5E6F26 … SRTG:[iBoot-2696.0.0.1.33]`), and the nonce
//! string (`NONC:… SNON:…`). Parsing never fails: unknown tags and stray words are kept.

use serde::{Serialize, Serializer};

/// One `TAG:value` pair as it appeared (tag upper-cased, value untouched).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tag {
    /// The tag, upper-cased (`CPID`).
    pub tag: String,
    /// The value as written (brackets kept for bracketed values).
    pub value: String,
}

/// Everything a serial or nonce string says.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SerialInfo {
    /// Chip id (SoC), e.g. 0x8010.
    #[serde(serialize_with = "hex4", skip_serializing_if = "Option::is_none")]
    pub cpid: Option<u32>,
    /// Chip revision.
    #[serde(serialize_with = "hex2", skip_serializing_if = "Option::is_none")]
    pub cprv: Option<u32>,
    /// Chip fuse mode.
    #[serde(serialize_with = "hex2", skip_serializing_if = "Option::is_none")]
    pub cpfm: Option<u32>,
    /// Security epoch.
    #[serde(serialize_with = "hex2", skip_serializing_if = "Option::is_none")]
    pub scep: Option<u32>,
    /// Board id.
    #[serde(serialize_with = "hex2", skip_serializing_if = "Option::is_none")]
    pub bdid: Option<u32>,
    /// Exclusive chip id, unique per device.
    #[serde(serialize_with = "hex16", skip_serializing_if = "Option::is_none")]
    pub ecid: Option<u64>,
    /// iBoot flags.
    #[serde(serialize_with = "hex2", skip_serializing_if = "Option::is_none")]
    pub ibfl: Option<u32>,
    /// SecureROM / iBoot version tag, without brackets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub srtg: Option<String>,
    /// Device serial number (Recovery mode).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub srnm: Option<String>,
    /// IMEI (cellular devices, Recovery mode).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub imei: Option<String>,
    /// Exploit marker some third-party bootrom exploits add.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pwnd: Option<String>,
    /// AP nonce, lower-case hex.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nonc: Option<String>,
    /// SEP nonce, lower-case hex.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snon: Option<String>,
    /// Tags this parser does not know, in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unknown: Vec<Tag>,
    /// Known tags whose value did not parse (or repeated), kept as written.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub invalid: Vec<Tag>,
    /// Words that were not `TAG:value` at all.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub loose: Vec<String>,
}

fn hex4<S: Serializer>(v: &Option<u32>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => s.serialize_str(&format!("0x{v:04X}")),
        None => s.serialize_none(),
    }
}

fn hex2<S: Serializer>(v: &Option<u32>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => s.serialize_str(&format!("0x{v:02X}")),
        None => s.serialize_none(),
    }
}

fn hex16<S: Serializer>(v: &Option<u64>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => s.serialize_str(&format_ecid(*v)),
        None => s.serialize_none(),
    }
}

/// ECID as `0x` and 16 upper-case hex digits, the way restore tools print it.
pub fn format_ecid(ecid: u64) -> String {
    format!("0x{ecid:016X}")
}

/// Which characters separate `TAG:value` tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Separators {
    /// Whitespace only (the string as the device sends it).
    Spaces,
    /// Whitespace and `_` (Windows instance ids replace spaces with underscores).
    SpacesAndUnderscores,
}

impl Separators {
    fn is_sep(self, c: char) -> bool {
        c.is_whitespace() || (self == Separators::SpacesAndUnderscores && c == '_')
    }
}

/// Splits into raw tokens; a value that starts with `[` runs to the matching `]`.
fn tokens(s: &str, seps: Separators) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut depth = 0usize;
    let mut prev_colon = false;
    for (i, c) in s.char_indices() {
        if start.is_none() {
            if seps.is_sep(c) {
                continue;
            }
            start = Some(i);
            depth = 0;
        }
        if c == '[' && (prev_colon || depth > 0) {
            depth += 1;
        } else if c == ']' && depth > 0 {
            depth -= 1;
        } else if depth == 0 && seps.is_sep(c) {
            if let Some(st) = start.take() {
                out.push(&s[st..i]);
            }
            prev_colon = false;
            continue;
        }
        prev_colon = c == ':';
    }
    if let Some(st) = start {
        out.push(&s[st..]);
    }
    out
}

fn parse_hex_u64(v: &str) -> Option<u64> {
    let t = v
        .strip_prefix("0x")
        .or_else(|| v.strip_prefix("0X"))
        .unwrap_or(v);
    if t.is_empty() || t.len() > 16 || !t.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u64::from_str_radix(t, 16).ok()
}

fn parse_hex_u32(v: &str) -> Option<u32> {
    parse_hex_u64(v).and_then(|n| u32::try_from(n).ok())
}

fn bracketed(v: &str) -> Option<String> {
    let inner = v.strip_prefix('[')?;
    let inner = inner.strip_suffix(']').unwrap_or(inner);
    Some(inner.to_string())
}

fn hex_bytes(v: &str) -> Option<String> {
    let t = v
        .strip_prefix("0x")
        .or_else(|| v.strip_prefix("0X"))
        .unwrap_or(v);
    (!t.is_empty() && t.bytes().all(|b| b.is_ascii_hexdigit())).then(|| t.to_ascii_lowercase())
}

impl SerialInfo {
    /// Parses a serial or nonce string as the device sends it (space-separated).
    pub fn parse(s: &str) -> SerialInfo {
        Self::parse_with(s, Separators::Spaces)
    }

    /// Parses with the given separators (use [`Separators::SpacesAndUnderscores`] for the
    /// serial part of a Windows instance id).
    pub fn parse_with(s: &str, seps: Separators) -> SerialInfo {
        let mut info = SerialInfo::default();
        for tok in tokens(s, seps) {
            match tok.split_once(':') {
                Some((tag, value))
                    if !tag.is_empty() && tag.bytes().all(|b| b.is_ascii_alphanumeric()) =>
                {
                    info.set(tag.to_ascii_uppercase(), value);
                }
                _ => info.loose.push(tok.to_string()),
            }
        }
        info
    }

    /// Merges in another string's fields (e.g. the nonce string) without overwriting.
    pub fn merge(&mut self, other: SerialInfo) {
        macro_rules! take {
            ($($f:ident),*) => { $( if self.$f.is_none() { self.$f = other.$f; } )* };
        }
        take!(
            cpid, cprv, cpfm, scep, bdid, ecid, ibfl, srtg, srnm, imei, pwnd, nonc, snon
        );
        self.unknown.extend(other.unknown);
        self.invalid.extend(other.invalid);
        self.loose.extend(other.loose);
    }

    fn set(&mut self, tag: String, value: &str) {
        fn put<T>(slot: &mut Option<T>, parsed: Option<T>) -> bool {
            match (slot.is_some(), parsed) {
                (false, Some(v)) => {
                    *slot = Some(v);
                    true
                }
                _ => false,
            }
        }
        let stored = match tag.as_str() {
            "CPID" => put(&mut self.cpid, parse_hex_u32(value)),
            "CPRV" => put(&mut self.cprv, parse_hex_u32(value)),
            "CPFM" => put(&mut self.cpfm, parse_hex_u32(value)),
            "SCEP" => put(&mut self.scep, parse_hex_u32(value)),
            "BDID" => put(
                &mut self.bdid,
                parse_hex_u64(value).map(|n| (n & 0xFFFF_FFFF) as u32),
            ),
            "ECID" => put(&mut self.ecid, parse_hex_u64(value)),
            "IBFL" => put(&mut self.ibfl, parse_hex_u32(value)),
            "SRTG" => put(&mut self.srtg, bracketed(value)),
            "SRNM" => put(&mut self.srnm, bracketed(value)),
            "IMEI" => put(&mut self.imei, bracketed(value)),
            "PWND" => put(&mut self.pwnd, bracketed(value)),
            "NONC" => put(&mut self.nonc, hex_bytes(value)),
            "SNON" => put(&mut self.snon, hex_bytes(value)),
            _ => {
                self.unknown.push(Tag {
                    tag,
                    value: value.to_string(),
                });
                return;
            }
        };
        if !stored {
            self.invalid.push(Tag {
                tag,
                value: value.to_string(),
            });
        }
    }

    /// True when the string carried chip and board ids (enough to name the model).
    pub fn identifies_board(&self) -> bool {
        self.cpid.is_some() && self.bdid.is_some()
    }

    /// True when nothing at all was recognised.
    pub fn is_empty(&self) -> bool {
        *self == SerialInfo::default()
    }
}

/// What a normal-mode serial string (the UDID) tells: on A12 and later it is `CPID-ECID`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UdidInfo {
    /// Chip id.
    pub cpid: u32,
    /// Exclusive chip id.
    pub ecid: u64,
}

/// Reads CPID and ECID from a new-style UDID (`00008030-001A2B3C4D5E6F26`, with or without the
/// dash). Old 40-hex-digit UDIDs are hashes and yield nothing.
pub fn parse_udid(s: &str) -> Option<UdidInfo> {
    let t: String = s.trim().chars().filter(|c| *c != '-').collect();
    if t.len() != 24 || !t.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let cpid = u32::from_str_radix(&t[..8], 16).ok()?;
    let ecid = u64::from_str_radix(&t[8..], 16).ok()?;
    (cpid > 0 && cpid <= 0xFFFF).then_some(UdidInfo { cpid, ecid })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DFU: &str = "CPID:8010 CPRV:11 CPFM:03 SCEP:01 BDID:0C ECID:001A2B3C4D5E6F26 IBFL:3C SRTG:[iBoot-2696.0.0.1.33]";

    #[test]
    fn parses_every_field_of_a_dfu_string() {
        let s = SerialInfo::parse(DFU);
        assert_eq!(s.cpid, Some(0x8010));
        assert_eq!(s.cprv, Some(0x11));
        assert_eq!(s.cpfm, Some(0x03));
        assert_eq!(s.scep, Some(0x01));
        assert_eq!(s.bdid, Some(0x0C));
        assert_eq!(s.ecid, Some(0x001A_2B3C_4D5E_6F26));
        assert_eq!(s.ibfl, Some(0x3C));
        assert_eq!(s.srtg.as_deref(), Some("iBoot-2696.0.0.1.33"));
        assert!(s.unknown.is_empty() && s.invalid.is_empty() && s.loose.is_empty());
        assert!(s.identifies_board());
    }

    #[test]
    fn recovery_strings_with_serial_imei_and_nonces() {
        let s = SerialInfo::parse(
            "CPID:8015 CPRV:11 CPFM:03 SCEP:01 BDID:06 ECID:000A1B2C3D4E5F60 IBFL:1C SRNM:[F2LVX0AAAAAA] IMEI:[359999999999999] NONC:ABCDEF0123 SNON:00ff",
        );
        assert_eq!(s.srnm.as_deref(), Some("F2LVX0AAAAAA"));
        assert_eq!(s.imei.as_deref(), Some("359999999999999"));
        assert_eq!(s.nonc.as_deref(), Some("abcdef0123"));
        assert_eq!(s.snon.as_deref(), Some("00ff"));
    }

    #[test]
    fn unknown_tags_and_loose_words_are_kept_in_order() {
        let s = SerialInfo::parse("CPID:8020 FOO:[a b] XYZ:1 hello CPID:8030 ECID:nothex");
        assert_eq!(s.cpid, Some(0x8020));
        assert_eq!(
            s.unknown,
            vec![
                Tag {
                    tag: "FOO".into(),
                    value: "[a b]".into()
                },
                Tag {
                    tag: "XYZ".into(),
                    value: "1".into()
                },
            ]
        );
        assert_eq!(s.loose, vec!["hello".to_string()]);
        let inv: Vec<_> = s.invalid.iter().map(|t| t.tag.as_str()).collect();
        assert_eq!(inv, ["CPID", "ECID"]);
    }

    #[test]
    fn lower_case_tags_and_underscore_separators() {
        let s = SerialInfo::parse_with(
            "cpid:8010_cprv:11_bdid:0c_ecid:001a2b3c4d5e6f26_srtg:[iboot-2696.0.0.1.33]",
            Separators::SpacesAndUnderscores,
        );
        assert_eq!(s.cpid, Some(0x8010));
        assert_eq!(s.bdid, Some(0x0C));
        assert_eq!(s.ecid, Some(0x001A_2B3C_4D5E_6F26));
        assert_eq!(s.srtg.as_deref(), Some("iboot-2696.0.0.1.33"));
    }

    #[test]
    fn unterminated_bracket_runs_to_the_end() {
        let s = SerialInfo::parse("CPID:8010 SRTG:[iBoot-1 2");
        assert_eq!(s.srtg.as_deref(), Some("iBoot-1 2"));
    }

    #[test]
    fn merge_keeps_first_values() {
        let mut a = SerialInfo::parse(DFU);
        a.merge(SerialInfo::parse("NONC:aa SNON:bb CPID:1234"));
        assert_eq!(a.cpid, Some(0x8010));
        assert_eq!(a.nonc.as_deref(), Some("aa"));
        assert_eq!(a.snon.as_deref(), Some("bb"));
    }

    #[test]
    fn json_uses_hex_strings() {
        let v = serde_json::to_value(SerialInfo::parse(DFU)).unwrap();
        assert_eq!(v["cpid"], "0x8010");
        assert_eq!(v["bdid"], "0x0C");
        assert_eq!(v["ecid"], "0x001A2B3C4D5E6F26");
        assert!(v.get("nonc").is_none());
    }

    #[test]
    fn udid_yields_cpid_and_ecid_only_for_new_style() {
        let u = parse_udid("00008030-001A2B3C4D5E6F26").unwrap();
        assert_eq!(u.cpid, 0x8030);
        assert_eq!(u.ecid, 0x001A_2B3C_4D5E_6F26);
        assert_eq!(parse_udid("00008030001A2B3C4D5E6F26"), Some(u));
        assert_eq!(parse_udid("0123456789abcdef0123456789abcdef01234567"), None);
        assert_eq!(parse_udid("zz"), None);
    }
}
