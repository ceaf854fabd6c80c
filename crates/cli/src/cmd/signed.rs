//! `restore-doctor signed` (being built; see its issue).

use crate::fail::{CmdResult, Fail};

/// Arguments of `signed`.
#[derive(Debug, Default, clap::Args)]
pub struct Args {
    /// Free-form arguments (placeholder until the command lands).
    pub rest: Vec<String>,
}

/// Runs `signed`.
pub fn run(_args: Args) -> CmdResult {
    Err(Fail::usage(
        "the 'signed' command is not available in this build yet",
    ))
}
