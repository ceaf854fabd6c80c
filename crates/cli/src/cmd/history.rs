//! `restore-doctor history`: the restore attempts recorded per device (`--json`, `--clear`),
//! plus the CLI's side of recording them: where the store lives (`RESTORE_DOCTOR_DATA_DIR`, else
//! the user's data folder; resolved here because libraries never read the environment), the
//! global `--no-history` switch, and [`after_log`], which `log` calls once per diagnosis.

use crate::fail::{CmdResult, EXIT_OK, Fail};
use crate::render::{bold, dim, print_json};
use rd_history::{Attempt, DEFAULT_WAIT, DeviceHistory, Store, by_device, time::format_utc};
use rd_logs::Diagnosis;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

/// The environment variable that moves the data folder (tests, portable use).
pub const DATA_DIR_ENV: &str = "RESTORE_DOCTOR_DATA_DIR";

static ENABLED: AtomicBool = AtomicBool::new(true);

/// Arguments of `history`.
#[derive(Debug, Default, clap::Args)]
pub struct Args {
    /// Print the attempts as JSON, grouped per device
    #[arg(long)]
    pub json: bool,

    /// Delete the attempt history
    #[arg(long)]
    pub clear: bool,
}

/// Turns recording off for this run (`--no-history`).
pub fn set_enabled(on: bool) {
    ENABLED.store(on, Ordering::Relaxed);
}

/// The data folder: `RESTORE_DOCTOR_DATA_DIR`, else `<data dir>/restore-doctor`.
pub fn data_dir() -> Option<PathBuf> {
    match std::env::var_os(DATA_DIR_ENV) {
        Some(d) if !d.is_empty() => Some(PathBuf::from(d)),
        _ => dirs::data_dir().map(|d| d.join("restore-doctor")),
    }
}

/// The data folder when recording is on.
pub fn recording_dir() -> Option<PathBuf> {
    ENABLED.load(Ordering::Relaxed).then(data_dir).flatten()
}

/// The `history --json` document.
#[derive(serde::Serialize)]
struct Listing {
    store: String,
    devices: Vec<DeviceHistory>,
}

/// Runs `history`.
pub fn run(args: Args) -> CmdResult {
    let dir = data_dir().ok_or_else(|| {
        Fail::usage(format!(
            "no data folder on this system; set {DATA_DIR_ENV} to choose one"
        ))
    })?;
    let path = dir.join(rd_history::FILE_NAME);
    if args.clear {
        let had = rd_history::clear(&dir).map_err(|e| Fail::usage(e.to_string()))?;
        if had {
            println!("Deleted the attempt history ({}).", path.display());
        } else {
            println!("No attempt history to delete ({}).", path.display());
        }
        return Ok(ExitCode::from(EXIT_OK));
    }
    let devices = if path.exists() {
        let opened = Store::open(&dir, DEFAULT_WAIT).map_err(|e| Fail::usage(e.to_string()))?;
        if let Some(n) = &opened.notice {
            anstream::eprintln!("restore-doctor: {n}");
        }
        by_device(
            opened
                .store
                .attempts()
                .map_err(|e| Fail::usage(e.to_string()))?,
        )
    } else {
        Vec::new()
    };
    if args.json {
        print_json(&Listing {
            store: path.display().to_string(),
            devices,
        });
    } else {
        let mut out = Vec::new();
        let _ = write_text(&mut out, &path.display().to_string(), &devices);
        crate::render::emit(&String::from_utf8_lossy(&out));
    }
    Ok(ExitCode::from(EXIT_OK))
}

fn write_text(out: &mut impl Write, store: &str, devices: &[DeviceHistory]) -> std::io::Result<()> {
    let (b, g) = (bold(), dim());
    if devices.is_empty() {
        writeln!(out, "No restore attempts recorded yet {g}({store}){g:#}.")?;
        writeln!(
            out,
            "{g}`restore-doctor log FILE` records one for each log that names its device.{g:#}"
        )?;
        return Ok(());
    }
    writeln!(out, "{b}Restore attempts{b:#}  {g}({store}){g:#}")?;
    for d in devices {
        writeln!(out)?;
        let product = d.product_type.as_deref().unwrap_or("unknown model");
        writeln!(
            out,
            "{b}Device {}{b:#} ({product}) — {} attempt(s)",
            d.device,
            d.attempts.len()
        )?;
        for a in &d.attempts {
            writeln!(out, "  {}  {}", format_utc(a.at), describe(a))?;
        }
    }
    Ok(())
}

fn describe(a: &Attempt) -> String {
    let mut s = match a.outcome.as_str() {
        "success" => "finished".to_string(),
        "failure" => format!("failed at {} [{}]", a.stage_label(), a.family.as_str()),
        "incomplete" => format!("stopped at {} [{}]", a.stage_label(), a.family.as_str()),
        _ => "not recognised".to_string(),
    };
    if let Some(t) = &a.tool {
        s.push_str(&format!(" ({t})"));
    }
    if !a.error_codes.is_empty() {
        s.push_str(&format!(", errors {}", a.error_codes.join(", ")));
    }
    if let Some(c) = &a.checkup {
        s.push_str(&format!("; checkup before: {}", c.summary()));
    }
    s
}

/// Records the attempt a diagnosed log shows (when the log, or the one matching connected
/// device, names the device's ECID) and, when the same failure happened before on that device,
/// puts the escalation first among the remedies and adds the finding `history.escalation`.
/// Never fails the command: problems with the store are one line on stderr.
pub fn after_log(d: &mut Diagnosis) {
    let Some(dir) = recording_dir() else { return };
    let Some(ecid) = ecid_of_log(d).or_else(|| ecid_of_connected(d)) else {
        return;
    };
    let opened = match Store::open(&dir, DEFAULT_WAIT) {
        Ok(o) => o,
        Err(e) => {
            anstream::eprintln!("restore-doctor: {e}; this attempt was not recorded");
            return;
        }
    };
    if let Some(n) = &opened.notice {
        anstream::eprintln!("restore-doctor: {n}");
    }
    let store = opened.store;
    let now = rd_history::time::now_unix();
    let mut attempt = Attempt::from_diagnosis(store.device_key(ecid), d, now);
    attempt.checkup = store.recent_checkup(now);
    match store.record_and_escalate(&attempt) {
        Ok(Some(e)) => {
            let remedy = e.as_remedy();
            d.remedies.insert(0, remedy.clone());
            if let Some(main) = d.findings.first_mut() {
                main.remedies.insert(0, remedy);
            }
            // Info, so the text output does not list it again under "Other signals"; the
            // remedy above is where it shows first.
            let mut f = e.as_finding();
            f.severity = rd_model::Severity::Info;
            d.findings.push(f);
        }
        Ok(None) => {}
        Err(e) => anstream::eprintln!("restore-doctor: {e}; this attempt was not recorded"),
    }
}

/// Records the verdict of a checkup that just ran, so an attempt soon after can show it.
pub fn after_checkup(report: &rd_model::Report) {
    let Some(dir) = recording_dir() else { return };
    if let Ok(o) = Store::open(&dir, DEFAULT_WAIT) {
        let now = rd_history::time::now_unix();
        let _ = o
            .store
            .record_checkup(&rd_history::CheckupVerdict::of(report, now));
    }
}

/// The ECID the log file names (standard input cannot be read twice).
fn ecid_of_log(d: &Diagnosis) -> Option<u64> {
    let path = d
        .file
        .as_deref()
        .filter(|f| *f != "-" && *f != "standard input")?;
    rd_history::ecid::ecid_in_file(Path::new(path))
}

/// The ECID of the one connected device whose model is the log's.
fn ecid_of_connected(d: &Diagnosis) -> Option<u64> {
    let product = d.device.as_ref()?.product_type.clone()?;
    let usb = rd_engine::UsbSource {
        fixture: super::usb_source::fixture_from_env(),
    };
    let seen = rd_engine::devices::devices_blocking(&rd_engine::devices::DevicesOptions {
        usb,
        ..Default::default()
    })
    .ok()?;
    let matching: Vec<u64> = seen
        .devices
        .iter()
        .filter(|dev| {
            dev.model
                .as_ref()
                .is_some_and(|m| m.product_type == product)
        })
        .filter_map(|dev| dev.ecid_value())
        .collect();
    match matching.as_slice() {
        [one] => Some(*one),
        _ => None,
    }
}
