//! The hidden `--usb-fixture` and `--clock` options shared by every command that reads the USB
//! bus. The environment is read here, by clap, and nowhere in the libraries.

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
    /// The engine's view of where USB is read from. The bare command (`restore-doctor` with no
    /// subcommand runs the checkup) parses no flags, so the variable is read here too.
    pub fn source(&self) -> rd_engine::UsbSource {
        rd_engine::UsbSource {
            fixture: self.usb_fixture.clone().or_else(fixture_from_env),
        }
    }
}

/// The recorded USB inventory `RESTORE_DOCTOR_FAKE_USB` names, if set: read here, since the
/// libraries read no environment.
pub fn fixture_from_env() -> Option<PathBuf> {
    std::env::var_os(rd_device::FAKE_USB_ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}
