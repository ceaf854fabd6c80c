//! `restore-doctor checkup` (being built; see its issue).

use crate::fail::{CmdResult, Fail};

/// Arguments of `checkup`.
#[derive(Debug, Default, clap::Args)]
pub struct Args {
    /// Free-form arguments (placeholder until the command lands).
    pub rest: Vec<String>,
}

/// Runs `checkup`.
pub fn run(_args: Args) -> CmdResult {
    Err(Fail::usage(
        "the 'checkup' command is not available in this build yet",
    ))
}
