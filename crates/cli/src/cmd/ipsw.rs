//! `restore-doctor ipsw FILE|URL [--device …] [--verify] [--crc]`: is this IPSW the right one for
//! the device, and intact? The verdicts are chosen in `rd_engine::ipsw`; this is arguments and output.

use crate::fail::{self, CmdResult, Fail};
use crate::render;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rd_engine::ipsw::IpswOptions;
use rd_firmware::ipswme;
use std::io::IsTerminal;
use std::path::PathBuf;

/// Network and catalog options shared by `ipsw`, `signed` and `catalog`. The network part is
/// the checkup's: the same config file, `--connect-to` and resolver, turned into one
/// `rd_net::NetConfig` (trust, overrides, proxy, timeouts) by [`NetOpts::net_config`].
#[derive(Debug, Clone, clap::Args)]
pub struct NetOpts {
    /// Base URL of the ipsw.me v4 API
    #[arg(long, value_name = "URL", env = "RESTORE_DOCTOR_IPSWME_URL", default_value = ipswme::DEFAULT_BASE)]
    pub api: String,

    /// Directory of the refreshed firmware catalog (default: the user's cache dir)
    #[arg(long, value_name = "DIR", env = "RESTORE_DOCTOR_CACHE_DIR")]
    pub cache_dir: Option<PathBuf>,

    /// Seconds before a network request gives up
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    pub timeout: u64,

    /// Config file (TOML, as `checkup --print-config` prints): connect_to, dns.system_resolver, tls, proxy
    #[arg(long, value_name = "FILE", env = "RESTORE_DOCTOR_CONFIG")]
    pub config: Option<PathBuf>,

    /// Connect to ADDR instead of resolving HOST (HOST[:PORT]=IP[:PORT], repeatable)
    #[arg(long, value_name = "HOST=ADDR")]
    pub connect_to: Vec<String>,

    /// Resolve names with this nameserver (IP:PORT) instead of the system's
    #[arg(long, value_name = "IP:PORT")]
    pub resolver: Option<String>,
}

impl Default for NetOpts {
    fn default() -> Self {
        NetOpts {
            api: ipswme::DEFAULT_BASE.into(),
            cache_dir: None,
            timeout: 30,
            config: None,
            connect_to: Vec::new(),
            resolver: None,
        }
    }
}

/// Adds `--connect-to HOST[:PORT]=IP[:PORT]` flags to a config's overrides.
pub fn apply_connect_to(cfg: &mut rd_probe::Config, flags: &[String]) -> Result<(), Fail> {
    for c in flags {
        let (k, v) = c.split_once('=').ok_or_else(|| {
            Fail::usage(format!(
                "--connect-to '{c}': expected HOST[:PORT]=IP[:PORT]"
            ))
        })?;
        cfg.connect_to
            .insert(k.trim().to_string(), v.trim().to_string());
    }
    Ok(())
}

impl NetOpts {
    /// The network layer's settings: the config file, then `--connect-to`, `--resolver`, the
    /// proxy variables as the environment gave them at start-up, and `--timeout` (each step
    /// gets at most 10 s of it).
    pub fn net_config(&self, env: &rd_probe::Environment) -> Result<rd_net::NetConfig, Fail> {
        let (cfg, _) = rd_probe::Config::load(self.config.as_deref(), env)
            .map_err(|e| Fail::usage(e.to_string()))?;
        let mut cfg = cfg.with_environment(env);
        apply_connect_to(&mut cfg, &self.connect_to)?;
        if let Some(r) = &self.resolver {
            cfg.dns.system_resolver = r.clone();
        }
        cfg.validate().map_err(|e| Fail::usage(e.to_string()))?;
        Ok(rd_engine::net::net_config(&cfg, self.timeout))
    }

    /// The engine's network and catalog settings.
    pub fn engine(&self, env: &rd_probe::Environment) -> Result<rd_engine::net::Net, Fail> {
        Ok(rd_engine::net::Net {
            api: self.api.clone(),
            cache_dir: self.cache_dir.clone().or_else(|| env.cache_dir.clone()),
            config: self.net_config(env)?,
        })
    }
}

/// Arguments of `ipsw`.
#[derive(Debug, Default, clap::Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct Args {
    /// The IPSW: a file path or an http(s) URL (read with range requests, not downloaded)
    #[arg(value_name = "FILE|URL", required = true)]
    pub target: Option<String>,

    /// `get`: download the right, signed IPSW for a device, verified as it downloads
    #[command(subcommand)]
    pub action: Option<Action>,

    /// The device to check it for: product type (iPhone9,3), model number (A1778), board (d101ap) or CPID:BDID
    #[arg(long, short, value_name = "DEVICE")]
    pub device: Option<String>,

    /// Compute SHA-1 and SHA-256 in one read and compare them with the catalog (local files)
    #[arg(long)]
    pub verify: bool,

    /// Also check every entry's CRC-32 (reads and inflates the whole file)
    #[arg(long)]
    pub crc: bool,

    /// With --verify, also compare with ipsw.me's digests
    #[arg(long)]
    pub online: bool,

    /// Print the report as JSON (kind "ipsw", with the manifest facts under "ipsw")
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub net: NetOpts,
}

/// What `ipsw` can do besides inspecting a file.
#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Download the right, signed IPSW for a device (resumes; SHA-1/SHA-256 checked as it arrives)
    Get(super::ipsw_get::Args),
}

fn progress_bar(total: u64, json: bool, what: &str) -> ProgressBar {
    let pb = if !json && std::io::stderr().is_terminal() {
        ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr())
    } else {
        ProgressBar::hidden()
    };
    pb.set_style(
        ProgressStyle::with_template(&format!(
            "{what} {{bar:40}} {{bytes}}/{{total_bytes}} {{binary_bytes_per_sec}} eta {{eta}}"
        ))
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    pb
}

/// Runs `ipsw`.
pub fn run(args: Args, cx: &super::Context) -> CmdResult {
    if let Some(Action::Get(get)) = args.action {
        return super::ipsw_get::run(get, cx);
    }
    let opts = IpswOptions {
        target: args.target.clone().unwrap_or_default(),
        device: args.device.clone(),
        verify: args.verify,
        crc: args.crc,
        online: args.online,
        net: args.net.engine(cx.config_env())?,
    };
    let bar: std::sync::Mutex<Option<(&'static str, ProgressBar)>> = std::sync::Mutex::new(None);
    let progress = |what: &'static str, done: u64, total: u64| {
        let Ok(mut bar) = bar.lock() else { return };
        if bar.as_ref().is_none_or(|(w, _)| *w != what) {
            if let Some((_, old)) = bar.take() {
                old.finish_and_clear();
            }
            *bar = Some((what, progress_bar(total, args.json, what)));
        }
        if let Some((_, pb)) = bar.as_ref() {
            pb.set_position(done);
        }
    };
    let result = rd_engine::ipsw::ipsw_blocking(&opts, &progress);
    if let Ok(mut bar) = bar.lock()
        && let Some((_, pb)) = bar.take()
    {
        pb.finish_and_clear();
    }
    let out = result?;
    if let Some(n) = &out.note {
        anstream::eprintln!("restore-doctor: note: {n}");
    }
    if args.json {
        cx.render.print_json(&out);
    } else {
        cx.render.print_report(&out.report);
        cx.render.emit(&format!(
            "\n{d}Catalog used: {}{d:#}\n",
            out.catalog,
            d = render::dim()
        ));
    }
    Ok(fail::exit_for(out.report.worst()))
}
