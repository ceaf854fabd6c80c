//! `restore-doctor watch [--json] [--log-dir DIR…]`: the live restore timeline. All the logic
//! is in `rd_watch`; this turns the options into its settings, prints its events (text or one
//! JSON object per line), records diagnosed attempts in the history, and ends on Ctrl-C.

use super::usb_source::UsbSource;
use crate::fail::{CmdResult, Fail};
use crate::render;
use rd_watch::{Event, EventKind, LogDirs, Options, Recording};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// Arguments of `watch`.
#[derive(Debug, Default, clap::Args)]
pub struct Args {
    /// Print one JSON object per event, one per line (NDJSON)
    #[arg(long)]
    pub json: bool,

    /// Follow the restore logs in this folder (repeatable); default: the folders Finder,
    /// iTunes, Apple Devices and the restore tools write to
    #[arg(long = "log-dir", value_name = "DIR")]
    pub log_dirs: Vec<PathBuf>,

    /// Home folder whose restore-log folders to follow (default: yours)
    #[arg(long, value_name = "DIR")]
    pub home: Option<PathBuf>,

    /// Milliseconds between two looks when no hot-plug or file event wakes the watcher
    #[arg(long, value_name = "MS", default_value_t = 250, value_parser = clap::value_parser!(u64).range(10..=1000))]
    pub poll_ms: u64,

    #[command(flatten)]
    pub usb: UsbSource,
}

fn print(e: &Event, json: bool, render: &render::RenderOptions) {
    if json {
        let line = serde_json::to_string(e).unwrap_or_default();
        render.emit(&format!("{line}\n"));
    } else {
        render.emit(&format!("{}\n", rd_watch::event_text(e)));
    }
}

/// Runs `watch` until Ctrl-C.
pub fn run(args: Args, cx: &super::Context) -> CmdResult {
    let log_dirs = if args.log_dirs.is_empty() {
        let home = args.home.clone().or_else(dirs::home_dir).ok_or_else(|| {
            Fail::usage("no home folder is known here; pass --log-dir DIR or --home DIR")
        })?;
        LogDirs::Discover {
            home,
            platform: rd_locate::Platform::current(),
        }
    } else {
        if let Some(d) = args.log_dirs.iter().find(|d| !d.is_dir()) {
            return Err(Fail::usage(format!("'{}' is not a folder", d.display())));
        }
        LogDirs::Fixed(args.log_dirs.clone())
    };
    let opts = Options {
        usb_fixture: args.usb.source(cx).fixture,
        log_dirs,
        poll: Duration::from_millis(args.poll_ms),
    };
    let mut recording = cx.history.recording_dir().and_then(|dir| {
        let (recording, notice) = Recording::open(dir);
        if let Some(n) = notice {
            anstream::eprintln!("restore-doctor: {n}");
        }
        recording
    });
    let mut handle = rd_watch::spawn(opts).map_err(Fail::usage)?;
    let mut failed = false;
    super::block_on(async {
        let mut stopping = false;
        loop {
            tokio::select! {
                _ = tokio::signal::ctrl_c(), if !stopping => {
                    stopping = true;
                    handle.stop();
                }
                ev = handle.events.recv() => {
                    let Some(e) = ev else { break };
                    failed |= matches!(e.kind, EventKind::Diagnosis { .. });
                    print(&e, args.json, &cx.render);
                    if let Some(r) = &mut recording {
                        match r.on_event(&e) {
                            Ok(Some(esc)) if !args.json => cx.render.emit(&format!(
                                "    {}: {}\n",
                                esc.title, esc.remedy
                            )),
                            Ok(_) => {}
                            Err(err) => anstream::eprintln!("restore-doctor: attempt history: {err}"),
                        }
                    }
                }
            }
        }
    })?;
    Ok(ExitCode::from(if failed {
        crate::fail::EXIT_FINDING_FAIL
    } else {
        crate::fail::EXIT_OK
    }))
}
