//! `restore-doctor ipsw get DEVICE [VERSION|BUILD]`: downloads the right, signed IPSW and
//! verifies it while it downloads. The logic is in `rd_download`; this turns the options into
//! its inputs (network settings shared with `signed`, the catalog, the signing check) and
//! prints the plan, the progress bar and the result.

use super::ipsw::NetOpts;
use crate::fail::{CmdResult, EXIT_FINDING_FAIL, EXIT_OK, Fail};
use rd_download::{Deps, Expected, FetchOptions, GetError, LiveSigning, Manual, NetTransport};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// Arguments of `ipsw get`.
#[derive(Debug, Default, clap::Args)]
pub struct Args {
    /// The device: product type (iPhone10,4), model number, board, CPID:BDID, or `connected`
    #[arg(value_name = "DEVICE")]
    pub device: String,

    /// Version (16.7.10) or build (20H350); default: the newest build Apple signs for it
    #[arg(value_name = "VERSION|BUILD")]
    pub target: Option<String>,

    /// Folder to save the IPSW in (default: Downloads, else the current folder)
    #[arg(long, short, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Download even when Apple does not sign the build
    #[arg(long)]
    pub force: bool,

    /// Ask only ipsw.me whether the build is signed, not Apple's TSS
    #[arg(long)]
    pub no_tss: bool,

    /// URL of Apple's TSS server
    #[arg(long, value_name = "URL", env = "RESTORE_DOCTOR_TSS_URL", default_value = rd_firmware::tss::DEFAULT_URL)]
    pub tss_url: String,

    /// Download this URL instead of the catalog's (mirrors, tests); needs --sha1 or --sha256
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,

    /// With --url: the expected SHA-1
    #[arg(long, value_name = "HEX", requires = "url")]
    pub sha1: Option<String>,

    /// With --url: the expected SHA-256
    #[arg(long, value_name = "HEX", requires = "url")]
    pub sha256: Option<String>,

    /// With --url: the expected size in bytes
    #[arg(long, value_name = "BYTES", requires = "url")]
    pub size: Option<u64>,

    /// Print the plan and the result as JSON (no progress bar)
    #[arg(long)]
    pub json: bool,

    /// Free bytes to assume in the output folder (tests)
    #[arg(
        long,
        value_name = "BYTES",
        env = "RESTORE_DOCTOR_FREE_SPACE",
        hide = true
    )]
    pub free_space: Option<u64>,

    /// Pause before reconnecting after a dropped connection, in milliseconds
    #[arg(long, value_name = "MS", default_value_t = 1000, hide = true)]
    pub retry_ms: u64,

    #[command(flatten)]
    pub net: NetOpts,
}

#[derive(serde::Serialize)]
struct JsonOut<'a> {
    plan: &'a rd_download::Plan,
    #[serde(skip_serializing_if = "Option::is_none")]
    download: Option<&'a rd_download::Fetched>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

fn fail_for(e: GetError) -> Fail {
    match e {
        GetError::Usage(m) => Fail::usage(m),
        other => Fail::not_found(other.to_string()),
    }
}

/// Runs `ipsw get`.
pub fn run(args: Args, cx: &super::Context) -> CmdResult {
    let env = cx.config_env();
    let net = args.net.engine(env)?;
    let transport = NetTransport::new(net.config.clone());
    let client = net.client();
    let signing = LiveSigning {
        client: client.clone(),
        ipswme: net.ipswme(),
        tss_url: args.tss_url.clone(),
        skip_tss: args.no_tss,
    };
    let api = net.ipswme();
    let list = move |pt: &str| api.device(pt).ok().map(|d| d.value.firmwares);
    let fixed_free = args.free_space;
    let free = move |dir: &std::path::Path| fixed_free.or_else(|| rd_download::free_space(dir));
    let out_dir = args
        .out
        .clone()
        .or_else(dirs::download_dir)
        .unwrap_or_else(|| PathBuf::from("."));
    if !out_dir.is_dir() {
        return Err(Fail::usage(format!(
            "'{}' is not a folder",
            out_dir.display()
        )));
    }
    let req = rd_download::Request {
        device: args.device.clone(),
        target: args.target.clone(),
        out_dir,
        force: args.force,
        manual: args.url.clone().map(|url| Manual {
            url,
            expected: Expected {
                size: args.size,
                sha1: args.sha1.clone(),
                sha256: args.sha256.clone(),
            },
            file_name: None,
        }),
        usb_fixture: cx.env.fake_usb.clone(),
    };
    let (catalog, note) = net.catalog();
    if let Some(n) = note {
        anstream::eprintln!("restore-doctor: note: {n}");
    }
    catalog.with(|cat| {
        let deps = Deps {
            transport: &transport,
            signing: &signing,
            ipswme: &list,
            free_space: &free,
            catalog: cat,
            fetch: FetchOptions {
                backoff: Duration::from_millis(args.retry_ms),
                ..FetchOptions::default()
            },
        };
        let plan = rd_download::plan(&req, &deps).map_err(fail_for)?;
        if !args.json {
            let mut t = format!(
                "{} ({}, {}): {} ({}) from {}\n  {}\n  -> {}\n",
                plan.name,
                plan.product_type,
                plan.board,
                plan.ipsw.version,
                plan.ipsw.build,
                plan.ipsw.source,
                plan.ipsw.url,
                plan.path.display()
            );
            if let Some(s) = &plan.signing {
                t.push_str(&format!("  signing: {}\n", s.said));
            }
            for n in &plan.notes {
                t.push_str(&format!("  note: {n}\n"));
            }
            if plan.resume_from > 0 {
                t.push_str(&format!(
                    "  resuming after {} bytes from an earlier run\n",
                    plan.resume_from
                ));
            }
            cx.render.emit(&t);
        }
        let bar = rd_download::progress::Bar::new(!args.json);
        let result = rd_download::execute(&plan, &deps, &|done, total| bar.update(done, total));
        bar.finish();
        match result {
            Ok(f) => {
                if args.json {
                    cx.render.print_json(&JsonOut {
                        plan: &plan,
                        download: Some(&f),
                        error: None,
                    });
                } else {
                    cx.render.emit(&format!(
                        "Verified {} ({} bytes)\n  SHA-1   {}\n  SHA-256 {}\n",
                        f.path.display(),
                        f.digests.bytes,
                        f.digests.sha1,
                        f.digests.sha256
                    ));
                }
                Ok(ExitCode::from(EXIT_OK))
            }
            Err(e) if args.json => {
                cx.render.print_json(&JsonOut {
                    plan: &plan,
                    download: None,
                    error: Some(e.to_string()),
                });
                Ok(ExitCode::from(EXIT_FINDING_FAIL))
            }
            Err(e) => Err(fail_for(e)),
        }
    })
}
