//! `restore-doctor catalog [info|update|find]`: which firmware catalog answers, refreshing it from
//! ipsw.me, and looking builds up in it.

use super::ipsw::NetOpts;
use crate::fail::{CmdResult, EXIT_OK, Fail};
use crate::render;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rd_firmware::catalog_update;
use serde::Serialize;
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

#[derive(Serialize)]
struct Row {
    os: String,
    version: String,
    build: String,
    product_types: Vec<String>,
    released: Option<String>,
    beta: bool,
    rc: bool,
    url: Option<String>,
    sha1: Option<String>,
    sha256: Option<String>,
    size: Option<u64>,
}

/// Runs `catalog`.
pub fn run(args: Args) -> CmdResult {
    match args.action.clone().unwrap_or(Action::Info) {
        Action::Info => info(&args),
        Action::Update => update(&args),
        Action::Find { what, device } => find(&args, &what, device.as_deref()),
    }
}

fn info(args: &Args) -> CmdResult {
    let active = args.net.catalog();
    let embedded = rd_catalog::firmware::embedded().info.clone();
    let used = active.with(|c| c.info.clone());
    if args.json {
        render::print_json(&serde_json::json!({
            "used": used.to_string(),
            "embedded": embedded.to_string(),
            "updated": matches!(active, catalog_update::ActiveCatalog::Updated { .. }),
        }));
    } else {
        render::emit(&format!(
            "Catalog used: {used}\nEmbedded:     {embedded}\n{}",
            if matches!(active, catalog_update::ActiveCatalog::Embedded) {
                "Run `restore-doctor catalog update` to fetch builds newer than the embedded catalog.\n"
            } else {
                ""
            }
        ));
    }
    Ok(ExitCode::from(EXIT_OK))
}

fn update(args: &Args) -> CmdResult {
    let dir = args
        .net
        .cache_dir
        .clone()
        .or_else(catalog_update::default_cache_dir)
        .ok_or_else(|| Fail::usage("no cache directory is known here; pass --cache-dir DIR"))?;
    let pb = if !args.json && std::io::stderr().is_terminal() {
        ProgressBar::with_draw_target(Some(1), ProgressDrawTarget::stderr())
    } else {
        ProgressBar::hidden()
    };
    pb.set_style(
        ProgressStyle::with_template("asking ipsw.me {bar:40} {pos}/{len} devices")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let api = args.net.ipswme()?;
    let result = catalog_update::update(&api, &dir, &|done, total| {
        pb.set_length(total as u64);
        pb.set_position(done as u64);
    });
    pb.finish_and_clear();
    let sum = result.map_err(|e| Fail::not_found(format!("catalog update failed: {e}")))?;
    if args.json {
        render::print_json(&sum);
    } else {
        render::emit(&format!(
            "Updated the firmware catalog from {}: {} IPSWs for {} devices, {}.\nWritten to {}; every firmware answer now uses it.\n",
            args.net.api, sum.rows, sum.devices, sum.date, sum.path
        ));
    }
    Ok(ExitCode::from(EXIT_OK))
}

fn find(args: &Args, what: &str, device: Option<&str>) -> CmdResult {
    let pts: Option<Vec<String>> = match device {
        Some(q) => Some(
            rd_catalog::devices::resolve(q)
                .map_err(|e| Fail::usage(e.to_string()))?
                .iter()
                .map(|d| d.product_type.clone())
                .collect(),
        ),
        None => None,
    };
    let active = args.net.catalog();
    let (rows, label) = active.with(|c| {
        let t = what.trim();
        let rows: Vec<Row> = c
            .entries()
            .iter()
            .filter(|f| f.build.eq_ignore_ascii_case(t) || f.version == t)
            .filter(|f| {
                pts.as_ref()
                    .is_none_or(|p| p.iter().any(|pt| f.supports(pt)))
            })
            .map(|f| Row {
                os: f.os.into(),
                version: f.version.into(),
                build: f.build.into(),
                product_types: f.product_types().map(str::to_string).collect(),
                released: f.released.map(str::to_string),
                beta: f.beta,
                rc: f.rc,
                url: f.url.map(str::to_string),
                sha1: f.sha1.map(str::to_string),
                sha256: f.sha256.map(str::to_string),
                size: f.size,
            })
            .collect();
        (rows, c.info.to_string())
    });
    if rows.is_empty() {
        return Err(Fail::not_found(format!(
            "no IPSW for '{what}'{} in the catalog ({label}); newer builds need `restore-doctor catalog update`",
            device.map(|d| format!(" and {d}")).unwrap_or_default()
        )));
    }
    if args.json {
        render::print_json(&serde_json::json!({ "catalog": label, "ipsws": rows }));
    } else {
        let mut text = String::new();
        for r in &rows {
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
            "{d}Catalog used: {label}{d:#}\n",
            d = render::dim()
        ));
        render::emit(&text);
    }
    Ok(ExitCode::from(EXIT_OK))
}
