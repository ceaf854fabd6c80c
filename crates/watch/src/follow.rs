//! Following the newest restore log: which file is newest in the log folders, whether it grew,
//! and its diagnosis so far (the whole file through `rd_logs::diagnose`, the engine of `log`).
//!
//! A log that was already there when watching began is not reported until it grows: the
//! watcher is about the restore happening now, not the one from last week.

use crate::core::Input;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Folder levels searched below each log folder.
pub const MAX_DEPTH: u8 = 3;
/// Files looked at per search, at most (a huge folder cannot stall the watcher).
pub const MAX_FILES: usize = 20_000;

/// Whether a file name counts as a log (`.log`, `.txt`, any case).
pub fn is_log_name(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("log") || e.eq_ignore_ascii_case("txt"))
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Seen {
    path: PathBuf,
    len: u64,
    modified: Option<SystemTime>,
}

fn walk(dir: &Path, depth: u8, budget: &mut usize, best: &mut Option<Seen>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if *budget == 0 {
            return;
        }
        *budget -= 1;
        let path = entry.path();
        let Ok(meta) = entry.metadata() else {
            continue;
        };
        if meta.is_dir() {
            if depth > 0 {
                walk(&path, depth - 1, budget, best);
            }
            continue;
        }
        if !meta.is_file() || !is_log_name(&path) {
            continue;
        }
        let seen = Seen {
            path,
            len: meta.len(),
            modified: meta.modified().ok(),
        };
        let newer = match best {
            None => true,
            Some(b) => (seen.modified, &seen.path) > (b.modified, &b.path),
        };
        if newer {
            *best = Some(seen);
        }
    }
}

fn newest(dirs: &[PathBuf]) -> Option<Seen> {
    let mut best = None;
    let mut budget = MAX_FILES;
    for d in dirs {
        walk(d, MAX_DEPTH, &mut budget, &mut best);
    }
    best
}

/// Follows the newest log of a set of folders.
#[derive(Debug, Default)]
pub struct LogFollower {
    dirs: Vec<PathBuf>,
    baseline: Option<Seen>,
    current: Option<Seen>,
    primed: bool,
}

impl LogFollower {
    /// A follower of these folders.
    pub fn new(dirs: Vec<PathBuf>) -> LogFollower {
        LogFollower {
            dirs,
            ..LogFollower::default()
        }
    }

    /// The folders followed.
    pub fn dirs(&self) -> &[PathBuf] {
        &self.dirs
    }

    /// Replaces the folders (a log folder can appear while watching).
    pub fn set_dirs(&mut self, dirs: Vec<PathBuf>) {
        self.dirs = dirs;
    }

    /// One look: what changed since the last one, as inputs for the timeline.
    pub fn check(&mut self, at: u64) -> Vec<Input> {
        let now = newest(&self.dirs);
        if !self.primed {
            self.primed = true;
            self.baseline = now;
            return Vec::new();
        }
        let Some(now) = now else {
            return Vec::new();
        };
        if self.current.as_ref() == Some(&now) || self.baseline.as_ref() == Some(&now) {
            return Vec::new();
        }
        let mut out = Vec::new();
        if self.current.as_ref().is_none_or(|c| c.path != now.path) {
            out.push(Input::LogOpened {
                at,
                path: now.path.clone(),
            });
        }
        self.baseline = None;
        if let Some(d) = diagnose_file(&now.path) {
            out.push(Input::Log {
                at,
                path: now.path.clone(),
                diagnosis: Box::new(d),
            });
        }
        self.current = Some(now);
        out
    }
}

/// The diagnosis of a log file so far; `None` while it is empty or unreadable.
pub fn diagnose_file(path: &Path) -> Option<rd_logs::Diagnosis> {
    let file = std::fs::File::open(path).ok()?;
    let mut d = rd_logs::diagnose(std::io::BufReader::new(file)).ok()?;
    d.file = Some(path.display().to_string());
    Some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_logs_wait_until_they_grow_and_newer_ones_open() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join("old.log");
        std::fs::write(&old, "Found device in Recovery mode\n").unwrap();
        std::fs::write(dir.path().join("notes.md"), "not a log").unwrap();
        let mut f = LogFollower::new(vec![dir.path().to_path_buf()]);
        assert!(f.check(1).is_empty(), "the log from before is not news");
        assert!(f.check(2).is_empty());
        let sub = dir.path().join("2026-11-29");
        std::fs::create_dir(&sub).unwrap();
        let new = sub.join("restore.txt");
        std::fs::write(&new, "Found device in DFU mode\n").unwrap();
        // Make the new file the newest even on coarse file-system clocks.
        let later = SystemTime::now() + std::time::Duration::from_secs(5);
        std::fs::File::options()
            .append(true)
            .open(&new)
            .unwrap()
            .set_modified(later)
            .unwrap();
        let got = f.check(3);
        assert!(matches!(&got[0], Input::LogOpened { path, .. } if path == &new));
        assert!(matches!(&got[1], Input::Log { path, .. } if path == &new));
        assert!(f.check(4).is_empty(), "unchanged: nothing to report");
    }

    #[test]
    fn names_that_count_as_logs() {
        assert!(is_log_name(Path::new("a/Restore.LOG")));
        assert!(is_log_name(Path::new("x.txt")));
        assert!(!is_log_name(Path::new("x.plist")));
    }
}
