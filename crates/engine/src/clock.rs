//! Which clock the timed helpers (DFU countdowns, `devices --watch`) run on. The surfaces
//! choose it (the CLI from `--clock`/`RESTORE_DOCTOR_CLOCK`, the web from its state) and pass it
//! in, so tests and demos can run the helper instantly without the engine reading the environment.

use rd_device::dfu::clock::{Clock, FakeClock, SystemClock};
use std::str::FromStr;

/// The clock to run timed helpers on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ClockChoice {
    /// Real time.
    #[default]
    Real,
    /// Never sleeps: time advances only when the helper waits (tests, demos).
    Fake,
    /// Real time running N times faster (terminal tests).
    SpedUp(u32),
}

impl ClockChoice {
    /// A fresh clock of this kind, starting at zero.
    pub fn start(self) -> Box<dyn Clock> {
        match self {
            ClockChoice::Real => Box::new(SystemClock::new()),
            ClockChoice::Fake => Box::new(FakeClock::new()),
            ClockChoice::SpedUp(n) => Box::new(SystemClock::sped_up(n)),
        }
    }
}

impl FromStr for ClockChoice {
    type Err = String;

    /// `real` (or empty), `fake`, or `xN` for N times faster.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "" | "real" => Ok(ClockChoice::Real),
            "fake" => Ok(ClockChoice::Fake),
            other => other
                .strip_prefix('x')
                .and_then(|n| n.parse::<u32>().ok())
                .filter(|n| *n >= 1)
                .map(ClockChoice::SpedUp)
                .ok_or_else(|| {
                    format!("clock '{other}': expected real, fake or xN (N times faster)")
                }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_form_and_refuses_others() {
        assert_eq!("".parse(), Ok(ClockChoice::Real));
        assert_eq!("fake".parse(), Ok(ClockChoice::Fake));
        assert_eq!("x20".parse(), Ok(ClockChoice::SpedUp(20)));
        assert!("x0".parse::<ClockChoice>().is_err());
        assert!("slow".parse::<ClockChoice>().is_err());
    }

    #[test]
    fn fake_clock_does_not_wait() {
        let c = ClockChoice::Fake.start();
        c.sleep(std::time::Duration::from_secs(3600));
        assert_eq!(c.now(), std::time::Duration::from_secs(3600));
    }
}
