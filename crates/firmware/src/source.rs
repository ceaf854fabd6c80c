//! Random-access byte sources: a local file or a URL read with HTTP range requests.

use crate::error::{Error, Result};
use crate::http::HttpClient;
use std::fs::File;
use std::sync::Mutex;

/// Bytes one ranged read may return; anything bigger is refused.
pub const MAX_READ: u64 = 256 * 1024 * 1024;

/// A file-like thing read at offsets: a local IPSW or a remote one.
pub trait ByteSource: Send + Sync + std::fmt::Debug {
    /// Total length in bytes.
    fn len(&self) -> u64;
    /// Whether the source is empty.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Reads exactly `len` bytes at `offset`; errors when the range leaves the source.
    fn read_at(&self, offset: u64, len: u64) -> Result<Vec<u8>>;
    /// The path or URL, for messages.
    fn name(&self) -> &str;
}

fn check_range(src: &dyn ByteSource, offset: u64, len: u64) -> Result<()> {
    if len > MAX_READ {
        return Err(Error::TooLarge {
            what: format!("a read from {}", src.name()),
            size: len,
            limit: MAX_READ,
        });
    }
    match offset.checked_add(len) {
        Some(end) if end <= src.len() => Ok(()),
        _ => Err(Error::corrupt(
            src.name(),
            format!(
                "a record points to bytes {offset}..{} but the file has only {} bytes",
                offset.saturating_add(len),
                src.len()
            ),
        )),
    }
}

/// A local file.
#[derive(Debug)]
pub struct FileSource {
    file: File,
    len: u64,
    path: String,
}

impl FileSource {
    /// Opens a file for random access.
    pub fn open(path: &std::path::Path) -> Result<Self> {
        let name = path.display().to_string();
        let io = |e: std::io::Error| Error::Io {
            path: name.clone(),
            reason: e.to_string(),
        };
        let file = File::open(path).map_err(io)?;
        let meta = file.metadata().map_err(io)?;
        if meta.is_dir() {
            return Err(Error::Io {
                path: name,
                reason: "it is a directory, not a file".into(),
            });
        }
        Ok(FileSource {
            file,
            len: meta.len(),
            path: name,
        })
    }
}

#[cfg(unix)]
fn pread(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(windows)]
fn pread(file: &File, mut buf: &mut [u8], mut offset: u64) -> std::io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        let n = file.seek_read(buf, offset)?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf = &mut buf[n..];
        offset += n as u64;
    }
    Ok(())
}

impl ByteSource for FileSource {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&self, offset: u64, len: u64) -> Result<Vec<u8>> {
        check_range(self, offset, len)?;
        let mut buf = vec![0u8; len as usize];
        pread(&self.file, &mut buf, offset).map_err(|e| Error::Io {
            path: self.path.clone(),
            reason: e.to_string(),
        })?;
        Ok(buf)
    }

    fn name(&self) -> &str {
        &self.path
    }
}

/// A remote file read with HTTP `Range` requests; the tail (where the zip directory lives) is
/// fetched once and kept.
pub struct HttpSource {
    client: HttpClient,
    url: String,
    len: u64,
    tail: Mutex<(u64, Vec<u8>)>,
    requests: Mutex<u32>,
}

impl std::fmt::Debug for HttpSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpSource")
            .field("url", &self.url)
            .field("len", &self.len)
            .finish()
    }
}

/// Bytes fetched from the end of a remote file in the first request.
pub const TAIL_BYTES: u64 = 256 * 1024;

impl HttpSource {
    /// Opens a URL: one suffix-range request learns the size and fetches the tail.
    pub fn open(client: HttpClient, url: &str) -> Result<Self> {
        let (total, start, bytes) = client.get_range(url, None, TAIL_BYTES)?;
        Ok(HttpSource {
            client,
            url: url.to_string(),
            len: total,
            tail: Mutex::new((start, bytes)),
            requests: Mutex::new(1),
        })
    }

    /// How many HTTP requests this source has made so far.
    pub fn requests(&self) -> u32 {
        *self.requests.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl ByteSource for HttpSource {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&self, offset: u64, len: u64) -> Result<Vec<u8>> {
        check_range(self, offset, len)?;
        {
            let tail = self.tail.lock().unwrap_or_else(|p| p.into_inner());
            let (start, ref bytes) = *tail;
            if offset >= start && offset + len <= start + bytes.len() as u64 {
                let from = (offset - start) as usize;
                return Ok(bytes[from..from + len as usize].to_vec());
            }
        }
        if len == 0 {
            return Ok(Vec::new());
        }
        *self.requests.lock().unwrap_or_else(|p| p.into_inner()) += 1;
        let (_, got_start, bytes) = self.client.get_range(&self.url, Some(offset), len)?;
        if got_start != offset || bytes.len() as u64 != len {
            return Err(Error::BadAnswer {
                url: self.url.clone(),
                detail: format!(
                    "asked for {len} bytes at {offset}, got {} at {got_start}",
                    bytes.len()
                ),
            });
        }
        Ok(bytes)
    }

    fn name(&self) -> &str {
        &self.url
    }
}

/// An in-memory source (tests, fuzzing).
#[derive(Debug, Clone)]
pub struct MemSource {
    bytes: Vec<u8>,
    name: String,
}

impl MemSource {
    /// Wraps bytes.
    pub fn new(name: &str, bytes: Vec<u8>) -> Self {
        MemSource {
            bytes,
            name: name.to_string(),
        }
    }
}

impl ByteSource for MemSource {
    fn len(&self) -> u64 {
        self.bytes.len() as u64
    }

    fn read_at(&self, offset: u64, len: u64) -> Result<Vec<u8>> {
        check_range(self, offset, len)?;
        Ok(self.bytes[offset as usize..(offset + len) as usize].to_vec())
    }

    fn name(&self) -> &str {
        &self.name
    }
}
