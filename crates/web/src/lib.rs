//! The local web page and JSON API: the same engine and finding model as the CLI, over HTTP.
//!
//! | Route | Answers with |
//! | --- | --- |
//! | `GET /` | the page (self-contained HTML) |
//! | `GET /api/error?q=4013` | a `Report` of kind `error` (404 when unknown) |
//! | `GET /api/errors?family=usb` | the knowledge base's entries |
//! | `GET /api/checks` | every automated check and the command that runs it |
//! | `POST /api/log` (body: the log) | the log diagnosis, as `restore-doctor log --json` |
//! | `GET /api/checkup` | a `Report` of kind `checkup` (host checks and the USB section) |
//! | `GET /api/devices?need=normal` | a `Report` of kind `devices` (`need`: any, normal, recovery, dfu) |
//!
//! Every JSON route takes `?redact=1` to mask ECID, serial numbers, IMEI and UDIDs.

mod api;

pub use api::{AppState, router};

use std::net::SocketAddr;

/// Serves the page and API on `addr` until the process ends.
pub async fn serve(addr: SocketAddr, state: AppState) -> std::io::Result<()> {
    serve_on(tokio::net::TcpListener::bind(addr).await?, state).await
}

/// Serves the page and API on an already bound listener until the process ends.
pub async fn serve_on(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    axum::serve(listener, router(state)).await
}
