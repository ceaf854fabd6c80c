//! `restore-doctor catalog [info|update|find]`: which firmware catalog answers, refreshing it from
//! ipsw.me, and looking builds up in it (answered by `rd_engine::catalog`).

use super::ipsw::NetOpts;
use crate::fail::{CmdResult, EXIT_OK};
use crate::render;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::process::ExitCode;

/// What to do with the catalog.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum Action {
    /// Show which catalog answers (embedded or updated) and its date (the default)
    Info,
    /// Refresh the catalog from ipsw.me into the cache directory
    Update,
    /// List the IPSWs for a build or version, optionally for one device
    Find {
        /// Build (19H386) or version (15.8.3)
        #[arg(value_name = "BUILD|VERSION")]
        what: String,
        /// Only IPSWs for this device (product type, model number, board or CPID:BDID)
        #[arg(long, short)]
        device: Option<String>,
    },
}

/// Arguments of `catalog`.
#[derive(Debug, Default, clap::Args)]
pub struct Args {
    /// What to do; `info` when omitted
    #[command(subcommand)]
    pub action: Option<Action>,

    /// Print JSON
    #[arg(long, global = true)]
    pub json: bool,

    #[command(flatten)]
    pub net: NetOpts,
}

/// Runs `catalog`.
pub fn run(args: Args, cx: &super::Context) -> CmdResult {
    match args.action.clone().unwrap_or(Action::Info) {
        Action::Info => info(&args, cx),
        Action::Update => update(&args, cx),
        Action::Find { what, device } => find(&args, &what, device.as_deref(), cx),
    }
}

fn note(n: &Option<String>) {
    if let Some(n) = n {
        anstream::eprintln!("restore-doctor: note: {n}");
    }
}

fn info(args: &Args, cx: &super::Context) -> CmdResult {
    let i = rd_engine::catalog::info_blocking(&args.net.engine(cx.config_env())?);
    note(&i.note);
    if args.json {
        cx.render.print_json(&i);
    } else {
        cx.render.emit(&format!(
            "Catalog used: {}\nEmbedded:     {}\n{}",
            i.used,
            i.embedded,
            if i.updated {
                ""
            } else {
                "Run `restore-doctor catalog update` to fetch builds newer than the embedded catalog.\n"
            }
        ));
    }
    Ok(ExitCode::from(EXIT_OK))
}

fn update(args: &Args, cx: &super::Context) -> CmdResult {
    let net = args.net.engine(cx.config_env())?;
    let pb = if !args.json && std::io::stderr().is_terminal() {
        ProgressBar::with_draw_target(Some(1), ProgressDrawTarget::stderr())
    } else {
        ProgressBar::hidden()
    };
    pb.set_style(
        ProgressStyle::with_template("asking ipsw.me {bar:40} {pos}/{len} devices")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let result = rd_engine::catalog::update_blocking(&net, &|done, total| {
        pb.set_length(total as u64);
        pb.set_position(done as u64);
    });
    pb.finish_and_clear();
    let sum = result?;
    if args.json {
        cx.render.print_json(&sum);
    } else {
        cx.render.emit(&format!(
            "Updated the firmware catalog from {}: {} IPSWs for {} devices, {}.\nWritten to {}; every firmware answer now uses it.\n",
            args.net.api, sum.rows, sum.devices, sum.date, sum.path
        ));
    }
    Ok(ExitCode::from(EXIT_OK))
}

fn find(args: &Args, what: &str, device: Option<&str>, cx: &super::Context) -> CmdResult {
    let found =
        rd_engine::catalog::find_blocking(&args.net.engine(cx.config_env())?, what, device)?;
    note(&found.note);
    if args.json {
        cx.render.print_json(&found);
    } else {
        let mut text = String::new();
        for r in &found.ipsws {
            text.push_str(&format!(
                "{} {} ({}){}{} — {}\n  {}\n  SHA-1 {}  SHA-256 {}  {} bytes\n",
                r.os,
                r.version,
                r.build,
                if r.beta { " beta" } else { "" },
                if r.rc { " RC" } else { "" },
                r.product_types.join(", "),
                r.url.as_deref().unwrap_or("(no URL known)"),
                r.sha1.as_deref().unwrap_or("-"),
                r.sha256.as_deref().unwrap_or("-"),
                r.size.map(|s| s.to_string()).unwrap_or("?".into()),
            ));
        }
        text.push_str(&format!(
            "{d}Catalog used: {}{d:#}\n",
            found.catalog,
            d = render::dim()
        ));
        cx.render.emit(&text);
    }
    Ok(ExitCode::from(EXIT_OK))
}
