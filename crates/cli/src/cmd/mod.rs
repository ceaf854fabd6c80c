//! One module per subcommand; each owns its clap `Args` and a `run` function that turns them
//! into the engine's typed options (`rd_engine`), calls the engine, and renders its report.

pub mod catalog;
pub mod checkup;
pub mod completions;
pub mod devices;
pub mod dfu;
pub mod error;
pub mod errors;
pub mod history;
pub mod ipsw;
pub mod ipsw_get;
pub mod log;
pub mod logs;
pub mod report;
pub mod serve;
pub mod signed;
pub mod usb_source;
pub mod watch;

use crate::cli::{Cli, Command};
use crate::fail::{CmdResult, Fail};
use rd_engine::EngineError;

impl From<EngineError> for Fail {
    fn from(e: EngineError) -> Self {
        match e {
            EngineError::NotFound(m) => Fail::not_found(m),
            EngineError::Usage(m) | EngineError::Failed(m) => Fail::usage(m),
        }
    }
}

/// Runs an engine future to completion on a small runtime of the binary's own (libraries
/// never build one).
pub fn block_on<F: std::future::Future>(work: F) -> Result<F::Output, Fail> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Fail::usage(format!("could not start: {e}")))?;
    Ok(runtime.block_on(work))
}

/// Runs the chosen subcommand (`checkup` when none was given).
pub fn dispatch(cli: Cli) -> CmdResult {
    match cli.command {
        None => checkup::run(checkup::Args::default()),
        Some(Command::Checkup(a)) => checkup::run(a),
        Some(Command::Error(a)) => error::run(a),
        Some(Command::Errors(a)) => errors::run(a),
        Some(Command::Log(a)) => log::run(a),
        Some(Command::Logs(a)) => logs::run(a),
        Some(Command::Ipsw(a)) => ipsw::run(a),
        Some(Command::Signed(a)) => signed::run(a),
        Some(Command::Catalog(a)) => catalog::run(a),
        Some(Command::Devices(a)) => devices::run(a),
        Some(Command::Dfu(a)) => dfu::run(a),
        Some(Command::Serve(a)) => serve::run(a),
        Some(Command::Watch(a)) => watch::run(a),
        Some(Command::History(a)) => history::run(a),
        Some(Command::Report(a)) => report::run(a),
        Some(Command::Completions(a)) => completions::run(a),
        Some(Command::Man) => completions::man(),
    }
}
