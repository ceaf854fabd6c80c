//! `restore-doctor ipsw FILE|URL [--device …] [--verify] [--crc]`: is this IPSW the right one for
//! the device, and intact? Logic lives in `rd_firmware`; this is glue and output.

use crate::fail::{self, CmdResult, Fail};
use crate::render;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rd_firmware::catalog_update::{self, ActiveCatalog};
use rd_firmware::http::HttpClient;
use rd_firmware::inspect::{self, IpswFacts, IpswKind};
use rd_firmware::ipswme::{self, IpswMe};
use rd_firmware::{hash, integrity, verdict};
use rd_model::{Evidence, Family, Finding, Report, Severity};
use serde::Serialize;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

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

/// Hands the process's proxy variables (`HTTPS_PROXY`, `no_proxy`…) to the configuration when
/// it reads the environment and names none itself: the libraries read no environment.
pub fn apply_proxy_environment(cfg: &mut rd_probe::Config) {
    if cfg.proxy.environment && cfg.proxy.variables.is_none() {
        cfg.proxy.variables = Some(
            std::env::vars()
                .filter(|(k, _)| k.to_ascii_lowercase().ends_with("_proxy"))
                .collect(),
        );
    }
}

impl NetOpts {
    /// The network layer's settings: the config file, then `--connect-to`, `--resolver`, the
    /// proxy environment and `--timeout` (each step gets at most 10 s of it).
    pub fn net_config(&self) -> Result<rd_net::NetConfig, Fail> {
        let (mut cfg, _) = rd_probe::Config::load(self.config.as_deref())
            .map_err(|e| Fail::usage(e.to_string()))?;
        apply_connect_to(&mut cfg, &self.connect_to)?;
        if let Some(r) = &self.resolver {
            cfg.dns.system_resolver = r.clone();
        }
        apply_proxy_environment(&mut cfg);
        cfg.validate().map_err(|e| Fail::usage(e.to_string()))?;
        let total = Duration::from_secs(self.timeout.clamp(1, 600));
        let mut net = cfg.net_config(total);
        net.step_timeout = total.min(Duration::from_secs(10));
        Ok(net)
    }

    /// The HTTP client over the network layer.
    pub fn client(&self) -> Result<HttpClient, Fail> {
        Ok(HttpClient::with_net(rd_net::Client::new(
            self.net_config()?,
        )))
    }

    /// The catalog to use; a damaged cache file is reported on stderr and skipped.
    pub fn catalog(&self) -> ActiveCatalog {
        let dir = self
            .cache_dir
            .clone()
            .or_else(catalog_update::default_cache_dir);
        let (cat, note) = ActiveCatalog::load(dir.as_deref());
        if let Some(n) = note {
            anstream::eprintln!("restore-doctor: note: {n}");
        }
        cat
    }

    /// The ipsw.me client.
    pub fn ipswme(&self) -> Result<IpswMe, Fail> {
        Ok(IpswMe::new(self.client()?, &self.api))
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

#[derive(Serialize)]
struct JsonOut<'a> {
    #[serde(flatten)]
    report: &'a Report,
    ipsw: IpswFacts,
    catalog: String,
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

/// Compares with ipsw.me's SHA-1 for this build (best effort; network trouble is a warning).
fn online_finding(net: &NetOpts, facts: &IpswFacts, d: &hash::Digests) -> Finding {
    let build = facts.build.clone().unwrap_or_default();
    let Some(pt) = facts.product_types.first() else {
        return Finding::new(
            "firmware.integrity.ipswme",
            Family::Unknown,
            Severity::Info,
            "ipsw.me not asked: the IPSW lists no device",
            "",
        );
    };
    let api = match net.ipswme() {
        Ok(api) => api,
        Err(e) => {
            return Finding::new(
                "firmware.integrity.ipswme",
                Family::Network,
                Severity::Warn,
                "ipsw.me could not be asked for this build's digests",
                e.to_string(),
            );
        }
    };
    match api.device(pt) {
        Err(e) => Finding::new(
            "firmware.integrity.ipswme",
            Family::Network,
            Severity::Warn,
            "ipsw.me could not be asked for this build's digests",
            e.to_string(),
        ),
        Ok(dev) => {
            let fw = dev
                .value
                .firmwares
                .iter()
                .find(|f| f.buildid.eq_ignore_ascii_case(&build));
            let src = Evidence::new(
                format!("{} at {}", dev.url, dev.date.clone().unwrap_or_default()),
                "asked",
            );
            match fw.and_then(|f| f.sha1sum.clone().or(f.sha256sum.clone()).map(|h| (f, h))) {
                None => Finding::new(
                    "firmware.integrity.ipswme",
                    Family::WrongFirmware,
                    Severity::Info,
                    format!("ipsw.me has no digest for build {build}"),
                    "Not known there either; that does not mean the file is damaged.",
                ),
                Some((f, _)) => {
                    let same = f.sha1sum.as_deref().is_some_and(|h| h.eq_ignore_ascii_case(&d.sha1))
                        || f.sha256sum.as_deref().is_some_and(|h| h.eq_ignore_ascii_case(&d.sha256));
                    if same {
                        Finding::new(
                            "firmware.integrity.ipswme",
                            Family::WrongFirmware,
                            Severity::Ok,
                            "ipsw.me's digest matches",
                            "",
                        )
                    } else {
                        Finding::new(
                            "firmware.integrity.ipswme",
                            Family::WrongFirmware,
                            Severity::Fail,
                            "ipsw.me records a different digest for this build: the file is damaged or altered",
                            format!("ipsw.me: SHA-1 {}", f.sha1sum.as_deref().unwrap_or("-")),
                        )
                        .with_remedies(rd_kb::remedies(&["firmware-redownload"]))
                    }
                }
            }
            .with_evidence(src)
        }
    }
}

/// Runs `ipsw`.
pub fn run(args: Args) -> CmdResult {
    if let Some(Action::Get(get)) = args.action {
        return super::ipsw_get::run(get);
    }
    let target = args.target.clone().unwrap_or_default();
    let devices = match &args.device {
        Some(q) => Some(rd_catalog::devices::resolve(q).map_err(|e| Fail::usage(e.to_string()))?),
        None => None,
    };
    let is_url = inspect::is_url(&target);
    if is_url && (args.verify || args.crc) {
        return Err(Fail::usage(
            "--verify and --crc read the whole file; download the IPSW and pass the file path",
        ));
    }
    let client = args.net.client()?;
    let src = inspect::open(&target, &client).map_err(|e| Fail::usage(e.to_string()))?;
    let ipsw = inspect::inspect(src.as_ref()).map_err(|e| Fail::usage(e.to_string()))?;
    let catalog = args.net.catalog();
    let mut digests = None;
    if args.verify {
        let pb = progress_bar(ipsw.size, args.json, "hashing");
        let d = hash::hash_file(std::path::Path::new(&target), &|n| pb.set_position(n))
            .map_err(|e| Fail::usage(e.to_string()))?;
        pb.finish_and_clear();
        digests = Some(d);
    }
    let (mut findings, facts, cat_label) = catalog.with(|cat| {
        let rows = verdict::catalog_rows(cat, &ipsw);
        let entry = rows.first();
        let mut f = vec![verdict::facts_finding(&ipsw, entry)];
        f.extend(verdict::not_restore_finding(&ipsw));
        if let Some(dev) = &devices
            && ipsw.kind == IpswKind::Restore
        {
            f.push(verdict::device_finding(&ipsw, dev));
        }
        f.extend(verdict::name_finding(&ipsw));
        f.push(verdict::catalog_finding(cat, &ipsw, &rows));
        if let Some(d) = &digests {
            f.push(integrity::hash_finding(cat, &ipsw, d));
        }
        (f, ipsw.facts(entry), cat.info.to_string())
    });
    let problems = if is_url {
        ipsw.index.problems.clone()
    } else {
        integrity::check_local_headers(src.as_ref(), &ipsw.index)
    };
    findings.push(integrity::zip_finding(&ipsw, &problems));
    if args.crc {
        let total = ipsw.index.entries.iter().map(|e| e.compressed_size).sum();
        let pb = progress_bar(total, args.json, "checking CRCs");
        findings.push(integrity::crc_finding(src.as_ref(), &ipsw.index, &|n| {
            pb.set_position(n)
        }));
        pb.finish_and_clear();
    }
    if args.online
        && let Some(d) = &digests
    {
        findings.push(online_finding(&args.net, &facts, d));
    }
    let report = Report::new("ipsw", Some(ipsw.name.clone()), findings);
    if args.json {
        render::print_json(&JsonOut {
            report: &report,
            ipsw: facts,
            catalog: cat_label,
        });
    } else {
        render::print_report(&report);
        render::emit(&format!(
            "\n{d}Catalog used: {cat_label}{d:#}\n",
            d = render::dim()
        ));
    }
    Ok(fail::exit_for(report.worst()))
}
