//! SHA-1 and SHA-256 of a file in one read, the two digests computed at the same time on two
//! threads fed the same buffers (sha1/sha2 pick SHA-NI or ARMv8 crypto at run time).

use sha1::Digest;
use std::io::Read;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, channel, sync_channel};

/// Bytes per buffer handed to the hashers. Small enough that a buffer is still in the cache when
/// the download writes it to disk and both hashers read it: with 4 MiB buffers (24 MiB in
/// flight) a 2 GiB loopback download spent 3-5 s of kernel time copying cold buffers into the
/// page cache, against 1.8 s with 256 KiB (bench/ipsw_get.sh, BENCHMARKS.md).
pub const CHUNK: usize = 256 << 10;
/// Buffers in flight at most (bounds memory at `CHUNK * MAX_BUFFERS`).
pub const MAX_BUFFERS: usize = 8;

/// Both digests of one read, lower-case hex.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Digests {
    /// SHA-1.
    pub sha1: String,
    /// SHA-256.
    pub sha256: String,
    /// Bytes hashed.
    pub bytes: u64,
}

struct Chunk {
    data: Vec<u8>,
    len: usize,
}

fn hasher<D: Digest>(
    rx: Receiver<Arc<Chunk>>,
    back: std::sync::mpsc::Sender<Arc<Chunk>>,
) -> String {
    let mut d = D::new();
    for chunk in rx {
        d.update(&chunk.data[..chunk.len]);
        // The reader may have stopped early; a closed return channel is fine.
        let _ = back.send(chunk);
    }
    hex::encode(d.finalize())
}

/// Blocks until both hashers are done with some buffer; `None` if both threads are gone.
fn wait_for_buffer(back: &Receiver<Arc<Chunk>>) -> Option<Chunk> {
    loop {
        if let Some(c) = Arc::into_inner(back.recv().ok()?) {
            return Some(c);
        }
    }
}

/// Fills `buf` as far as the reader allows; returns the bytes read (0 at end of input).
fn fill(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Hashes everything `reader` yields; `progress` gets the running byte count after each buffer.
pub fn hash_reader(mut reader: impl Read, progress: &dyn Fn(u64)) -> std::io::Result<Digests> {
    let (tx1, rx1): (SyncSender<Arc<Chunk>>, _) = sync_channel(MAX_BUFFERS);
    let (tx2, rx2): (SyncSender<Arc<Chunk>>, _) = sync_channel(MAX_BUFFERS);
    let (back_tx, back_rx) = channel::<Arc<Chunk>>();
    std::thread::scope(|s| {
        let b1 = back_tx.clone();
        let b2 = back_tx;
        let h1 = s.spawn(move || hasher::<sha1::Sha1>(rx1, b1));
        let h2 = s.spawn(move || hasher::<sha2::Sha256>(rx2, b2));
        let mut pool: Vec<Chunk> = Vec::new();
        let mut allocated = 0usize;
        let mut total = 0u64;
        let result = loop {
            // Reclaim buffers both hashers are done with.
            while let Ok(a) = back_rx.try_recv() {
                if let Some(c) = Arc::into_inner(a) {
                    pool.push(c);
                }
            }
            let mut chunk = match pool.pop() {
                Some(c) => c,
                None if allocated < MAX_BUFFERS => {
                    allocated += 1;
                    Chunk {
                        data: vec![0u8; CHUNK],
                        len: 0,
                    }
                }
                None => match wait_for_buffer(&back_rx) {
                    Some(c) => c,
                    None => break Err(std::io::Error::other("the hashing threads stopped")),
                },
            };
            match fill(&mut reader, &mut chunk.data) {
                Ok(0) => break Ok(total),
                Ok(n) => {
                    chunk.len = n;
                    total += n as u64;
                    let a = Arc::new(chunk);
                    if tx1.send(a.clone()).is_err() || tx2.send(a).is_err() {
                        break Err(std::io::Error::other("a hashing thread stopped"));
                    }
                    progress(total);
                }
                Err(e) => break Err(e),
            }
        };
        drop(tx1);
        drop(tx2);
        let sha1 = h1
            .join()
            .map_err(|_| std::io::Error::other("SHA-1 thread panicked"))?;
        let sha256 = h2
            .join()
            .map_err(|_| std::io::Error::other("SHA-256 thread panicked"))?;
        result.map(|bytes| Digests {
            sha1,
            sha256,
            bytes,
        })
    })
}

/// Hashes a file in one sequential read.
pub fn hash_file(path: &std::path::Path, progress: &dyn Fn(u64)) -> crate::Result<Digests> {
    let io = |e: std::io::Error| crate::Error::Io {
        path: path.display().to_string(),
        reason: e.to_string(),
    };
    let file = std::fs::File::open(path).map_err(io)?;
    hash_reader(file, progress).map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn one_by_one(data: &[u8]) -> (String, String) {
        (
            hex::encode(sha1::Sha1::digest(data)),
            hex::encode(sha2::Sha256::digest(data)),
        )
    }

    #[test]
    fn known_vectors() {
        let d = hash_reader(&b"abc"[..], &|_| {}).unwrap();
        assert_eq!(d.sha1, "a9993e364706816aba3e25717850c26c9cd0d89d");
        assert_eq!(
            d.sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(d.bytes, 3);
        let empty = hash_reader(&b""[..], &|_| {}).unwrap();
        assert_eq!(empty.sha1, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    }

    #[test]
    fn many_buffers_match_single_pass_and_report_progress() {
        let data: Vec<u8> = (0..(CHUNK * (MAX_BUFFERS + 3) + 12_345))
            .map(|i| (i * 31 % 251) as u8)
            .collect();
        let seen = std::sync::Mutex::new(Vec::new());
        let d = hash_reader(&data[..], &|n| seen.lock().unwrap().push(n)).unwrap();
        assert_eq!((d.sha1, d.sha256), one_by_one(&data));
        let seen = seen.into_inner().unwrap();
        assert_eq!(seen.last(), Some(&(data.len() as u64)));
        assert!(seen.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn read_errors_surface() {
        struct Broken(usize);
        impl Read for Broken {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                if self.0 == 0 {
                    return Err(std::io::Error::other("disk on fire"));
                }
                self.0 -= 1;
                buf[0] = 1;
                Ok(1)
            }
        }
        let err = hash_reader(Broken(10), &|_| {}).unwrap_err();
        assert!(err.to_string().contains("disk on fire"));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        #[test]
        fn equals_separate_digests(data in proptest::collection::vec(any::<u8>(), 0..20_000)) {
            let d = hash_reader(&data[..], &|_| {}).unwrap();
            prop_assert_eq!((d.sha1, d.sha256), one_by_one(&data));
        }
    }
}
