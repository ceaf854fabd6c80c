//! `restore-doctor devices`: every iPhone, iPad and iPod touch on USB with its mode, model,
//! ECID, speed, hub chain, controller and (Windows) driver, plus findings about the USB path.

use crate::fail::{self, CmdResult};
use crate::render::{RenderOptions, bold, dim};
use rd_device::identify::{AppleDevice, Scan};
use rd_device::watch::Change;
use rd_engine::devices::{DevicesOptions, DevicesReport, WatchEvent, WatchOptions};
use rd_model::{Report, Severity};
use std::io::Write;
use std::time::Duration;

/// Arguments of `devices`.
#[derive(Debug, Default, clap::Args)]
pub struct Args {
    /// Print JSON (the devices and the findings) instead of text.
    #[arg(long)]
    pub json: bool,
    /// Keep watching and print devices as they arrive, leave or change mode (Ctrl-C stops).
    #[arg(long)]
    pub watch: bool,
    /// With --watch: stop after this many seconds.
    #[arg(long = "for", value_name = "SECONDS", requires = "watch")]
    pub for_seconds: Option<u64>,
    /// Where USB devices are read from (the bus, or a recorded inventory).
    #[command(flatten)]
    pub usb: super::usb_source::UsbSource,
}

/// Runs `devices`.
pub fn run(args: Args, cx: &super::Context) -> CmdResult {
    let found = super::block_on(rd_engine::devices::devices(DevicesOptions {
        usb: args.usb.source(cx),
        ..DevicesOptions::default()
    }))??;
    if args.json {
        cx.render.print_json(&found);
    } else {
        let mut buf = Vec::new();
        let _ = write_listing(&mut buf, &found, &cx.render);
        cx.render.emit(&String::from_utf8_lossy(&buf));
    }
    if args.watch {
        watch(&args, &found, cx);
    }
    Ok(fail::exit_for(found.report.worst()))
}

fn hexes(d: &AppleDevice) -> Option<String> {
    let s = d.serial.as_ref()?;
    let v = serde_json::to_value(s).ok()?;
    let parts: Vec<String> = ["cpid", "bdid", "cprv", "cpfm", "scep", "ibfl"]
        .iter()
        .filter_map(|k| {
            v.get(*k)
                .and_then(|x| x.as_str())
                .map(|x| format!("{} {x}", k.to_ascii_uppercase()))
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// One `label  value` line. The label is plain text (no styling) so `--redact` can recognise
/// identifier labels such as `ECID` and `IMEI` next to their values.
fn row(out: &mut impl Write, label: &str, value: &str) -> std::io::Result<()> {
    writeln!(out, "  {label:<12}{value}")
}

/// Writes one device block.
fn write_device(out: &mut impl Write, d: &AppleDevice) -> std::io::Result<()> {
    let title = match &d.model {
        Some(m) => format!("{} — {}, {}", m.name, m.product_type, m.board),
        None => d.name(),
    };
    writeln!(out, "{b}{title}{b:#}", b = bold())?;
    row(
        out,
        "Mode",
        &format!("{} (product id {})", d.mode.label(), d.product_id),
    )?;
    if d.model.is_none() && !d.candidates.is_empty() {
        let c: Vec<&str> = d
            .candidates
            .iter()
            .map(|m| m.product_type.as_str())
            .collect();
        row(
            out,
            "Model",
            &format!(
                "one of {} (normal mode shows only the chip on USB)",
                c.join(", ")
            ),
        )?;
    }
    if let Some(e) = &d.ecid {
        row(out, "ECID", e)?;
    }
    if let Some(h) = hexes(d) {
        row(out, "Chip/board", &h)?;
    } else if let Some(c) = &d.cpid {
        row(out, "Chip", c)?;
    }
    if let Some(s) = &d.serial {
        if let Some(t) = &s.srtg {
            row(out, "Boot ROM", t)?;
        }
        if let Some(n) = &s.srnm {
            row(out, "Serial", n)?;
        }
        if let Some(n) = &s.imei {
            row(out, "IMEI", n)?;
        }
        if let Some(n) = &s.nonc {
            row(out, "NONC", n)?;
        }
        if let Some(n) = &s.snon {
            row(out, "SNON", n)?;
        }
        if let Some(p) = &s.pwnd {
            row(out, "PWND", p)?;
        }
        for t in s.unknown.iter().chain(&s.invalid) {
            row(out, "Other field", &format!("{}:{}", t.tag, t.value))?;
        }
    }
    row(out, "Speed", d.speed.map_or("unknown", |s| s.label()))?;
    let path = if d.hubs.is_empty() {
        format!("{} (directly on the computer)", d.location)
    } else {
        format!(
            "{} via {}",
            d.location,
            rd_device::paths::hub_chain_text(&d.hubs)
        )
    };
    row(out, "Path", &path)?;
    if let Some(c) = &d.controller {
        row(out, "Controller", c)?;
    }
    if let Some(drv) = &d.driver {
        row(out, "Driver", drv)?;
    }
    if let Some(i) = &d.instance_id {
        row(out, "Instance id", i)?;
    }
    Ok(())
}

fn write_listing(
    out: &mut impl Write,
    found: &DevicesReport,
    render: &RenderOptions,
) -> std::io::Result<()> {
    let (scan, report, source): (Option<&Scan>, &Report, &str) =
        (found.scan.as_ref(), &found.report, &found.source);
    if let Some(scan) = scan {
        writeln!(
            out,
            "{d}USB via {source}: {} Apple device(s), {} other device(s){d:#}",
            scan.devices.len(),
            scan.other_devices,
            d = dim()
        )?;
        for d in &scan.devices {
            writeln!(out)?;
            write_device(out, d)?;
        }
    }
    let problems: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.severity >= Severity::Warn)
        .collect();
    for f in &problems {
        writeln!(out)?;
        render.write_finding(out, f)?;
    }
    if problems.is_empty() && scan.is_some_and(|s| !s.devices.is_empty()) {
        writeln!(out)?;
        writeln!(
            out,
            "{s}✓{s:#} No problems with the USB path.",
            s = crate::render::severity_style(Severity::Ok)
        )?;
    }
    Ok(())
}

fn describe_change(c: &Change) -> String {
    match c {
        Change::Arrived { device } => format!(
            "arrived: {} in {} at {}{}",
            device.name(),
            device.mode.label(),
            device.location,
            device
                .ecid
                .as_deref()
                .map(|e| format!(" (ECID {e})"))
                .unwrap_or_default()
        ),
        Change::Left { device } => format!(
            "left: {} ({}) from {}",
            device.name(),
            device.mode.label(),
            device.location
        ),
        Change::ModeChanged { from, device } => format!(
            "mode changed: {} {} → {}",
            device.name(),
            from.label(),
            device.mode.label()
        ),
    }
}

/// Prints changes as the engine reports them until `--for` (if given) runs out.
fn watch(args: &Args, found: &DevicesReport, cx: &super::Context) {
    if !args.json {
        let mut out = anstream::stdout().lock();
        let _ = writeln!(
            out,
            "\n{d}Watching USB (every 250 ms); Ctrl-C stops.{d:#}",
            d = dim()
        );
    }
    let opts = WatchOptions {
        usb: args.usb.source(cx),
        clock: args.usb.clock,
        limit: args.for_seconds.map(Duration::from_secs),
    };
    let result = rd_engine::devices::watch(
        &opts,
        found.devices.clone(),
        || true,
        |event| {
            match &event {
                WatchEvent::Unreadable { error } => anstream::eprintln!("restore-doctor: {error}"),
                WatchEvent::Changed { at_ms, change } => {
                    let line = if args.json {
                        serde_json::to_string(&event).unwrap_or_default()
                    } else {
                        format!(
                            "[{:>6.2} s] {}",
                            *at_ms as f64 / 1000.0,
                            describe_change(change)
                        )
                    };
                    cx.render.emit(&(line + "\n"));
                    let _ = std::io::stdout().flush();
                }
            }
            true
        },
    );
    if let Err(e) = result {
        anstream::eprintln!("restore-doctor: {e}");
    }
}
