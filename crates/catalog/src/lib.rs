//! Embedded catalogs: the device table (every iPhone, iPad, iPod touch, Apple TV, HomePod and
//! Watch with its chip/board ids, variant and DFU family) and the firmware catalog (every restore
//! IPSW with its hashes, in a compact form generated at build time).

pub mod devices;
pub mod firmware;

pub use devices::{Device, DeviceQueryError, devices};
