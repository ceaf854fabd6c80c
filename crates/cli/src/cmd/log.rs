//! `restore-doctor log` (being built; see its issue).

use crate::fail::{CmdResult, Fail};

/// Arguments of `log`.
#[derive(Debug, Default, clap::Args)]
pub struct Args {
    /// Free-form arguments (placeholder until the command lands).
    pub rest: Vec<String>,
}

/// Runs `log`.
pub fn run(_args: Args) -> CmdResult {
    Err(Fail::usage(
        "the 'log' command is not available in this build yet",
    ))
}
