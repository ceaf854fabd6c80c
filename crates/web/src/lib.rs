//! The local web page and JSON API: the same engine (`rd_engine`) and report JSON as the CLI's
//! `--json`, over HTTP on loopback.
//!
//! | Route | Answers with (the same JSON as) |
//! | --- | --- |
//! | `GET /` | the page (`/app.js`, `/app.css` beside it) |
//! | `GET /api/error?q=4013` | `error 4013 --json` (404 when unknown) |
//! | `GET /api/errors?family=usb` | `errors --family usb --json` |
//! | `GET /api/checks` | every automated check and the command that runs it |
//! | `POST /api/log?name=F` (body: the log, streamed) | `log F --json` |
//! | `GET /api/checkup?need=dfu&only=…&skip=…&ipsw=…` | `checkup --json` with the same options |
//! | `GET /api/signed?device=iPhone10,3&target=16.7.10` | `signed iPhone10,3 16.7.10 --json` |
//! | `GET /api/ipsw?target=URL-or-path&device=…&verify=1` | `ipsw TARGET --json` (the server reads the file) |
//! | `GET /api/catalog`, `GET /api/catalog?find=19H386&device=…` | `catalog --json`, `catalog find 19H386 --json` |
//! | `GET /api/devices?need=normal` | `devices --json` (`need`: any, normal, recovery, dfu) |
//! | `GET /api/devices?watch=1` | server-sent events: the listing, then each change |
//! | `GET /api/dfu?device=iPhone10,3&recovery=1` | `dfu iPhone10,3 --steps --json` |
//! | `GET /api/dfu?device=iPhone10,3&watch=1` | server-sent events: the live helper, step by step |
//! | `GET /api/logs` | `logs --json` (the restore logs found on this computer, newest first) |
//! | `GET /api/log?found=0` (or `?found=PATH` from that list) | `log PATH --json`, read by the server |
//! | `GET /api/history` | `history --json` |
//! | `GET /api/report?format=html\|md&no_redact=1&no_checkup=1&only=…` | `report` as a download |
//! | `GET /api/watch` | server-sent events: `watch --json`'s objects, one per event |
//!
//! Every JSON route takes `?redact=1` to mask ECID, serial numbers, IMEI and UDIDs.
//!
//! Safety on localhost (see [`guard`]): only `Host: 127.0.0.1:P`, `localhost:P` or `[::1]:P`
//! is answered (defeats DNS rebinding); a foreign `Origin` or `Sec-Fetch-Site: cross-site` is
//! refused; no CORS headers; a strict Content-Security-Policy; bounded bodies and a bounded
//! number of requests at once (503 when busy). Every error is `{"error": "…"}` ([`ApiError`]).

mod companion;
mod guard;
mod live;
mod problem;
mod routes;

pub use guard::Access;
pub use problem::ApiError;
pub use routes::router;

use rd_engine::{ClockChoice, UsbSource};
use std::net::SocketAddr;

/// Limits that keep the server's memory and threads bounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest request body (a log upload), in bytes.
    pub max_body_bytes: u64,
    /// API requests served at once; more get 503.
    pub max_in_flight: usize,
    /// Live streams (device watch, DFU helper) open at once; more get 503.
    pub max_live: usize,
    /// Log diagnoses run at once; further uploads wait their turn unread (the kernel's socket
    /// buffers hold them, not this process), so memory stays bounded however many arrive.
    pub max_diagnoses: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 64 * 1024 * 1024,
            max_in_flight: 48,
            max_live: 4,
            max_diagnoses: 4,
        }
    }
}

/// What the handlers need from the command line.
#[derive(Debug, Clone, Default)]
pub struct AppState {
    /// Who may talk to the server (its port and bind address).
    pub access: Access,
    /// The checkup's effective configuration (the same as `checkup` would use); its TSS URL
    /// serves `signed` too.
    pub checkup: rd_engine::checkup::Config,
    /// Network and catalog settings for `signed` and `ipsw` (`None`: ipsw.me's public API, the
    /// default catalog folder, and the checkup configuration's network settings).
    pub net: Option<rd_engine::net::Net>,
    /// Where USB devices are read from (the bus, or a recorded inventory).
    pub usb: UsbSource,
    /// The clock for the DFU helper's countdowns and device watching.
    pub clock: ClockChoice,
    /// Body and concurrency limits.
    pub limits: Limits,
    /// Where restore logs are looked for (`/api/logs`, `/api/log?found=`, the report's newest
    /// log, the watch's log folders); `None`: no home folder is known, so none are listed.
    pub logs: Option<rd_locate::Layout>,
    /// The attempt history's folder (`/api/history`, and where the report records and reads
    /// attempts); `None`: history is off.
    pub history_dir: Option<std::path::PathBuf>,
}

/// Serves the page and API on an already bound listener until the process ends. The port the
/// listener really has is the one `Host` must name.
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    mut state: AppState,
) -> std::io::Result<()> {
    let local = listener.local_addr()?;
    state.access = Access::for_listener(local, state.access.bind);
    // The browser sees IPv6 loopback as [::1]; Access already accepts it.
    axum::serve(listener, router(state)).await
}

/// Serves the page and API on `addr` until the process ends.
pub async fn serve(addr: SocketAddr, mut state: AppState) -> std::io::Result<()> {
    state.access.bind = addr.ip();
    serve_on(tokio::net::TcpListener::bind(addr).await?, state).await
}
