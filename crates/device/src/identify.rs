//! From a raw USB listing to "an iPhone 8 (GSM) in DFU mode, ECID 0x…, behind a keyboard hub".

use crate::ids::{APPLE_VENDOR_ID, Mode, mode_for_product};
use crate::instance_id::InstanceId;
use crate::inventory::{Access, Inventory, Platform, Speed, UsbDevice, UsbId};
use crate::paths::{HubInfo, hub_chain};
use crate::serial::{SerialInfo, format_ecid, parse_udid};
use rd_catalog::devices::{self, Device};
use serde::Serialize;

/// A device-table row, as shown for an identified device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Model {
    /// Product type, e.g. `iPhone10,4`.
    pub product_type: String,
    /// Marketing name.
    pub name: String,
    /// Board config, e.g. `d201ap`.
    pub board: String,
    /// Network/connectivity variant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    /// Key into the Recovery/DFU button sequences.
    pub dfu_family: String,
}

impl From<&Device> for Model {
    fn from(d: &Device) -> Model {
        Model {
            product_type: d.product_type.clone(),
            name: d.name.clone(),
            board: d.board_config.clone(),
            variant: d.variant.clone(),
            dfu_family: d.dfu_family.clone(),
        }
    }
}

/// One Apple device on USB, with everything restore-doctor could tell about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppleDevice {
    /// Mode, from the product id.
    pub mode: Mode,
    /// Label for the mode.
    pub mode_label: String,
    /// USB product id.
    pub product_id: UsbId,
    /// The OS's name for it.
    pub usb_name: String,
    /// The identified model, when exactly one row matches.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<Model>,
    /// Possible models when the bus alone cannot tell (normal mode: chip only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub candidates: Vec<Model>,
    /// ECID, `0x` + 16 hex digits, when readable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ecid: Option<String>,
    /// Chip id, when readable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpid: Option<String>,
    /// Every field of the iBoot/SecureROM serial string (DFU/Recovery).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial: Option<SerialInfo>,
    /// Link speed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub speed: Option<Speed>,
    /// `bus 1, port 2.1`.
    pub location: String,
    /// Hubs between the device and the computer, nearest the computer first.
    pub hubs: Vec<HubInfo>,
    /// Host controller.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub controller: Option<String>,
    /// Bound driver (Windows).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub driver: Option<String>,
    /// Windows instance id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<String>,
    /// Whether this user may open it.
    pub access: Access,
}

impl AppleDevice {
    /// `iPhone 8 (GSM)`, or the USB name when the model is unknown.
    pub fn name(&self) -> String {
        match (&self.model, self.candidates.as_slice()) {
            (Some(m), _) => m.name.clone(),
            (None, [first, ..]) if self.candidates.iter().all(|c| c.name == first.name) => {
                first.name.clone()
            }
            _ => self.usb_name.clone(),
        }
    }

    /// The DFU family all possible models share, if they share one.
    pub fn dfu_family(&self) -> Option<&str> {
        if let Some(m) = &self.model {
            return Some(&m.dfu_family);
        }
        let first = self.candidates.first()?;
        self.candidates
            .iter()
            .all(|c| c.dfu_family == first.dfu_family)
            .then_some(first.dfu_family.as_str())
    }

    /// The ECID as a number.
    pub fn ecid_value(&self) -> Option<u64> {
        let hex = self.ecid.as_deref()?.strip_prefix("0x")?;
        u64::from_str_radix(hex, 16).ok()
    }
}

/// The family word the OS product string suggests (`iPhone`, `iPad`, `iPod`).
fn family_hint(dev: &UsbDevice) -> Option<&'static str> {
    let p = dev.product.as_deref()?.to_ascii_lowercase();
    [
        ("iphone", "iPhone"),
        ("ipad", "iPad"),
        ("ipod", "iPod touch"),
    ]
    .into_iter()
    .find(|(w, _)| p.contains(w))
    .map(|(_, f)| f)
}

/// Identifies one Apple device of an inventory.
pub fn identify(inv: &Inventory, dev: &UsbDevice) -> AppleDevice {
    let mode = mode_for_product(dev.product_id.0);
    let parsed_id = dev
        .instance_id
        .as_deref()
        .and_then(|i| InstanceId::parse(i).ok());
    let mut serial = None;
    if mode.has_iboot_serial() {
        let mut info = dev
            .serial
            .as_deref()
            .map(SerialInfo::parse)
            .unwrap_or_default();
        if let Some(from_id) = parsed_id.as_ref().and_then(|i| i.serial.clone()) {
            info.merge(from_id);
        }
        if let Some(n) = dev.nonce.as_deref() {
            info.merge(SerialInfo::parse(n));
        }
        if !info.is_empty() {
            serial = Some(info);
        }
    }
    let udid = (mode == Mode::Normal)
        .then(|| {
            dev.serial
                .as_deref()
                .and_then(parse_udid)
                .or_else(|| parsed_id.as_ref().and_then(InstanceId::udid))
        })
        .flatten();

    let (mut model, mut candidates) = (None, Vec::new());
    let mut cpid = None;
    let mut ecid = None;
    if let Some(s) = &serial {
        cpid = s.cpid;
        ecid = s.ecid;
        if let (Some(c), Some(b)) = (s.cpid, s.bdid) {
            let rows = devices::by_chip_board(c, b);
            match rows.as_slice() {
                [one] => model = Some(Model::from(*one)),
                many => candidates = many.iter().map(|d| Model::from(*d)).collect(),
            }
        }
    } else if let Some(u) = udid {
        cpid = Some(u.cpid);
        ecid = Some(u.ecid);
        let hint = family_hint(dev);
        let rows: Vec<&Device> = devices::devices()
            .iter()
            .filter(|d| d.cpid == u.cpid && hint.is_none_or(|h| d.family == h))
            .collect();
        match rows.as_slice() {
            [one] => model = Some(Model::from(*one)),
            many => candidates = many.iter().map(|d| Model::from(*d)).collect(),
        }
    }

    let controller = inv.bus(&dev.bus_id).map(|b| b.describe());
    AppleDevice {
        mode,
        mode_label: mode.label().to_string(),
        product_id: dev.product_id,
        usb_name: dev.display_name(),
        model,
        candidates,
        ecid: ecid.map(format_ecid),
        cpid: cpid.map(|c| format!("0x{c:04X}")),
        serial,
        speed: dev.speed,
        location: dev.location(),
        hubs: hub_chain(inv, dev),
        controller,
        driver: dev.driver.clone(),
        instance_id: dev.instance_id.clone(),
        access: dev.access,
    }
}

/// What one look at the bus found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Scan {
    /// Where the inventory came from.
    pub source: String,
    /// The platform.
    pub platform: Platform,
    /// iPhones, iPads and iPod touches (every mode), in bus order.
    pub devices: Vec<AppleDevice>,
    /// How many other USB devices (hubs included) were seen.
    pub other_devices: usize,
}

/// Identifies every iPhone/iPad/iPod touch in an inventory.
pub fn scan_inventory(source: String, inv: &Inventory) -> Scan {
    let mut devices = Vec::new();
    let mut other = 0;
    for d in &inv.devices {
        if d.vendor_id.0 == APPLE_VENDOR_ID && mode_for_product(d.product_id.0).is_ios_device() {
            devices.push(identify(inv, d));
        } else {
            other += 1;
        }
    }
    Scan {
        source,
        platform: inv.platform,
        devices,
        other_devices: other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::Bus;

    fn apple(pid: u16, chain: &[u8], serial: Option<&str>, product: &str) -> UsbDevice {
        UsbDevice {
            bus_id: "1".into(),
            port_chain: chain.to_vec(),
            vendor_id: UsbId(0x05AC),
            product_id: UsbId(pid),
            class: 0,
            manufacturer: Some("Apple Inc.".into()),
            product: Some(product.into()),
            serial: serial.map(str::to_string),
            nonce: None,
            speed: Some(Speed::High),
            driver: None,
            instance_id: None,
            access: Access::Unchecked,
        }
    }

    fn inv(devices: Vec<UsbDevice>) -> Inventory {
        Inventory {
            platform: Platform::Linux,
            buses: vec![Bus {
                bus_id: "1".into(),
                controller: Some("xHCI".into()),
                name: None,
            }],
            devices,
        }
    }

    #[test]
    fn dfu_device_is_identified_by_chip_and_board() {
        let i = inv(vec![apple(
            0x1227,
            &[3],
            Some(
                "CPID:8010 CPRV:11 CPFM:03 SCEP:01 BDID:0C ECID:001A2B3C4D5E6F26 IBFL:3C SRTG:[iBoot-2696.0.0.1.33]",
            ),
            "Apple Mobile Device (DFU Mode)",
        )]);
        let s = scan_inventory("t".into(), &i);
        let d = &s.devices[0];
        assert_eq!(d.mode, Mode::Dfu);
        let expect = devices::by_chip_board(0x8010, 0x0C);
        assert_eq!(
            d.model.as_ref().unwrap().product_type,
            expect[0].product_type
        );
        assert_eq!(d.ecid.as_deref(), Some("0x001A2B3C4D5E6F26"));
        assert_eq!(d.controller.as_deref(), Some("xHCI"));
        assert_eq!(d.dfu_family(), Some(expect[0].dfu_family.as_str()));
    }

    #[test]
    fn normal_mode_uses_udid_chip_and_product_family() {
        let i = inv(vec![apple(
            0x12A8,
            &[1],
            Some("00008030-001A2B3C4D5E6F26"),
            "iPhone",
        )]);
        let d = &scan_inventory("t".into(), &i).devices[0];
        assert_eq!(d.mode, Mode::Normal);
        assert_eq!(d.cpid.as_deref(), Some("0x8030"));
        assert!(d.model.is_none());
        assert!(d.candidates.len() > 1);
        assert!(
            d.candidates
                .iter()
                .all(|c| c.product_type.starts_with("iPhone"))
        );
        assert_eq!(d.dfu_family(), Some("vol_up_down_side"));
    }

    #[test]
    fn non_device_apple_products_are_not_listed() {
        let mut kb = apple(0x024F, &[2], None, "Apple Keyboard");
        kb.class = 0;
        let s = scan_inventory("t".into(), &inv(vec![kb]));
        assert!(s.devices.is_empty());
        assert_eq!(s.other_devices, 1);
    }
}
