//! Apple devices on USB for restore-doctor: which mode each one is in (normal, Recovery, DFU…),
//! what the iBoot/SecureROM serial string says (CPID, BDID, ECID, nonces), which model that is,
//! how it is connected (speed, hubs, controller, Windows driver), findings about all that, and
//! a guided, timed Recovery/DFU helper that watches the bus for the mode change.

#![warn(missing_docs)]

pub mod bus;
pub mod dfu;
pub mod fake;
pub mod finding_ids;
pub mod findings;
pub mod identify;
pub mod ids;
pub mod instance_id;
pub mod inventory;
#[cfg(feature = "lockdown")]
pub mod lockdown;
pub mod paths;
pub mod real;
pub mod serial;
pub mod watch;

pub use bus::{BusError, FAKE_USB_ENV, UsbBus, open_bus};
pub use fake::FakeBus;
pub use findings::{ModeNeed, UsbCheckOptions, usb_findings};
pub use identify::{AppleDevice, Scan, scan_inventory};
pub use ids::{Mode, mode_for_product};
pub use instance_id::InstanceId;
pub use inventory::{Inventory, Speed, UsbDevice};
pub use real::NusbBus;
pub use serial::SerialInfo;
