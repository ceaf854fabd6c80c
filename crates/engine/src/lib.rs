//! The engine behind every surface of restore-doctor.
//!
//! One function per command takes typed options and returns that command's report: the same
//! value the CLI prints as text or `--json` and the web page serves from `/api/<command>`. The
//! CLI only parses arguments and renders; the web only parses queries and renders. So a rule
//! lives here once and every surface answers alike (before this crate, `checkup`, `devices` and
//! the web gave three different answers for the same unreadable USB bus).
//!
//! Functions that do I/O are `async` and run blocking work (USB, files, the log scanner) on
//! the caller's runtime with `spawn_blocking`; this crate never builds a runtime of its own and
//! never reads environment variables: everything comes in through the options.
//!
//! | Command | Function | Returns |
//! | --- | --- | --- |
//! | `catalog [find]` | [`catalog::info`], [`catalog::find`], [`catalog::update_blocking`] | [`catalog::CatalogInfo`], [`catalog::Found`] |
//! | `checkup` | [`checkup::checkup`] | [`checkup::Checkup`] (a [`Report`] of kind `checkup`) |
//! | `error` | [`lookup::error`] | [`Report`] of kind `error` |
//! | `errors` | [`lookup::errors`] | [`lookup::Listing`] |
//! | `devices` | [`devices::devices`] | [`devices::DevicesReport`] |
//! | `devices --watch` | [`devices::watch`] | a stream of [`devices::WatchEvent`] |
//! | `dfu --steps` | [`dfu::steps`] | [`dfu::Steps`] |
//! | `dfu` | [`dfu::Session`] | one [`Report`] of kind `dfu` per attempt |
//! | `ipsw` | [`ipsw::ipsw`] | [`ipsw::IpswReport`] |
//! | `signed` | [`signed::signed`] | [`signed::SignedReport`] |
//! | `log` | [`log::diagnose_reader`], [`log::diagnose_path`], [`log::diagnose_chunks`] | [`rd_logs::Diagnosis`] |
//! | `logs` | [`logs::logs_blocking`], [`logs::newest_blocking`] | [`logs::LogsListing`], [`rd_locate::FoundLog`] |
//! | `history` | [`history::listing_blocking`], [`history::clear_blocking`] | [`history::HistoryListing`] |
//! | `log`, `checkup` (recording) | [`history::record_log_blocking`], [`history::record_checkup_blocking`] | the diagnosis with its escalation |

pub mod catalog;
pub mod checkup;
pub mod clock;
pub mod devices;
pub mod dfu;
mod error;
pub mod finding_ids;
pub mod history;
pub mod ipsw;
pub mod log;
pub mod logs;
pub mod lookup;
pub mod net;
pub mod signed;
pub mod usb;

pub use clock::ClockChoice;
pub use error::EngineError;
pub use rd_model::Report;
pub use usb::UsbSource;

/// Runs blocking work on the caller's runtime's blocking pool.
pub(crate) async fn blocking<T: Send + 'static>(
    what: &str,
    work: impl FnOnce() -> Result<T, EngineError> + Send + 'static,
) -> Result<T, EngineError> {
    tokio::task::spawn_blocking(work).await.unwrap_or_else(|_| {
        Err(EngineError::Failed(format!(
            "the {what} stopped unexpectedly"
        )))
    })
}
