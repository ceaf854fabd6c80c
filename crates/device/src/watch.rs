//! Hot-plug watching: what changed between two looks at the bus.

use crate::identify::AppleDevice;
use crate::ids::Mode;
use serde::Serialize;

/// One change on the bus.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Change {
    /// A device appeared.
    Arrived {
        /// The device.
        device: Box<AppleDevice>,
    },
    /// A device disappeared.
    Left {
        /// The device as last seen.
        device: Box<AppleDevice>,
    },
    /// The same device (same ECID, or same port) is now in another mode.
    ModeChanged {
        /// Mode before.
        from: Mode,
        /// The device now.
        device: Box<AppleDevice>,
    },
}

fn same(a: &AppleDevice, b: &AppleDevice) -> bool {
    match (a.ecid_value(), b.ecid_value()) {
        (Some(x), Some(y)) => x == y,
        _ => a.location == b.location,
    }
}

/// The changes from `before` to `after`. A device that left and came back on the same port or
/// with the same ECID in another mode counts as a mode change.
pub fn diff(before: &[AppleDevice], after: &[AppleDevice]) -> Vec<Change> {
    let mut out = Vec::new();
    let mut matched_before = vec![false; before.len()];
    for now in after {
        match before.iter().position(|b| same(b, now)) {
            Some(i) => {
                matched_before[i] = true;
                if before[i].mode != now.mode {
                    out.push(Change::ModeChanged {
                        from: before[i].mode,
                        device: Box::new(now.clone()),
                    });
                }
            }
            None => out.push(Change::Arrived {
                device: Box::new(now.clone()),
            }),
        }
    }
    for (i, b) in before.iter().enumerate() {
        if !matched_before[i] {
            out.push(Change::Left {
                device: Box::new(b.clone()),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identify::scan_inventory;
    use crate::inventory::Inventory;

    fn devs(json: &str) -> Vec<AppleDevice> {
        let inv: Inventory = serde_json::from_str(json).unwrap();
        scan_inventory(String::new(), &inv).devices
    }

    #[test]
    fn arrivals_departures_and_mode_changes() {
        let normal = devs(
            r#"{"platform":"linux","devices":[{"bus_id":"1","port_chain":[1],"vendor_id":"0x05AC","product_id":"0x12A8"}]}"#,
        );
        let dfu = devs(
            r#"{"platform":"linux","devices":[{"bus_id":"1","port_chain":[1],"vendor_id":"0x05AC","product_id":"0x1227","serial":"CPID:8010 BDID:0C ECID:01"}]}"#,
        );
        let elsewhere = devs(
            r#"{"platform":"linux","devices":[{"bus_id":"1","port_chain":[3],"vendor_id":"0x05AC","product_id":"0x12A8"}]}"#,
        );
        assert!(matches!(
            diff(&normal, &dfu)[..],
            [Change::ModeChanged {
                from: Mode::Normal,
                ..
            }]
        ));
        assert!(matches!(diff(&[], &dfu)[..], [Change::Arrived { .. }]));
        assert!(matches!(diff(&dfu, &[])[..], [Change::Left { .. }]));
        assert!(matches!(
            diff(&normal, &elsewhere)[..],
            [Change::Arrived { .. }, Change::Left { .. }]
        ));
        assert!(diff(&dfu, &dfu).is_empty());
    }
}
