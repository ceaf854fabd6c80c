//! `restore-doctor errors` (being built; see its issue).

use crate::fail::{CmdResult, Fail};

/// Arguments of `errors`.
#[derive(Debug, Default, clap::Args)]
pub struct Args {
    /// Free-form arguments (placeholder until the command lands).
    pub rest: Vec<String>,
}

/// Runs `errors`.
pub fn run(_args: Args) -> CmdResult {
    Err(Fail::usage(
        "the 'errors' command is not available in this build yet",
    ))
}
