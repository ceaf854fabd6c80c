//! `restore-doctor`: why an iPhone, iPad or iPod touch failed to restore, and what to do next.

mod cli;
mod cmd;
mod environment;
mod fail;
mod render;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    args.color.write_global();
    let cx = cmd::Context::new(
        args.redact,
        args.no_history,
        environment::Environment::read(),
    );
    match cmd::dispatch(args, &cx) {
        Ok(code) => code,
        Err(fail) => {
            fail.print();
            fail.exit_code()
        }
    }
}
