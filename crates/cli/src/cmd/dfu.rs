//! `restore-doctor dfu` (being built; see its issue).

use crate::fail::{CmdResult, Fail};

/// Arguments of `dfu`.
#[derive(Debug, Default, clap::Args)]
pub struct Args {
    /// Free-form arguments (placeholder until the command lands).
    pub rest: Vec<String>,
}

/// Runs `dfu`.
pub fn run(_args: Args) -> CmdResult {
    Err(Fail::usage(
        "the 'dfu' command is not available in this build yet",
    ))
}
