//! Shared test helpers.

pub mod server;
