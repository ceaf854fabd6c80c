//! One module per subcommand; each owns its clap `Args` and a `run` function that turns them
//! (with the [`Context`] every command shares) into the engine's typed options (`rd_engine`),
//! calls the engine, and renders its report.

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
use crate::environment::Environment;
use crate::fail::{CmdResult, Fail};
use crate::render::RenderOptions;
use rd_engine::EngineError;

/// What every command gets besides its own arguments: how to render, the environment as read
/// once at start-up, and where (and whether) attempts are recorded.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// Redaction and width.
    pub render: RenderOptions,
    /// The process environment, read once.
    pub env: Environment,
    /// The attempt history's folder and whether this run records.
    pub history: history::HistorySettings,
}

impl Context {
    /// From the global flags (`--redact`, `--no-history`) and the environment.
    pub fn new(redact: bool, no_history: bool, env: Environment) -> Context {
        Context {
            render: RenderOptions::new(redact, env.columns),
            history: history::HistorySettings::new(env.data_dir.clone(), !no_history),
            env,
        }
    }

    /// The checkup configuration's view of the environment.
    pub fn config_env(&self) -> &rd_probe::Environment {
        &self.env.config
    }
}

impl From<EngineError> for Fail {
    fn from(e: EngineError) -> Self {
        match e {
            EngineError::NotFound(m) => Fail::not_found(m),
            EngineError::Usage(m) | EngineError::Failed(m) => Fail::usage(m),
        }
    }
}

/// Runs an engine future to completion on the binary's runtime (libraries never build one):
/// two worker threads, so the checkup's checks run in parallel; whatever blocking work is
/// still pending at the end (an OS name lookup past its check's budget) is abandoned rather
/// than waited for.
pub fn block_on<F: std::future::Future>(work: F) -> Result<F::Output, Fail> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Fail::usage(format!("could not start: {e}")))?;
    let out = runtime.block_on(work);
    runtime.shutdown_background();
    Ok(out)
}

/// Runs the chosen subcommand (`checkup` when none was given).
pub fn dispatch(cli: Cli, cx: &Context) -> CmdResult {
    match cli.command {
        None => checkup::run(checkup::Args::default(), cx),
        Some(Command::Checkup(a)) => checkup::run(a, cx),
        Some(Command::Error(a)) => error::run(a, cx),
        Some(Command::Errors(a)) => errors::run(a, cx),
        Some(Command::Log(a)) => log::run(a, cx),
        Some(Command::Logs(a)) => logs::run(a, cx),
        Some(Command::Ipsw(a)) => ipsw::run(a, cx),
        Some(Command::Signed(a)) => signed::run(a, cx),
        Some(Command::Catalog(a)) => catalog::run(a, cx),
        Some(Command::Devices(a)) => devices::run(a, cx),
        Some(Command::Dfu(a)) => dfu::run(a, cx),
        Some(Command::Serve(a)) => serve::run(a, cx),
        Some(Command::Watch(a)) => watch::run(a, cx),
        Some(Command::History(a)) => history::run(a, cx),
        Some(Command::Report(a)) => report::run(a, cx),
        Some(Command::Completions(a)) => completions::run(a),
        Some(Command::Man) => completions::man(),
    }
}
