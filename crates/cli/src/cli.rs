//! Command-line definition.

use crate::cmd;
use clap::{Parser, Subcommand};

/// Tells why an iPhone, iPad or iPod touch failed to restore, and checks the computer, USB path,
/// firmware and device before a restore.
#[derive(Debug, Parser)]
#[command(
    name = "restore-doctor",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    /// When to use colour (also honours NO_COLOR and CLICOLOR_FORCE).
    #[command(flatten)]
    pub color: colorchoice_clap::Color,

    /// Mask ECID, serial number, IMEI and UDID in the output, for sharing it.
    #[arg(long, global = true)]
    pub redact: bool,

    /// Do not record this run in the attempt history.
    #[arg(long, global = true)]
    pub no_history: bool,

    /// What to do; `checkup` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Every subcommand.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check this computer before a restore: internet, Apple's servers, DNS, hosts file, TLS interception, proxy, USB
    Checkup(cmd::checkup::Args),
    /// Explain a restore error number or message ("4013", "0xE8000015", a pasted dialog)
    Error(cmd::error::Args),
    /// List the known restore errors, optionally one family
    Errors(cmd::errors::Args),
    /// Diagnose restore logs: failed stage, cause, evidence lines, remedies
    Log(cmd::log::Args),
    /// List the restore logs on this computer, newest first (Finder, iTunes, Apple Devices, FutureRestore-GUI)
    Logs(cmd::logs::Args),
    /// Inspect an IPSW: right for this device? intact? (local file or URL)
    Ipsw(cmd::ipsw::Args),
    /// Is a build still signed for a device? (ipsw.me and Apple's TSS)
    Signed(cmd::signed::Args),
    /// Show or refresh the firmware catalog
    Catalog(cmd::catalog::Args),
    /// List connected Apple devices: mode, model, ECID, speed, hubs
    Devices(cmd::devices::Args),
    /// Guided, timed Recovery/DFU mode helper that watches the device change mode
    Dfu(cmd::dfu::Args),
    /// Serve the local web page and JSON API (http://127.0.0.1:7420/)
    Serve(cmd::serve::Args),
    /// Follow restores live: USB mode changes and the growing restore log; diagnose a failure at once
    Watch(cmd::watch::Args),
    /// Show the restore attempts recorded per device
    History(cmd::history::Args),
    /// Write one shareable file: checkup, devices, newest log's diagnosis, attempt history
    Report(cmd::report::Args),
    /// Print shell completions
    Completions(cmd::completions::Args),
    /// Print the man page (roff)
    Man,
}
