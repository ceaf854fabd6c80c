//! What a USB bus shows: every device (hubs included) with ids, strings, speed and position.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// USB link speed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Speed {
    /// 1.5 Mbit/s.
    Low,
    /// 12 Mbit/s (USB 1.1).
    Full,
    /// 480 Mbit/s (USB 2.0).
    High,
    /// 5 Gbit/s (USB 3).
    Super,
    /// 10 Gbit/s or more.
    SuperPlus,
}

impl Speed {
    /// `480 Mbit/s (USB 2.0 high speed)`-style label.
    pub fn label(self) -> &'static str {
        match self {
            Speed::Low => "1.5 Mbit/s (low speed)",
            Speed::Full => "12 Mbit/s (USB 1.1 full speed)",
            Speed::High => "480 Mbit/s (USB 2.0 high speed)",
            Speed::Super => "5 Gbit/s (USB 3 SuperSpeed)",
            Speed::SuperPlus => "10 Gbit/s or more (SuperSpeed+)",
        }
    }

    /// Slower than USB 2.0 high speed.
    pub fn is_slow(self) -> bool {
        self < Speed::High
    }
}

/// Whether this user may open the device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// Opening works.
    Ok,
    /// The OS refused (Linux without a udev rule, for example).
    Denied,
    /// Not tried (other OSes, or no need).
    #[default]
    Unchecked,
}

/// The OS the inventory comes from (decides which checks apply, e.g. Windows drivers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Platform {
    /// Linux (sysfs/usbfs).
    Linux,
    /// macOS (IOKit).
    Macos,
    /// Windows (SetupAPI/WinUSB).
    Windows,
    /// Anything else.
    Other,
}

impl Platform {
    /// The platform this program runs on.
    pub fn current() -> Platform {
        if cfg!(target_os = "linux") {
            Platform::Linux
        } else if cfg!(target_os = "macos") {
            Platform::Macos
        } else if cfg!(target_os = "windows") {
            Platform::Windows
        } else {
            Platform::Other
        }
    }
}

/// A 16-bit USB id written as `0x05AC` in JSON (also read from a bare number or `05ac`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UsbId(pub u16);

impl Serialize for UsbId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("0x{:04X}", self.0))
    }
}

impl<'de> Deserialize<'de> for UsbId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Num(u16),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Num(n) => Ok(UsbId(n)),
            Raw::Text(t) => crate::ids::parse_hex_u16(&t)
                .map(UsbId)
                .ok_or_else(|| serde::de::Error::custom(format!("bad USB id {t:?}"))),
        }
    }
}

impl fmt::Display for UsbId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{:04X}", self.0)
    }
}

/// One USB device as the OS lists it, without opening it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UsbDevice {
    /// Bus (controller) id as the OS names it.
    pub bus_id: String,
    /// Port numbers from the root hub down to the device (`[2, 1, 3]` = port 2, hub port 1, …).
    #[serde(default)]
    pub port_chain: Vec<u8>,
    /// Vendor id.
    pub vendor_id: UsbId,
    /// Product id.
    pub product_id: UsbId,
    /// Device class (9 = hub).
    #[serde(default)]
    pub class: u8,
    /// Manufacturer string, when the OS has it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manufacturer: Option<String>,
    /// Product string, when the OS has it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    /// Serial-number string (the iBoot identification string in DFU/Recovery).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial: Option<String>,
    /// The separate nonce string (`NONC:… SNON:…`), when it could be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// Link speed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speed: Option<Speed>,
    /// Bound driver (Windows service name or description).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub driver: Option<String>,
    /// Windows device instance id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<String>,
    /// Whether this user may open it.
    #[serde(default)]
    pub access: Access,
}

/// USB hub device class.
pub const HUB_CLASS: u8 = 9;

impl UsbDevice {
    /// True for hubs.
    pub fn is_hub(&self) -> bool {
        self.class == HUB_CLASS
    }

    /// `bus 1, port 2.1.3`.
    pub fn location(&self) -> String {
        if self.port_chain.is_empty() {
            return format!("bus {}", self.bus_id);
        }
        let ports: Vec<String> = self.port_chain.iter().map(u8::to_string).collect();
        format!("bus {}, port {}", self.bus_id, ports.join("."))
    }

    /// `Apple Inc. iPhone` or the ids when the OS gave no strings.
    pub fn display_name(&self) -> String {
        match (&self.manufacturer, &self.product) {
            (Some(m), Some(p)) if !p.contains(m.as_str()) => format!("{m} {p}"),
            (_, Some(p)) => p.clone(),
            (Some(m), None) => format!("{m} device {}:{}", self.vendor_id, self.product_id),
            (None, None) => format!("USB device {}:{}", self.vendor_id, self.product_id),
        }
    }
}

/// One USB bus / host controller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bus {
    /// Bus id, matching [`UsbDevice::bus_id`].
    pub bus_id: String,
    /// Controller type: `xHCI`, `EHCI`, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub controller: Option<String>,
    /// The OS's name for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl Bus {
    /// `xHCI (Intel USB 3.1 eXtensible Host Controller)`.
    pub fn describe(&self) -> String {
        match (&self.controller, &self.name) {
            (Some(c), Some(n)) => format!("{c} ({n})"),
            (Some(c), None) => c.clone(),
            (None, Some(n)) => n.clone(),
            (None, None) => format!("bus {}", self.bus_id),
        }
    }
}

/// Everything one look at the bus showed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inventory {
    /// Where it comes from.
    pub platform: Platform,
    /// Host controllers.
    #[serde(default)]
    pub buses: Vec<Bus>,
    /// Every device, hubs included (root hubs excluded).
    #[serde(default)]
    pub devices: Vec<UsbDevice>,
}

impl Inventory {
    /// The bus entry for a device, if listed.
    pub fn bus(&self, bus_id: &str) -> Option<&Bus> {
        self.buses.iter().find(|b| b.bus_id == bus_id)
    }

    /// Hubs between the root port and `dev`, nearest the computer first.
    pub fn hubs_above(&self, dev: &UsbDevice) -> Vec<&UsbDevice> {
        let n = dev.port_chain.len();
        (1..n)
            .filter_map(|len| {
                let prefix = &dev.port_chain[..len];
                self.devices
                    .iter()
                    .find(|d| d.bus_id == dev.bus_id && d.port_chain == prefix)
            })
            .collect()
    }

    /// Devices plugged directly into `hub` (not the hub itself).
    pub fn children_of<'a>(&'a self, hub: &'a UsbDevice) -> impl Iterator<Item = &'a UsbDevice> {
        self.devices.iter().filter(move |d| {
            d.bus_id == hub.bus_id
                && d.port_chain.len() == hub.port_chain.len() + 1
                && d.port_chain.starts_with(&hub.port_chain)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dev(chain: &[u8], class: u8, product: &str) -> UsbDevice {
        UsbDevice {
            bus_id: "1".into(),
            port_chain: chain.to_vec(),
            vendor_id: UsbId(0x05AC),
            product_id: UsbId(0x1227),
            class,
            manufacturer: None,
            product: Some(product.into()),
            serial: None,
            nonce: None,
            speed: None,
            driver: None,
            instance_id: None,
            access: Access::Unchecked,
        }
    }

    #[test]
    fn hubs_above_follow_the_port_chain() {
        let inv = Inventory {
            platform: Platform::Linux,
            buses: vec![],
            devices: vec![
                dev(&[2], 9, "outer hub"),
                dev(&[2, 4], 9, "inner hub"),
                dev(&[2, 4, 1], 0, "phone"),
                dev(&[3], 9, "unrelated hub"),
            ],
        };
        let phone = &inv.devices[2];
        let names: Vec<_> = inv
            .hubs_above(phone)
            .iter()
            .map(|h| h.product.clone().unwrap())
            .collect();
        assert_eq!(names, ["outer hub", "inner hub"]);
        assert_eq!(phone.location(), "bus 1, port 2.4.1");
        assert_eq!(inv.children_of(&inv.devices[1]).count(), 1);
        assert_eq!(inv.children_of(&inv.devices[0]).count(), 1);
    }

    #[test]
    fn usb_ids_read_numbers_and_hex_text() {
        let a: UsbId = serde_json::from_str("\"0x05ac\"").unwrap();
        let b: UsbId = serde_json::from_str("1452").unwrap();
        assert_eq!(a, b);
        assert_eq!(serde_json::to_string(&a).unwrap(), "\"0x05AC\"");
        assert!(serde_json::from_str::<UsbId>("\"xyz\"").is_err());
    }

    #[test]
    fn speeds_order_and_slowness() {
        assert!(Speed::Full.is_slow());
        assert!(!Speed::High.is_slow());
        assert!(Speed::Super > Speed::High);
    }
}
