//! All of cli's integration tests in one binary (one link instead of 18).

mod catalog;
mod checkup;
mod checkup_ipsw;
mod common;
mod devices;
mod dfu;
mod dfu_tty;
mod error;
mod history;
mod host_software;
mod ipsw;
mod ipsw_get;
mod log;
mod logs;
mod network;
mod report;
mod schema;
mod signed;
mod watch;
