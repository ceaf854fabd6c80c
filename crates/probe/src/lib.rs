//! restore-doctor probe: the host checkup. Checks the computer and its network before a restore
//! (internet, Apple's servers, DNS, hosts file, TLS interception, proxy, Apple's system status,
//! the TSS signing server, host software, free disk space), concurrently and within fixed time
//! budgets, and yields one `rd_model::Finding` per check. Every endpoint, resolver, path and
//! root set comes from [`Config`], so tests run entirely against servers on 127.0.0.1.
//!
//! [`run`] is `async` and spawns the checks on the caller's tokio runtime; this crate builds no
//! runtime and reads no environment variable (the program reads the environment once into an
//! [`Environment`] and applies it with [`Config::with_environment`]).

pub mod checks;
pub mod config;
pub mod data;
pub mod finding_ids;
pub mod hosts;
pub mod http;
pub mod join;
pub mod net;
pub mod runner;
pub mod tls;

pub use config::{
    CONFIG_ENV, Config, ConfigError, ConfigSource, Environment, HOST_FIXTURE_ENV, HOST_PLATFORM_ENV,
};
pub use runner::{CheckResult, Event, UnknownCheck, run, select};

/// Runs the checkup with `cfg` over the checks `ids` on the caller's runtime and returns one
/// finding per check, in order (other crates' findings, such as USB, can be appended by the
/// caller).
pub async fn run_checkup(cfg: Config, ids: &[&str]) -> Vec<rd_model::Finding> {
    run(cfg, ids, |_| {})
        .await
        .into_iter()
        .map(|r| r.finding)
        .collect()
}
