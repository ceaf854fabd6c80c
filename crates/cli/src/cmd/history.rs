//! `restore-doctor history`: the restore attempts recorded per device (`--json`, `--clear`),
//! plus the CLI's side of recording them: where the store lives (`RESTORE_DOCTOR_DATA_DIR` as
//! read at start-up, else the user's data folder), the global `--no-history` switch, and
//! [`after_log`]/[`after_checkup`], which hand a diagnosis or a checkup to
//! `rd_engine::history` (which device, recording, escalation).

use crate::environment::DATA_DIR_ENV;
use crate::fail::{CmdResult, EXIT_OK, Fail};
use crate::render::{bold, dim};
use rd_history::{Attempt, DeviceHistory, time::format_utc};
use rd_logs::Diagnosis;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Where the attempt history lives and whether this run records in it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistorySettings {
    /// The data folder: `RESTORE_DOCTOR_DATA_DIR`, else `<data dir>/restore-doctor`.
    pub dir: Option<PathBuf>,
    /// False with `--no-history`.
    pub record: bool,
}

impl HistorySettings {
    /// From the data folder the environment names (if any) and `--no-history`.
    pub fn new(from_env: Option<PathBuf>, record: bool) -> HistorySettings {
        HistorySettings {
            dir: from_env.or_else(|| dirs::data_dir().map(|d| d.join("restore-doctor"))),
            record,
        }
    }

    /// The data folder when recording is on.
    pub fn recording_dir(&self) -> Option<&Path> {
        self.dir.as_deref().filter(|_| self.record)
    }
}

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

/// Runs `history`.
pub fn run(args: Args, cx: &super::Context) -> CmdResult {
    let dir = cx.history.dir.clone().ok_or_else(|| {
        Fail::usage(format!(
            "no data folder on this system; set {DATA_DIR_ENV} to choose one"
        ))
    })?;
    let path = dir.join(rd_history::FILE_NAME);
    if args.clear {
        let had = rd_engine::history::clear_blocking(&dir)?;
        if had {
            println!("Deleted the attempt history ({}).", path.display());
        } else {
            println!("No attempt history to delete ({}).", path.display());
        }
        return Ok(ExitCode::from(EXIT_OK));
    }
    let mut listing = rd_engine::history::listing_blocking(&dir)?;
    // On the terminal the notice goes to stderr, so the JSON on stdout is the listing alone.
    if let Some(n) = listing.notice.take() {
        anstream::eprintln!("restore-doctor: {n}");
    }
    if args.json {
        cx.render.print_json(&listing);
    } else {
        let mut out = Vec::new();
        let _ = write_text(&mut out, &listing.store, &listing.devices);
        cx.render.emit(&String::from_utf8_lossy(&out));
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

/// Records the attempt a diagnosed log shows and, on a repeated failure, puts the escalation
/// first (`rd_engine::history`). Never fails the command: problems with the store are one line
/// on stderr each.
pub fn after_log(d: &mut Diagnosis, cx: &super::Context) {
    let Some(dir) = cx.history.recording_dir() else {
        return;
    };
    let usb = super::usb_source::from_env(cx);
    for n in rd_engine::history::record_log_blocking(d, dir, &usb) {
        anstream::eprintln!("restore-doctor: {n}");
    }
}

/// Records the verdict of a checkup that just ran, so an attempt soon after can show it.
pub fn after_checkup(report: &rd_model::Report, cx: &super::Context) {
    if let Some(dir) = cx.history.recording_dir() {
        rd_engine::history::record_checkup_blocking(report, dir);
    }
}
