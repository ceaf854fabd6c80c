//! The live routes, as server-sent events: `devices?watch=1` (the listing, then each change),
//! `dfu?watch=1` (the helper's steps, countdown ticks, what USB shows, and the outcome) and
//! `watch` (the restore timeline from `rd_watch`, the same objects as `watch --json`, recorded
//! in the attempt history as `watch` records it).
//! The engine's blocking helpers run on a blocking thread and hand events over a small channel;
//! a closed page stops them. Every stream ends with an `end` event so the page does not reconnect.

use crate::problem::ApiError;
use crate::routes::Shared;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use rd_device::dfu::PlanStep;
use rd_device::dfu::helper::{BusEvent, Console};
use rd_engine::devices::{DevicesOptions, WatchOptions};
use rd_engine::dfu::{DfuOptions, Session, Start};
use serde::Serialize;
use serde_json::json;
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::mpsc::Sender;

/// How long one device watch runs (helper time) before the page must ask again.
const WATCH_LIMIT: Duration = Duration::from_secs(600);

fn event<T: Serialize>(name: &str, value: &T, redact: bool) -> Event {
    let text = serde_json::to_string(value).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    let text = if redact {
        rd_model::redact::redact(&text)
    } else {
        text
    };
    Event::default().event(name).data(text)
}

fn stream(rx: tokio::sync::mpsc::Receiver<Event>) -> Response {
    let events = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|e| (Ok::<Event, Infallible>(e), rx))
    });
    Sse::new(events)
        .keep_alive(KeepAlive::default())
        .into_response()
}

fn problem(tx: &Sender<Event>, e: &rd_engine::EngineError) {
    let _ = tx.blocking_send(event("problem", &json!({ "error": e.to_string() }), false));
}

fn end(tx: &Sender<Event>) {
    let _ = tx.blocking_send(Event::default().event("end").data("{}"));
}

/// `GET /api/devices?watch=1`.
pub(crate) fn devices(
    s: &Shared,
    opts: DevicesOptions,
    redact: bool,
) -> Result<Response, ApiError> {
    let permit = s
        .live
        .clone()
        .try_acquire_owned()
        .map_err(|_| ApiError::busy())?;
    let (tx, rx) = tokio::sync::mpsc::channel::<Event>(16);
    let watch = WatchOptions {
        usb: opts.usb.clone(),
        clock: s.state.clock,
        limit: Some(WATCH_LIMIT),
    };
    // The first look is awaited (booted devices are asked over usbmuxd); the watch polls the
    // bus on the blocking pool.
    tokio::spawn(async move {
        let first = rd_engine::devices::devices(opts).await;
        let _ = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            match first {
                Err(e) => problem(&tx, &e),
                Ok(first) => {
                    if tx.blocking_send(event("devices", &first, redact)).is_ok() {
                        let result = rd_engine::devices::watch(
                            &watch,
                            first.devices,
                            || !tx.is_closed(),
                            |change| tx.blocking_send(event("change", &change, redact)).is_ok(),
                        );
                        if let Err(e) = result {
                            problem(&tx, &e);
                        }
                    }
                }
            }
            end(&tx);
        })
        .await;
    });
    Ok(stream(rx))
}

/// Shows the helper in the page: one event per step, tick and bus change.
struct PageConsole {
    tx: Sender<Event>,
}

impl PageConsole {
    fn send<T: Serialize>(&self, name: &str, value: &T) -> bool {
        self.tx.blocking_send(event(name, value, false)).is_ok()
    }
}

impl Console for PageConsole {
    fn step(&mut self, step: &PlanStep, total: usize) {
        self.send("step", &json!({ "step": step, "total": total }));
    }

    fn tick(&mut self, step: &PlanStep, remaining: u32) {
        self.send(
            "tick",
            &json!({ "number": step.number, "cue": step.cue, "remaining": remaining }),
        );
    }

    /// The page's Start button was the "ready"; a closed page cancels.
    fn ready(&mut self, _step: &PlanStep) -> bool {
        !self.tx.is_closed()
    }

    fn settling(&mut self, seconds: u32) {
        self.send("settling", &json!({ "seconds": seconds }));
    }

    fn bus_event(&mut self, event: &BusEvent, at: Duration) {
        let text = match event {
            BusEvent::Left => "the device left USB (expected when it restarts)".to_string(),
            BusEvent::Appeared(m) => format!("USB now shows {}", m.label()),
        };
        self.send(
            "bus",
            &json!({ "text": text, "at_ms": at.as_millis() as u64 }),
        );
    }
}

/// `GET /api/dfu?watch=1`: one attempt of the live helper.
pub(crate) fn dfu(s: &Shared, opts: DfuOptions, redact: bool) -> Result<Response, ApiError> {
    let permit = s
        .live
        .clone()
        .try_acquire_owned()
        .map_err(|_| ApiError::busy())?;
    let (tx, rx) = tokio::sync::mpsc::channel::<Event>(64);
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        match Session::start(&opts) {
            Err(e) => problem(&tx, &e),
            Ok(Start::NoUsb(report)) => {
                let _ = tx.blocking_send(event("done", &json!({ "report": report }), redact));
            }
            Ok(Start::Ready(mut session)) => {
                let start = json!({
                    "device": session.choice.name,
                    "target": session.plan.target.label(),
                    "intro": session.intro(),
                    "note": session.choice.note,
                    "plan": session.plan,
                });
                let _ = tx.blocking_send(event("start", &start, redact));
                let mut console = PageConsole { tx: tx.clone() };
                let done = session.attempt(&mut console);
                let _ = tx.blocking_send(event(
                    "done",
                    &json!({ "report": done.report, "outcome": done.outcome, "may_retry": done.may_retry }),
                    redact,
                ));
            }
        }
        end(&tx);
    });
    Ok(stream(rx))
}

/// How long one restore watch runs before the page must ask again (real time; a restore takes
/// well under this).
const RESTORE_WATCH_LIMIT: Duration = Duration::from_secs(3600);

/// The watcher's poll interval for the server's clock: the CLI's default in real time, shorter
/// when the clock runs fast (tests, demos).
fn watch_poll(clock: rd_engine::ClockChoice) -> Duration {
    let floor = Duration::from_millis(10);
    match clock {
        rd_engine::ClockChoice::Real => rd_watch::DEFAULT_POLL,
        rd_engine::ClockChoice::SpedUp(n) => (rd_watch::DEFAULT_POLL / n.max(1)).max(floor),
        rd_engine::ClockChoice::Fake => floor,
    }
}

/// The state of one `/api/watch` stream: the watcher (dropping it stops the watcher's thread),
/// the live-stream place it holds, and the attempt history it records in.
struct Watching {
    handle: rd_watch::WatchHandle,
    _permit: tokio::sync::OwnedSemaphorePermit,
    deadline: tokio::time::Instant,
    stopping: bool,
    ended: bool,
    recording: Option<rd_watch::Recording>,
}

impl Watching {
    /// Feeds one event to the history, as `watch` does, on a blocking thread (the store may
    /// wait for another process's lock).
    async fn record(&mut self, e: &rd_watch::Event) {
        let Some(mut r) = self.recording.take() else {
            return;
        };
        let e = e.clone();
        let done = tokio::task::spawn_blocking(move || {
            let result = r.on_event(&e);
            (r, result)
        })
        .await;
        match done {
            Ok((r, result)) => {
                if let Err(err) = result {
                    eprintln!("restore-doctor: attempt history: {err}");
                }
                self.recording = Some(r);
            }
            Err(_) => eprintln!("restore-doctor: attempt history off for this watch"),
        }
    }
}

impl Drop for Watching {
    /// A closed page ends the watch without a `Stopped` event: the diagnoses held back for it
    /// are recorded now, as `watch` records them when it stops.
    fn drop(&mut self) {
        let Some(mut r) = self.recording.take() else {
            return;
        };
        let mut flush = move || {
            if let Err(err) = r.flush() {
                eprintln!("restore-doctor: attempt history: {err}");
            }
        };
        match tokio::runtime::Handle::try_current() {
            Ok(rt) => drop(rt.spawn_blocking(flush)),
            Err(_) => flush(),
        }
    }
}

/// `GET /api/watch`: `rd_watch`'s event stream, one `timeline` event per timeline entry, then
/// `end` after the watcher stops (at the time limit; a closed page drops the stream, which
/// stops the watcher).
pub(crate) async fn watch(s: &Shared, redact: bool) -> Result<Response, ApiError> {
    let permit = s
        .live
        .clone()
        .try_acquire_owned()
        .map_err(|_| ApiError::busy())?;
    let log_dirs = match &s.state.logs {
        Some(l) => rd_watch::LogDirs::Discover {
            home: l.home.clone(),
            platform: l.platform,
        },
        None => rd_watch::LogDirs::Fixed(Vec::new()),
    };
    let opts = rd_watch::Options {
        usb_fixture: s.state.usb.fixture.clone(),
        log_dirs,
        poll: watch_poll(s.state.clock),
    };
    let history_dir = s.state.history_dir.clone();
    // Opening the bus (or loading a fixture) and the history store block briefly.
    let (handle, recording) = tokio::task::spawn_blocking(move || {
        let recording = history_dir.and_then(|dir| {
            let (recording, notice) = rd_watch::Recording::open(&dir);
            if let Some(n) = notice {
                eprintln!("restore-doctor: {n}");
            }
            recording
        });
        rd_watch::spawn(opts).map(|h| (h, recording))
    })
    .await
    .map_err(|_| {
        ApiError::new(
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            "the watcher stopped unexpectedly",
        )
    })?
    .map_err(ApiError::bad_request)?;
    let state = Watching {
        handle,
        _permit: permit,
        deadline: tokio::time::Instant::now() + RESTORE_WATCH_LIMIT,
        stopping: false,
        ended: false,
        recording,
    };
    let events = futures_util::stream::unfold(state, move |mut st| async move {
        if st.ended {
            return None;
        }
        loop {
            tokio::select! {
                next = st.handle.events.recv() => {
                    let e = match next {
                        Some(e) => {
                            st.record(&e).await;
                            event("timeline", &e, redact)
                        }
                        None => {
                            st.ended = true;
                            Event::default().event("end").data("{}")
                        }
                    };
                    return Some((Ok::<Event, Infallible>(e), st));
                }
                _ = tokio::time::sleep_until(st.deadline), if !st.stopping => {
                    st.stopping = true;
                    st.handle.stop();
                }
            }
        }
    });
    Ok(Sse::new(events)
        .keep_alive(KeepAlive::default())
        .into_response())
}
