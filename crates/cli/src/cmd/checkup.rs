//! `restore-doctor checkup` (the default command): checks this computer before a restore —
//! internet, Apple's servers, DNS, hosts file, TLS interception, proxy, Apple's status, TSS,
//! host software and disk — concurrently, then prints a one-line-per-check summary and the
//! details of everything that is not fine. The checks, their selection and the USB section run
//! in `rd_engine::checkup`; this is arguments and output.

use crate::fail::{self, CmdResult, Fail};
use crate::render;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rd_device::ModeNeed;
use rd_engine::checkup::{CheckResult, CheckupOptions, Config, ConfigSource, Event};
use rd_model::{Finding, Severity};
use std::collections::BTreeSet;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What `--fix` may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FixTarget {
    /// Remove Apple-host entries from the hosts file (a backup is written first; the diff is shown).
    Hosts,
}

/// Arguments of `checkup`.
#[derive(Debug, Default, clap::Args)]
pub struct Args {
    /// Print the findings as JSON (a report of kind "checkup")
    #[arg(long)]
    pub json: bool,

    /// Run only these checks (ids, comma-separated or repeated), e.g. `net.dns,sec.hosts_file`
    #[arg(long, value_delimiter = ',', value_name = "ID")]
    pub only: Vec<String>,

    /// Skip these checks (ids, comma-separated or repeated)
    #[arg(long, value_delimiter = ',', value_name = "ID")]
    pub skip: Vec<String>,

    /// Config file (TOML); default: <config dir>/restore-doctor/config.toml
    #[arg(long, value_name = "FILE", env = "RESTORE_DOCTOR_CONFIG")]
    pub config: Option<PathBuf>,

    /// Hosts file to read (and fix) instead of the system's
    #[arg(long, value_name = "FILE")]
    pub hosts_file: Option<PathBuf>,

    /// Public resolver(s) to compare DNS answers with (IP:PORT, repeatable)
    #[arg(long, value_name = "IP:PORT")]
    pub resolver: Vec<String>,

    /// Resolver treated as the system's: `os` or IP:PORT
    #[arg(long, value_name = "os|IP:PORT")]
    pub system_resolver: Option<String>,

    /// URL of Apple's system status data
    #[arg(long, value_name = "URL")]
    pub status_url: Option<String>,

    /// URL of Apple's TSS signing server
    #[arg(long, value_name = "URL")]
    pub tss_url: Option<String>,

    /// Extra PEM file trusted as an Apple root, besides the built-in Apple Root CA, G2, G3 (repeatable)
    #[arg(long, value_name = "PEM")]
    pub apple_roots: Vec<PathBuf>,

    /// Connect to ADDR instead of resolving HOST (HOST[:PORT]=IP[:PORT], repeatable)
    #[arg(long, value_name = "HOST=ADDR")]
    pub connect_to: Vec<String>,

    /// Folder where firmware is downloaded (for the free-space check)
    #[arg(long, value_name = "DIR")]
    pub download_dir: Option<PathBuf>,

    /// Fix a problem: `hosts` removes Apple entries from the hosts file, after a backup
    #[arg(long, value_enum, value_name = "WHAT")]
    pub fix: Vec<FixTarget>,

    /// Print the effective configuration as TOML and exit
    #[arg(long)]
    pub print_config: bool,

    /// The mode the coming restore needs; a device in another mode is flagged
    #[arg(long, value_enum, value_name = "MODE", default_value_t = NeedArg::Any)]
    pub need: NeedArg,

    /// Where USB devices are read from (the bus, or a recorded inventory).
    #[command(flatten)]
    pub usb: super::usb_source::UsbSource,

    /// Will this IPSW (file or URL) restore the connected device? Checks its build identities
    /// against the device's chip and board, its structure, and whether Apple signs it for
    /// that device
    #[arg(long, value_name = "FILE|URL")]
    pub ipsw: Option<String>,
}

/// The device mode a restore needs, as `--need` takes it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum NeedArg {
    /// Any mode: just report it.
    #[default]
    Any,
    /// A normally booted device (update, or restore of a working device).
    Normal,
    /// Recovery or DFU mode (the device does not boot).
    Recovery,
    /// DFU mode only.
    Dfu,
}

impl From<NeedArg> for ModeNeed {
    fn from(n: NeedArg) -> Self {
        match n {
            NeedArg::Any => ModeNeed::Any,
            NeedArg::Normal => ModeNeed::Normal,
            NeedArg::Recovery => ModeNeed::RecoveryOrDfu,
            NeedArg::Dfu => ModeNeed::Dfu,
        }
    }
}

/// The configuration: the file (`--config` or `RESTORE_DOCTOR_CONFIG`), then what the
/// environment gave at start-up (proxy variables, host-software captures) and the flags.
/// `serve` and `report` use it too, so the web checkup and the report's run with the same
/// settings.
pub fn effective_config(
    args: &Args,
    env: &rd_probe::Environment,
) -> Result<(Config, ConfigSource), Fail> {
    // clap reads RESTORE_DOCTOR_CONFIG for `checkup`; the bare command (no subcommand) has no
    // parsed flags, so the value read at start-up stands in (`Config::load` takes it from `env`).
    let (cfg, source) =
        Config::load(args.config.as_deref(), env).map_err(|e| Fail::usage(e.to_string()))?;
    let mut cfg = cfg.with_environment(env);
    if let Some(p) = &args.hosts_file {
        cfg.hosts_file = Some(p.clone());
    }
    if !args.resolver.is_empty() {
        cfg.dns.public_resolvers = args.resolver.clone();
    }
    if let Some(r) = &args.system_resolver {
        cfg.dns.system_resolver = r.clone();
    }
    if let Some(u) = &args.status_url {
        cfg.status_url = u.clone();
    }
    if let Some(u) = &args.tss_url {
        cfg.tss_url = u.clone();
    }
    cfg.tls.apple_roots.extend(args.apple_roots.iter().cloned());
    super::ipsw::apply_connect_to(&mut cfg, &args.connect_to)?;
    if let Some(d) = &args.download_dir {
        cfg.download_dir = Some(d.clone());
    }
    cfg.validate().map_err(|e| Fail::usage(e.to_string()))?;
    Ok((cfg, source))
}

fn progress(n: usize, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::with_draw_target(Some(n as u64), ProgressDrawTarget::stderr());
    pb.set_style(
        ProgressStyle::with_template("{spinner} checking {pos}/{len}  {wide_msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    pb.enable_steady_tick(Duration::from_millis(80));
    pb
}

fn fix_hosts(cfg: &Config, json: bool) -> Result<(), Fail> {
    let path = cfg.hosts_path();
    match rd_probe::hosts::fix(&path, &cfg.apple_domains) {
        Ok(None) => {
            if !json {
                println!(
                    "--fix hosts: {} has no Apple entries; nothing changed.\n",
                    path.display()
                );
            }
            Ok(())
        }
        Ok(Some(out)) => {
            let text = format!(
                "--fix hosts: backed up {} to {}\n{}Changed {} line(s). Flush the DNS cache (or reboot) for it to take effect.\n",
                path.display(),
                out.backup.display(),
                out.diff,
                out.changed_lines
            );
            if json {
                eprint!("{text}");
            } else {
                println!("{text}");
            }
            Ok(())
        }
        Err(e) => Err(Fail::not_found(format!(
            "--fix hosts: {e} (nothing was changed; editing the hosts file usually needs administrator rights)"
        ))),
    }
}

fn summary_line(out: &mut impl Write, r: &CheckResult) -> std::io::Result<()> {
    let f = &r.finding;
    if r.skipped {
        return writeln!(out, "{d}[-] {}{d:#}", f.title, d = render::dim());
    }
    let st = render::severity_style(f.severity);
    writeln!(out, "{st}[{}]{st:#} {}", f.severity.mark(), f.title)
}

fn write_text(
    out: &mut impl Write,
    results: &[CheckResult],
    source: &ConfigSource,
    elapsed: Duration,
    render: &render::RenderOptions,
) -> std::io::Result<()> {
    let from = match source {
        ConfigSource::Defaults => "built-in defaults".to_string(),
        ConfigSource::File(p) => p.display().to_string(),
    };
    writeln!(
        out,
        "{b}restore-doctor checkup{b:#}  {d}({} checks in {:.1} s; config: {from}){d:#}",
        results.len(),
        elapsed.as_secs_f64(),
        b = render::bold(),
        d = render::dim()
    )?;
    for r in results {
        summary_line(out, r)?;
    }
    let details: Vec<&Finding> = results
        .iter()
        .filter(|r| !r.skipped && r.finding.severity > Severity::Ok)
        .map(|r| &r.finding)
        .collect();
    for f in &details {
        writeln!(out)?;
        render.write_finding(out, f)?;
    }
    let mut codes: BTreeSet<u32> = BTreeSet::new();
    for f in details.iter().filter(|f| f.severity >= Severity::Warn) {
        codes.extend(f.error_codes.iter().filter_map(|c| c.parse::<u32>().ok()));
    }
    let count = |s: Severity| {
        results
            .iter()
            .filter(|r| !r.skipped && r.finding.severity == s)
            .count()
    };
    let skipped = results.iter().filter(|r| r.skipped).count();
    writeln!(out)?;
    write!(
        out,
        "{} ok, {} warning(s), {} failure(s), {} skipped",
        count(Severity::Ok) + count(Severity::Info),
        count(Severity::Warn),
        count(Severity::Fail),
        skipped
    )?;
    if codes.is_empty() {
        writeln!(out, ".")?;
    } else {
        let list: Vec<String> = codes.iter().map(u32::to_string).collect();
        writeln!(
            out,
            "; these problems show up as restore errors {}.",
            list.join(", ")
        )?;
    }
    Ok(())
}

/// Runs `checkup`.
pub fn run(args: Args, cx: &super::Context) -> CmdResult {
    let selected = rd_engine::checkup::select(&args.only, &args.skip)?;
    let (cfg, source) = effective_config(&args, cx.config_env())?;
    if args.print_config {
        print!("{}", cfg.to_toml());
        return Ok(std::process::ExitCode::SUCCESS);
    }
    if args.fix.contains(&FixTarget::Hosts) {
        fix_hosts(&cfg, args.json)?;
    }
    let bar = progress(selected.probe.len(), args.json);
    let running: Arc<Mutex<BTreeSet<String>>> = Arc::new(Mutex::new(BTreeSet::new()));
    let (bar2, running2) = (bar.clone(), running.clone());
    let on_event = move |ev: Event| {
        let Ok(mut set) = running2.lock() else { return };
        match ev {
            Event::Started { id } => {
                set.insert(id);
            }
            Event::Finished { id, .. } => {
                set.remove(&id);
                bar2.inc(1);
            }
        }
        bar2.set_message(set.iter().cloned().collect::<Vec<_>>().join(" "));
    };
    let started = std::time::Instant::now();
    let opts = CheckupOptions {
        config: cfg,
        only: args.only.clone(),
        skip: args.skip.clone(),
        need: args.need.into(),
        usb: args.usb.source(cx),
        ipsw: args.ipsw.clone(),
    };
    let done = super::block_on(rd_engine::checkup::checkup(opts, on_event))??;
    bar.finish_and_clear();
    let elapsed = started.elapsed();
    super::history::after_checkup(&done.report, cx);
    if args.json {
        cx.render.print_json(&done.report);
    } else {
        let mut out = Vec::new();
        let _ = write_text(&mut out, &done.results, &source, elapsed, &cx.render);
        cx.render.emit(&String::from_utf8_lossy(&out));
    }
    Ok(fail::exit_for(done.report.worst()))
}
