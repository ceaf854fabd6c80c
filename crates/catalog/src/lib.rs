//! Embedded catalogs: the device table (every iPhone, iPad, iPod touch, Apple TV, HomePod and
//! Watch with its chip/board ids, variant and DFU family).

pub mod devices;

pub use devices::{Device, DeviceQueryError, devices};
