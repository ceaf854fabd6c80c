//! `restore-doctor serve`: the local web page and JSON API (see `rd_web`).

use crate::fail::{CmdResult, Fail};
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `serve`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Port to listen on
    #[arg(long, default_value_t = 7420)]
    pub port: u16,

    /// Address to listen on; the default keeps the page on this computer only
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: IpAddr,

    /// Checkup configuration file (as `checkup --config`)
    #[arg(long, value_name = "FILE", env = "RESTORE_DOCTOR_CONFIG")]
    pub config: Option<PathBuf>,

    /// Where USB devices are read from (the bus, or a recorded inventory).
    #[command(flatten)]
    pub usb: super::usb_source::UsbSource,
}

/// Runs the server until interrupted.
pub fn run(args: Args) -> CmdResult {
    let addr = SocketAddr::new(args.bind, args.port);
    if !args.bind.is_loopback() {
        anstream::eprintln!(
            "restore-doctor: warning: listening on {addr}; other computers on the network can use this page"
        );
    }
    let state = rd_web::AppState {
        checkup_config: args.config,
        usb_fixture: args.usb.usb_fixture,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Fail::usage(format!("could not start the server: {e}")))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| Fail::usage(format!("cannot listen on {addr}: {e}")))?;
        let local = listener.local_addr().unwrap_or(addr);
        anstream::println!("restore-doctor is serving on http://{local}/ (Ctrl-C to stop)");
        rd_web::serve_on(listener, state)
            .await
            .map_err(|e| Fail::usage(format!("the server stopped: {e}")))
    })?;
    Ok(ExitCode::SUCCESS)
}
