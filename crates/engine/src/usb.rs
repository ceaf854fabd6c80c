//! Where USB devices are read from, and the one policy for a bus that cannot be read: a
//! recorded fixture that cannot be loaded is bad input ([`EngineError::Usage`]); a system that
//! shows no USB is the finding `usb.presence.unavailable` (built by
//! [`rd_device::findings::bus_error_finding`]), the same in `checkup`, `devices`, `dfu` and the web.

use crate::EngineError;
use rd_device::identify::{Scan, scan_inventory};
use rd_device::{BusError, FakeBus, NusbBus, UsbBus};
use rd_model::Finding;
use std::path::PathBuf;

/// Where USB devices are read from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UsbSource {
    /// A recorded inventory or hot-plug sequence to replay instead of the real bus.
    pub fixture: Option<PathBuf>,
    /// usbmuxd's address for booted devices' details (`ip:port`, or a socket path on Unix), as
    /// the program read it from `USBMUXD_SOCKET_ADDRESS`; `None`: the platform's default.
    pub usbmuxd: Option<String>,
}

impl UsbSource {
    /// The bus replayed from a recorded inventory (tests, support, demos).
    pub fn fixture(path: impl Into<PathBuf>) -> UsbSource {
        UsbSource {
            fixture: Some(path.into()),
            usbmuxd: None,
        }
    }

    /// Opens the bus (blocking: a fixture is read from disk).
    pub fn open(&self) -> Result<Box<dyn UsbBus>, EngineError> {
        match &self.fixture {
            Some(path) => FakeBus::load(path)
                .map(|b| Box::new(b) as Box<dyn UsbBus>)
                .map_err(|e| EngineError::Usage(e.to_string())),
            None => Ok(Box::new(NusbBus::new())),
        }
    }

    /// True when the real bus is read (then booted devices may be asked about over usbmuxd).
    pub fn is_real(&self) -> bool {
        self.fixture.is_none()
    }
}

/// One look at the bus: what it shows, or the finding saying it cannot be read here.
#[derive(Debug, Clone)]
pub enum BusLook {
    /// The devices seen.
    Seen(Scan),
    /// The bus cannot be read on this system.
    Unreadable(Finding),
}

/// Looks at the bus once (blocking).
pub fn look(bus: &dyn UsbBus) -> Result<BusLook, EngineError> {
    match bus.enumerate() {
        Ok(inv) => Ok(BusLook::Seen(scan_inventory(bus.source(), &inv))),
        Err(e @ BusError::Fixture { .. }) => Err(EngineError::Usage(e.to_string())),
        Err(e) => Ok(BusLook::Unreadable(rd_device::findings::bus_error_finding(
            &e,
        ))),
    }
}
