//! `restore-doctor dfu`: the guided, timed Recovery/DFU helper. Shows the button sequence for
//! the device's model step by step with countdowns, watches the USB bus every 250 ms, and stops
//! the moment the device changes mode (or boots normally, naming the step to change).

use crate::fail::{self, CmdResult, EXIT_FINDING_FAIL, EXIT_OK, Fail};
use crate::render::{bold, dim, emit, print_json, severity_style, width, wrap, write_finding};
use rd_device::dfu::clock::clock_from_env;
use rd_device::dfu::helper::{BusEvent, Console, Outcome, Watched, run_attempt};
use rd_device::dfu::report::outcome_finding;
use rd_device::dfu::select::{Choice, ChooseError, choose};
use rd_device::dfu::{Plan, PlanStep, StepKind, Target, guidance, plan};
use rd_device::findings::bus_error_finding;
use rd_device::identify::scan_inventory;
use rd_device::{BusError, Mode, UsbBus, open_bus};
use rd_model::{Report, Severity};
use serde::Serialize;
use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

/// Arguments of `dfu`.
#[derive(Debug, Default, clap::Args)]
pub struct Args {
    /// The device: product type (iPhone10,4), model number (A1905), board (d201ap), CPID:BDID
    /// (0x8015:0x0A) or name. Default: the one connected.
    #[arg(value_name = "DEVICE")]
    pub device: Option<String>,
    /// Guide into Recovery mode instead of DFU mode.
    #[arg(long)]
    pub recovery: bool,
    /// Print the steps and exit: no prompts, no USB watching (works without the device).
    #[arg(long)]
    pub steps: bool,
    /// With --steps: print the plan as JSON.
    #[arg(long, requires = "steps")]
    pub json: bool,
    /// How many attempts to offer before giving up.
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=10))]
    pub attempts: u32,
    /// Where USB devices are read from (the bus, or a recorded inventory).
    #[command(flatten)]
    pub usb: super::usb_source::UsbSource,
}

fn choose_fail(e: ChooseError) -> Fail {
    match e {
        ChooseError::Unknown(_) | ChooseError::Ambiguous { .. } => Fail::usage(e.to_string()),
        _ => Fail::not_found(e.to_string()),
    }
}

/// Runs `dfu`.
pub fn run(args: Args) -> CmdResult {
    let target = if args.recovery {
        Target::Recovery
    } else {
        Target::Dfu
    };
    if args.steps {
        return print_steps(&args, target);
    }
    if let Some(q) = args.device.as_deref() {
        // Check the name (and that a sequence exists) before touching USB.
        let named = choose(None, Some(q)).map_err(choose_fail)?;
        plan(&named.family, target).map_err(|e| Fail::not_found(e.to_string()))?;
    }
    let bus = open_bus(args.usb.usb_fixture.as_deref()).map_err(|e| Fail::usage(e.to_string()))?;
    let scan = match bus.enumerate() {
        Ok(inv) => scan_inventory(bus.source(), &inv),
        Err(e @ BusError::Fixture { .. }) => return Err(Fail::usage(e.to_string())),
        Err(e) => return Ok(no_usb(&e, args.device.as_deref(), target)),
    };
    let choice = choose(Some(&scan), args.device.as_deref()).map_err(choose_fail)?;
    let mut plan = plan(&choice.family, target).map_err(|e| Fail::not_found(e.to_string()))?;
    print_intro(&choice, &plan);
    let clock = clock_from_env();
    let mut console = Terminal::new();
    let mut watched = choice.watched.clone();
    for attempt in 1..=args.attempts {
        if attempt > 1 {
            console.say(&format!(
                "\n{b}Attempt {attempt} of {}{b:#}",
                args.attempts,
                b = bold()
            ));
        }
        let outcome = run_attempt(bus.as_ref(), clock.as_ref(), &mut console, &plan, &watched);
        console.end_line();
        let finding = outcome_finding(&outcome, &plan, &choice.name);
        let mut buf = b"\n".to_vec();
        let _ = write_finding(&mut buf, &finding);
        emit(&String::from_utf8_lossy(&buf));
        if outcome.is_success() {
            return Ok(ExitCode::from(EXIT_OK));
        }
        if matches!(outcome, Outcome::Cancelled | Outcome::BusFailed { .. })
            || attempt == args.attempts
        {
            break;
        }
        if !console.confirm("Try again? [y/N] ") {
            break;
        }
        if let Outcome::BootedNormal { .. } = outcome
            && let Some((adjusted, step, secs)) = plan.adjusted_after_normal_boot()
        {
            console.say(&format!("Step {step} now counts {secs} s."));
            plan = adjusted;
        }
        watched = rewatch(bus.as_ref(), &watched);
    }
    Ok(ExitCode::from(EXIT_FINDING_FAIL))
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

fn no_usb(e: &BusError, device: Option<&str>, target: Target) -> ExitCode {
    let mut f = bus_error_finding(e);
    let hint = match device {
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
    let report = Report::new("dfu", None, vec![f]);
    crate::render::print_report(&report);
    fail::exit_for(report.worst())
}

#[derive(Serialize)]
struct StepsJson<'a> {
    device: &'a str,
    plan: &'a Plan,
    recovery_enough: &'a str,
    dfu_needed: &'a str,
    exit: &'a str,
}

fn print_steps(args: &Args, target: Target) -> CmdResult {
    let choice = match args.device.as_deref() {
        Some(q) => choose(None, Some(q)).map_err(choose_fail)?,
        None => {
            let bus = open_bus(args.usb.usb_fixture.as_deref())
                .map_err(|e| Fail::usage(e.to_string()))?;
            let scan = match bus.enumerate() {
                Ok(inv) => scan_inventory(bus.source(), &inv),
                Err(e @ BusError::Fixture { .. }) => return Err(Fail::usage(e.to_string())),
                Err(e) => {
                    return Err(Fail::usage(format!(
                        "{e}; name the model to print its steps, e.g. `restore-doctor dfu iPhone10,4 --steps`"
                    )));
                }
            };
            choose(Some(&scan), None).map_err(choose_fail)?
        }
    };
    let plan = plan(&choice.family, target).map_err(|e| Fail::not_found(e.to_string()))?;
    let g = guidance();
    if args.json {
        print_json(&StepsJson {
            device: &choice.name,
            plan: &plan,
            recovery_enough: &g.recovery_enough,
            dfu_needed: &g.dfu_needed,
            exit: &g.exit,
        });
        return Ok(ExitCode::from(EXIT_OK));
    }
    let mut out = anstream::stdout().lock();
    let w = width();
    let _ = writeln!(
        out,
        "{b}{} — {}{b:#}",
        choice.name,
        plan.target.label(),
        b = bold()
    );
    let _ = write!(
        out,
        "{}",
        wrap(&format!("Applies to: {}", plan.applies_to), "", w)
    );
    let _ = writeln!(out);
    for s in &plan.steps {
        let timing = match s.kind {
            StepKind::Prepare | StepKind::Info => String::new(),
            StepKind::Tap => format!(" ({} s)", s.seconds),
            StepKind::Hold => format!(" (count {} s)", s.seconds),
            StepKind::HoldUntilSeen => {
                format!(" (up to {} s, until the computer sees it)", s.seconds)
            }
        };
        let head = format!("  {}. ", s.number);
        let body = wrap(&format!("{}{timing}", s.text), &" ".repeat(head.len()), w);
        let _ = write!(out, "{head}{}", body.trim_start());
    }
    if let Some(s) = &plan.success {
        let _ = write!(out, "\n{}", wrap(&format!("It worked when: {s}"), "", w));
    }
    for h in &plan.failure_hints {
        let _ = write!(out, "{}", wrap(&format!("If not: {h}"), "", w));
    }
    if let Some(n) = &plan.notes {
        let _ = write!(out, "{}", wrap(&format!("Note: {n}"), "", w));
    }
    if let Some(c) = &plan.confidence {
        let _ = writeln!(out, "{d}Confidence in these steps: {c}{d:#}", d = dim());
    }
    let _ = writeln!(out, "\n{b}Recovery or DFU?{b:#}", b = bold());
    let _ = write!(out, "{}", wrap(&g.recovery_enough, "  ", w));
    let _ = write!(out, "{}", wrap(&g.dfu_needed, "  ", w));
    let _ = write!(out, "{}", wrap(&g.exit, "  ", w));
    Ok(ExitCode::from(EXIT_OK))
}

fn print_intro(choice: &Choice, plan: &Plan) {
    let mut out = anstream::stdout().lock();
    let w = width();
    let _ = writeln!(
        out,
        "{b}{} → {}{b:#}",
        choice.name,
        plan.target.label(),
        b = bold()
    );
    if let Some(n) = &choice.note {
        let _ = writeln!(out, "{s}!{s:#} {n}", s = severity_style(Severity::Warn));
    }
    let now = match choice.watched.start_mode {
        Some(m) => format!("Now: {}.", m.label()),
        None => "No device is connected yet; connect it when step 1 asks.".to_string(),
    };
    let g = guidance();
    let why = if plan.target == Target::Dfu {
        &g.dfu_needed
    } else {
        &g.recovery_enough
    };
    let _ = write!(out, "{}", wrap(&format!("{now} {why}"), "", w));
    let _ = writeln!(
        out,
        "{d}The helper counts each step down and watches USB every 250 ms; it stops as soon as the device changes mode.{d:#}",
        d = dim()
    );
}

/// The terminal side of the helper: countdowns on stdout, answers from stdin.
struct Terminal {
    tty: bool,
    mid_line: bool,
    stdin_closed: bool,
}

impl Terminal {
    fn new() -> Self {
        Terminal {
            tty: std::io::stdout().is_terminal(),
            mid_line: false,
            stdin_closed: false,
        }
    }

    fn say(&mut self, text: &str) {
        self.end_line();
        let mut out = anstream::stdout().lock();
        let _ = writeln!(out, "{text}");
        let _ = out.flush();
    }

    fn end_line(&mut self) {
        if self.mid_line {
            let mut out = anstream::stdout().lock();
            let _ = writeln!(out);
            self.mid_line = false;
        }
    }

    /// Reads one line; None at end of input.
    fn read_line(&mut self) -> Option<String> {
        if self.stdin_closed {
            return None;
        }
        let mut line = String::new();
        match std::io::stdin().lock().read_line(&mut line) {
            Ok(0) | Err(_) => {
                self.stdin_closed = true;
                None
            }
            Ok(_) => Some(line.trim().to_string()),
        }
    }

    fn confirm(&mut self, question: &str) -> bool {
        self.end_line();
        {
            let mut out = anstream::stdout().lock();
            let _ = write!(out, "{question}");
            let _ = out.flush();
        }
        let answer = self.read_line();
        if answer.is_none() {
            self.say("");
        }
        answer.is_some_and(|a| a.eq_ignore_ascii_case("y") || a.eq_ignore_ascii_case("yes"))
    }
}

impl Console for Terminal {
    fn step(&mut self, step: &PlanStep, total: usize) {
        self.end_line();
        let mut out = anstream::stdout().lock();
        let _ = writeln!(
            out,
            "\n{b}Step {}/{total}{b:#}  {}",
            step.number,
            step.text,
            b = bold()
        );
        let _ = out.flush();
    }

    fn tick(&mut self, step: &PlanStep, remaining: u32) {
        let mut out = anstream::stdout().lock();
        if self.tty {
            let _ = write!(
                out,
                "\r  {b}{remaining:>3} s{b:#}  {}\x1b[K",
                step.cue,
                b = bold()
            );
        } else if !self.mid_line {
            let _ = write!(out, "  {}: {remaining}", step.cue);
        } else {
            let _ = write!(out, " {remaining}");
        }
        self.mid_line = true;
        let _ = out.flush();
    }

    fn ready(&mut self, step: &PlanStep) -> bool {
        {
            let mut out = anstream::stdout().lock();
            let _ = write!(out, "  {} — press Enter when ready (q to quit) ", step.cue);
            let _ = out.flush();
        }
        let answer = self.read_line();
        if answer.is_none() {
            self.say("");
        }
        !answer.is_some_and(|a| a.eq_ignore_ascii_case("q"))
    }

    fn settling(&mut self, seconds: u32) {
        self.say(&format!(
            "{d}Keep holding; watching USB for {seconds} s more…{d:#}",
            d = dim()
        ));
    }

    fn bus_event(&mut self, event: &BusEvent, at: Duration) {
        let text = match event {
            BusEvent::Left => "the device left USB (expected when it restarts)".to_string(),
            BusEvent::Appeared(m) if *m == Mode::Normal => {
                "the device is back in normal mode".to_string()
            }
            BusEvent::Appeared(m) => format!("USB now shows {}", m.label()),
        };
        self.say(&format!(
            "  {d}↳ {text} (at {:.2} s){d:#}",
            at.as_secs_f64(),
            d = dim()
        ));
    }
}
