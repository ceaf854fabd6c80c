//! `restore-doctor error <CODE|TEXT>...`: what a restore error means, its family of cause and the
//! remedies worth trying, in order (answered by `rd_engine::lookup::error`).

use crate::fail::CmdResult;
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
pub fn run(args: Args, cx: &super::Context) -> CmdResult {
    let report = rd_engine::lookup::error(&args.query.join(" "))?;
    if args.json {
        cx.render.print_json(&report);
    } else {
        cx.render.print_report(&report);
    }
    // An answer was produced: that is success, even though the error itself is bad news.
    Ok(ExitCode::SUCCESS)
}
