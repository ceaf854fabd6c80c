//! Opening a log stream: rejecting binary input with a clear reason, and decoding UTF-16
//! (Windows tools sometimes write it) into UTF-8 on the fly.

use std::io::{self, Read};

/// Why a log could not be diagnosed.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// The input holds no text at all.
    #[error("the log is empty")]
    Empty,
    /// The input is not text.
    #[error("this is not a text log ({0})")]
    Binary(String),
    /// Reading failed.
    #[error("could not read the log: {0}")]
    Io(#[from] io::Error),
}

/// How many bytes are sniffed to decide whether the input is text.
pub const SNIFF: usize = 8192;

/// Text encodings the reader accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8 or anything ASCII-compatible (invalid bytes are replaced).
    Utf8,
    /// UTF-16 little endian.
    Utf16Le,
    /// UTF-16 big endian.
    Utf16Be,
}

/// Decides the encoding of `head` (the first bytes of the input), or says why it is not text.
pub fn sniff(head: &[u8]) -> Result<Encoding, LogError> {
    if head.starts_with(&[0xFF, 0xFE]) {
        return Ok(Encoding::Utf16Le);
    }
    if head.starts_with(&[0xFE, 0xFF]) {
        return Ok(Encoding::Utf16Be);
    }
    let magic: [(&[u8], &str); 7] = [
        (
            b"PK\x03\x04",
            "a zip archive, perhaps an IPSW firmware file; pass the restore log instead",
        ),
        (
            b"bplist0",
            "a binary property list; convert it with `plutil -convert xml1` first",
        ),
        (b"\x1f\x8b", "gzip-compressed; unpack it first"),
        (b"BZh", "bzip2-compressed; unpack it first"),
        (b"\xfd7zXZ", "xz-compressed; unpack it first"),
        (b"\x7fELF", "an executable program"),
        (b"%PDF", "a PDF document; copy the log text out of it"),
    ];
    for (m, what) in magic {
        if head.starts_with(m) {
            return Err(LogError::Binary(format!("it looks like {what}")));
        }
    }
    if head.len() >= 8 {
        // UTF-16 without a byte-order mark: ASCII text with every other byte zero.
        let pairs = head.len() / 2;
        let even_zero = head
            .chunks_exact(2)
            .filter(|c| c[0] == 0 && c[1] != 0)
            .count();
        let odd_zero = head
            .chunks_exact(2)
            .filter(|c| c[1] == 0 && c[0] != 0)
            .count();
        if odd_zero * 10 >= pairs * 9 {
            return Ok(Encoding::Utf16Le);
        }
        if even_zero * 10 >= pairs * 9 {
            return Ok(Encoding::Utf16Be);
        }
    }
    let nul = head.iter().filter(|&&b| b == 0).count();
    let control = head
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t' | 0x0c | 0x1b | 0))
        .count();
    if !head.is_empty() && (nul * 100 > head.len() || (nul + control) * 10 > head.len()) {
        return Err(LogError::Binary(format!(
            "{} of the first {} bytes are control or NUL bytes",
            nul + control,
            head.len()
        )));
    }
    Ok(Encoding::Utf8)
}

/// A reader that turns UTF-16 into UTF-8 (unpaired surrogates become U+FFFD).
pub struct Utf16Reader<R> {
    inner: R,
    big_endian: bool,
    pending: Vec<u8>,
    pos: usize,
    carry: Option<u8>,
    high: Option<u16>,
    first: bool,
}

impl<R: Read> Utf16Reader<R> {
    /// Wraps `inner`, which yields UTF-16 in the given byte order.
    pub fn new(inner: R, big_endian: bool) -> Self {
        Utf16Reader {
            inner,
            big_endian,
            pending: Vec::new(),
            pos: 0,
            carry: None,
            high: None,
            first: true,
        }
    }

    fn push_unit(&mut self, unit: u16) {
        if self.first {
            self.first = false;
            if unit == 0xFEFF {
                return;
            }
        }
        let mut buf = [0u8; 4];
        if let Some(h) = self.high.take() {
            if (0xDC00..0xE000).contains(&unit) {
                let c = 0x10000 + (((h as u32) - 0xD800) << 10) + (unit as u32 - 0xDC00);
                let ch = char::from_u32(c).unwrap_or('\u{FFFD}');
                self.pending
                    .extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                return;
            }
            self.pending.extend_from_slice("\u{FFFD}".as_bytes());
        }
        if (0xD800..0xDC00).contains(&unit) {
            self.high = Some(unit);
            return;
        }
        let ch = char::from_u32(unit as u32).unwrap_or('\u{FFFD}');
        self.pending
            .extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
    }
}

impl<R: Read> Read for Utf16Reader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.pos >= self.pending.len() {
            self.pending.clear();
            self.pos = 0;
            let mut raw = [0u8; 64 * 1024];
            let n = self.inner.read(&mut raw)?;
            if n == 0 {
                if self.high.take().is_some() || self.carry.take().is_some() {
                    self.pending.extend_from_slice("\u{FFFD}".as_bytes());
                    continue;
                }
                return Ok(0);
            }
            let mut bytes: Vec<u8> = Vec::with_capacity(n + 1);
            if let Some(c) = self.carry.take() {
                bytes.push(c);
            }
            bytes.extend_from_slice(&raw[..n]);
            let whole = bytes.len() / 2 * 2;
            if whole < bytes.len() {
                self.carry = Some(bytes[whole]);
            }
            for pair in bytes[..whole].chunks_exact(2) {
                let unit = if self.big_endian {
                    u16::from_be_bytes([pair[0], pair[1]])
                } else {
                    u16::from_le_bytes([pair[0], pair[1]])
                };
                self.push_unit(unit);
            }
        }
        let n = out.len().min(self.pending.len() - self.pos);
        out[..n].copy_from_slice(&self.pending[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// Reads up to `SNIFF` bytes (fewer only at end of input).
pub fn read_head<R: Read>(r: &mut R) -> io::Result<Vec<u8>> {
    let mut head = vec![0u8; SNIFF];
    let mut filled = 0;
    while filled < SNIFF {
        match r.read(&mut head[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    head.truncate(filled);
    Ok(head)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_binary_and_archives() {
        assert!(matches!(sniff(b"PK\x03\x04rest"), Err(LogError::Binary(m)) if m.contains("IPSW")));
        assert!(matches!(sniff(&[0u8; 100]), Err(LogError::Binary(_))));
        assert!(matches!(sniff(b"plain text\nmore\n"), Ok(Encoding::Utf8)));
        assert!(matches!(
            sniff(b"caf\xe9 latin-1 text\n"),
            Ok(Encoding::Utf8)
        ));
    }

    #[test]
    fn decodes_utf16_with_and_without_bom() {
        let text = "Status: Restore Finished \u{1F600}\n";
        let mut le: Vec<u8> = vec![0xFF, 0xFE];
        for u in text.encode_utf16() {
            le.extend_from_slice(&u.to_le_bytes());
        }
        assert_eq!(sniff(&le).unwrap(), Encoding::Utf16Le);
        let mut out = String::new();
        Utf16Reader::new(&le[..], false)
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, text);
        let be: Vec<u8> = text.encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
        assert_eq!(sniff(&be).unwrap(), Encoding::Utf16Be);
        let mut out = String::new();
        Utf16Reader::new(&be[..], true)
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, text);
    }
}
