//! `restore-doctor completions <SHELL>` and `restore-doctor man`.

use crate::cli::Cli;
use crate::fail::{CmdResult, Fail};
use clap::CommandFactory;
use std::process::ExitCode;

/// Arguments of `completions`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The shell to print completions for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Prints the completion script for the shell on stdout.
pub fn run(args: Args) -> CmdResult {
    let mut cmd = Cli::command();
    clap_complete::generate(
        args.shell,
        &mut cmd,
        "restore-doctor",
        &mut std::io::stdout(),
    );
    Ok(ExitCode::SUCCESS)
}

/// Prints the man page (roff) on stdout.
pub fn man() -> CmdResult {
    let man = clap_mangen::Man::new(Cli::command());
    man.render(&mut std::io::stdout())
        .map_err(|e| Fail::usage(format!("could not write the man page: {e}")))?;
    Ok(ExitCode::SUCCESS)
}
