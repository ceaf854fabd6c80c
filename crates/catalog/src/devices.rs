//! The device table, embedded from `data/devices.json` (facts from libirecovery and AppleDB).

use serde::{Deserialize, Deserializer, Serialize};
use std::sync::OnceLock;

const DEVICES_JSON: &str = include_str!("../data/devices.json");

/// One row of the device table: a product type on one board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Device {
    /// Apple identifier, e.g. `iPhone10,3`.
    pub product_type: String,
    /// `iPhone`, `iPad`, `iPod touch`, `Apple TV`, `HomePod` or `Apple Watch`.
    pub family: String,
    /// Marketing name, e.g. `iPhone X (CDMA)`.
    pub name: String,
    /// libirecovery's display name, when it has one.
    #[serde(default)]
    pub name_libirecovery: Option<String>,
    /// Board config in lower case, e.g. `d22ap`.
    pub board_config: String,
    /// Chip id (CPID).
    #[serde(deserialize_with = "hex_u32", serialize_with = "ser_hex4")]
    pub cpid: u32,
    /// Board id (BDID).
    #[serde(deserialize_with = "hex_u32", serialize_with = "ser_hex2")]
    pub bdid: u32,
    /// SoC marketing name, e.g. `A11`.
    #[serde(default)]
    pub soc: Option<String>,
    /// Apple model numbers (A-numbers).
    #[serde(default)]
    pub model_numbers: Vec<String>,
    /// Network or connectivity variant: `GSM`, `CDMA`, `Global`, `China`, `Wi-Fi`, `Cellular`…
    #[serde(default)]
    pub variant: Option<String>,
    /// Extra qualifiers from the names.
    #[serde(default)]
    pub variant_detail: Option<String>,
    /// Year of release.
    #[serde(default)]
    pub release_year: Option<u16>,
    /// `touch_id`, `face_id` or `none`.
    #[serde(default)]
    pub biometric: Option<String>,
    /// `physical`, `solid_state` or `none`.
    #[serde(default)]
    pub home_button: Option<String>,
    /// Key into the DFU sequence table.
    pub dfu_family: String,
}

impl Device {
    /// `iPhone 7 (GSM) — iPhone9,3, d101ap`.
    pub fn describe(&self) -> String {
        format!(
            "{} — {}, {}",
            self.name, self.product_type, self.board_config
        )
    }

    /// `CPID:BDID` as `0x8010:0x0A`-style text.
    pub fn chip_board(&self) -> String {
        format!("0x{:04X}:0x{:02X}", self.cpid, self.bdid)
    }
}

fn parse_hex(s: &str) -> Option<u32> {
    let t = s.trim();
    let t = t
        .strip_prefix("0x")
        .or_else(|| t.strip_prefix("0X"))
        .unwrap_or(t);
    u32::from_str_radix(t, 16).ok()
}

fn hex_u32<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let s = String::deserialize(d)?;
    parse_hex(&s).ok_or_else(|| serde::de::Error::custom(format!("bad hex id {s:?}")))
}

fn ser_hex4<S: serde::Serializer>(v: &u32, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format!("0x{v:04X}"))
}

fn ser_hex2<S: serde::Serializer>(v: &u32, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format!("0x{v:02X}"))
}

/// Every row of the embedded device table (parsed once, on first use).
pub fn devices() -> &'static [Device] {
    static TABLE: OnceLock<Vec<Device>> = OnceLock::new();
    TABLE.get_or_init(|| {
        serde_json::from_str(DEVICES_JSON).expect("embedded devices.json is validated by tests")
    })
}

/// Rows for a product type (`iPhone9,3`), compared case-insensitively.
pub fn by_product_type(product_type: &str) -> Vec<&'static Device> {
    let want = product_type.trim();
    devices()
        .iter()
        .filter(|d| d.product_type.eq_ignore_ascii_case(want))
        .collect()
}

/// Rows with this chip id and board id (what a DFU/recovery serial string tells).
pub fn by_chip_board(cpid: u32, bdid: u32) -> Vec<&'static Device> {
    devices()
        .iter()
        .filter(|d| d.cpid == cpid && d.bdid == bdid)
        .collect()
}

/// The row for a board config; accepts `n92ap`, `N92AP` and `n92`.
pub fn by_board(board: &str) -> Option<&'static Device> {
    let want = board.trim().to_ascii_lowercase();
    devices().iter().find(|d| {
        d.board_config == want
            || d.board_config
                .strip_suffix("ap")
                .is_some_and(|stem| stem == want)
    })
}

/// Rows listing this Apple model number (`A1778`), case-insensitively.
pub fn by_model_number(model: &str) -> Vec<&'static Device> {
    let want = model.trim();
    devices()
        .iter()
        .filter(|d| d.model_numbers.iter().any(|m| m.eq_ignore_ascii_case(want)))
        .collect()
}

/// Why a device description could not be resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceQueryError {
    /// Nothing matched.
    NotFound(String),
    /// The text looked like `CPID:BDID` but the numbers were not hex.
    BadChipBoard(String),
}

impl std::fmt::Display for DeviceQueryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DeviceQueryError::NotFound(q) => write!(
                f,
                "no device matches '{q}' (try a product type like iPhone9,3, a model number like A1778, a board like d101ap, or CPID:BDID like 0x8010:0x0C)"
            ),
            DeviceQueryError::BadChipBoard(q) => {
                write!(
                    f,
                    "'{q}' is not a CPID:BDID pair of hex numbers (e.g. 0x8010:0x0C)"
                )
            }
        }
    }
}

impl std::error::Error for DeviceQueryError {}

/// Resolves what a user typed: product type, model number, board config, `CPID:BDID`, or an
/// exact marketing name. Several rows can match (e.g. a product type with two silicon variants).
pub fn resolve(query: &str) -> Result<Vec<&'static Device>, DeviceQueryError> {
    let q = query.trim();
    if q.is_empty() {
        return Err(DeviceQueryError::NotFound(q.to_string()));
    }
    if let Some((a, b)) = q.split_once(':') {
        let (cpid, bdid) = (parse_hex(a), parse_hex(b));
        return match (cpid, bdid) {
            (Some(c), Some(b)) => {
                let rows = by_chip_board(c, b);
                if rows.is_empty() {
                    Err(DeviceQueryError::NotFound(q.to_string()))
                } else {
                    Ok(rows)
                }
            }
            _ => Err(DeviceQueryError::BadChipBoard(q.to_string())),
        };
    }
    let rows = by_product_type(q);
    if !rows.is_empty() {
        return Ok(rows);
    }
    let rows = by_model_number(q);
    if !rows.is_empty() {
        return Ok(rows);
    }
    if let Some(d) = by_board(q) {
        return Ok(vec![d]);
    }
    let rows: Vec<_> = devices()
        .iter()
        .filter(|d| {
            d.name.eq_ignore_ascii_case(q)
                || d.name_libirecovery
                    .as_deref()
                    .is_some_and(|n| n.eq_ignore_ascii_case(q))
        })
        .collect();
    if rows.is_empty() {
        Err(DeviceQueryError::NotFound(q.to_string()))
    } else {
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn table_parses_with_every_row() {
        assert_eq!(devices().len(), 249);
    }

    #[test]
    fn chip_board_pairs_are_unique_for_ios_devices() {
        let mut seen = HashSet::new();
        for d in devices()
            .iter()
            .filter(|d| matches!(d.family.as_str(), "iPhone" | "iPad" | "iPod touch"))
        {
            assert!(
                seen.insert((d.cpid, d.bdid)),
                "duplicate pair for {}",
                d.product_type
            );
        }
    }

    #[test]
    fn every_dfu_family_exists_in_sequences() {
        let seq: serde_json::Value =
            serde_json::from_str(include_str!("../data/dfu_sequences.json")).unwrap();
        let keys: HashSet<String> = seq["families"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["key"].as_str().unwrap().to_string())
            .collect();
        for d in devices() {
            assert!(
                keys.contains(&d.dfu_family),
                "{} -> {}",
                d.product_type,
                d.dfu_family
            );
        }
    }

    #[test]
    fn resolves_each_query_form() {
        let gsm = resolve("iPhone3,1").unwrap();
        assert_eq!(gsm[0].variant.as_deref(), Some("GSM"));
        let by_board = resolve("N92AP").unwrap();
        assert_eq!(by_board[0].product_type, "iPhone3,3");
        let by_stem = resolve("n92").unwrap();
        assert_eq!(by_stem[0].product_type, "iPhone3,3");
        let d = &by_board[0];
        let by_chip = resolve(&d.chip_board()).unwrap();
        assert_eq!(by_chip[0].product_type, "iPhone3,3");
        let model = d
            .model_numbers
            .first()
            .expect("iPhone3,3 has a model number");
        assert!(
            resolve(model)
                .unwrap()
                .iter()
                .any(|r| r.product_type == "iPhone3,3")
        );
        assert!(matches!(
            resolve("nonsense"),
            Err(DeviceQueryError::NotFound(_))
        ));
        assert!(matches!(
            resolve("zz:0x1"),
            Err(DeviceQueryError::BadChipBoard(_))
        ));
        assert_eq!(
            by_product_type("iphone8,1").len(),
            2,
            "Samsung and TSMC A9 rows"
        );
    }
}
