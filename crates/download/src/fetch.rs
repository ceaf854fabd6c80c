//! The download itself: into `<name>.part`, resumable, verified as it arrives.
//!
//! The bytes flow once: network → `.part` file → both hashers (SHA-1 and SHA-256 on threads of
//! their own, through `rd_firmware::hash::hash_reader`), so the file is verified when its last
//! byte arrives. A partial file from an earlier run is hashed once from disk and the download
//! continues after it (`Range` + `If-Range`, so a file that changed on the server starts over);
//! a connection that drops mid-way is reopened from the byte reached, with the hashers'
//! state intact. Only a verified file is renamed into place.

use crate::http::{NetError, Opened, Transport};
use rd_firmware::hash::{Digests, hash_reader};
use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What the file must be.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Expected {
    /// Size in bytes.
    pub size: Option<u64>,
    /// SHA-1, lower-case hex.
    pub sha1: Option<String>,
    /// SHA-256, lower-case hex.
    pub sha256: Option<String>,
}

/// How to download.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// Reconnects after dropped connections, per run.
    pub retries: u32,
    /// Pause before a reconnect (grows with each one).
    pub backoff: Duration,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions {
            retries: 8,
            backoff: Duration::from_secs(1),
        }
    }
}

/// A verified download.
#[derive(Debug, Clone, Serialize)]
pub struct Fetched {
    /// Where the file is now.
    pub path: PathBuf,
    /// Both digests (computed while downloading).
    pub digests: Digests,
    /// Bytes already on disk from an earlier run.
    pub resumed_from: u64,
    /// Connections reopened after a drop.
    pub reconnects: u32,
}

/// Why a download did not end with a verified file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// The network failed (after the retries).
    #[error("download failed: {0}")]
    Net(#[from] NetError),
    /// The server answered something unusable.
    #[error("{0}")]
    Server(String),
    /// A local file operation failed.
    #[error("{path}: {reason}")]
    Io {
        /// The file.
        path: String,
        /// What failed.
        reason: String,
    },
    /// The server's file is not the expected size.
    #[error("the server's file is {got} bytes, the catalog says {want}: not the expected IPSW")]
    WrongSize {
        /// Announced.
        got: u64,
        /// Expected.
        want: u64,
    },
    /// A digest did not match: the file is damaged or altered (it was deleted, not kept).
    #[error(
        "the download does not match the catalog ({which}: got {got}, expected {want}); the damaged file was deleted, run the command again"
    )]
    Mismatch {
        /// `SHA-1`, `SHA-256` or `size`.
        which: String,
        /// Computed.
        got: String,
        /// Expected.
        want: String,
    },
    /// Not enough free space.
    #[error(
        "{dir} has {free} bytes free, the download needs {need} more; free some space or pass --out DIR"
    )]
    NoSpace {
        /// The folder.
        dir: String,
        /// Free bytes.
        free: u64,
        /// Bytes still to download.
        need: u64,
    },
}

/// What is remembered next to a `.part` file, so a new run resumes only the same download.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct PartMeta {
    url: String,
    validator: Option<String>,
    total: Option<u64>,
}

/// `<dest>.part`.
pub fn part_path(dest: &Path) -> PathBuf {
    let mut s = dest.as_os_str().to_owned();
    s.push(".part");
    PathBuf::from(s)
}

fn meta_path(dest: &Path) -> PathBuf {
    let mut s = dest.as_os_str().to_owned();
    s.push(".part.json");
    PathBuf::from(s)
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> FetchError + '_ {
    move |e| FetchError::Io {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

/// The network side of the stream: writes each chunk to the `.part` file as it passes it on,
/// and reopens the connection after a drop.
struct Tee<'a> {
    transport: &'a dyn Transport,
    url: &'a str,
    validator: Option<String>,
    body: Box<dyn Read + Send>,
    file: File,
    pos: u64,
    total: Option<u64>,
    retries_left: u32,
    reconnects: u32,
    backoff: Duration,
}

impl Tee<'_> {
    fn reopen(&mut self, why: &str) -> std::io::Result<()> {
        if self.retries_left == 0 {
            return Err(std::io::Error::other(format!(
                "the connection dropped at byte {} ({why}) and did not come back",
                self.pos
            )));
        }
        self.retries_left -= 1;
        self.reconnects += 1;
        std::thread::sleep(self.backoff * self.reconnects);
        let o = self
            .transport
            .open(self.url, self.pos, self.validator.as_deref())
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        if o.status != 206 || o.start != self.pos {
            return Err(std::io::Error::other(format!(
                "the server did not continue at byte {} (HTTP {}): the file changed on the server or it ignores ranges; run the command again to start over",
                self.pos, o.status
            )));
        }
        self.body = o.body;
        Ok(())
    }
}

impl Read for Tee<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            if self.total.is_some_and(|t| self.pos >= t) {
                return Ok(0);
            }
            match self.body.read(buf) {
                Ok(0) if self.total.is_none() => return Ok(0),
                Ok(0) => self.reopen("closed early")?,
                Ok(n) => {
                    self.file.write_all(&buf[..n])?;
                    self.pos += n as u64;
                    return Ok(n);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => self.reopen(&e.to_string())?,
            }
        }
    }
}

/// Free bytes where `dir` is (`None` when it cannot be read).
pub fn free_space(dir: &Path) -> Option<u64> {
    fs4::available_space(dir).ok()
}

/// Refuses when `need` bytes do not fit in `free`.
pub fn check_space(dir: &Path, need: u64, free: Option<u64>) -> Result<(), FetchError> {
    match free {
        Some(free) if free < need => Err(FetchError::NoSpace {
            dir: dir.display().to_string(),
            free,
            need,
        }),
        _ => Ok(()),
    }
}

/// Bytes of an earlier run that belong to this URL (0 when there is none or it was another).
pub fn resumable_bytes(dest: &Path, url: &str) -> u64 {
    let meta: Option<PartMeta> = std::fs::read(meta_path(dest))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    match meta {
        Some(m) if m.url == url => std::fs::metadata(part_path(dest)).map_or(0, |m| m.len()),
        _ => 0,
    }
}

fn discard_part(dest: &Path) {
    let _ = std::fs::remove_file(part_path(dest));
    let _ = std::fs::remove_file(meta_path(dest));
}

fn compare(d: &Digests, want: &Expected) -> Result<(), FetchError> {
    let checks = [
        ("SHA-256", want.sha256.as_deref(), d.sha256.as_str()),
        ("SHA-1", want.sha1.as_deref(), d.sha1.as_str()),
    ];
    for (which, want, got) in checks {
        if let Some(w) = want
            && !w.trim().eq_ignore_ascii_case(got)
        {
            return Err(FetchError::Mismatch {
                which: which.into(),
                got: got.into(),
                want: w.trim().to_ascii_lowercase(),
            });
        }
    }
    if let Some(size) = want.size
        && size != d.bytes
    {
        return Err(FetchError::Mismatch {
            which: "size".into(),
            got: d.bytes.to_string(),
            want: size.to_string(),
        });
    }
    Ok(())
}

/// Downloads `url` to `dest` (through `dest.part`), resuming an earlier run of the same URL,
/// and renames it into place only when it matches `want`. `progress(done, total)` follows the
/// bytes hashed (those of an earlier run first).
pub fn fetch(
    transport: &dyn Transport,
    url: &str,
    dest: &Path,
    want: &Expected,
    opts: &FetchOptions,
    progress: &dyn Fn(u64, Option<u64>),
) -> Result<Fetched, FetchError> {
    let part = part_path(dest);
    let mut have = resumable_bytes(dest, url);
    if have == 0 {
        discard_part(dest);
    }
    if want.size.is_some_and(|s| have > s) {
        discard_part(dest);
        have = 0;
    }
    let validator = std::fs::read(meta_path(dest))
        .ok()
        .and_then(|b| serde_json::from_slice::<PartMeta>(&b).ok())
        .and_then(|m| m.validator);
    let opened: Option<Opened> = if want.size == Some(have) && have > 0 {
        // The earlier run got every byte; it only needs verifying.
        None
    } else {
        let o = transport.open(url, have, validator.as_deref().filter(|_| have > 0))?;
        match o.status {
            206 if o.start == have => Some(o),
            200 => {
                have = 0;
                Some(o)
            }
            416 if want.size.is_none_or(|s| s == have) && have > 0 => None,
            416 => {
                discard_part(dest);
                return Err(FetchError::Server(
                    "the server refused the resume range; the partial file was deleted, run the command again".into(),
                ));
            }
            s => return Err(FetchError::Server(format!("{url}: HTTP {s}"))),
        }
    };
    let total = match &opened {
        Some(o) => o.total.or(want.size),
        None => Some(have),
    };
    if let (Some(got), Some(w)) = (total, want.size)
        && got != w
    {
        return Err(FetchError::WrongSize { got, want: w });
    }
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&part)
        .map_err(io_err(&part))?;
    if have == 0 {
        file.set_len(0).map_err(io_err(&part))?;
    }
    let meta = PartMeta {
        url: url.to_string(),
        validator: opened
            .as_ref()
            .and_then(|o| o.validator.clone())
            .or(validator),
        total,
    };
    let meta_file = meta_path(dest);
    std::fs::write(&meta_file, serde_json::to_vec(&meta).unwrap_or_default())
        .map_err(io_err(&meta_file))?;
    let earlier = File::open(&part).map_err(io_err(&part))?.take(have);
    let show = |n: u64| progress(n, total);
    let (digests, reconnects) = match opened {
        None => (hash_reader(earlier, &show), 0),
        Some(o) => {
            let mut tee = Tee {
                transport,
                url,
                validator: meta.validator.clone(),
                body: o.body,
                file,
                pos: have,
                total,
                retries_left: opts.retries,
                reconnects: 0,
                backoff: opts.backoff,
            };
            // No fsync, as curl and browsers: a file cut short by a power loss would fail the
            // next `ipsw --verify`; forcing every byte to disk would double the time on slow disks.
            let r = hash_reader(earlier.chain(&mut tee), &show);
            (r, tee.reconnects)
        }
    };
    let digests = digests.map_err(|e| FetchError::Server(e.to_string()))?;
    if let Err(e) = compare(&digests, want) {
        discard_part(dest);
        return Err(e);
    }
    std::fs::rename(&part, dest).map_err(io_err(dest))?;
    let _ = std::fs::remove_file(&meta_file);
    Ok(Fetched {
        path: dest.to_path_buf(),
        digests,
        resumed_from: have,
        reconnects,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn space_check_refuses_only_when_short() {
        let d = Path::new("/tmp");
        assert!(check_space(d, 10, Some(10)).is_ok());
        assert!(check_space(d, 10, None).is_ok());
        assert!(matches!(
            check_space(d, 11, Some(10)),
            Err(FetchError::NoSpace {
                need: 11,
                free: 10,
                ..
            })
        ));
    }

    #[test]
    fn digests_compare_case_insensitively_and_name_the_mismatch() {
        let d = Digests {
            sha1: "aa".into(),
            sha256: "bb".into(),
            bytes: 3,
        };
        let ok = Expected {
            size: Some(3),
            sha1: Some("AA".into()),
            sha256: Some("bb".into()),
        };
        assert!(compare(&d, &ok).is_ok());
        let bad = Expected {
            sha1: Some("ab".into()),
            ..ok.clone()
        };
        assert!(
            matches!(compare(&d, &bad), Err(FetchError::Mismatch { which, .. }) if which == "SHA-1")
        );
        let short = Expected {
            size: Some(4),
            ..ok
        };
        assert!(
            matches!(compare(&d, &short), Err(FetchError::Mismatch { which, .. }) if which == "size")
        );
    }
}
