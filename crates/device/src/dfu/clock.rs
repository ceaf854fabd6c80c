//! Time for the helper: the real clock (optionally sped up for terminal tests) or a fake one
//! that only advances when the helper sleeps, so tests never wait.

use std::cell::Cell;
use std::time::{Duration, Instant};

/// A source of time the helper can sleep on.
pub trait Clock {
    /// Time since the clock started (in the helper's own time).
    fn now(&self) -> Duration;
    /// Waits for `d` (helper time).
    fn sleep(&self, d: Duration);
}

/// The wall clock, optionally running `speedup` times faster.
#[derive(Debug)]
pub struct SystemClock {
    start: Instant,
    speedup: u32,
}

impl SystemClock {
    /// Real time.
    pub fn new() -> SystemClock {
        SystemClock::sped_up(1)
    }

    /// Time running `speedup` times faster than real (1 = real time).
    pub fn sped_up(speedup: u32) -> SystemClock {
        SystemClock {
            start: Instant::now(),
            speedup: speedup.max(1),
        }
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        SystemClock::new()
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Duration {
        self.start.elapsed() * self.speedup
    }

    fn sleep(&self, d: Duration) {
        std::thread::sleep(d / self.speedup);
    }
}

/// A clock that advances only when slept on.
#[derive(Debug, Default)]
pub struct FakeClock {
    now: Cell<Duration>,
}

impl FakeClock {
    /// A fake clock at zero.
    pub fn new() -> FakeClock {
        FakeClock::default()
    }
}

impl Clock for FakeClock {
    fn now(&self) -> Duration {
        self.now.get()
    }

    fn sleep(&self, d: Duration) {
        self.now.set(self.now.get() + d);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fake_clock_advances_only_on_sleep() {
        let c = FakeClock::new();
        assert_eq!(c.now(), Duration::ZERO);
        c.sleep(Duration::from_millis(250));
        c.sleep(Duration::from_millis(250));
        assert_eq!(c.now(), Duration::from_millis(500));
    }

    #[test]
    fn sped_up_clock_scales_time() {
        let c = SystemClock::sped_up(1000);
        c.sleep(Duration::from_secs(1));
        assert!(c.now() >= Duration::from_secs(1));
    }
}
