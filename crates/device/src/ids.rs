//! Apple USB product ids and the device mode each one means (embedded `usb_ids.json`).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::OnceLock;

const USB_IDS_JSON: &str = include_str!("../../catalog/data/usb_ids.json");

/// Apple's USB vendor id.
pub const APPLE_VENDOR_ID: u16 = 0x05AC;

/// What an Apple device on USB is doing, read from its product id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// iBoot Recovery mode (computer-and-cable screen).
    Recovery,
    /// SecureROM DFU mode (black screen).
    Dfu,
    /// The S5L8900 "WTF" stage that precedes DFU on the first devices.
    Wtf,
    /// Port DFU (handled like DFU).
    PortDfu,
    /// DFU through the debug USB interface (KIS).
    Kis,
    /// DFU after a bootrom exploit (checkra1n-style).
    PwnedDfu,
    /// Booted normally (or running the restore ramdisk), speaking usbmux.
    Normal,
    /// An Apple-silicon Mac in restore mode.
    MacRestore,
    /// An Apple T2 coprocessor (Mac).
    T2,
    /// Some other Apple USB product (keyboard, hub, adapter…).
    Other,
}

impl Mode {
    /// The snake_case id used in JSON and data files.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Recovery => "recovery",
            Mode::Dfu => "dfu",
            Mode::Wtf => "wtf",
            Mode::PortDfu => "port_dfu",
            Mode::Kis => "kis",
            Mode::PwnedDfu => "pwned_dfu",
            Mode::Normal => "normal",
            Mode::MacRestore => "mac_restore",
            Mode::T2 => "t2",
            Mode::Other => "other",
        }
    }

    /// A human label, e.g. `DFU mode`.
    pub fn label(self) -> &'static str {
        match self {
            Mode::Recovery => "Recovery mode",
            Mode::Dfu => "DFU mode",
            Mode::Wtf => "WTF mode (first step of DFU on the oldest devices)",
            Mode::PortDfu => "Port DFU mode",
            Mode::Kis => "DFU over debug USB (KIS)",
            Mode::PwnedDfu => "exploited (pwned) DFU mode",
            Mode::Normal => "normal mode (booted, or restore ramdisk)",
            Mode::MacRestore => "Mac restore mode",
            Mode::T2 => "Apple T2 coprocessor",
            Mode::Other => "not an iPhone/iPad mode",
        }
    }

    /// DFU-like modes: the SecureROM answers, iBoot never ran.
    pub fn is_dfu_like(self) -> bool {
        matches!(
            self,
            Mode::Dfu | Mode::Wtf | Mode::PortDfu | Mode::Kis | Mode::PwnedDfu
        )
    }

    /// Modes in which the USB serial string carries the CPID/BDID/ECID fields.
    pub fn has_iboot_serial(self) -> bool {
        self.is_dfu_like() || self == Mode::Recovery
    }

    /// Modes an iPhone, iPad or iPod touch can be in (anything but Macs and other products).
    pub fn is_ios_device(self) -> bool {
        !matches!(self, Mode::MacRestore | Mode::T2 | Mode::Other)
    }

    fn from_key(key: &str) -> Option<Mode> {
        Some(match key {
            "recovery" => Mode::Recovery,
            "dfu" => Mode::Dfu,
            "wtf" => Mode::Wtf,
            "port_dfu" => Mode::PortDfu,
            "kis" => Mode::Kis,
            "checkra1n_pwned_dfu" => Mode::PwnedDfu,
            "normal_usbmux" => Mode::Normal,
            "apple_silicon_restore" => Mode::MacRestore,
            "t2_coprocessor" => Mode::T2,
            _ => return None,
        })
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Deserialize)]
struct UsbIdsFile {
    vendor_id: String,
    modes: Vec<ModeRow>,
}

#[derive(Deserialize)]
struct ModeRow {
    mode: String,
    #[serde(default)]
    product_ids: Vec<String>,
    #[serde(default)]
    product_id_range: Option<[String; 2]>,
}

/// One product-id range of the embedded table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModeRange {
    /// The mode.
    pub mode: Mode,
    /// First product id.
    pub low: u16,
    /// Last product id (inclusive).
    pub high: u16,
}

/// Parses `0x05AC`, `05ac` or `05AC` as a 16-bit hex id.
pub fn parse_hex_u16(s: &str) -> Option<u16> {
    let t = s.trim();
    let t = t
        .strip_prefix("0x")
        .or_else(|| t.strip_prefix("0X"))
        .unwrap_or(t);
    if t.is_empty() || t.len() > 4 {
        return None;
    }
    u16::from_str_radix(t, 16).ok()
}

fn load() -> (u16, Vec<ModeRange>) {
    let file: UsbIdsFile =
        serde_json::from_str(USB_IDS_JSON).expect("usb_ids.json is validated by tests");
    let vendor = parse_hex_u16(&file.vendor_id).expect("usb_ids.json vendor id is hex");
    let mut ranges = Vec::new();
    for row in file.modes {
        let mode = Mode::from_key(&row.mode).expect("usb_ids.json mode keys are known");
        for id in &row.product_ids {
            let pid = parse_hex_u16(id).expect("usb_ids.json product ids are hex");
            ranges.push(ModeRange {
                mode,
                low: pid,
                high: pid,
            });
        }
        if let Some([lo, hi]) = &row.product_id_range {
            ranges.push(ModeRange {
                mode,
                low: parse_hex_u16(lo).expect("hex range"),
                high: parse_hex_u16(hi).expect("hex range"),
            });
        }
    }
    (vendor, ranges)
}

fn table() -> &'static (u16, Vec<ModeRange>) {
    static T: OnceLock<(u16, Vec<ModeRange>)> = OnceLock::new();
    T.get_or_init(load)
}

/// Every product-id range in the embedded table.
pub fn mode_ranges() -> &'static [ModeRange] {
    &table().1
}

/// The vendor id the data file names (Apple's).
pub fn vendor_id() -> u16 {
    table().0
}

/// The mode an Apple device with this product id is in (`Other` when the id is not a device mode).
pub fn mode_for_product(product_id: u16) -> Mode {
    mode_ranges()
        .iter()
        .find(|r| (r.low..=r.high).contains(&product_id))
        .map_or(Mode::Other, |r| r.mode)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_loads_with_every_mode() {
        assert_eq!(vendor_id(), APPLE_VENDOR_ID);
        for key in [
            "recovery",
            "dfu",
            "wtf",
            "port_dfu",
            "kis",
            "checkra1n_pwned_dfu",
            "normal_usbmux",
            "apple_silicon_restore",
            "t2_coprocessor",
        ] {
            let m = Mode::from_key(key).unwrap();
            assert!(mode_ranges().iter().any(|r| r.mode == m), "{key}");
        }
    }

    #[test]
    fn product_ids_map_to_modes() {
        assert_eq!(mode_for_product(0x1227), Mode::Dfu);
        assert_eq!(mode_for_product(0x1281), Mode::Recovery);
        assert_eq!(mode_for_product(0x1283), Mode::Recovery);
        assert_eq!(mode_for_product(0x1284), Mode::Other);
        assert_eq!(mode_for_product(0x12A8), Mode::Normal);
        assert_eq!(mode_for_product(0x12AF), Mode::Normal);
        assert_eq!(mode_for_product(0x12B0), Mode::Other);
        assert_eq!(mode_for_product(0x1222), Mode::Wtf);
        assert_eq!(mode_for_product(0xF014), Mode::PortDfu);
        assert_eq!(mode_for_product(0x024F), Mode::Other);
    }

    #[test]
    fn ranges_do_not_overlap() {
        let r = mode_ranges();
        for (i, a) in r.iter().enumerate() {
            assert!(a.low <= a.high);
            for b in &r[i + 1..] {
                assert!(a.high < b.low || b.high < a.low, "{a:?} overlaps {b:?}");
            }
        }
    }

    #[test]
    fn hex_ids_parse_leniently() {
        assert_eq!(parse_hex_u16("0x05AC"), Some(0x05AC));
        assert_eq!(parse_hex_u16("05ac"), Some(0x05AC));
        assert_eq!(parse_hex_u16(""), None);
        assert_eq!(parse_hex_u16("0x"), None);
        assert_eq!(parse_hex_u16("12345"), None);
        assert_eq!(parse_hex_u16("zz"), None);
    }
}
