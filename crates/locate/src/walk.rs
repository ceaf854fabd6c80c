//! Bounded folder walking: wildcard expansion of one path component at a time, and listing log
//! files a few levels deep. Bounds are fixed here (not configurable) because the input is
//! whatever happens to be on disk.

use std::path::{Path, PathBuf};

/// At most this many log files are listed in one discovery.
pub const MAX_FILES: usize = 5_000;
/// At most this many entries are read from any one folder.
const MAX_ENTRIES_PER_DIR: usize = 20_000;

/// Remaining file budget for one discovery.
pub struct Budget(usize);

impl Budget {
    /// A budget of `n` files.
    pub fn new(n: usize) -> Self {
        Budget(n)
    }
}

/// Resolves `rel` (with `/` separators, components may hold one `*`) under `base`.
pub fn expand(base: &Path, rel: &str) -> Vec<PathBuf> {
    let mut current = vec![base.to_path_buf()];
    for part in rel.split('/').filter(|p| !p.is_empty()) {
        let mut next = Vec::new();
        for dir in &current {
            match part.split_once('*') {
                None => next.push(dir.join(part)),
                Some((prefix, suffix)) => {
                    let Ok(entries) = std::fs::read_dir(dir) else {
                        continue;
                    };
                    for entry in entries.flatten().take(MAX_ENTRIES_PER_DIR) {
                        let name = entry.file_name();
                        let Some(name) = name.to_str() else { continue };
                        if name.len() >= prefix.len() + suffix.len()
                            && name.starts_with(prefix)
                            && name.ends_with(suffix)
                        {
                            next.push(entry.path());
                        }
                    }
                }
            }
        }
        next.sort();
        current = next;
    }
    current
}

/// The log files in `dir` and up to `depth` levels below it (symbolic links are not followed).
pub fn log_files(dir: &Path, depth: u8, budget: &mut Budget) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten().take(MAX_ENTRIES_PER_DIR) {
        if budget.0 == 0 {
            break;
        }
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let path = entry.path();
        if kind.is_file() && crate::is_log_name(&path) {
            budget.0 -= 1;
            out.push(path);
        } else if kind.is_dir() && depth > 0 {
            out.extend(log_files(&path, depth - 1, budget));
        }
    }
    out
}
