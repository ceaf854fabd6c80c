//! The guided helper: walks a [`Plan`] step by step with countdowns, polls the bus every
//! 250 ms, and stops the moment the device shows up in the target mode, or boots normally.

use super::clock::Clock;
use super::{Plan, PlanStep, StepKind, Target};
use crate::bus::UsbBus;
use crate::identify::{AppleDevice, scan_inventory};
use crate::ids::Mode;
use serde::Serialize;
use std::time::Duration;

/// How often the bus is polled.
pub const POLL_INTERVAL: Duration = Duration::from_millis(250);

/// The device being watched.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Watched {
    /// Its ECID, when known (DFU/Recovery strings and new-style UDIDs carry it).
    pub ecid: Option<u64>,
    /// Its mode when the attempt started (None: not connected).
    pub start_mode: Option<Mode>,
    /// Its name.
    pub name: Option<String>,
}

impl Watched {
    /// Watches this device.
    pub fn device(d: &AppleDevice) -> Watched {
        Watched {
            ecid: d.ecid_value(),
            start_mode: Some(d.mode),
            name: Some(d.name()),
        }
    }

    fn matches(&self, d: &AppleDevice) -> bool {
        match (self.ecid, d.ecid_value()) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        }
    }
}

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// The device was already in the target mode.
    AlreadyThere {
        /// Its mode.
        mode: Mode,
    },
    /// It worked.
    Reached {
        /// The mode it arrived in.
        mode: Mode,
        /// During which step (1-based; the last step + 1 means while settling).
        step: usize,
        /// Helper time from the first step.
        after_ms: u64,
    },
    /// The device started normally instead: a button was held too long (or let go too early).
    BootedNormal {
        /// During which step it reappeared.
        step: usize,
    },
    /// The device arrived in another non-normal mode (e.g. Recovery while aiming for DFU).
    OtherMode {
        /// The mode it arrived in.
        mode: Mode,
        /// During which step.
        step: usize,
    },
    /// The device never left its mode.
    NoChange {
        /// Its mode.
        mode: Mode,
    },
    /// The device left the bus and did not come back.
    Vanished,
    /// No device was seen at any point.
    NeverSeen,
    /// The user stopped at a prompt.
    Cancelled,
    /// The bus could not be read.
    BusFailed {
        /// Why.
        reason: String,
    },
}

impl Outcome {
    /// True when the device is now in the target mode.
    pub fn is_success(&self) -> bool {
        matches!(self, Outcome::Reached { .. } | Outcome::AlreadyThere { .. })
    }
}

/// Something the helper noticed on the bus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BusEvent {
    /// The watched device disappeared (normal during a forced restart).
    Left,
    /// A device appeared or changed mode.
    Appeared(Mode),
}

/// Where the helper shows what to do and asks the user.
pub trait Console {
    /// A step starts.
    fn step(&mut self, step: &PlanStep, total: usize);
    /// Once per second of a countdown: `remaining` seconds left of this step.
    fn tick(&mut self, step: &PlanStep, remaining: u32);
    /// Waits until the user is ready for a `prepare` step; false to cancel.
    fn ready(&mut self, step: &PlanStep) -> bool;
    /// After the last step: watching for `seconds` more.
    fn settling(&mut self, seconds: u32);
    /// Something happened on the bus.
    fn bus_event(&mut self, event: &BusEvent, at: Duration);
}

struct Tracker<'a> {
    target: Target,
    watched: &'a Watched,
    left: bool,
    last_mode: Option<Mode>,
}

impl Tracker<'_> {
    /// Looks at one poll; returns an outcome when the attempt is over.
    fn judge(
        &mut self,
        devices: &[AppleDevice],
        step: usize,
        at: Duration,
        start: Duration,
        console: &mut dyn Console,
    ) -> Option<Outcome> {
        let mine: Vec<&AppleDevice> = devices.iter().filter(|d| self.watched.matches(d)).collect();
        if let Some(d) = mine.iter().find(|d| self.target.reached_by(d.mode)) {
            console.bus_event(&BusEvent::Appeared(d.mode), at);
            return Some(Outcome::Reached {
                mode: d.mode,
                step,
                after_ms: u64::try_from(at.saturating_sub(start).as_millis()).unwrap_or(u64::MAX),
            });
        }
        let Some(d) = mine.first() else {
            if self.last_mode.is_some() {
                self.left = true;
                self.last_mode = None;
                console.bus_event(&BusEvent::Left, at);
            }
            return None;
        };
        let changed = self.last_mode != Some(d.mode);
        if changed {
            console.bus_event(&BusEvent::Appeared(d.mode), at);
        }
        self.last_mode = Some(d.mode);
        let fresh = self.left || self.watched.start_mode != Some(d.mode);
        if fresh && d.mode == Mode::Normal {
            return Some(Outcome::BootedNormal { step });
        }
        if fresh && d.mode.is_ios_device() {
            return Some(Outcome::OtherMode { mode: d.mode, step });
        }
        None
    }
}

fn devices(bus: &dyn UsbBus, poll: bool) -> Result<Vec<AppleDevice>, String> {
    let inv = if poll { bus.poll() } else { bus.enumerate() }.map_err(|e| e.to_string())?;
    Ok(scan_inventory(bus.source(), &inv).devices)
}

/// Runs one attempt of `plan`, watching `watched`.
pub fn run_attempt(
    bus: &dyn UsbBus,
    clock: &dyn Clock,
    console: &mut dyn Console,
    plan: &Plan,
    watched: &Watched,
) -> Outcome {
    let mut tracker = Tracker {
        target: plan.target,
        watched,
        left: false,
        last_mode: watched.start_mode,
    };
    match devices(bus, false) {
        Err(reason) => return Outcome::BusFailed { reason },
        Ok(now) => {
            if let Some(d) = now
                .iter()
                .find(|d| watched.matches(d) && plan.target.reached_by(d.mode))
            {
                return Outcome::AlreadyThere { mode: d.mode };
            }
        }
    }
    let start = clock.now();
    let total = plan.steps.len();
    let mut seen_any = watched.start_mode.is_some();
    let watch_for = |seconds: u32,
                     step: Option<&PlanStep>,
                     number: usize,
                     console: &mut dyn Console,
                     tracker: &mut Tracker,
                     seen_any: &mut bool|
     -> Option<Outcome> {
        let polls_per_second =
            (Duration::from_secs(1).as_millis() / POLL_INTERVAL.as_millis()).max(1) as u32;
        for i in 0..seconds * polls_per_second {
            if let Some(s) = step
                && i % polls_per_second == 0
            {
                console.tick(s, seconds - i / polls_per_second);
            }
            clock.sleep(POLL_INTERVAL);
            match devices(bus, true) {
                Err(reason) => return Some(Outcome::BusFailed { reason }),
                Ok(now) => {
                    *seen_any |= !now.is_empty();
                    if let Some(o) = tracker.judge(&now, number, clock.now(), start, console) {
                        return Some(o);
                    }
                }
            }
        }
        None
    };
    for step in &plan.steps {
        console.step(step, total);
        match step.kind {
            StepKind::Info => {}
            StepKind::Prepare => {
                if !console.ready(step) {
                    return Outcome::Cancelled;
                }
                match devices(bus, true) {
                    Err(reason) => return Outcome::BusFailed { reason },
                    Ok(now) => {
                        seen_any |= !now.is_empty();
                        if let Some(o) =
                            tracker.judge(&now, step.number, clock.now(), start, console)
                        {
                            return o;
                        }
                    }
                }
            }
            StepKind::Tap | StepKind::Hold | StepKind::HoldUntilSeen => {
                if let Some(o) = watch_for(
                    step.seconds,
                    Some(step),
                    step.number,
                    console,
                    &mut tracker,
                    &mut seen_any,
                ) {
                    return o;
                }
            }
        }
    }
    console.settling(plan.settle_seconds);
    if let Some(o) = watch_for(
        plan.settle_seconds,
        None,
        total + 1,
        console,
        &mut tracker,
        &mut seen_any,
    ) {
        return o;
    }
    match (tracker.last_mode, tracker.left, seen_any) {
        (Some(mode), _, _) => Outcome::NoChange { mode },
        (None, true, _) => Outcome::Vanished,
        (None, false, true) => Outcome::Vanished,
        (None, false, false) => Outcome::NeverSeen,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dfu::clock::FakeClock;
    use crate::dfu::plan;
    use crate::fake::FakeBus;

    #[derive(Default)]
    struct Log {
        lines: Vec<String>,
        ready_answers: Vec<bool>,
    }

    impl Console for Log {
        fn step(&mut self, step: &PlanStep, total: usize) {
            self.lines.push(format!("step {}/{total}", step.number));
        }
        fn tick(&mut self, step: &PlanStep, remaining: u32) {
            self.lines.push(format!("tick {} {remaining}", step.number));
        }
        fn ready(&mut self, _step: &PlanStep) -> bool {
            self.ready_answers.pop().unwrap_or(true)
        }
        fn settling(&mut self, seconds: u32) {
            self.lines.push(format!("settle {seconds}"));
        }
        fn bus_event(&mut self, event: &BusEvent, at: Duration) {
            self.lines
                .push(format!("{event:?} at {}ms", at.as_millis()));
        }
    }

    const NORMAL: &str = r#"{"bus_id":"1","port_chain":[1],"vendor_id":"0x05AC","product_id":"0x12A8","product":"iPhone","serial":"00008020-000A1B2C3D4E5F60"}"#;
    const DFU: &str = r#"{"bus_id":"1","port_chain":[1],"vendor_id":"0x05AC","product_id":"0x1227","serial":"CPID:8020 CPRV:11 CPFM:03 SCEP:01 BDID:0E ECID:000A1B2C3D4E5F60 IBFL:3C SRTG:[iBoot-3865.0.0.4.7]"}"#;
    const OTHER_DFU: &str = r#"{"bus_id":"1","port_chain":[2],"vendor_id":"0x05AC","product_id":"0x1227","serial":"CPID:8020 BDID:0E ECID:0000000000000001"}"#;

    fn bus(frames: &[(u64, &[&str])]) -> FakeBus {
        let frames: Vec<String> = frames
            .iter()
            .map(|(n, devs)| format!(r#"{{"polls":{n},"devices":[{}]}}"#, devs.join(",")))
            .collect();
        let json = format!(r#"{{"platform":"linux","frames":[{}]}}"#, frames.join(","));
        FakeBus::from_fixture("t", serde_json::from_str(&json).unwrap()).unwrap()
    }

    fn watched(bus: &FakeBus) -> Watched {
        let inv = bus.enumerate().unwrap();
        let devs = scan_inventory(String::new(), &inv).devices;
        devs.first().map(Watched::device).unwrap_or_default()
    }

    #[test]
    fn detects_the_flip_to_dfu_in_the_last_step() {
        // Poll 1 is the prepare step (no time passes); then one poll per 250 ms: step 2 (tap,
        // 2 s) is polls 2-9, step 3 (hold 10 s) polls 10-49, step 4 (5 s) 50-69, step 5 70-109.
        // The phone leaves at poll 49 (t = 48 * 250 ms) and shows up in DFU at poll 79.
        let b = bus(&[(49, &[NORMAL]), (30, &[]), (1, &[DFU])]);
        let w = watched(&b);
        assert_eq!(w.ecid, Some(0x000A_1B2C_3D4E_5F60));
        let p = plan("vol_up_down_side", Target::Dfu).unwrap();
        let (clock, mut log) = (FakeClock::new(), Log::default());
        let o = run_attempt(&b, &clock, &mut log, &p, &w);
        let Outcome::Reached {
            mode,
            step,
            after_ms,
        } = o
        else {
            panic!("{o:?}")
        };
        assert_eq!(mode, Mode::Dfu);
        assert_eq!(step, 5);
        assert_eq!(after_ms, 78 * 250);
        assert!(
            log.lines.contains(&"Left at 12000ms".to_string()),
            "{:?}",
            log.lines
        );
        assert!(log.lines.iter().any(|l| l == "tick 3 10"));
    }

    #[test]
    fn normal_boot_after_leaving_is_held_too_long() {
        let b = bus(&[(40, &[NORMAL]), (20, &[]), (1, &[NORMAL])]);
        let p = plan("vol_up_down_side", Target::Dfu).unwrap();
        let o = run_attempt(&b, &FakeClock::new(), &mut Log::default(), &p, &watched(&b));
        assert_eq!(o, Outcome::BootedNormal { step: 4 });
    }

    #[test]
    fn recovery_while_aiming_for_dfu_is_another_mode() {
        let rec = DFU.replace("0x1227", "0x1281");
        let b = bus(&[(30, &[NORMAL]), (5, &[]), (1, &[&rec])]);
        let p = plan("vol_down_side", Target::Dfu).unwrap();
        let o = run_attempt(&b, &FakeClock::new(), &mut Log::default(), &p, &watched(&b));
        assert_eq!(
            o,
            Outcome::OtherMode {
                mode: Mode::Recovery,
                step: 3
            }
        );
    }

    #[test]
    fn another_devices_dfu_does_not_count() {
        let b = bus(&[(10, &[NORMAL]), (1, &[NORMAL, OTHER_DFU])]);
        let p = plan("home_button", Target::Dfu).unwrap();
        let o = run_attempt(&b, &FakeClock::new(), &mut Log::default(), &p, &watched(&b));
        assert_eq!(o, Outcome::NoChange { mode: Mode::Normal });
    }

    #[test]
    fn already_there_vanished_never_seen_and_cancel() {
        let p = plan("home_button", Target::Dfu).unwrap();
        let b = bus(&[(1, &[DFU])]);
        let o = run_attempt(&b, &FakeClock::new(), &mut Log::default(), &p, &watched(&b));
        assert_eq!(o, Outcome::AlreadyThere { mode: Mode::Dfu });

        let b = bus(&[(5, &[NORMAL]), (1, &[])]);
        let o = run_attempt(&b, &FakeClock::new(), &mut Log::default(), &p, &watched(&b));
        assert_eq!(o, Outcome::Vanished);

        let b = bus(&[(1, &[])]);
        let o = run_attempt(&b, &FakeClock::new(), &mut Log::default(), &p, &watched(&b));
        assert_eq!(o, Outcome::NeverSeen);

        let mut log = Log {
            ready_answers: vec![false],
            ..Log::default()
        };
        let o = run_attempt(&b, &FakeClock::new(), &mut log, &p, &watched(&b));
        assert_eq!(o, Outcome::Cancelled);
    }

    #[test]
    fn recovery_target_from_nothing_connected() {
        let rec = DFU.replace("0x1227", "0x1281");
        // Step 2 (hold 10 s) covers polls 2-41; Recovery appears at poll 46, in step 3.
        let b = bus(&[(45, &[]), (1, &[&rec])]);
        let p = plan("home_button", Target::Recovery).unwrap();
        let o = run_attempt(
            &b,
            &FakeClock::new(),
            &mut Log::default(),
            &p,
            &Watched::default(),
        );
        assert!(
            matches!(
                o,
                Outcome::Reached {
                    mode: Mode::Recovery,
                    step: 3,
                    ..
                }
            ),
            "{o:?}"
        );
    }
}
