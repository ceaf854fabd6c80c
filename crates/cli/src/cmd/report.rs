//! `restore-doctor report`: one shareable file (HTML or Markdown) with a checkup, the connected
//! devices, the newest (or given) restore log's diagnosis and that device's attempt history,
//! redacted by default. Gathering and rendering live in `rd_report`; this resolves paths and
//! options and writes the file.

use crate::fail::{CmdResult, EXIT_OK, Fail};
use rd_report::{AssembleOptions, CheckupPlan, Format};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Arguments of `report`.
#[derive(Debug, Default, clap::Args)]
pub struct Args {
    /// Write the report here; `.md` gives Markdown, anything else HTML
    /// [default: restore-doctor-report-<time>.html in the current folder]
    #[arg(long, value_name = "FILE.html|FILE.md")]
    pub out: Option<PathBuf>,

    /// The restore log to include [default: the newest one on this computer]
    #[arg(long, value_name = "FILE")]
    pub log: Option<PathBuf>,

    /// An IPSW (file or URL) to check against the connected device, as `checkup --ipsw` does
    #[arg(long, value_name = "FILE|URL")]
    pub ipsw: Option<String>,

    /// Keep device identifiers (ECID, serial number, IMEI, UDID); masked by default
    #[arg(long)]
    pub no_redact: bool,

    /// Leave out the computer checkup (it asks Apple's servers over the network)
    #[arg(long)]
    pub no_checkup: bool,

    /// Run only these checkup checks (ids, comma-separated or repeated)
    #[arg(long, value_delimiter = ',', value_name = "ID")]
    pub only: Vec<String>,

    /// Checkup config file (TOML); default: <config dir>/restore-doctor/config.toml
    #[arg(long, value_name = "FILE", env = "RESTORE_DOCTOR_CONFIG")]
    pub config: Option<PathBuf>,

    /// Overwrite FILE if it exists
    #[arg(long)]
    pub force: bool,

    /// Where USB devices are read from (the bus, or a recorded inventory).
    #[command(flatten)]
    pub usb: super::usb_source::UsbSource,
}

/// Runs `report`.
pub fn run(args: Args, cx: &super::Context) -> CmdResult {
    let now = rd_history::time::now_unix();
    let out = args.out.clone().unwrap_or_else(|| {
        PathBuf::from(format!(
            "restore-doctor-report-{}.html",
            rd_history::time::compact_utc(now)
        ))
    });
    if out.exists() && !args.force {
        return Err(Fail::usage(format!(
            "'{}' exists; choose another --out or add --force to overwrite it",
            out.display()
        )));
    }
    let log = match &args.log {
        Some(p) => Ok(p.clone()),
        None => rd_report::newest_log(log_layout().as_ref()),
    };
    // The report's checkup and IPSW check run with the settings `checkup --config FILE` uses
    // (proxy variables, host captures), like the web page's.
    let (config, _) = super::checkup::effective_config(
        &super::checkup::Args {
            config: args.config.clone(),
            ..Default::default()
        },
        cx.config_env(),
    )?;
    let ipsw = args.ipsw.as_ref().map(|location| rd_report::IpswPlan {
        location: location.clone(),
        net: config.net_config(std::time::Duration::from_secs(60)),
        tss_url: config.tss_url.clone(),
    });
    let (bundle, notices) = super::block_on(rd_report::assemble(AssembleOptions {
        checkup: CheckupPlan::select(
            args.no_checkup
                .then(|| "left out (--no-checkup)".to_string()),
            &args.only,
            config,
        )?,
        usb: args.usb.source(cx),
        log,
        ipsw,
        history_dir: cx.history.recording_dir().map(Path::to_path_buf),
        redact: !args.no_redact,
        now,
    }))?;
    for n in notices {
        anstream::eprintln!("restore-doctor: {n}");
    }
    let text = rd_report::render(&bundle, Format::for_path(&out));
    std::fs::write(&out, text)
        .map_err(|e| Fail::usage(format!("cannot write '{}': {e}", out.display())))?;
    println!("Wrote {}", out.display());
    if args.no_redact {
        println!("It contains your device's identifiers (ECID, serial number, IMEI, UDID).");
    }
    Ok(ExitCode::from(EXIT_OK))
}

/// Where the newest restore log is looked for: this computer's log folders under the home folder.
fn log_layout() -> Option<rd_locate::Layout> {
    let home = dirs::home_dir()?;
    let root = if cfg!(windows) {
        PathBuf::from("C:\\")
    } else {
        PathBuf::from("/")
    };
    Some(rd_locate::Layout {
        home,
        root,
        platform: rd_locate::Platform::current(),
    })
}
