//! `devices`: every iPhone, iPad and iPod touch on USB with its mode, model, ECID, speed and
//! hub chain, plus findings about the USB path; and `devices --watch`, the changes as they come.

use crate::usb::{BusLook, UsbSource, look};
use crate::{ClockChoice, EngineError, blocking};
use rd_device::findings::{ModeNeed, UsbCheckOptions, lockdown_findings, scan_findings};
use rd_device::identify::{AppleDevice, Scan, scan_inventory};
use rd_device::watch::{Change, diff};
use rd_model::Report;
use serde::Serialize;
use std::time::Duration;

/// Options of `devices`.
#[derive(Debug, Clone, Default)]
pub struct DevicesOptions {
    /// Where USB devices are read from.
    pub usb: UsbSource,
    /// The mode the coming restore needs; a device in another mode is flagged.
    pub need: ModeNeed,
}

/// The mode a restore needs, as the surfaces spell it: `any`, `normal`, `recovery` (Recovery
/// or DFU) or `dfu`.
pub fn parse_need(text: &str) -> Result<ModeNeed, EngineError> {
    Ok(match text.trim() {
        "" | "any" => ModeNeed::Any,
        "normal" => ModeNeed::Normal,
        "recovery" => ModeNeed::RecoveryOrDfu,
        "dfu" => ModeNeed::Dfu,
        other => {
            return Err(EngineError::Usage(format!(
                "need '{other}': expected any, normal, recovery or dfu"
            )));
        }
    })
}

/// The report of `devices`: the shared report plus the device listing.
#[derive(Debug, Clone, Serialize)]
pub struct DevicesReport {
    /// Findings about the devices and the USB path (kind `devices`).
    #[serde(flatten)]
    pub report: Report,
    /// Where the inventory came from.
    pub source: String,
    /// The Apple devices seen (empty when the bus cannot be read).
    pub devices: Vec<AppleDevice>,
    /// How many other USB devices (hubs included) were seen.
    pub other_usb_devices: usize,
    /// The whole scan, for renderers that show more than the JSON (`None`: bus unreadable).
    #[serde(skip)]
    pub scan: Option<Scan>,
}

/// Findings for one look at the bus, from the scan alone (the USB section of `checkup` uses
/// the same).
pub(crate) fn scan_findings_of(look: &BusLook, opts: &UsbCheckOptions) -> Vec<rd_model::Finding> {
    match look {
        BusLook::Seen(scan) => scan_findings(scan, opts),
        BusLook::Unreadable(finding) => vec![finding.clone()],
    }
}

/// What booted devices say over usbmuxd (trust, beta builds), after the scan's findings; empty
/// for an unreadable bus, a fixture, or a build without the `lockdown` feature.
pub(crate) async fn booted_findings(
    scan: Option<&Scan>,
    opts: &UsbCheckOptions,
    usb: &UsbSource,
) -> Vec<rd_model::Finding> {
    match scan {
        Some(scan) => lockdown_findings(scan, opts, usb.usbmuxd.as_deref()).await,
        None => Vec::new(),
    }
}

fn check_options(opts: &DevicesOptions) -> UsbCheckOptions {
    UsbCheckOptions {
        need: opts.need,
        query_lockdown: opts.usb.is_real(),
    }
}

/// Blocking body of [`devices`]: the scan and its findings, without asking booted devices over
/// usbmuxd (which [`devices`] adds).
pub fn devices_blocking(opts: &DevicesOptions) -> Result<DevicesReport, EngineError> {
    let bus = opts.usb.open()?;
    let seen = look(bus.as_ref())?;
    let findings = scan_findings_of(&seen, &check_options(opts));
    let source = bus.source();
    let scan = match seen {
        BusLook::Seen(scan) => Some(scan),
        BusLook::Unreadable(_) => None,
    };
    Ok(DevicesReport {
        report: Report::new("devices", Some(source.clone()), findings),
        source,
        devices: scan.as_ref().map(|s| s.devices.clone()).unwrap_or_default(),
        other_usb_devices: scan.as_ref().map_or(0, |s| s.other_devices),
        scan,
    })
}

/// `devices`: looks at the bus once, then asks booted devices over usbmuxd.
pub async fn devices(opts: DevicesOptions) -> Result<DevicesReport, EngineError> {
    let check = check_options(&opts);
    let usb = opts.usb.clone();
    let mut report = blocking("USB scan", move || devices_blocking(&opts)).await?;
    let booted = booted_findings(report.scan.as_ref(), &check, &usb).await;
    if !booted.is_empty() {
        let mut findings = std::mem::take(&mut report.report.findings);
        findings.extend(booted);
        report.report = Report::new("devices", Some(report.source.clone()), findings);
    }
    Ok(report)
}

/// One thing `devices --watch` noticed.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum WatchEvent {
    /// A device arrived, left or changed mode.
    Changed {
        /// Milliseconds since watching started (helper time).
        at_ms: u128,
        /// What changed.
        #[serde(flatten)]
        change: Change,
    },
    /// The bus could not be read (said once).
    Unreadable {
        /// Why.
        error: String,
    },
}

/// Options of `devices --watch`.
#[derive(Debug, Clone, Default)]
pub struct WatchOptions {
    /// Where USB devices are read from.
    pub usb: UsbSource,
    /// The clock to poll on.
    pub clock: ClockChoice,
    /// Stop after this long (helper time); `None`: until `emit` says stop.
    pub limit: Option<Duration>,
}

/// `devices --watch` (blocking): polls every 250 ms and hands each change to `emit` until the
/// limit runs out, `emit` returns false, or `wanted` (asked before every poll) says stop.
/// `before` is what the caller last showed.
pub fn watch(
    opts: &WatchOptions,
    mut before: Vec<AppleDevice>,
    wanted: impl Fn() -> bool,
    mut emit: impl FnMut(WatchEvent) -> bool,
) -> Result<(), EngineError> {
    let bus = opts.usb.open()?;
    let clock = opts.clock.start();
    let start = clock.now();
    let mut unreadable_said = false;
    loop {
        clock.sleep(rd_device::dfu::helper::POLL_INTERVAL);
        let at = clock.now().saturating_sub(start);
        if opts.limit.is_some_and(|l| at > l) || !wanted() {
            return Ok(());
        }
        let now = match bus.poll() {
            Ok(inv) => scan_inventory(bus.source(), &inv).devices,
            Err(e) => {
                if !unreadable_said {
                    unreadable_said = true;
                    if !emit(WatchEvent::Unreadable {
                        error: e.to_string(),
                    }) {
                        return Ok(());
                    }
                }
                if opts.limit.is_none() {
                    return Ok(());
                }
                continue;
            }
        };
        for change in diff(&before, &now) {
            if !emit(WatchEvent::Changed {
                at_ms: at.as_millis(),
                change,
            }) {
                return Ok(());
            }
        }
        before = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> UsbSource {
        UsbSource::fixture(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../device/tests/fixtures")
                .join(name),
        )
    }

    #[test]
    fn unreadable_bus_is_the_one_finding_and_a_bad_fixture_is_usage() {
        let r = devices_blocking(&DevicesOptions {
            usb: fixture("no_usb.json"),
            ..Default::default()
        })
        .unwrap();
        let ids: Vec<&str> = r.report.findings.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["usb.presence.unavailable"]);
        let bad = devices_blocking(&DevicesOptions {
            usb: fixture("does_not_exist.json"),
            ..Default::default()
        });
        assert!(matches!(bad, Err(EngineError::Usage(_))), "{bad:?}");
    }

    #[test]
    fn need_words() {
        assert_eq!(parse_need("dfu").unwrap(), ModeNeed::Dfu);
        assert_eq!(parse_need("recovery").unwrap(), ModeNeed::RecoveryOrDfu);
        assert!(parse_need("sideways").is_err());
    }

    #[test]
    fn watch_sees_the_flip_to_dfu_on_the_fake_clock() {
        let opts = WatchOptions {
            usb: fixture("iphone8_recovery_to_dfu.json"),
            clock: ClockChoice::Fake,
            limit: Some(Duration::from_secs(30)),
        };
        let first = devices_blocking(&DevicesOptions {
            usb: opts.usb.clone(),
            ..Default::default()
        })
        .unwrap()
        .devices;
        let mut seen = Vec::new();
        watch(
            &opts,
            first,
            || true,
            |e| {
                seen.push(serde_json::to_value(&e).unwrap());
                true
            },
        )
        .unwrap();
        let events: Vec<&str> = seen.iter().map(|v| v["event"].as_str().unwrap()).collect();
        assert_eq!(events, ["left", "arrived"], "{seen:?}");
        assert_eq!(seen[1]["device"]["mode"], "dfu");
    }
}
