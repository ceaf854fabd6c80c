//! The USB layer behind a small trait: a real one over nusb, a fake one replaying fixtures.

use crate::inventory::Inventory;

/// Environment variable naming a fixture file to use instead of the real USB bus.
pub const FAKE_USB_ENV: &str = "RESTORE_DOCTOR_FAKE_USB";

/// Why the bus could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BusError {
    /// This system shows no USB at all (container, VM without passthrough, sandbox).
    #[error("cannot see USB devices here: {0}")]
    Unavailable(String),
    /// A fixture file could not be read or parsed.
    #[error("USB fixture {path}: {reason}")]
    Fixture {
        /// The file.
        path: String,
        /// What was wrong.
        reason: String,
    },
}

/// Anything that can list USB devices.
pub trait UsbBus {
    /// Where the inventory comes from, e.g. `nusb (linux)` or `fixture two_hubs.json`.
    fn source(&self) -> String;

    /// Lists every device now.
    fn enumerate(&self) -> Result<Inventory, BusError>;

    /// Lists again for hot-plug watching: the fake bus advances its recorded sequence by one
    /// step per call; the real bus simply lists again.
    fn poll(&self) -> Result<Inventory, BusError> {
        self.enumerate()
    }
}

/// The bus to use: the recorded inventory `fixture` names, else the real one (the CLI turns
/// `--usb-fixture` or `RESTORE_DOCTOR_FAKE_USB` into `fixture`). A fixture that cannot be loaded
/// is an error (exit 2 in the CLI), not a silent fallback.
pub fn open_bus(fixture: Option<&std::path::Path>) -> Result<Box<dyn UsbBus>, BusError> {
    match fixture {
        Some(path) => Ok(Box::new(crate::fake::FakeBus::load(path)?)),
        None => Ok(Box::new(crate::real::NusbBus::new())),
    }
}
