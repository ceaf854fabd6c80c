//! `restore-doctor errors [--family F]`: every known restore error (code, family, title) and the
//! range rules for numbers without an entry of their own.

use crate::fail::{CmdResult, Fail};
use crate::render;
use rd_kb::{ErrorEntry, RangeRule};
use rd_model::Family;
use serde::Serialize;
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

/// One listed entry in JSON.
#[derive(Serialize)]
struct Listed<'a> {
    id: &'a str,
    code: &'a str,
    kind: rd_kb::Kind,
    family: Family,
    title: &'a str,
    confidence: rd_model::Confidence,
    remedies: &'a [&'a str],
}

/// The JSON document `errors --json` prints.
#[derive(Serialize)]
struct Listing<'a> {
    entries: Vec<Listed<'a>>,
    ranges: Vec<&'a RangeRule>,
}

/// Runs `errors`.
pub fn run(args: Args) -> CmdResult {
    let family = match &args.family {
        Some(name) => Some(
            name.parse::<Family>()
                .map_err(|e| Fail::usage(e.to_string()))?,
        ),
        None => None,
    };
    let wanted = |f: Family| family.is_none_or(|want| want == f);
    let entries: Vec<&ErrorEntry> = rd_kb::entries()
        .iter()
        .filter(|e| wanted(e.family))
        .collect();
    let ranges: Vec<&RangeRule> = rd_kb::ranges()
        .iter()
        .filter(|r| wanted(r.family))
        .collect();
    if args.json {
        let listing = Listing {
            entries: entries
                .iter()
                .map(|e| Listed {
                    id: e.id,
                    code: e.code,
                    kind: e.kind,
                    family: e.family,
                    title: e.title,
                    confidence: e.confidence,
                    remedies: e.remedies,
                })
                .collect(),
            ranges,
        };
        render::print_json(&listing);
    } else {
        render::emit(&table(&entries, &ranges, family));
    }
    Ok(ExitCode::SUCCESS)
}

/// The text listing: one line per entry, then the range rules.
fn table(entries: &[&ErrorEntry], ranges: &[&RangeRule], family: Option<Family>) -> String {
    let (b, d) = (render::bold(), render::dim());
    let mut out = String::new();
    let scope = family.map_or("all families".to_string(), |f| f.as_str().to_string());
    let _ = writeln!(
        out,
        "{b}{} known restore errors ({scope}){b:#}",
        entries.len()
    );
    let (mut numbers, texts): (Vec<&ErrorEntry>, Vec<&ErrorEntry>) =
        entries.iter().partition(|e| e.kind == rd_kb::Kind::Number);
    numbers.sort_by_key(|e| e.value());
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
