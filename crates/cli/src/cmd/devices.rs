//! `restore-doctor devices` (being built; see its issue).

use crate::fail::{CmdResult, Fail};

/// Arguments of `devices`.
#[derive(Debug, Default, clap::Args)]
pub struct Args {
    /// Free-form arguments (placeholder until the command lands).
    pub rest: Vec<String>,
}

/// Runs `devices`.
pub fn run(_args: Args) -> CmdResult {
    Err(Fail::usage(
        "the 'devices' command is not available in this build yet",
    ))
}
