//! What sits between a device and the computer: hub kinds and Windows drivers
//! (embedded `data/usb_paths.toml`).

use crate::inventory::{Inventory, UsbDevice};
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// A kind of hub built into other equipment.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HubKind {
    /// Stable id (`keyboard`, `monitor`, `dock`).
    pub id: String,
    /// Human label.
    pub label: String,
    /// Words that reveal it, lower case.
    pub words: Vec<String>,
    /// Why it matters.
    pub why: String,
}

/// How restore-doctor judges a Windows driver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DriverKind {
    /// Apple's usual driver.
    Apple,
    /// Apple's Recovery (iBoot) driver.
    AppleRecovery,
    /// Apple's DFU driver.
    AppleDfu,
    /// Windows' composite parent.
    Composite,
    /// A generic replacement driver (WinUSB, libusbK, libusb0).
    Replacement,
}

/// One known driver.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DriverDef {
    /// Lower-case text to find in the service name or description.
    pub pattern: String,
    /// What it is.
    pub kind: DriverKind,
    /// Human name.
    pub name: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PathsFile {
    hub_kind: Vec<HubKind>,
    driver: Vec<DriverDef>,
}

fn file() -> &'static PathsFile {
    static F: OnceLock<PathsFile> = OnceLock::new();
    F.get_or_init(|| {
        toml::from_str(include_str!("../data/usb_paths.toml"))
            .expect("usb_paths.toml is validated by tests")
    })
}

/// Every hub kind, in match order.
pub fn hub_kinds() -> &'static [HubKind] {
    &file().hub_kind
}

/// Every known Windows driver, in match order.
pub fn drivers() -> &'static [DriverDef] {
    &file().driver
}

/// The known driver whose pattern occurs in `driver` (case-insensitive).
pub fn classify_driver(driver: &str) -> Option<&'static DriverDef> {
    let d = driver.to_ascii_lowercase();
    drivers().iter().find(|def| d.contains(&def.pattern))
}

/// A hub between a device and the computer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HubInfo {
    /// Where it is (`bus 1, port 2`).
    pub location: String,
    /// Its name as the OS reports it.
    pub name: String,
    /// `keyboard`, `monitor` or `dock` when recognised.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Label for the kind (`keyboard hub`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind_label: Option<String>,
    /// The other devices on it that gave the kind away, if any.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub shares_with: Vec<String>,
}

impl HubInfo {
    /// Its name with the kind when recognised: `Dell U2720Q Monitor Hub (monitor hub)`.
    pub fn display_name(&self) -> String {
        match &self.kind_label {
            Some(k) => format!("{} ({k})", self.name),
            None => self.name.clone(),
        }
    }
}

/// The hub chain as one line: `A (monitor hub) → B (keyboard hub)`.
pub fn hub_chain_text(hubs: &[HubInfo]) -> String {
    hubs.iter()
        .map(HubInfo::display_name)
        .collect::<Vec<_>>()
        .join(" → ")
}

fn words_of(d: &UsbDevice) -> String {
    let mut s = String::new();
    for part in [&d.manufacturer, &d.product].into_iter().flatten() {
        s.push_str(&part.to_ascii_lowercase());
        s.push(' ');
    }
    s
}

/// The kind of a hub, from its own strings first, then from what else is plugged into it.
pub fn hub_kind(
    inv: &Inventory,
    hub: &UsbDevice,
    exclude: &UsbDevice,
) -> (Option<&'static HubKind>, Vec<String>) {
    let own = words_of(hub);
    if let Some(k) = hub_kinds()
        .iter()
        .find(|k| k.words.iter().any(|w| own.contains(w.as_str())))
    {
        return (Some(k), Vec::new());
    }
    for child in inv
        .children_of(hub)
        .filter(|c| *c != exclude && !c.is_hub())
    {
        let w = words_of(child);
        if let Some(k) = hub_kinds()
            .iter()
            .find(|k| k.words.iter().any(|x| w.contains(x.as_str())))
        {
            return (Some(k), vec![child.display_name()]);
        }
    }
    (None, Vec::new())
}

/// Hubs between `dev` and the computer, named and classified.
pub fn hub_chain(inv: &Inventory, dev: &UsbDevice) -> Vec<HubInfo> {
    inv.hubs_above(dev)
        .into_iter()
        .map(|hub| {
            let (kind, shares_with) = hub_kind(inv, hub, dev);
            HubInfo {
                location: hub.location(),
                name: hub.display_name(),
                kind: kind.map(|k| k.id.clone()),
                kind_label: kind.map(|k| k.label.clone()),
                shares_with,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_is_well_formed() {
        assert!(!hub_kinds().is_empty());
        for k in hub_kinds() {
            assert!(!k.words.is_empty(), "{}", k.id);
            for w in &k.words {
                assert_eq!(w, &w.to_ascii_lowercase(), "{}: words are lower case", k.id);
            }
        }
        for d in drivers() {
            assert_eq!(d.pattern, d.pattern.to_ascii_lowercase());
            assert!(!d.name.is_empty());
        }
    }

    #[test]
    fn drivers_classify_by_service_or_description() {
        assert_eq!(
            classify_driver("USBAAPL64").unwrap().kind,
            DriverKind::Apple
        );
        assert_eq!(
            classify_driver("Apple Recovery (iBoot) USB Composite Device")
                .unwrap()
                .kind,
            DriverKind::AppleRecovery
        );
        assert_eq!(
            classify_driver("WinUSB").unwrap().kind,
            DriverKind::Replacement
        );
        assert_eq!(
            classify_driver("libusbK").unwrap().kind,
            DriverKind::Replacement
        );
        assert!(classify_driver("HidUsb").is_none());
    }
}
