//! `restore-doctor catalog` (being built; see its issue).

use crate::fail::{CmdResult, Fail};

/// Arguments of `catalog`.
#[derive(Debug, Default, clap::Args)]
pub struct Args {
    /// Free-form arguments (placeholder until the command lands).
    pub rest: Vec<String>,
}

/// Runs `catalog`.
pub fn run(_args: Args) -> CmdResult {
    Err(Fail::usage(
        "the 'catalog' command is not available in this build yet",
    ))
}
