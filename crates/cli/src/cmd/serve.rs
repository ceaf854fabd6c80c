//! `restore-doctor serve`: the local web page and JSON API (see `rd_web`).

use crate::fail::{CmdResult, Fail};
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `serve`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Port to listen on (0: any free port; the address is printed)
    #[arg(long, default_value_t = 7420)]
    pub port: u16,

    /// Address to listen on; the default keeps the page on this computer only. Another address
    /// exposes device identifiers and local files to that network (a warning says so)
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: IpAddr,

    /// Checkup configuration file (as `checkup --config`)
    #[arg(long, value_name = "FILE", env = "RESTORE_DOCTOR_CONFIG")]
    pub config: Option<PathBuf>,

    /// Where USB devices are read from (the bus, or a recorded inventory), and the helper's clock.
    #[command(flatten)]
    pub usb: super::usb_source::UsbSource,

    /// Where the page's log list, report and live watch look for restore logs (as `logs`)
    #[command(flatten)]
    pub locate: super::logs::LocateArgs,
}

/// Runs the server until interrupted.
pub fn run(args: Args, cx: &super::Context) -> CmdResult {
    let addr = SocketAddr::new(args.bind, args.port);
    // The web checkup runs with the settings `checkup --config FILE` would use.
    let (checkup, _) = super::checkup::effective_config(
        &super::checkup::Args {
            config: args.config.clone(),
            ..Default::default()
        },
        cx.config_env(),
    )?;
    // `signed` and `ipsw` answer with the network settings their commands would use.
    let net = super::ipsw::NetOpts {
        config: args.config.clone(),
        ..Default::default()
    }
    .engine(cx.config_env())?;
    // Restore logs: a --home that is not a folder is an error; no known home just lists none.
    let logs = if args.locate.home.is_some() {
        Some(args.locate.layout()?)
    } else {
        args.locate.layout().ok()
    };
    let state = rd_web::AppState {
        logs,
        // The attempt history (off with --no-history), as `log`, `history` and `report` use it.
        history_dir: cx.history.recording_dir().map(std::path::Path::to_path_buf),
        checkup,
        net: Some(net),
        usb: args.usb.source(cx),
        clock: args.usb.clock,
        ..rd_web::AppState::default()
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
        let access = rd_web::Access::for_listener(local, args.bind);
        if let Some(warning) = access.exposure_warning() {
            let style = anstyle::Style::new()
                .fg_color(Some(anstyle::AnsiColor::Red.into()))
                .bold();
            anstream::eprintln!("{style}restore-doctor: {warning}{style:#}");
        }
        let shown = if local.ip().is_unspecified() {
            SocketAddr::new(IpAddr::from([127, 0, 0, 1]), local.port())
        } else {
            local
        };
        anstream::println!("restore-doctor is serving on http://{shown}/ (Ctrl-C to stop)");
        rd_web::serve_on(listener, rd_web::AppState { access, ..state })
            .await
            .map_err(|e| Fail::usage(format!("the server stopped: {e}")))
    })?;
    Ok(ExitCode::SUCCESS)
}
