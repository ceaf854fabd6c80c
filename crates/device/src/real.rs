//! The real bus, read with nusb (pure Rust; no libusb, no driver changes). Listing never opens
//! a device, except on Linux where each Apple device is opened once (and closed at once) to
//! learn whether this user may talk to it.

use crate::bus::{BusError, UsbBus};
use crate::ids::APPLE_VENDOR_ID;
use crate::inventory::{Access, Bus, Inventory, Platform, Speed, UsbDevice, UsbId};
use nusb::MaybeFuture;

/// The system's USB bus.
#[derive(Debug, Default)]
pub struct NusbBus;

impl NusbBus {
    /// A handle on the system bus (nothing is opened yet).
    pub fn new() -> NusbBus {
        NusbBus
    }
}

fn speed(s: Option<nusb::Speed>) -> Option<Speed> {
    Some(match s? {
        nusb::Speed::Low => Speed::Low,
        nusb::Speed::Full => Speed::Full,
        nusb::Speed::High => Speed::High,
        nusb::Speed::Super => Speed::Super,
        _ => Speed::SuperPlus,
    })
}

fn controller(t: nusb::UsbControllerType) -> &'static str {
    match t {
        nusb::UsbControllerType::XHCI => "xHCI",
        nusb::UsbControllerType::EHCI => "EHCI",
        nusb::UsbControllerType::OHCI => "OHCI",
        nusb::UsbControllerType::UHCI => "UHCI",
        _ => "virtual (VHCI)",
    }
}

fn unavailable_reason(err: &nusb::Error) -> String {
    if cfg!(target_os = "linux") && !std::path::Path::new("/sys/bus/usb").exists() {
        "this system has no USB subsystem (/sys/bus/usb is missing), as in a container, WSL or a VM without USB passthrough".to_string()
    } else {
        format!("the OS refused to list USB devices ({err})")
    }
}

fn access(info: &nusb::DeviceInfo) -> Access {
    if !cfg!(target_os = "linux") || info.vendor_id() != APPLE_VENDOR_ID {
        return Access::Unchecked;
    }
    match info.open().wait() {
        Ok(_device) => Access::Ok,
        Err(e) if e.kind() == nusb::ErrorKind::PermissionDenied => Access::Denied,
        Err(_) => Access::Unchecked,
    }
}

#[cfg(target_os = "windows")]
fn windows_fields(info: &nusb::DeviceInfo) -> (Option<String>, Option<String>) {
    (
        info.driver().map(str::to_string),
        Some(info.instance_id().to_string_lossy().into_owned()),
    )
}

#[cfg(not(target_os = "windows"))]
fn windows_fields(_info: &nusb::DeviceInfo) -> (Option<String>, Option<String>) {
    (None, None)
}

fn convert(info: &nusb::DeviceInfo) -> UsbDevice {
    let (driver, instance_id) = windows_fields(info);
    UsbDevice {
        bus_id: info.bus_id().to_string(),
        port_chain: info.port_chain().to_vec(),
        vendor_id: UsbId(info.vendor_id()),
        product_id: UsbId(info.product_id()),
        class: info.class(),
        manufacturer: info.manufacturer_string().map(str::to_string),
        product: info.product_string().map(str::to_string),
        serial: info.serial_number().map(str::to_string),
        nonce: None,
        speed: speed(info.speed()),
        driver,
        instance_id,
        access: access(info),
    }
}

impl UsbBus for NusbBus {
    fn source(&self) -> String {
        format!("nusb ({})", std::env::consts::OS)
    }

    fn enumerate(&self) -> Result<Inventory, BusError> {
        let list = nusb::list_devices()
            .wait()
            .map_err(|e| BusError::Unavailable(unavailable_reason(&e)))?;
        let devices: Vec<UsbDevice> = list.map(|i| convert(&i)).collect();
        let buses = nusb::list_buses()
            .wait()
            .map(|it| {
                it.map(|b| Bus {
                    bus_id: b.bus_id().to_string(),
                    controller: b.controller_type().map(|t| controller(t).to_string()),
                    name: b.system_name().map(str::to_string),
                })
                .collect()
            })
            .unwrap_or_default();
        Ok(Inventory {
            platform: Platform::current(),
            buses,
            devices,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_bus_lists_or_says_why_not() {
        // On a machine with USB this lists devices; in a container it must be `Unavailable`
        // with a reason, never a panic.
        match NusbBus::new().enumerate() {
            Ok(inv) => assert_eq!(inv.platform, Platform::current()),
            Err(BusError::Unavailable(reason)) => assert!(!reason.is_empty()),
            Err(other) => panic!("unexpected error kind: {other}"),
        }
    }
}
