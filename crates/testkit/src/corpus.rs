//! The real-log corpus (`corpus/real`) as test material: a tuned log's path, and copying one
//! into a home folder laid out as a platform lays it out, dated as if written some hours ago.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// The path of a tuned-part corpus log (`corpus/real/tuned/NAME`).
pub fn corpus_log(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../corpus/real/tuned")
        .join(name)
}

/// Copies the tuned corpus log `name` to `dest` (creating its folders), last modified
/// `age_hours` before now.
pub fn place_corpus_log(name: &str, dest: &Path, age_hours: u64) {
    fs::create_dir_all(dest.parent().unwrap()).unwrap();
    fs::copy(corpus_log(name), dest).unwrap();
    let f = fs::File::options().write(true).open(dest).unwrap();
    f.set_modified(SystemTime::now() - Duration::from_secs(age_hours * 3600))
        .unwrap();
}
