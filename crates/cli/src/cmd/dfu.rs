//! `restore-doctor dfu`: the guided, timed Recovery/DFU helper. Shows the button sequence for
//! the device's model step by step with countdowns, watches the USB bus every 250 ms, and stops
//! the moment the device changes mode (or boots normally, naming the step to change).

use crate::fail::{self, CmdResult, EXIT_FINDING_FAIL, EXIT_OK};
use crate::render::{RenderOptions, bold, dim, severity_style, wrap};
use rd_device::Mode;
use rd_device::dfu::helper::{BusEvent, Console};
use rd_device::dfu::{PlanStep, StepKind};
use rd_engine::dfu::{DfuOptions, Session, Start, Steps};
use rd_model::Severity;
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

impl Args {
    fn options(&self, cx: &super::Context) -> DfuOptions {
        DfuOptions {
            device: self.device.clone(),
            recovery: self.recovery,
            usb: self.usb.source(cx),
            clock: self.usb.clock,
        }
    }
}

/// Runs `dfu`.
pub fn run(args: Args, cx: &super::Context) -> CmdResult {
    let opts = args.options(cx);
    if args.steps {
        let steps = super::block_on(rd_engine::dfu::steps(opts))??;
        if args.json {
            cx.render.print_json(&steps);
        } else {
            print_steps(&steps, &cx.render);
        }
        return Ok(ExitCode::from(EXIT_OK));
    }
    let mut session = match Session::start(&opts)? {
        Start::Ready(session) => session,
        Start::NoUsb(report) => {
            cx.render.print_report(&report);
            return Ok(fail::exit_for(report.worst()));
        }
    };
    print_intro(&session, &cx.render);
    let mut console = Terminal::new();
    for attempt in 1..=args.attempts {
        if attempt > 1 {
            console.say(&format!(
                "\n{b}Attempt {attempt} of {}{b:#}",
                args.attempts,
                b = bold()
            ));
        }
        let done = session.attempt(&mut console);
        console.end_line();
        let mut buf = b"\n".to_vec();
        for f in &done.report.findings {
            let _ = cx.render.write_finding(&mut buf, f);
        }
        cx.render.emit(&String::from_utf8_lossy(&buf));
        if done.outcome.is_success() {
            return Ok(ExitCode::from(EXIT_OK));
        }
        if !done.may_retry || attempt == args.attempts || !console.confirm("Try again? [y/N] ") {
            break;
        }
        if let Some(note) = session.prepare_retry(&done.outcome) {
            console.say(&note);
        }
    }
    Ok(ExitCode::from(EXIT_FINDING_FAIL))
}

fn print_steps(steps: &Steps, render: &RenderOptions) {
    let Steps {
        device,
        plan,
        recovery_enough,
        dfu_needed,
        exit,
    } = steps;
    let mut out = anstream::stdout().lock();
    let w = render.width;
    let _ = writeln!(
        out,
        "{b}{} — {}{b:#}",
        device,
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
    let _ = write!(out, "{}", wrap(recovery_enough, "  ", w));
    let _ = write!(out, "{}", wrap(dfu_needed, "  ", w));
    let _ = write!(out, "{}", wrap(exit, "  ", w));
}

fn print_intro(session: &Session, render: &RenderOptions) {
    let mut out = anstream::stdout().lock();
    let w = render.width;
    let _ = writeln!(
        out,
        "{b}{} → {}{b:#}",
        session.choice.name,
        session.plan.target.label(),
        b = bold()
    );
    if let Some(n) = &session.choice.note {
        let _ = writeln!(out, "{s}!{s:#} {n}", s = severity_style(Severity::Warn));
    }
    let _ = write!(out, "{}", wrap(&session.intro(), "", w));
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
