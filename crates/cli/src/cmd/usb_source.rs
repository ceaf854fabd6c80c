//! The hidden `--usb-fixture` and `--clock` options shared by every command that reads the USB
//! bus. Their variables are read by clap (and, for the bare command, once at start-up into
//! [`crate::environment::Environment`]); nowhere in the libraries.

use std::path::PathBuf;

/// Where USB devices are read from, and which clock the timed helpers run on.
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

    /// Clock for countdowns and watching: real, fake (instant; tests, demos) or xN (N times faster)
    #[arg(
        long,
        value_name = "real|fake|xN",
        env = "RESTORE_DOCTOR_CLOCK",
        hide = true,
        default_value = "real",
        value_parser = parse_clock
    )]
    pub clock: rd_engine::ClockChoice,
}

fn parse_clock(s: &str) -> Result<rd_engine::ClockChoice, String> {
    s.parse()
}

impl UsbSource {
    /// The engine's view of where USB is read from: `--usb-fixture`, else what the environment
    /// named at start-up (the bare command, `restore-doctor` with no subcommand, parses no
    /// flags).
    pub fn source(&self, cx: &super::Context) -> rd_engine::UsbSource {
        rd_engine::UsbSource {
            fixture: self.usb_fixture.clone().or_else(|| cx.env.fake_usb.clone()),
            usbmuxd: cx.env.usbmuxd.clone(),
        }
    }
}

/// Where USB is read from for commands without these flags (`log` finding the connected
/// device, `ipsw get connected`): as the environment said at start-up.
pub fn from_env(cx: &super::Context) -> rd_engine::UsbSource {
    UsbSource::default().source(cx)
}
