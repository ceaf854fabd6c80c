//! Which device the helper is for: one the user names, or the one connected.

use super::helper::Watched;
use crate::identify::{AppleDevice, Scan};
use rd_catalog::devices;

/// The device (family) to guide, and what to watch on the bus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// The `dfu_family` key.
    pub family: String,
    /// A name for the device, e.g. `iPhone 8 (GSM)` or `iPhone10,4`.
    pub name: String,
    /// The device to watch (default: any Apple device).
    pub watched: Watched,
    /// A note to show (e.g. the connected device is not the one named).
    pub note: Option<String>,
}

/// Why no device could be chosen (each is one clear line for the user).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChooseError {
    /// The name did not resolve.
    #[error("{0}")]
    Unknown(String),
    /// The name matches devices with different sequences.
    #[error(
        "'{query}' matches devices with different button sequences ({families}); give a product type such as iPhone10,4"
    )]
    Ambiguous {
        /// What was typed.
        query: String,
        /// The families.
        families: String,
    },
    /// Nothing connected and nothing named.
    #[error(
        "no iPhone, iPad or iPod touch is connected; name the model (e.g. `restore-doctor dfu iPhone10,4`) or add --steps to just print the sequence"
    )]
    NothingConnected,
    /// Several connected and nothing named.
    #[error(
        "{0} devices are connected ({1}); name the one to guide, e.g. `restore-doctor dfu iPhone10,4`"
    )]
    Several(usize, String),
    /// The connected device's model cannot be told from USB.
    #[error(
        "the connected {0} is in normal mode and its exact model cannot be read from USB; name it, e.g. `restore-doctor dfu iPhone9,3` (Settings › General › About shows the model)"
    )]
    CannotTell(String),
}

/// Picks the family for `query` (a product type, model number, board, CPID:BDID or marketing
/// name), or for the single connected device when `query` is `None`.
pub fn choose(scan: Option<&Scan>, query: Option<&str>) -> Result<Choice, ChooseError> {
    let connected: &[AppleDevice] = scan.map_or(&[], |s| s.devices.as_slice());
    let Some(q) = query else {
        return match connected {
            [] => Err(ChooseError::NothingConnected),
            [d] => {
                let family = d
                    .dfu_family()
                    .ok_or_else(|| ChooseError::CannotTell(d.name()))?;
                Ok(Choice {
                    family: family.to_string(),
                    name: d.name(),
                    watched: Watched::device(d),
                    note: None,
                })
            }
            many => Err(ChooseError::Several(
                many.len(),
                many.iter()
                    .map(AppleDevice::name)
                    .collect::<Vec<_>>()
                    .join(", "),
            )),
        };
    };
    let rows = devices::resolve(q).map_err(|e| ChooseError::Unknown(e.to_string()))?;
    let mut families: Vec<&str> = rows.iter().map(|r| r.dfu_family.as_str()).collect();
    families.sort_unstable();
    families.dedup();
    if families.len() > 1 {
        return Err(ChooseError::Ambiguous {
            query: q.to_string(),
            families: families.join(", "),
        });
    }
    let family = families[0].to_string();
    let name = rows[0].name.clone();
    let is_named = |d: &AppleDevice| {
        d.model
            .iter()
            .chain(&d.candidates)
            .any(|m| rows.iter().any(|r| r.product_type == m.product_type))
    };
    let (watched, note) = match connected {
        [] => (Watched::default(), None),
        [d] => {
            let note =
                (!is_named(d) && (d.model.is_some() || !d.candidates.is_empty())).then(|| {
                    format!(
                        "the connected device looks like {}, not {name}; watching it anyway",
                        d.name()
                    )
                });
            (Watched::device(d), note)
        }
        many => match many
            .iter()
            .filter(|d| is_named(d))
            .collect::<Vec<_>>()
            .as_slice()
        {
            [d] => (Watched::device(d), None),
            _ => (
                Watched::default(),
                Some(format!(
                    "{} devices are connected; watching for any of them",
                    many.len()
                )),
            ),
        },
    };
    Ok(Choice {
        family,
        name,
        watched,
        note,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identify::scan_inventory;
    use crate::inventory::Inventory;

    fn scan(json: &str) -> Scan {
        let inv: Inventory = serde_json::from_str(json).unwrap();
        scan_inventory("t".into(), &inv)
    }

    #[test]
    fn named_devices_pick_their_family() {
        assert_eq!(
            choose(None, Some("iPhone10,4")).unwrap().family,
            "vol_up_down_side"
        );
        assert_eq!(
            choose(None, Some("iPhone9,3")).unwrap().family,
            "vol_down_side"
        );
        assert_eq!(
            choose(None, Some("iPhone8,1")).unwrap().family,
            "home_button"
        );
        assert!(matches!(
            choose(None, Some("Nokia 3310")),
            Err(ChooseError::Unknown(_))
        ));
    }

    #[test]
    fn connected_device_is_used_when_nothing_is_named() {
        let s = scan(
            r#"{"platform":"linux","devices":[{"bus_id":"1","port_chain":[1],"vendor_id":"0x05AC","product_id":"0x1281","serial":"CPID:8010 BDID:0C ECID:001A2B3C4D5E6F26"}]}"#,
        );
        let c = choose(Some(&s), None).unwrap();
        let row = &devices::by_chip_board(0x8010, 0x0C)[0];
        assert_eq!(c.family, row.dfu_family);
        assert_eq!(c.watched.ecid, Some(0x001A_2B3C_4D5E_6F26));
        let other = choose(Some(&s), Some("iPhone10,4")).unwrap();
        assert!(other.note.unwrap().contains("looks like"));
    }

    #[test]
    fn nothing_several_or_unknowable() {
        let empty = scan(r#"{"platform":"linux","devices":[]}"#);
        assert_eq!(
            choose(Some(&empty), None),
            Err(ChooseError::NothingConnected)
        );
        let old = scan(
            r#"{"platform":"linux","devices":[{"bus_id":"1","vendor_id":"0x05AC","product_id":"0x12A8","product":"iPhone","serial":"0123456789abcdef0123456789abcdef01234567"}]}"#,
        );
        assert!(matches!(
            choose(Some(&old), None),
            Err(ChooseError::CannotTell(_))
        ));
        let two = scan(
            r#"{"platform":"linux","devices":[{"bus_id":"1","vendor_id":"0x05AC","product_id":"0x1227"},{"bus_id":"2","vendor_id":"0x05AC","product_id":"0x1281"}]}"#,
        );
        assert!(matches!(
            choose(Some(&two), None),
            Err(ChooseError::Several(2, _))
        ));
    }
}
