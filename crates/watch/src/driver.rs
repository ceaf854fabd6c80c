//! The thin I/O side: looks at the bus and the log folders, feeds the [`Timeline`], and hands the
//! events on. [`Follower::step`] is one synchronous look (tests drive it poll by poll);
//! [`spawn`] runs it on its own thread, woken by USB hot-plug and file-change events where the
//! system has them and by a short poll otherwise, until stopped.

use crate::core::{Input, Timeline};
use crate::event::Event;
use crate::follow::LogFollower;
use rd_device::{UsbBus, open_bus, scan_inventory};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Default time between two looks when nothing wakes the watcher earlier (well inside the
/// one second within which a failure must be reported).
pub const DEFAULT_POLL: Duration = Duration::from_millis(250);
/// How often the log folders themselves are looked up again (one may be created mid-watch).
const REDISCOVER_EVERY: u32 = 20;

/// Where log folders come from.
#[derive(Debug, Clone)]
pub enum LogDirs {
    /// These folders (`--log-dir`).
    Fixed(Vec<PathBuf>),
    /// The restore-log folders of this home folder and platform (via `rd-locate`), looked up
    /// again now and then.
    Discover {
        /// The home folder.
        home: PathBuf,
        /// Whose layout it is.
        platform: rd_locate::Platform,
    },
}

impl LogDirs {
    /// The folders now.
    pub fn folders(&self) -> Vec<PathBuf> {
        match self {
            LogDirs::Fixed(d) => d.clone(),
            LogDirs::Discover { home, platform } => log_folders(home, *platform),
        }
    }
}

/// The existing restore-log folders of a home folder laid out as `platform` lays it out.
pub fn log_folders(home: &std::path::Path, platform: rd_locate::Platform) -> Vec<PathBuf> {
    let root = if platform == rd_locate::Platform::current() {
        PathBuf::from(std::path::MAIN_SEPARATOR_STR)
    } else {
        home.to_path_buf()
    };
    rd_locate::log_folders(&rd_locate::Layout {
        home: home.to_path_buf(),
        root,
        platform,
    })
}

/// What to watch.
#[derive(Debug, Clone)]
pub struct Options {
    /// A recorded USB fixture instead of the real bus (`None`: the real bus, or
    /// `RESTORE_DOCTOR_FAKE_USB`).
    pub usb_fixture: Option<PathBuf>,
    /// Where restore logs are.
    pub log_dirs: LogDirs,
    /// Time between looks.
    pub poll: Duration,
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// One watcher: a bus, a log follower and the state machine.
pub struct Follower {
    bus: Box<dyn UsbBus>,
    logs: LogFollower,
    dirs: LogDirs,
    timeline: Timeline,
    steps: u32,
}

impl std::fmt::Debug for Follower {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Follower")
            .field("bus", &self.bus.source())
            .field("logs", &self.logs)
            .finish()
    }
}

impl Follower {
    /// Opens the bus (a fixture that cannot be loaded is an error) and the log folders.
    pub fn open(opts: &Options) -> Result<Follower, rd_device::BusError> {
        let bus = open_bus(opts.usb_fixture.as_deref())?;
        Ok(Follower::with_bus(bus, opts.log_dirs.clone()))
    }

    /// A follower over a given bus.
    pub fn with_bus(bus: Box<dyn UsbBus>, dirs: LogDirs) -> Follower {
        Follower {
            bus,
            logs: LogFollower::new(dirs.folders()),
            dirs,
            timeline: Timeline::new(),
            steps: 0,
        }
    }

    /// The folders followed now.
    pub fn log_dirs(&self) -> &[PathBuf] {
        self.logs.dirs()
    }

    /// One look at the bus and the logs at time `at` (Unix ms); the first one also reports the
    /// start. The bus is read before the log, so a drop and the log line explaining it that
    /// arrive together are reported in that order.
    pub fn step(&mut self, at: u64) -> Vec<Event> {
        let mut out = Vec::new();
        if self.steps == 0 {
            out.extend(self.timeline.feed(Input::Started {
                at,
                bus: self.bus.source(),
                log_dirs: self.logs.dirs().to_vec(),
            }));
        } else if self.steps.is_multiple_of(REDISCOVER_EVERY)
            && matches!(self.dirs, LogDirs::Discover { .. })
        {
            self.logs.set_dirs(self.dirs.folders());
        }
        // The first look shows the bus as it is; later ones advance a recorded sequence.
        let look = if self.steps == 0 {
            self.bus.enumerate()
        } else {
            self.bus.poll()
        };
        self.steps = self.steps.saturating_add(1);
        let bus_input = match look {
            Ok(inv) => Input::Bus {
                at,
                devices: scan_inventory(self.bus.source(), &inv).devices,
            },
            Err(e) => Input::BusUnavailable {
                at,
                reason: e.to_string(),
            },
        };
        out.extend(self.timeline.feed(bus_input));
        for input in self.logs.check(at) {
            out.extend(self.timeline.feed(input));
        }
        out
    }

    /// Ends watching: the closing event.
    pub fn stop(&mut self, at: u64) -> Vec<Event> {
        self.timeline.feed(Input::Stop { at })
    }
}

/// A running watcher: its events, and the way to stop it.
#[derive(Debug)]
pub struct WatchHandle {
    /// Timeline events as they happen; closes after [`crate::EventKind::Stopped`].
    pub events: tokio::sync::mpsc::Receiver<Event>,
    stop: Arc<AtomicBool>,
    wake: mpsc::Sender<()>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl WatchHandle {
    /// Asks the watcher to stop; it sends [`crate::EventKind::Stopped`] and closes the stream.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = self.wake.send(());
    }
}

/// The events as a stream (what the web page turns into server-sent events); dropping the
/// stream stops the watcher.
impl futures_core::Stream for WatchHandle {
    type Item = Event;

    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Event>> {
        self.get_mut().events.poll_recv(cx)
    }
}

impl Drop for WatchHandle {
    fn drop(&mut self) {
        self.stop();
        // Nobody reads any more: a full channel must not keep the thread waiting.
        self.events.close();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn file_watcher(dirs: &[PathBuf], wake: mpsc::Sender<()>) -> Option<notify::RecommendedWatcher> {
    use notify::Watcher;
    let mut w = notify::recommended_watcher(move |_res: notify::Result<notify::Event>| {
        let _ = wake.send(());
    })
    .ok()?;
    for d in dirs {
        // A folder that cannot be watched is still polled.
        let _ = w.watch(d, notify::RecursiveMode::Recursive);
    }
    Some(w)
}

/// Starts watching on a thread of its own. Fails at once when the USB fixture cannot be loaded.
pub fn spawn(opts: Options) -> Result<WatchHandle, String> {
    let (tx, rx) = tokio::sync::mpsc::channel::<Event>(1024);
    let (wake_tx, wake_rx) = mpsc::channel::<()>();
    let (ready_tx, ready_rx) = mpsc::channel::<Result<(), String>>();
    let stop = Arc::new(AtomicBool::new(false));
    let stop_flag = stop.clone();
    let wake_for_thread = wake_tx.clone();
    let thread = std::thread::Builder::new()
        .name("rd-watch".into())
        .spawn(move || {
            let mut f = match Follower::open(&opts) {
                Ok(f) => {
                    let _ = ready_tx.send(Ok(()));
                    f
                }
                Err(e) => {
                    let _ = ready_tx.send(Err(e.to_string()));
                    return;
                }
            };
            let hotplug = opts.usb_fixture.is_none();
            if hotplug {
                crate::hotplug::start(wake_for_thread.clone(), stop_flag.clone());
            }
            let mut watched = f.log_dirs().to_vec();
            let mut files = file_watcher(&watched, wake_for_thread.clone());
            loop {
                for e in f.step(now_ms()) {
                    if tx.blocking_send(e).is_err() {
                        return;
                    }
                }
                if f.log_dirs() != watched.as_slice() {
                    watched = f.log_dirs().to_vec();
                    files = file_watcher(&watched, wake_for_thread.clone());
                }
                if stop_flag.load(Ordering::SeqCst) {
                    break;
                }
                match wake_rx.recv_timeout(opts.poll) {
                    // A burst of file events is one wake-up.
                    Ok(()) => while wake_rx.try_recv().is_ok() {},
                    Err(mpsc::RecvTimeoutError::Timeout) => {}
                    Err(mpsc::RecvTimeoutError::Disconnected) => break,
                }
                if stop_flag.load(Ordering::SeqCst) {
                    break;
                }
            }
            drop(files);
            for e in f.stop(now_ms()) {
                let _ = tx.blocking_send(e);
            }
        })
        .map_err(|e| format!("could not start watching: {e}"))?;
    match ready_rx.recv() {
        Ok(Ok(())) => Ok(WatchHandle {
            events: rx,
            stop,
            wake: wake_tx,
            thread: Some(thread),
        }),
        Ok(Err(e)) => {
            let _ = thread.join();
            Err(e)
        }
        Err(_) => Err("the watcher stopped before it started".into()),
    }
}
