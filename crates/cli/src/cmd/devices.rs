//! `restore-doctor devices`: every iPhone, iPad and iPod touch on USB with its mode, model,
//! ECID, speed, hub chain, controller and (Windows) driver, plus findings about the USB path.

use crate::fail::{self, CmdResult, Fail};
use crate::render::{bold, dim, emit, write_finding};
use rd_device::dfu::clock::{Clock, clock_from_env};
use rd_device::findings::{UsbCheckOptions, bus_error_finding, lockdown_findings, scan_findings};
use rd_device::identify::{AppleDevice, Scan, scan_inventory};
use rd_device::watch::{Change, diff};
use rd_device::{UsbBus, open_bus};
use rd_model::{Report, Severity};
use serde::Serialize;
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

/// The JSON form: the shared report plus the device listing.
#[derive(Serialize)]
struct DevicesJson<'a> {
    #[serde(flatten)]
    report: &'a Report,
    source: &'a str,
    devices: &'a [AppleDevice],
    other_usb_devices: usize,
}

/// Runs `devices`.
pub fn run(args: Args) -> CmdResult {
    let bus = open_bus(args.usb.usb_fixture.as_deref()).map_err(|e| Fail::usage(e.to_string()))?;
    let opts = UsbCheckOptions {
        query_lockdown: args.usb.usb_fixture.is_none(),
        ..UsbCheckOptions::default()
    };
    let (scan, findings) = match bus.enumerate() {
        Ok(inv) => {
            let scan = scan_inventory(bus.source(), &inv);
            let mut f = scan_findings(&scan, &opts);
            f.extend(lockdown_findings(&scan, &opts));
            (Some(scan), f)
        }
        Err(e @ rd_device::BusError::Fixture { .. }) => return Err(Fail::usage(e.to_string())),
        Err(e) => (None, vec![bus_error_finding(&e)]),
    };
    let report = Report::new("devices", Some(bus.source()), findings);
    if args.json {
        let empty = Vec::new();
        let json = DevicesJson {
            report: &report,
            source: &bus.source(),
            devices: scan.as_ref().map_or(&empty, |s| &s.devices),
            other_usb_devices: scan.as_ref().map_or(0, |s| s.other_devices),
        };
        crate::render::print_json(&json);
    } else {
        let mut buf = Vec::new();
        let _ = write_listing(&mut buf, scan.as_ref(), &report, &bus.source());
        emit(&String::from_utf8_lossy(&buf));
    }
    if args.watch {
        watch(bus.as_ref(), scan, args.json, args.for_seconds);
    }
    Ok(fail::exit_for(report.worst()))
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
    scan: Option<&Scan>,
    report: &Report,
    source: &str,
) -> std::io::Result<()> {
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
        write_finding(out, f)?;
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

#[derive(Serialize)]
struct WatchLine<'a> {
    at_ms: u128,
    #[serde(flatten)]
    change: &'a Change,
}

/// Polls every 250 ms and prints changes until `for_seconds` (if given) runs out.
fn watch(bus: &dyn UsbBus, first: Option<Scan>, json: bool, for_seconds: Option<u64>) {
    let clock: Box<dyn Clock> = clock_from_env();
    let start = clock.now();
    let limit = for_seconds.map(Duration::from_secs);
    let mut before = first.map(|s| s.devices).unwrap_or_default();
    let mut unavailable_said = false;
    if !json {
        let mut out = anstream::stdout().lock();
        let _ = writeln!(
            out,
            "\n{d}Watching USB (every 250 ms); Ctrl-C stops.{d:#}",
            d = dim()
        );
    }
    loop {
        clock.sleep(rd_device::dfu::helper::POLL_INTERVAL);
        let at = clock.now().saturating_sub(start);
        if limit.is_some_and(|l| at > l) {
            break;
        }
        let now = match bus.poll() {
            Ok(inv) => scan_inventory(bus.source(), &inv).devices,
            Err(e) => {
                if !unavailable_said {
                    anstream::eprintln!("restore-doctor: {e}");
                    unavailable_said = true;
                }
                if limit.is_none() {
                    break;
                }
                continue;
            }
        };
        for c in diff(&before, &now) {
            let line = if json {
                let line = WatchLine {
                    at_ms: at.as_millis(),
                    change: &c,
                };
                serde_json::to_string(&line).unwrap_or_default()
            } else {
                format!("[{:>6.2} s] {}", at.as_secs_f64(), describe_change(&c))
            };
            emit(&(line + "\n"));
        }
        let _ = std::io::stdout().flush();
        before = now;
    }
}
