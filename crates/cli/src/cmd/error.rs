//! `restore-doctor error` (being built; see its issue).

use crate::fail::{CmdResult, Fail};

/// Arguments of `error`.
#[derive(Debug, Default, clap::Args)]
pub struct Args {
    /// Free-form arguments (placeholder until the command lands).
    pub rest: Vec<String>,
}

/// Runs `error`.
pub fn run(_args: Args) -> CmdResult {
    Err(Fail::usage(
        "the 'error' command is not available in this build yet",
    ))
}
