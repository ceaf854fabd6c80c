//! `restore-doctor`: why an iPhone, iPad or iPod touch failed to restore, and what to do next.

mod cli;
mod cmd;
mod fail;
mod render;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    args.color.write_global();
    render::set_redact(args.redact);
    cmd::history::set_enabled(!args.no_history);
    match cmd::dispatch(args) {
        Ok(code) => code,
        Err(fail) => {
            fail.print();
            fail.exit_code()
        }
    }
}
