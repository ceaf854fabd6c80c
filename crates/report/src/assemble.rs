//! Gathering the parts of a report through the engine's functions (devices, log) and the
//! checkup runner, and recording the log's attempt in the history like `log` does. The
//! checkup and the device look run on the caller's tokio runtime; files, the history store
//! and the IPSW preflight on its blocking pool (this crate builds no runtime).

use crate::{Bundle, DeviceRow, DevicesPart, HistoryPart, Part};
use rd_device::identify::AppleDevice;
use rd_engine::UsbSource;
use rd_engine::devices::{DevicesOptions, DevicesReport};
use rd_history::{Attempt, CheckupVerdict, DEFAULT_WAIT, Store};
use rd_logs::Diagnosis;
use rd_model::Report;
use std::path::PathBuf;

/// Whether and how the checkup runs.
#[derive(Debug, Clone)]
pub enum CheckupPlan {
    /// Leave it out, and why (shown in the report).
    Skip(String),
    /// Run these checks with this configuration.
    Run {
        /// The checkup's configuration (endpoints, resolvers, paths).
        config: Box<rd_probe::Config>,
        /// The check ids to run.
        ids: Vec<String>,
    },
}

impl CheckupPlan {
    /// The plan every surface uses: `skip` (the reason) leaves the checkup out; otherwise the
    /// checks `only` names (all when empty) run with `config`. USB/device ids in `only` belong to
    /// the report's device part, so a selection of nothing but those leaves the computer checkup
    /// out and says so. An unknown id is a usage error naming the known ones.
    pub fn select(
        skip: Option<String>,
        only: &[String],
        config: rd_probe::Config,
    ) -> Result<CheckupPlan, rd_engine::EngineError> {
        if let Some(why) = skip {
            return Ok(CheckupPlan::Skip(why));
        }
        let selection = rd_engine::checkup::select(only, &[])?;
        if !only.is_empty() && selection.probe.is_empty() {
            return Ok(CheckupPlan::Skip(
                "no computer checks among the ones asked for".into(),
            ));
        }
        Ok(CheckupPlan::Run {
            config: Box::new(config),
            ids: selection.probe.iter().map(|id| id.to_string()).collect(),
        })
    }
}

/// The restore log a report includes when none is given: the newest one found under `layout`
/// (`None`: no home folder is known), or why there is none.
pub fn newest_log(layout: Option<&rd_locate::Layout>) -> Result<PathBuf, String> {
    let Some(layout) = layout else {
        return Err(
            "no home folder is known, so no restore log was looked for; pass the log file".into(),
        );
    };
    let found = rd_engine::logs::newest_blocking(layout).map_err(|e| e.to_string())?;
    if found.path.is_file() {
        Ok(found.path)
    } else {
        Err(format!(
            "the newest restore log ({}) could not be read",
            found.path.display()
        ))
    }
}

/// How the IPSW part is checked: the firmware preflight `checkup --ipsw` runs (the IPSW's
/// identities against the connected device's chip and board, its structure, and a signing
/// request for that device).
#[derive(Debug, Clone)]
pub struct IpswPlan {
    /// The IPSW's path or URL.
    pub location: String,
    /// Network settings for URLs and the signing request.
    pub net: rd_net::NetConfig,
    /// Apple's signing server.
    pub tss_url: String,
}

/// What goes into a report.
#[derive(Debug, Clone)]
pub struct AssembleOptions {
    /// The checkup to run (or not).
    pub checkup: CheckupPlan,
    /// Where USB devices are read from.
    pub usb: UsbSource,
    /// The restore log to diagnose; `Err(why)` when there is none (shown in the report).
    pub log: Result<PathBuf, String>,
    /// An IPSW file (or URL) to check against the connected device, when one was given.
    pub ipsw: Option<IpswPlan>,
    /// The attempt history's folder; `None` when history is off.
    pub history_dir: Option<PathBuf>,
    /// Mask ECID, serial number, IMEI and UDID.
    pub redact: bool,
    /// Now, in seconds since the Unix epoch.
    pub now: u64,
}

/// Gathers every part on the caller's runtime (the checkup has its own time budget, the rest
/// is local). Returns the bundle, already redacted when asked, and lines worth telling the
/// user (a history that had to be replaced or was busy).
pub async fn assemble(opts: AssembleOptions) -> (Bundle, Vec<String>) {
    let checkup = run_checkup(&opts.checkup).await;
    let devices = rd_engine::devices::devices(DevicesOptions {
        usb: opts.usb.clone(),
        ..Default::default()
    })
    .await;
    match tokio::task::spawn_blocking(move || gather(opts, checkup, devices)).await {
        Ok(done) => done,
        Err(e) => std::panic::resume_unwind(
            e.try_into_panic()
                .unwrap_or_else(|_| Box::new("the report was cancelled")),
        ),
    }
}

/// The parts read from disk (the log, the history store) and the IPSW preflight (blocking).
fn gather(
    opts: AssembleOptions,
    checkup: Part<Report>,
    devices: Result<DevicesReport, rd_engine::EngineError>,
) -> (Bundle, Vec<String>) {
    let mut notices = Vec::new();
    let (devices_part, connected) = match devices {
        Ok(r) => (
            Part::Done(DevicesPart {
                source: r.source.clone(),
                devices: r.devices.iter().map(row).collect(),
                findings: r.report.findings.clone(),
            }),
            r.devices,
        ),
        Err(e) => (Part::Failed(e.to_string()), Vec::new()),
    };
    let (log, log_ecid) = match &opts.log {
        Ok(path) => match rd_engine::log::diagnose_path(path) {
            Ok(d) => (Part::Done(d), rd_history::ecid::ecid_in_file(path)),
            Err(e) => (Part::Failed(e.to_string()), None),
        },
        Err(why) => (Part::Skipped(why.clone()), None),
    };
    let history = history_part(&opts, &log, log_ecid, &connected, &checkup, &mut notices);
    let mut bundle = Bundle {
        tool: format!("restore-doctor {}", env!("CARGO_PKG_VERSION")),
        generated: rd_history::time::format_utc(opts.now),
        redacted: opts.redact,
        log,
        history,
        devices: devices_part,
        checkup,
        ipsw: opts.ipsw.as_ref().map(|p| ipsw_part(p, &connected)),
    };
    if opts.redact {
        let mut known = crate::identifiers(&connected);
        if let Some(e) = log_ecid {
            known.extend(crate::redact::ecid_forms(e));
        }
        bundle = crate::redact_bundle(&bundle, &known);
    }
    (bundle, notices)
}

/// The one place the report runs the checkup's host checks, on the caller's runtime.
async fn run_checkup(plan: &CheckupPlan) -> Part<Report> {
    let CheckupPlan::Run { config, ids } = plan else {
        let CheckupPlan::Skip(why) = plan else {
            unreachable!()
        };
        return Part::Skipped(why.clone());
    };
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let findings = rd_probe::run_checkup(config.as_ref().clone(), &ids).await;
    Part::Done(Report::new("checkup", None, findings))
}

/// The IPSW part, through the firmware preflight (the same one `checkup --ipsw` runs).
fn ipsw_part(plan: &IpswPlan, connected: &[AppleDevice]) -> Part<Report> {
    let devices: Vec<rd_firmware::preflight::Connected> = connected
        .iter()
        .filter(|d| d.mode != rd_device::Mode::Other)
        .map(|d| rd_firmware::preflight::Connected {
            cpid: d.serial.as_ref().and_then(|s| s.cpid),
            bdid: d.serial.as_ref().and_then(|s| s.bdid),
            ecid: d.serial.as_ref().and_then(|s| s.ecid),
            label: format!("{} in {}", d.name(), d.mode_label),
        })
        .collect();
    let client = rd_firmware::http::HttpClient::with_net(rd_net::Client::new(plan.net.clone()));
    let found = rd_firmware::preflight::check(&plan.location, &devices, &client, &plan.tss_url);
    let name = plan
        .location
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(&plan.location)
        .to_string();
    Part::Done(Report::new("ipsw", Some(name), found.findings))
}

fn row(d: &AppleDevice) -> DeviceRow {
    DeviceRow {
        name: d.name(),
        product_type: d.model.as_ref().map(|m| m.product_type.clone()),
        mode: d.mode_label.clone(),
        ecid: d.ecid.clone(),
        serial_number: d.serial.as_ref().and_then(|s| s.srnm.clone()),
        imei: d.serial.as_ref().and_then(|s| s.imei.clone()),
        instance_id: d.instance_id.clone(),
        speed: d.speed.map(|s| s.label().to_string()),
        location: d.location.clone(),
        hubs: d.hubs.iter().map(|h| h.name.clone()).collect(),
        driver: d.driver.clone(),
    }
}

/// The device the report is about: the log's ECID, else the one connected device with an ECID.
fn history_part(
    opts: &AssembleOptions,
    log: &Part<Diagnosis>,
    log_ecid: Option<u64>,
    connected: &[AppleDevice],
    checkup: &Part<Report>,
    notices: &mut Vec<String>,
) -> Part<HistoryPart> {
    let Some(dir) = &opts.history_dir else {
        return Part::Skipped("attempt history is off (--no-history)".into());
    };
    let with_ecid: Vec<u64> = connected
        .iter()
        .filter_map(AppleDevice::ecid_value)
        .collect();
    let ecid = log_ecid.or(match with_ecid.as_slice() {
        [one] => Some(*one),
        _ => None,
    });
    let opened = match Store::open(dir, DEFAULT_WAIT) {
        Ok(o) => o,
        Err(e) => return Part::Failed(e.to_string()),
    };
    notices.extend(opened.notice);
    let store = opened.store;
    if let Part::Done(r) = checkup {
        let _ = store.record_checkup(&CheckupVerdict::of(r, opts.now));
    }
    let Some(ecid) = ecid else {
        return Part::Skipped(
            "no device named: the log shows no ECID and no single device with one is connected"
                .into(),
        );
    };
    let device = store.device_key(ecid);
    let mut escalation = None;
    if let Part::Done(d) = log {
        let mut attempt = Attempt::from_diagnosis(device.clone(), d, opts.now);
        attempt.checkup = store.recent_checkup(opts.now);
        match store.record_and_escalate(&attempt) {
            Ok(e) => escalation = e,
            Err(e) => notices.push(e.to_string()),
        }
    }
    match store.attempts() {
        Ok(all) => Part::Done(HistoryPart {
            attempts: all.into_iter().filter(|a| a.device == device).collect(),
            device,
            escalation,
        }),
        Err(e) => Part::Failed(e.to_string()),
    }
}
