//! Finds the restore logs on a computer.
//!
//! Finder, iTunes, the Apple Devices app and FutureRestore-GUI write a log of every restore, but
//! few people know where, so `restore-doctor log` used to need a path. The folders are kept as
//! data (`data/locations.toml`, each with its source); this crate resolves them against a home
//! folder laid out as macOS, Windows or Linux lays it out — the real one, or another machine's
//! copied files (`--home DIR --platform windows`) — and lists the `.log`/`.txt` files in them,
//! newest first, with the tool and the device when the log names one.
//!
//! It reads only: it never changes a file. Walks are bounded (depth per folder, a cap on the
//! number of files, a short head read per file), so a huge or hostile folder cannot stall it.

mod data;
mod sniff;
mod walk;

pub use data::{Base, Location, TerminalOnly, locations, terminal_only};
pub use sniff::sniff_device;

use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// An operating system whose folder layout the locations describe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Platform {
    /// macOS.
    Macos,
    /// Windows.
    Windows,
    /// Linux and other Unix systems.
    Linux,
}

impl Platform {
    /// The platform this binary was built for.
    pub fn current() -> Self {
        if cfg!(target_os = "macos") {
            Platform::Macos
        } else if cfg!(windows) {
            Platform::Windows
        } else {
            Platform::Linux
        }
    }

    /// The id used in data and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Macos => "macos",
            Platform::Windows => "windows",
            Platform::Linux => "linux",
        }
    }
}

impl std::str::FromStr for Platform {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "macos" | "mac" | "darwin" | "osx" => Ok(Platform::Macos),
            "windows" | "win" => Ok(Platform::Windows),
            "linux" => Ok(Platform::Linux),
            other => Err(format!(
                "unknown platform '{other}' (use macos, windows or linux)"
            )),
        }
    }
}

/// Where to look: a home folder, the file-system root for system-wide folders, and the layout.
#[derive(Debug, Clone)]
pub struct Layout {
    /// The user's home folder, as that platform lays it out.
    pub home: PathBuf,
    /// The root that system-wide folders hang from (`/` on a live macOS system).
    pub root: PathBuf,
    /// Whose folder layout this is.
    pub platform: Platform,
}

impl Layout {
    /// The folder a location's `base` names.
    pub fn base_dir(&self, base: Base) -> PathBuf {
        match base {
            Base::Home => self.home.clone(),
            Base::Appdata => self.home.join("AppData").join("Roaming"),
            Base::Localappdata => self.home.join("AppData").join("Local"),
            Base::Root => self.root.clone(),
        }
    }
}

/// A restore log found on disk.
#[derive(Debug, Clone, Serialize)]
pub struct FoundLog {
    /// Its path.
    pub path: PathBuf,
    /// The location (data id) it was found under.
    pub location: &'static str,
    /// Who writes logs there (`finder-itunes`, `itunes`, `apple-devices`, `futurerestore`).
    pub tool: &'static str,
    /// Last modification, seconds since the Unix epoch.
    pub modified_unix: u64,
    /// Size in bytes.
    pub size: u64,
    /// The product type the log's first part names (e.g. `iPhone10,3`), when it names one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
}

/// The existing folders that hold restore logs for this layout (for watching them grow).
pub fn log_folders(layout: &Layout) -> Vec<PathBuf> {
    locations()
        .iter()
        .filter(|l| l.platform == layout.platform)
        .flat_map(|l| walk::expand(&layout.base_dir(l.base), l.path))
        .filter(|p| p.is_dir())
        .collect()
}

/// Every restore log in the layout's folders, newest first.
pub fn discover(layout: &Layout) -> Vec<FoundLog> {
    let mut found = Vec::new();
    let mut budget = walk::Budget::new(walk::MAX_FILES);
    for loc in locations().iter().filter(|l| l.platform == layout.platform) {
        for dir in walk::expand(&layout.base_dir(loc.base), loc.path) {
            for file in walk::log_files(&dir, loc.depth, &mut budget) {
                let Ok(meta) = std::fs::metadata(&file) else {
                    continue;
                };
                let modified_unix = meta
                    .modified()
                    .ok()
                    .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
                    .map_or(0, |d| d.as_secs());
                found.push(FoundLog {
                    device: sniff::sniff_file(&file),
                    path: file,
                    location: loc.id,
                    tool: loc.tool,
                    modified_unix,
                    size: meta.len(),
                });
            }
        }
    }
    // Newest first; the path breaks ties so the order is stable.
    found.sort_by(|a, b| {
        b.modified_unix
            .cmp(&a.modified_unix)
            .then_with(|| a.path.cmp(&b.path))
    });
    found.dedup_by(|a, b| a.path == b.path);
    found
}

/// The newest restore log in the layout's folders.
pub fn newest(layout: &Layout) -> Option<FoundLog> {
    discover(layout).into_iter().next()
}

/// True when `path` has an extension that counts as a log (`.log`, `.txt`, any case).
pub fn is_log_name(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("log") || e.eq_ignore_ascii_case("txt"))
}
