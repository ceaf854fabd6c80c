//! `restore-doctor watch`: follows restores as they happen — every connected iPhone, iPad or
//! iPod touch changing USB mode, and the newest restore log growing — and explains a failure
//! the moment it happens, with the same engine as `restore-doctor log`.
//!
//! Why it is built this way: the decisions (which device is which, where it is in a restore,
//! when a restore ended badly, which log belongs to which device) live in a pure state machine,
//! [`Timeline`], tested without threads or clocks; [`Follower`] is the thin I/O around it and
//! [`spawn`] runs that on a thread, woken by USB hot-plug and file-change events with polling
//! as the fallback. Every surface — the terminal, NDJSON, the web page's server-sent events —
//! consumes the same [`Event`] stream.

#![warn(missing_docs)]

pub mod core;
pub mod driver;
pub mod event;
pub mod follow;
pub mod history;
mod hotplug;
pub mod render;

pub use core::{Input, Timeline};
pub use driver::{DEFAULT_POLL, Follower, LogDirs, Options, WatchHandle, log_folders, spawn};
pub use event::{DeviceRef, Ending, Event, EventKind, Phase, Trigger};
pub use history::{Recorder, Recording};
pub use render::event_text;
