//! `restore-doctor signed DEVICE [VERSION|BUILD]`: is a build still signed? Asks ipsw.me and, with
//! a build identity read from the IPSW (local or by range requests), Apple's TSS itself.

use super::ipsw::NetOpts;
use crate::fail::{self, CmdResult};
use crate::render;
use rd_engine::signed::SignedOptions;
use rd_firmware::signing::SourceNote;
use rd_firmware::tss;

/// Arguments of `signed`.
#[derive(Debug, Default, clap::Args)]
pub struct Args {
    /// The device: product type (iPhone9,3), model number (A1778), board (d101ap) or CPID:BDID
    #[arg(value_name = "DEVICE")]
    pub device: String,

    /// Version (15.8.3) or build (19H386); default: the newest signed build
    #[arg(value_name = "VERSION|BUILD")]
    pub target: Option<String>,

    /// Take the build identity from this IPSW (file or URL) instead of the catalog's download URL
    #[arg(long, value_name = "FILE|URL")]
    pub ipsw: Option<String>,

    /// The device's ECID (hex) for the TSS request; any value answers a signing-status question
    #[arg(long, value_name = "HEX", value_parser = parse_hex)]
    pub ecid: Option<u64>,

    /// Ask only ipsw.me, not Apple's TSS
    #[arg(long)]
    pub no_tss: bool,

    /// URL of Apple's TSS server
    #[arg(long, value_name = "URL", env = "RESTORE_DOCTOR_TSS_URL", default_value = tss::DEFAULT_URL)]
    pub tss_url: String,

    /// Print the report as JSON (kind "signed", with "sources")
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub net: NetOpts,
}

fn parse_hex(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let t = t
        .strip_prefix("0x")
        .or_else(|| t.strip_prefix("0X"))
        .unwrap_or(t);
    u64::from_str_radix(t, 16).map_err(|_| format!("'{s}' is not a hex ECID"))
}

/// The sources side by side: what each said about the build, how fresh, and which to believe.
fn sources_text(sources: &[SourceNote], disagreement: Option<&str>) -> String {
    let mut text = String::from("\nSources, side by side\n");
    if sources.is_empty() {
        text.push_str("  (no source answered)\n");
    }
    for s in sources {
        let kind = match s.freshness.as_str() {
            "cached" => "cached by ipsw.me, refreshed every few hours",
            "live" => "Apple's live answer",
            other => other,
        };
        text.push_str(&format!(
            "  {} ({kind}): {}; answered {} ({})\n      {}: {}\n",
            s.source,
            s.says_text(),
            s.when,
            s.age_text(),
            s.url,
            s.said
        ));
        if let Some(m) = &s.meaning {
            text.push_str(&format!("      meaning: {m}\n"));
        }
    }
    if let Some(d) = disagreement {
        text.push_str(&format!("  They disagree. {d}\n"));
    }
    text
}

/// Runs `signed`.
pub fn run(args: Args, cx: &super::Context) -> CmdResult {
    let out = rd_engine::signed::signed_blocking(&SignedOptions {
        device: args.device.clone(),
        target: args.target.clone(),
        ipsw: args.ipsw.clone(),
        ecid: args.ecid,
        no_tss: args.no_tss,
        tss_url: args.tss_url.clone(),
        net: args.net.engine(cx.config_env())?,
    })?;
    if let Some(n) = &out.note {
        anstream::eprintln!("restore-doctor: note: {n}");
    }
    if args.json {
        cx.render.print_json(&out);
    } else {
        cx.render.print_report(&out.report);
        let mut text = sources_text(&out.sources, out.disagreement.as_deref());
        text.push_str(&format!(
            "{d}Catalog used: {}{d:#}\n",
            out.catalog,
            d = render::dim()
        ));
        cx.render.emit(&text);
    }
    Ok(fail::exit_for(out.report.worst()))
}
