//! `dfu`: the timed Recovery/DFU button guide. [`steps`] gives the sequence for a model (no USB
//! needed when the model is named); a [`Session`] runs the live helper, which counts each step
//! down, watches the bus every 250 ms and stops the moment the device changes mode. The
//! surfaces only show what the helper says, through [`Console`].

use crate::usb::{BusLook, UsbSource, look};
use crate::{ClockChoice, EngineError, blocking};
use rd_device::UsbBus;
use rd_device::dfu::clock::Clock;
use rd_device::dfu::helper::{Console, Outcome, Watched, run_attempt};
use rd_device::dfu::report::outcome_finding;
use rd_device::dfu::select::{Choice, ChooseError, choose};
use rd_device::dfu::{Plan, Target, guidance, plan};
use rd_device::identify::scan_inventory;
use rd_model::{Finding, Report};
use serde::Serialize;

/// Options of `dfu`.
#[derive(Debug, Clone, Default)]
pub struct DfuOptions {
    /// The device: product type, model number, board, CPID:BDID or name (`None`: the one connected).
    pub device: Option<String>,
    /// Guide into Recovery mode instead of DFU mode.
    pub recovery: bool,
    /// Where USB devices are read from.
    pub usb: UsbSource,
    /// The clock the countdowns run on.
    pub clock: ClockChoice,
}

impl DfuOptions {
    /// The mode to reach.
    pub fn target(&self) -> Target {
        if self.recovery {
            Target::Recovery
        } else {
            Target::Dfu
        }
    }
}

fn choose_error(e: ChooseError) -> EngineError {
    match e {
        ChooseError::Unknown(_) | ChooseError::Ambiguous { .. } => {
            EngineError::Usage(e.to_string())
        }
        _ => EngineError::NotFound(e.to_string()),
    }
}

fn plan_for(choice: &Choice, target: Target) -> Result<Plan, EngineError> {
    plan(&choice.family, target).map_err(|e| EngineError::NotFound(e.to_string()))
}

/// `dfu --steps`: the button sequence for a model, with the guidance on which mode to use.
#[derive(Debug, Clone, Serialize)]
pub struct Steps {
    /// The device's name.
    pub device: String,
    /// The timed steps.
    pub plan: Plan,
    /// When Recovery mode is enough.
    pub recovery_enough: String,
    /// When DFU mode is needed.
    pub dfu_needed: String,
    /// How to leave either mode.
    pub exit: String,
}

/// Blocking body of [`steps`].
pub fn steps_blocking(opts: &DfuOptions) -> Result<Steps, EngineError> {
    let choice = match opts.device.as_deref() {
        Some(q) => choose(None, Some(q)).map_err(choose_error)?,
        None => {
            let bus = opts.usb.open()?;
            match look(bus.as_ref())? {
                BusLook::Seen(scan) => choose(Some(&scan), None).map_err(choose_error)?,
                BusLook::Unreadable(f) => {
                    return Err(EngineError::Usage(format!(
                        "{}; name the model to get its steps, e.g. `restore-doctor dfu iPhone10,4 --steps`",
                        f.evidence
                            .first()
                            .map_or(f.title.as_str(), |e| e.text.as_str())
                    )));
                }
            }
        }
    };
    let plan = plan_for(&choice, opts.target())?;
    let g = guidance();
    Ok(Steps {
        device: choice.name,
        plan,
        recovery_enough: g.recovery_enough.clone(),
        dfu_needed: g.dfu_needed.clone(),
        exit: g.exit.clone(),
    })
}

/// `dfu --steps`: the sequence for the named model, or for the one connected.
pub async fn steps(opts: DfuOptions) -> Result<Steps, EngineError> {
    blocking("DFU guide", move || steps_blocking(&opts)).await
}

/// How a live session starts.
pub enum Start {
    /// The helper is ready to run.
    Ready(Box<Session>),
    /// USB cannot be read here: a report (kind `dfu`) saying so and how to follow the steps by hand.
    NoUsb(Report),
}

/// The live helper for one device: its plan, the bus and the clock. Blocking and tied to one
/// thread (the fake bus keeps its place in the recording); the web runs it on a blocking thread.
pub struct Session {
    bus: Box<dyn UsbBus>,
    clock: Box<dyn Clock>,
    /// Which device is guided.
    pub choice: Choice,
    /// The plan the next attempt follows.
    pub plan: Plan,
    watched: Watched,
}

/// One attempt's result.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// How it ended.
    pub outcome: Outcome,
    /// What that means (kind `dfu` report with one finding).
    pub report: Report,
    /// Whether another attempt makes sense (not after success, cancel or a bus failure).
    pub may_retry: bool,
}

impl Session {
    /// Checks the name, opens the bus and picks the device to watch (blocking).
    pub fn start(opts: &DfuOptions) -> Result<Start, EngineError> {
        let target = opts.target();
        if let Some(q) = opts.device.as_deref() {
            // Check the name (and that a sequence exists) before touching USB.
            let named = choose(None, Some(q)).map_err(choose_error)?;
            plan_for(&named, target)?;
        }
        let bus = opts.usb.open()?;
        let scan = match look(bus.as_ref())? {
            BusLook::Seen(scan) => scan,
            BusLook::Unreadable(f) => return Ok(Start::NoUsb(no_usb(f, opts))),
        };
        let choice = choose(Some(&scan), opts.device.as_deref()).map_err(choose_error)?;
        let plan = plan_for(&choice, target)?;
        Ok(Start::Ready(Box::new(Session {
            bus,
            clock: opts.clock.start(),
            watched: choice.watched.clone(),
            choice,
            plan,
        })))
    }

    /// Why this mode (Recovery is enough / DFU is needed), and the device's mode now.
    pub fn intro(&self) -> String {
        let now = match self.choice.watched.start_mode {
            Some(m) => format!("Now: {}.", m.label()),
            None => "No device is connected yet; connect it when step 1 asks.".to_string(),
        };
        let g = guidance();
        let why = if self.plan.target == Target::Dfu {
            &g.dfu_needed
        } else {
            &g.recovery_enough
        };
        format!("{now} {why}")
    }

    /// Runs one attempt, showing it on `console`.
    pub fn attempt(&mut self, console: &mut dyn Console) -> Attempt {
        let outcome = run_attempt(
            self.bus.as_ref(),
            self.clock.as_ref(),
            console,
            &self.plan,
            &self.watched,
        );
        let finding = outcome_finding(&outcome, &self.plan, &self.choice.name);
        let may_retry = !outcome.is_success()
            && !matches!(outcome, Outcome::Cancelled | Outcome::BusFailed { .. });
        Attempt {
            report: Report::new("dfu", Some(self.choice.name.clone()), vec![finding]),
            outcome,
            may_retry,
        }
    }

    /// Gets ready for another attempt after `last`: after a normal boot, the step held too long
    /// (or too short) gets a new count; the device is watched as it is now. Returns a note on
    /// what changed in the plan.
    pub fn prepare_retry(&mut self, last: &Outcome) -> Option<String> {
        let mut note = None;
        if let Outcome::BootedNormal { .. } = last
            && let Some((adjusted, step, secs)) = self.plan.adjusted_after_normal_boot()
        {
            note = Some(format!("Step {step} now counts {secs} s."));
            self.plan = adjusted;
        }
        self.watched = rewatch(self.bus.as_ref(), &self.watched);
        note
    }
}

/// After an attempt, watch the device as it is now (its mode may have changed).
fn rewatch(bus: &dyn UsbBus, old: &Watched) -> Watched {
    let Ok(inv) = bus.enumerate() else {
        return old.clone();
    };
    let scan = scan_inventory(bus.source(), &inv);
    let mine: Vec<_> = scan
        .devices
        .iter()
        .filter(|d| old.ecid.is_none() || d.ecid_value().is_none_or(|e| Some(e) == old.ecid))
        .collect();
    match mine.as_slice() {
        [d] => {
            let mut w = Watched::device(d);
            w.ecid = w.ecid.or(old.ecid);
            w
        }
        _ => Watched {
            start_mode: None,
            ..old.clone()
        },
    }
}

/// The report when the helper cannot watch USB: the unreadable-bus finding, plus how to follow
/// the steps by hand.
fn no_usb(mut f: Finding, opts: &DfuOptions) -> Report {
    let target = opts.target();
    let hint = match opts.device.as_deref() {
        Some(d) => format!(
            "restore-doctor dfu {d}{} --steps",
            if target == Target::Recovery {
                " --recovery"
            } else {
                ""
            }
        ),
        None => "restore-doctor dfu <model> --steps".to_string(),
    };
    f.explanation.push_str(&format!(
        " The {} helper needs to watch the bus; `{hint}` prints the button sequence to follow by hand.",
        target.label()
    ));
    Report::new("dfu", None, vec![f])
}

#[cfg(test)]
mod tests {
    use super::*;
    use rd_device::dfu::PlanStep;
    use rd_device::dfu::helper::BusEvent;
    use std::time::Duration;

    fn fixture(name: &str) -> UsbSource {
        UsbSource::fixture(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../device/tests/fixtures")
                .join(name),
        )
    }

    #[derive(Default)]
    struct Seen(Vec<String>);

    impl Console for Seen {
        fn step(&mut self, step: &PlanStep, _total: usize) {
            self.0.push(format!("step {}", step.number));
        }
        fn tick(&mut self, _step: &PlanStep, _remaining: u32) {}
        fn ready(&mut self, _step: &PlanStep) -> bool {
            true
        }
        fn settling(&mut self, _seconds: u32) {}
        fn bus_event(&mut self, event: &BusEvent, _at: Duration) {
            self.0.push(format!("{event:?}"));
        }
    }

    #[test]
    fn steps_need_no_usb_when_the_model_is_named() {
        let s = steps_blocking(&DfuOptions {
            device: Some("iPhone10,4".into()),
            usb: fixture("no_usb.json"),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(s.plan.target, Target::Dfu);
        assert!(s.plan.steps.len() >= 3);
        let unnamed = steps_blocking(&DfuOptions {
            usb: fixture("no_usb.json"),
            ..Default::default()
        });
        assert!(matches!(unnamed, Err(EngineError::Usage(_))));
    }

    #[test]
    fn live_session_reaches_dfu_and_no_usb_is_the_shared_finding() {
        let opts = DfuOptions {
            device: Some("iPhone10,4".into()),
            usb: fixture("iphone8_recovery_to_dfu.json"),
            clock: ClockChoice::Fake,
            ..Default::default()
        };
        let Start::Ready(mut s) = Session::start(&opts).unwrap() else {
            panic!("no session")
        };
        let mut seen = Seen::default();
        let a = s.attempt(&mut seen);
        assert!(a.outcome.is_success(), "{:?}", a.outcome);
        assert_eq!(a.report.findings[0].id, "dfu.reached");
        assert!(seen.0.iter().any(|l| l == "Left"), "{:?}", seen.0);

        let no = DfuOptions {
            usb: fixture("no_usb.json"),
            ..opts
        };
        let Ok(Start::NoUsb(r)) = Session::start(&no) else {
            panic!("expected the no-USB report")
        };
        assert_eq!(r.findings[0].id, "usb.presence.unavailable");
    }
}
