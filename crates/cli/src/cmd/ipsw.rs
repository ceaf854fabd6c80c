//! `restore-doctor ipsw` (being built; see its issue).

use crate::fail::{CmdResult, Fail};

/// Arguments of `ipsw`.
#[derive(Debug, Default, clap::Args)]
pub struct Args {
    /// Free-form arguments (placeholder until the command lands).
    pub rest: Vec<String>,
}

/// Runs `ipsw`.
pub fn run(_args: Args) -> CmdResult {
    Err(Fail::usage(
        "the 'ipsw' command is not available in this build yet",
    ))
}
