//! The hidden `--usb-fixture` option shared by every command that reads the USB bus.

use std::path::PathBuf;

/// Where USB devices are read from.
#[derive(Debug, Default, Clone, clap::Args)]
pub struct UsbSource {
    /// Replay a recorded USB inventory or hot-plug sequence (JSON/TOML fixture) instead of the
    /// real bus (tests, support, demos)
    #[arg(
        long,
        value_name = "FILE",
        env = "RESTORE_DOCTOR_FAKE_USB",
        hide = true
    )]
    pub usb_fixture: Option<PathBuf>,
}
