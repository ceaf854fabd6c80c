//! `restore-doctor errors [--family F]`: every known restore error (code, family, title) and the
//! range rules for numbers without an entry of their own.

use crate::fail::CmdResult;
use crate::render;
use rd_engine::lookup::{Listed, Listing};
use rd_kb::Kind;
use std::fmt::Write as _;
use std::process::ExitCode;

/// Arguments of `errors`.
#[derive(Debug, Default, clap::Args)]
pub struct Args {
    /// Only this family: network, signing, security_software, usb, hardware, software_version,
    /// wrong_firmware, device_state, restore_tool or unknown.
    #[arg(long, value_name = "FAMILY")]
    pub family: Option<String>,

    /// Print JSON (`{"entries": [...], "ranges": [...]}`) instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Runs `errors`.
pub fn run(args: Args, cx: &super::Context) -> CmdResult {
    let listing = rd_engine::lookup::errors(args.family.as_deref())?;
    if args.json {
        cx.render.print_json(&listing);
    } else {
        cx.render.emit(&table(&listing));
    }
    Ok(ExitCode::SUCCESS)
}

/// The text listing: one line per entry, then the range rules.
fn table(listing: &Listing) -> String {
    let (entries, ranges) = (&listing.entries, &listing.ranges);
    let (b, d) = (render::bold(), render::dim());
    let mut out = String::new();
    let scope = listing
        .family
        .map_or("all families".to_string(), |f| f.as_str().to_string());
    let _ = writeln!(
        out,
        "{b}{} known restore errors ({scope}){b:#}",
        entries.len()
    );
    // The engine lists numbers first, in ascending order.
    let (numbers, texts): (Vec<&Listed>, Vec<&Listed>) =
        entries.iter().partition(|e| e.kind == Kind::Number);
    let code_width = numbers
        .iter()
        .map(|e| e.code.chars().count())
        .max()
        .unwrap_or(6);
    for e in &numbers {
        let _ = writeln!(
            out,
            "  {:<code_width$}  {d}{:<17}{d:#}  {}",
            e.code,
            e.family.as_str(),
            e.title
        );
    }
    if !texts.is_empty() {
        let _ = writeln!(out, "\n{b}Messages and patterns{b:#}");
        for e in &texts {
            let _ = writeln!(
                out,
                "  \"{}\"\n      {d}{:<17}{d:#}  {}",
                e.code,
                e.family.as_str(),
                e.title
            );
        }
    }
    if !ranges.is_empty() {
        let _ = writeln!(out, "\n{b}Ranges for numbers without an entry{b:#}");
        for r in ranges {
            let _ = writeln!(
                out,
                "  {:<23}  {d}{:<17}{d:#}  {}",
                r.span(),
                r.family.as_str(),
                r.title
            );
        }
    }
    let _ = writeln!(out, "\n{d}Details: restore-doctor error <CODE>{d:#}");
    out
}
