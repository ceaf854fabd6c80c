//! The store: one redb file (`history.redb`) in the folder the caller names. redb gives ACID
//! transactions and an exclusive file lock, so two restore-doctor processes never write over
//! each other: the second waits (with backoff, for a bounded time) and then gives up with one
//! clear line. A file that is not a readable store is moved aside and a fresh one started, so a
//! damaged history never stops a diagnosis.

use crate::time::{compact_utc, now_unix};
use crate::{Attempt, CheckupVerdict, Escalation, escalate};
use redb::{Database, DatabaseError, ReadableTable, StorageError, TableDefinition};
use sha2::{Digest, Sha256};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The store's file name inside the data folder.
pub const FILE_NAME: &str = "history.redb";

/// How long a checkup's verdict counts as "just before" an attempt (30 minutes).
pub const CHECKUP_FRESH_SECS: u64 = 30 * 60;

/// How long [`Store::open`] waits for another process by default.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(10);

/// redb's file signature (its first nine bytes).
const MAGIC: [u8; 9] = [b'r', b'e', b'd', b'b', 0x1A, 0x0A, 0xA9, 0x0D, 0x0A];

const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
const ATTEMPTS: TableDefinition<u64, &str> = TableDefinition::new("attempts");
const SALT_KEY: &str = "salt";
const CHECKUP_KEY: &str = "last_checkup";

/// Why the history could not be used (one line each).
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// Another process kept the store open for longer than we wait.
    #[error(
        "the attempt history ({path}) is in use by another restore-doctor; gave up after {secs} s"
    )]
    Busy {
        /// The store file.
        path: String,
        /// How long we waited.
        secs: u64,
    },
    /// The folder or file cannot be read or written.
    #[error("cannot use the attempt history at {path}: {why}")]
    Io {
        /// The store file or folder.
        path: String,
        /// Why.
        why: String,
    },
    /// The store answered with an error while in use.
    #[error("the attempt history at {path} could not be read or written: {why}")]
    Store {
        /// The store file.
        path: String,
        /// Why.
        why: String,
    },
}

/// An open store. Keep it only as long as needed: while it is open, other processes wait.
pub struct Store {
    db: Database,
    salt: Vec<u8>,
    path: PathBuf,
}

/// A store just opened, with the one line to show if it had to be replaced.
pub struct Opened {
    /// The store.
    pub store: Store,
    /// Set when a damaged file was moved aside and a fresh store started.
    pub notice: Option<String>,
}

enum Attempted {
    Open(Database),
    Busy,
    Missing,
    Damaged(String),
    Io(String),
}

impl Store {
    /// Opens (or creates) the store in `dir`, waiting up to `wait` for another process.
    pub fn open(dir: &Path, wait: Duration) -> Result<Opened, HistoryError> {
        let path = dir.join(FILE_NAME);
        std::fs::create_dir_all(dir).map_err(|e| HistoryError::Io {
            path: dir.display().to_string(),
            why: e.to_string(),
        })?;
        let mut notice = None;
        let mut replaced = false;
        let started = Instant::now();
        let mut pause = Duration::from_millis(20);
        let mut wait_more = |what: Attempted| -> Result<(), HistoryError> {
            if started.elapsed() + pause > wait {
                return Err(match what {
                    Attempted::Busy => HistoryError::Busy {
                        path: path.display().to_string(),
                        secs: wait.as_secs().max(1),
                    },
                    _ => HistoryError::Io {
                        path: path.display().to_string(),
                        why: "it keeps changing under us".into(),
                    },
                });
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(250));
            Ok(())
        };
        loop {
            create_if_absent(&path)?;
            let attempted = if has_foreign_header(&path) {
                Attempted::Damaged("it is not a restore-doctor history file".into())
            } else {
                try_open(&path)
            };
            let damaged = match attempted {
                Attempted::Open(db) => match Store::init(db, &path) {
                    Ok(store) => return Ok(Opened { store, notice }),
                    Err(InitError::Damaged(why)) => why,
                    Err(InitError::Other(why)) => {
                        return Err(HistoryError::Store {
                            path: path.display().to_string(),
                            why,
                        });
                    }
                },
                Attempted::Busy => {
                    wait_more(Attempted::Busy)?;
                    continue;
                }
                Attempted::Missing => {
                    // Another process moved it aside meanwhile: start over.
                    wait_more(Attempted::Missing)?;
                    continue;
                }
                Attempted::Damaged(why) => why,
                Attempted::Io(why) => {
                    return Err(HistoryError::Io {
                        path: path.display().to_string(),
                        why,
                    });
                }
            };
            if replaced {
                return Err(HistoryError::Io {
                    path: path.display().to_string(),
                    why: format!("a fresh store is damaged too ({damaged})"),
                });
            }
            if let Some(line) = move_aside(&path, &damaged)? {
                notice = Some(line);
            }
            replaced = true;
        }
    }

    /// Creates the tables and the salt on first use; reads the salt.
    fn init(db: Database, path: &Path) -> Result<Store, InitError> {
        let salt = guarded(|| -> Result<Vec<u8>, InitError> {
            let txn = db.begin_write().map_err(InitError::of)?;
            let salt = {
                let mut meta = txn.open_table(META).map_err(InitError::of)?;
                txn.open_table(ATTEMPTS).map_err(InitError::of)?;
                let existing = meta
                    .get(SALT_KEY)
                    .map_err(InitError::of)?
                    .map(|v| v.value().to_vec());
                match existing {
                    Some(s) if s.len() == 16 => s,
                    Some(_) => return Err(InitError::Damaged("its salt is malformed".into())),
                    None => {
                        let mut s = [0u8; 16];
                        getrandom::fill(&mut s).map_err(|e| {
                            InitError::Other(format!("no random numbers for the salt: {e}"))
                        })?;
                        meta.insert(SALT_KEY, s.as_slice()).map_err(InitError::of)?;
                        s.to_vec()
                    }
                }
            };
            txn.commit().map_err(InitError::of)?;
            Ok(salt)
        })
        .unwrap_or_else(|| Err(InitError::Damaged("reading it failed".into())))?;
        Ok(Store {
            db,
            salt,
            path: path.to_path_buf(),
        })
    }

    /// The store file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The key the history keeps for a device: a salted SHA-256 of its ECID, 16 hex digits. The
    /// salt is random per store, so the key means nothing outside this computer's history.
    pub fn device_key(&self, ecid: u64) -> String {
        device_key(&self.salt, ecid)
    }

    /// Every attempt recorded, oldest first (records a newer version wrote and this one cannot
    /// read are skipped).
    pub fn attempts(&self) -> Result<Vec<Attempt>, HistoryError> {
        let read = || -> Result<Vec<Attempt>, String> {
            let txn = self.db.begin_read().map_err(txt)?;
            let table = txn.open_table(ATTEMPTS).map_err(txt)?;
            let mut out = Vec::new();
            for row in table.iter().map_err(txt)? {
                let (_, v) = row.map_err(txt)?;
                if let Ok(a) = serde_json::from_str::<Attempt>(v.value()) {
                    out.push(a);
                }
            }
            Ok(out)
        };
        let mut all = guarded(read)
            .unwrap_or_else(|| Err("reading failed".to_string()))
            .map_err(|e| self.err(e))?;
        all.sort_by_key(|a| a.at);
        Ok(all)
    }

    /// Records one attempt.
    pub fn record(&self, attempt: &Attempt) -> Result<(), HistoryError> {
        let json = serde_json::to_string(attempt).map_err(|e| HistoryError::Store {
            path: self.path.display().to_string(),
            why: e.to_string(),
        })?;
        let write = || -> Result<(), String> {
            let txn = self.db.begin_write().map_err(txt)?;
            {
                let mut table = txn.open_table(ATTEMPTS).map_err(txt)?;
                let next = table.last().map_err(txt)?.map_or(0, |(k, _)| k.value() + 1);
                table.insert(next, json.as_str()).map_err(txt)?;
            }
            txn.commit().map_err(txt)?;
            Ok(())
        };
        guarded(write)
            .unwrap_or_else(|| Err("writing failed".to_string()))
            .map_err(|e| self.err(e))
    }

    /// Records `attempt` (unless the same log was recorded before) and says whether it
    /// escalates, judged against the device's earlier attempts.
    pub fn record_and_escalate(
        &self,
        attempt: &Attempt,
    ) -> Result<Option<Escalation>, HistoryError> {
        let previous: Vec<Attempt> = self
            .attempts()?
            .into_iter()
            .filter(|a| a.device == attempt.device)
            .collect();
        let seen = attempt.fingerprint.is_some()
            && previous
                .iter()
                .any(|a| a.fingerprint == attempt.fingerprint);
        if !seen {
            self.record(attempt)?;
        }
        Ok(escalate(&previous, attempt))
    }

    /// Keeps the verdict of the checkup that just ran.
    pub fn record_checkup(&self, verdict: &CheckupVerdict) -> Result<(), HistoryError> {
        let json = serde_json::to_vec(verdict).unwrap_or_default();
        let write = || -> Result<(), String> {
            let txn = self.db.begin_write().map_err(txt)?;
            txn.open_table(META)
                .map_err(txt)?
                .insert(CHECKUP_KEY, json.as_slice())
                .map_err(txt)?;
            txn.commit().map_err(txt)?;
            Ok(())
        };
        guarded(write)
            .unwrap_or_else(|| Err("writing failed".to_string()))
            .map_err(|e| self.err(e))
    }

    /// The last checkup's verdict, when it ran at most [`CHECKUP_FRESH_SECS`] before `now`.
    pub fn recent_checkup(&self, now: u64) -> Option<CheckupVerdict> {
        let read = || -> Result<Option<Vec<u8>>, String> {
            let txn = self.db.begin_read().map_err(txt)?;
            let meta = txn.open_table(META).map_err(txt)?;
            Ok(meta
                .get(CHECKUP_KEY)
                .map_err(txt)?
                .map(|v| v.value().to_vec()))
        };
        let bytes = guarded(read)?.ok()??;
        let v: CheckupVerdict = serde_json::from_slice(&bytes).ok()?;
        (v.at <= now && now - v.at <= CHECKUP_FRESH_SECS).then_some(v)
    }

    fn err(&self, why: String) -> HistoryError {
        HistoryError::Store {
            path: self.path.display().to_string(),
            why,
        }
    }
}

/// A store error as one line.
fn txt(e: impl Into<redb::Error>) -> String {
    e.into().to_string()
}

/// Deletes the store in `dir`. Returns whether there was one.
pub fn clear(dir: &Path) -> Result<bool, HistoryError> {
    let path = dir.join(FILE_NAME);
    match std::fs::remove_file(&path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(HistoryError::Io {
            path: path.display().to_string(),
            why: e.to_string(),
        }),
    }
}

/// The salted device key (see [`Store::device_key`]).
pub(crate) fn device_key(salt: &[u8], ecid: u64) -> String {
    let mut h = Sha256::new();
    h.update(b"restore-doctor device key v1\0");
    h.update(salt);
    h.update(ecid.to_be_bytes());
    hex::encode(&h.finalize()[..8])
}

enum InitError {
    Damaged(String),
    Other(String),
}

impl InitError {
    fn of(e: impl Into<redb::Error>) -> Self {
        match e.into() {
            redb::Error::Corrupted(why) => InitError::Damaged(why),
            redb::Error::Io(io) if is_damage_io(&io) => InitError::Damaged(io.to_string()),
            other => InitError::Other(other.to_string()),
        }
    }
}

/// Makes sure a complete store exists at `path` without ever showing a half-written one: a
/// new store is built under a temporary name and then linked into place only if none is there
/// yet (so a file at `path` always starts with redb's signature unless it was damaged later).
fn create_if_absent(path: &Path) -> Result<(), HistoryError> {
    if path.exists() {
        return Ok(());
    }
    let io = |e: std::io::Error| HistoryError::Io {
        path: path.display().to_string(),
        why: e.to_string(),
    };
    let mut tmp = path.as_os_str().to_owned();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    tmp.push(format!(".new-{}-{nanos}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    let built = guarded(|| match Database::create(&tmp) {
        Ok(db) => Store::init(db, &tmp).map(drop).map_err(|e| match e {
            InitError::Damaged(w) | InitError::Other(w) => w,
        }),
        Err(e) => Err(e.to_string()),
    })
    .unwrap_or_else(|| Err("creating it failed".into()));
    if let Err(why) = built {
        let _ = std::fs::remove_file(&tmp);
        return Err(HistoryError::Io {
            path: path.display().to_string(),
            why,
        });
    }
    let linked = match std::fs::hard_link(&tmp, path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        // File systems without hard links: rename, unless another process got there first.
        Err(_) if !path.exists() => std::fs::rename(&tmp, path).map_err(io),
        Err(_) => Ok(()),
    };
    let _ = std::fs::remove_file(&tmp);
    linked
}

/// True when the file exists and does not start with redb's signature (a store is only ever put
/// in place complete, see [`create_if_absent`], so a short or foreign start means damage).
fn has_foreign_header(path: &Path) -> bool {
    use std::io::Read;
    let Ok(mut f) = std::fs::File::open(path) else {
        return false;
    };
    let mut head = [0u8; MAGIC.len()];
    match f.read_exact(&mut head) {
        Ok(()) => head != MAGIC,
        Err(e) => e.kind() == std::io::ErrorKind::UnexpectedEof,
    }
}

fn try_open(path: &Path) -> Attempted {
    match guarded(|| Database::open(path)) {
        None => Attempted::Damaged("reading it failed".into()),
        Some(Ok(db)) => Attempted::Open(db),
        Some(Err(DatabaseError::DatabaseAlreadyOpen)) => Attempted::Busy,
        Some(Err(DatabaseError::Storage(StorageError::Io(io))))
            if io.kind() == std::io::ErrorKind::NotFound =>
        {
            Attempted::Missing
        }
        Some(Err(DatabaseError::Storage(StorageError::Io(io)))) if !is_damage_io(&io) => {
            Attempted::Io(io.to_string())
        }
        Some(Err(e)) => Attempted::Damaged(e.to_string()),
    }
}

fn is_damage_io(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::UnexpectedEof | std::io::ErrorKind::InvalidData
    )
}

/// Runs `work`, turning a panic inside the store library (which a damaged file can provoke)
/// into `None` instead of a crash.
fn guarded<T>(work: impl FnOnce() -> T) -> Option<T> {
    catch_unwind(AssertUnwindSafe(work)).ok()
}

/// Moves a damaged store to `history.redb.damaged-<time>`; returns the line to show (`None`
/// when another process moved it first).
fn move_aside(path: &Path, why: &str) -> Result<Option<String>, HistoryError> {
    let mut aside = path.as_os_str().to_owned();
    aside.push(format!(".damaged-{}", compact_utc(now_unix())));
    let aside = PathBuf::from(aside);
    match std::fs::rename(path, &aside) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(HistoryError::Io {
                path: path.display().to_string(),
                why: format!("it is damaged ({why}) and could not be moved aside: {e}"),
            });
        }
    }
    Ok(Some(format!(
        "the attempt history was damaged ({why}); moved it to {} and started a new one",
        aside.display()
    )))
}

#[cfg(test)]
mod tests {
    use super::device_key;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn the_key_never_holds_the_ecid(ecid in 0x1_0000u64.., salt in proptest::collection::vec(any::<u8>(), 16)) {
            let key = device_key(&salt, ecid);
            prop_assert_eq!(key.len(), 16);
            for form in [format!("{ecid:016x}"), format!("{ecid:x}"), ecid.to_string()] {
                prop_assert!(!key.contains(&form) && !form.contains(&key));
            }
        }
    }
}
