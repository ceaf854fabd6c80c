//! `checkup`: the host checks (`rd_probe`), the USB/device section and, with an IPSW, the
//! firmware preflight, selected with `only`/`skip` over one id space and judged against the
//! mode the restore needs. The CLI and the web both call [`checkup`], so `need`, `only` and
//! `skip` mean the same on both, and an unreadable bus is the same finding as in `devices`.

use crate::devices::{booted_findings, scan_findings_of};
use crate::usb::{BusLook, UsbSource, look};
use crate::{EngineError, blocking};
use rd_device::findings::{ModeNeed, UsbCheckOptions};
use rd_model::Report;
pub use rd_probe::{CheckResult, Config, ConfigSource, Event};
use std::time::{Duration, Instant};

/// Options of `checkup`.
#[derive(Debug, Clone, Default)]
pub struct CheckupOptions {
    /// The effective, validated configuration (file plus flags).
    pub config: Config,
    /// Run only these check ids (host and USB/device ids alike); empty: all.
    pub only: Vec<String>,
    /// Skip these check ids.
    pub skip: Vec<String>,
    /// The mode the coming restore needs; a device in another mode is flagged.
    pub need: ModeNeed,
    /// Where USB devices are read from.
    pub usb: UsbSource,
    /// An IPSW (file or URL) to check against the connected device.
    pub ipsw: Option<String>,
}

/// The checkup's result: one entry per check (in order), and the report every surface renders.
#[derive(Debug, Clone)]
pub struct Checkup {
    /// Per check: its finding, whether it was skipped, how long it took.
    pub results: Vec<CheckResult>,
    /// The report (kind `checkup`).
    pub report: Report,
}

/// The checks to run, split between the host checks and the USB/device section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// Host check ids, for `rd_probe`.
    pub probe: Vec<&'static str>,
    /// USB/device check ids.
    pub usb: Vec<&'static str>,
}

/// Check ids served by the USB/device section rather than `rd_probe`.
fn usb_check_ids() -> Vec<&'static str> {
    rd_kb::checks()
        .iter()
        .filter(|c| c.area == "usb" || c.area == "device")
        .map(|c| c.id.as_str())
        .collect()
}

/// The check id a USB finding belongs to: its first two dot-separated parts.
fn check_of(finding_id: &str) -> &str {
    let mut dots = finding_id.match_indices('.').map(|(i, _)| i);
    match (dots.next(), dots.next()) {
        (Some(_), Some(second)) => &finding_id[..second],
        _ => finding_id,
    }
}

/// Splits `only`/`skip` into the host checks and the USB section's, refusing unknown ids.
pub fn select(only: &[String], skip: &[String]) -> Result<Selection, EngineError> {
    let usb_ids = usb_check_ids();
    let is_usb = |id: &String| usb_ids.contains(&id.as_str());
    let (usb_only, probe_only): (Vec<String>, Vec<String>) = only.iter().cloned().partition(is_usb);
    let (usb_skip, probe_skip): (Vec<String>, Vec<String>) = skip.iter().cloned().partition(is_usb);
    let probe = rd_probe::select(&probe_only, &probe_skip).map_err(|e| {
        EngineError::Usage(format!("{e}; USB/device checks: {}", usb_ids.join(", ")))
    })?;
    let probe = if !only.is_empty() && probe_only.is_empty() {
        Vec::new()
    } else {
        probe
    };
    let usb = usb_ids
        .iter()
        .copied()
        .filter(|id| {
            (only.is_empty() || usb_only.iter().any(|o| o == id))
                && !usb_skip.iter().any(|s| s == id)
        })
        .collect();
    Ok(Selection { probe, usb })
}

/// The USB/device section: one result per finding of a selected check. The bus is read on the
/// blocking pool; booted devices are asked over usbmuxd on the caller's runtime.
async fn usb_section(
    usb: UsbSource,
    need: ModeNeed,
    selected: Vec<&'static str>,
) -> Result<Vec<CheckResult>, EngineError> {
    if selected.is_empty() {
        return Ok(Vec::new());
    }
    let started = Instant::now();
    let opts = UsbCheckOptions {
        need,
        query_lockdown: usb.is_real(),
    };
    let source = usb.clone();
    let (seen, mut findings) = blocking("USB section", move || {
        let bus = source.open()?;
        let seen = look(bus.as_ref())?;
        let findings = scan_findings_of(&seen, &opts);
        Ok((seen, findings))
    })
    .await?;
    let scan = match &seen {
        BusLook::Seen(scan) => Some(scan),
        BusLook::Unreadable(_) => None,
    };
    findings.extend(booted_findings(scan, &opts, &usb).await);
    let elapsed = started.elapsed();
    Ok(findings
        .into_iter()
        .filter(|f| selected.contains(&check_of(&f.id)))
        .map(|finding| CheckResult {
            id: check_of(&finding.id).to_string(),
            finding,
            skipped: false,
            elapsed,
        })
        .collect())
}

/// The connected Apple devices as USB shows them (chip, board and ECID from the serial string
/// in Recovery/DFU), for the IPSW preflight.
fn connected_devices(usb: &UsbSource) -> Vec<rd_firmware::preflight::Connected> {
    let Ok(bus) = usb.open() else {
        return Vec::new();
    };
    let Ok(BusLook::Seen(scan)) = look(bus.as_ref()) else {
        return Vec::new();
    };
    scan.devices
        .iter()
        .filter(|d| d.mode != rd_device::Mode::Other)
        .map(|d| rd_firmware::preflight::Connected {
            cpid: d.serial.as_ref().and_then(|s| s.cpid),
            bdid: d.serial.as_ref().and_then(|s| s.bdid),
            ecid: d.serial.as_ref().and_then(|s| s.ecid),
            label: format!(
                "{} in {}",
                d.model.as_ref().map_or("Apple device", |m| m.name.as_str()),
                d.mode_label
            ),
        })
        .collect()
}

/// The firmware preflight for the connected device, one result per finding (blocking).
fn ipsw_preflight(
    loc: &str,
    net: rd_net::NetConfig,
    tss_url: &str,
    usb: &UsbSource,
) -> Vec<CheckResult> {
    let started = Instant::now();
    let connected = connected_devices(usb);
    let client = rd_firmware::http::HttpClient::with_net(rd_net::Client::new(net));
    let preflight = rd_firmware::preflight::check(loc, &connected, &client, tss_url);
    let elapsed = started.elapsed();
    preflight
        .findings
        .into_iter()
        .map(|finding| CheckResult {
            id: "firmware.preflight".into(),
            finding,
            skipped: false,
            elapsed,
        })
        .collect()
}

/// `checkup`: runs the selected checks concurrently on the caller's runtime (host checks and
/// the USB section together, then the IPSW preflight); `on_event` hears each host check start
/// and finish (for a progress display).
pub async fn checkup(
    opts: CheckupOptions,
    on_event: impl Fn(Event) + Send + Sync + 'static,
) -> Result<Checkup, EngineError> {
    let Selection { probe, usb } = select(&opts.only, &opts.skip)?;
    opts.config
        .validate()
        .map_err(|e| EngineError::Usage(e.to_string()))?;
    let usb_section = usb_section(opts.usb.clone(), opts.need, usb);
    let preflight = opts.ipsw.clone().map(|loc| {
        (
            loc,
            opts.config.net_config(Duration::from_secs(60)),
            opts.config.tss_url.clone(),
        )
    });
    let cfg = opts.config;
    let host_checks = async move {
        if probe.is_empty() {
            Vec::new()
        } else {
            rd_probe::run(cfg, &probe, on_event).await
        }
    };
    let (mut results, usb_results) = tokio::join!(host_checks, usb_section);
    results.extend(usb_results?);
    if let Some((loc, net, tss_url)) = preflight {
        let source = opts.usb.clone();
        results.extend(
            blocking("IPSW preflight", move || {
                Ok(ipsw_preflight(&loc, net, &tss_url, &source))
            })
            .await?,
        );
    }
    let report = Report::new(
        "checkup",
        None,
        results.iter().map(|r| r.finding.clone()).collect(),
    );
    Ok(Checkup { results, report })
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
    fn check_of_takes_two_parts() {
        assert_eq!(check_of("usb.presence.unavailable"), "usb.presence");
        assert_eq!(check_of("device.mode"), "device.mode");
    }

    #[test]
    fn selection_splits_usb_from_host_checks_and_refuses_unknown_ids() {
        let all = select(&[], &[]).unwrap();
        assert!(!all.probe.is_empty() && !all.usb.is_empty());
        let only_usb = select(&["usb.presence".into()], &[]).unwrap();
        assert!(only_usb.probe.is_empty());
        assert_eq!(only_usb.usb, ["usb.presence"]);
        let skipped = select(&[], &["usb.presence".into()]).unwrap();
        assert!(!skipped.usb.contains(&"usb.presence"));
        assert!(matches!(
            select(&["no.such".into()], &[]),
            Err(EngineError::Usage(_))
        ));
    }

    #[tokio::test]
    async fn usb_only_checkup_gives_the_shared_unreadable_finding_and_honours_need() {
        let only = vec!["usb.presence".to_string()];
        let c = checkup(
            CheckupOptions {
                only: only.clone(),
                usb: fixture("no_usb.json"),
                ..Default::default()
            },
            |_| {},
        )
        .await
        .unwrap();
        let devices = crate::devices::devices_blocking(&crate::devices::DevicesOptions {
            usb: fixture("no_usb.json"),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(c.report.findings, devices.report.findings);

        let need = checkup(
            CheckupOptions {
                only: vec!["device.mode".into()],
                need: ModeNeed::Normal,
                usb: fixture("two_hubs_dfu.json"),
                ..Default::default()
            },
            |_| {},
        )
        .await
        .unwrap();
        let ids: Vec<&str> = need.report.findings.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["device.mode.wrong"]);
    }
}
