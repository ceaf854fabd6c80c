//! `restore-doctor error <CODE|TEXT>...`: what a restore error means, its family of cause and the
//! remedies worth trying, in order.

use crate::fail::{CmdResult, Fail};
use crate::render;
use rd_model::Report;
use std::process::ExitCode;

/// Arguments of `error`.
#[derive(Debug, Default, clap::Args)]
pub struct Args {
    /// The error number or message: `4013`, `-1`, `0xE8000015`, `Error 4013`, or the whole dialog
    /// text. Several words are joined into one query.
    #[arg(value_name = "CODE|TEXT", allow_negative_numbers = true)]
    pub query: Vec<String>,

    /// Print the answer as JSON (a report with one finding) instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Runs `error`: exit 0 with the answer, 1 when the code or text is unknown, 2 on empty input.
pub fn run(args: Args) -> CmdResult {
    let query = args.query.join(" ");
    if query.trim().is_empty() {
        return Err(Fail::usage(
            "give an error number or message, e.g. `restore-doctor error 4013`",
        ));
    }
    let found = rd_kb::lookup(&query);
    let Some(finding) = found.finding() else {
        return Err(Fail::not_found(found.not_found_message()));
    };
    let report = Report::new("error", found.subject(), vec![finding]);
    if args.json {
        render::print_json(&report);
    } else {
        render::print_report(&report);
    }
    // An answer was produced: that is success, even though the error itself is bad news.
    Ok(ExitCode::SUCCESS)
}
