//! Reads a zip's central directory (zip64 included) and single entries, touching only the end of
//! the file and the entries asked for. Every size read from the file is checked before use.

use crate::error::{Error, Result};
use crate::source::ByteSource;
use std::io::Read;

/// Largest central directory accepted (an IPSW's is well under 1 MiB).
pub const MAX_CENTRAL_DIRECTORY: u64 = 64 * 1024 * 1024;
/// Largest entry this reader will inflate into memory.
pub const MAX_ENTRY: u64 = 64 * 1024 * 1024;

const EOCD_SIG: &[u8; 4] = b"PK\x05\x06";
const ZIP64_LOCATOR_SIG: &[u8; 4] = b"PK\x06\x07";
const ZIP64_EOCD_SIG: &[u8; 4] = b"PK\x06\x06";
const CDH_SIG: &[u8; 4] = b"PK\x01\x02";
const LFH_SIG: &[u8; 4] = b"PK\x03\x04";

/// One file in the archive, as the central directory describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Path inside the archive.
    pub name: String,
    /// 0 stored, 8 deflated.
    pub method: u16,
    /// General-purpose flags (bit 0: encrypted).
    pub flags: u16,
    /// CRC-32 of the uncompressed data.
    pub crc32: u32,
    /// Bytes stored in the archive.
    pub compressed_size: u64,
    /// Bytes after inflating.
    pub uncompressed_size: u64,
    /// Offset of the local file header.
    pub local_header_offset: u64,
}

/// The archive's directory.
#[derive(Debug, Clone)]
pub struct ZipIndex {
    /// Every entry, in directory order.
    pub entries: Vec<Entry>,
    /// Where the central directory starts.
    pub cd_offset: u64,
    /// Its size in bytes.
    pub cd_size: u64,
    /// Whether zip64 end records were used.
    pub zip64: bool,
    /// Archive length.
    pub archive_len: u64,
    /// Inconsistencies that did not stop reading (count mismatch, overlaps).
    pub problems: Vec<String>,
}

fn u16_at(b: &[u8], i: usize) -> u16 {
    u16::from_le_bytes([b[i], b[i + 1]])
}
fn u32_at(b: &[u8], i: usize) -> u32 {
    u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])
}
fn u64_at(b: &[u8], i: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[i..i + 8]);
    u64::from_le_bytes(a)
}

impl ZipIndex {
    /// The entry with exactly this name (or, failing that, the same name in another case).
    pub fn find(&self, name: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.name == name).or_else(|| {
            self.entries
                .iter()
                .find(|e| e.name.eq_ignore_ascii_case(name))
        })
    }

    /// Reads the central directory of `src`.
    pub fn read(src: &dyn ByteSource) -> Result<ZipIndex> {
        let name = src.name();
        let len = src.len();
        if len < 22 {
            return Err(Error::NotZip(name.to_string()));
        }
        let tail_len = len.min(65_535 + 22);
        let tail_start = len - tail_len;
        let tail = src.read_at(tail_start, tail_len)?;
        let pos = (0..=tail.len() - 22)
            .rev()
            .find(|&i| {
                &tail[i..i + 4] == EOCD_SIG && i + 22 + u16_at(&tail, i + 20) as usize <= tail.len()
            })
            .ok_or_else(|| Error::NotZip(name.to_string()))?;
        let eocd = &tail[pos..pos + 22];
        let eocd_offset = tail_start + pos as u64;
        let mut total = u16_at(eocd, 10) as u64;
        let mut cd_size = u32_at(eocd, 12) as u64;
        let mut cd_offset = u32_at(eocd, 16) as u64;
        let mut zip64 = false;
        let mut dir_end = eocd_offset;
        let locator = if pos >= 20 {
            Some(tail[pos - 20..pos].to_vec())
        } else if eocd_offset >= 20 {
            Some(src.read_at(eocd_offset - 20, 20)?)
        } else {
            None
        };
        if let Some(loc) = locator.filter(|l| &l[0..4] == ZIP64_LOCATOR_SIG) {
            let rec_off = u64_at(&loc, 8);
            if rec_off.checked_add(56).is_none_or(|e| e > eocd_offset - 20) {
                return Err(Error::corrupt(
                    name,
                    "the zip64 locator points outside the file",
                ));
            }
            let rec = if rec_off >= tail_start && rec_off + 56 <= len {
                let i = (rec_off - tail_start) as usize;
                tail[i..i + 56].to_vec()
            } else {
                src.read_at(rec_off, 56)?
            };
            if &rec[0..4] != ZIP64_EOCD_SIG {
                return Err(Error::corrupt(name, "the zip64 end record is missing"));
            }
            total = u64_at(&rec, 32);
            cd_size = u64_at(&rec, 40);
            cd_offset = u64_at(&rec, 48);
            zip64 = true;
            dir_end = rec_off;
        } else if total == 0xFFFF || cd_size == 0xFFFF_FFFF || cd_offset == 0xFFFF_FFFF {
            return Err(Error::corrupt(
                name,
                "the end record asks for zip64 but has no zip64 locator",
            ));
        }
        if cd_size > MAX_CENTRAL_DIRECTORY {
            return Err(Error::TooLarge {
                what: format!("the central directory of {name}"),
                size: cd_size,
                limit: MAX_CENTRAL_DIRECTORY,
            });
        }
        if cd_offset.checked_add(cd_size).is_none_or(|e| e > dir_end) {
            return Err(Error::corrupt(
                name,
                format!(
                    "the central directory ({cd_size} bytes at {cd_offset}) runs past the end records at {dir_end}; the file is probably cut short"
                ),
            ));
        }
        if total > cd_size / 46 + 1 {
            return Err(Error::corrupt(
                name,
                format!("{total} entries cannot fit in a {cd_size}-byte directory"),
            ));
        }
        let cd = if cd_offset >= tail_start {
            let i = (cd_offset - tail_start) as usize;
            tail[i..i + cd_size as usize].to_vec()
        } else {
            src.read_at(cd_offset, cd_size)?
        };
        let entries = parse_directory(name, &cd, total)?;
        let mut problems = Vec::new();
        if entries.len() as u64 != total {
            problems.push(format!(
                "the end record counts {total} entries, the directory holds {}",
                entries.len()
            ));
        }
        if cd_offset + cd_size != dir_end {
            problems.push(format!(
                "{} unexplained bytes between the directory and the end record",
                dir_end - cd_offset - cd_size
            ));
        }
        for e in &entries {
            if e.local_header_offset
                .saturating_add(30)
                .saturating_add(e.compressed_size)
                > cd_offset
            {
                problems.push(format!("entry {} overlaps the central directory", e.name));
            }
        }
        Ok(ZipIndex {
            entries,
            cd_offset,
            cd_size,
            zip64,
            archive_len: len,
            problems,
        })
    }
}

fn parse_directory(name: &str, cd: &[u8], total: u64) -> Result<Vec<Entry>> {
    let mut entries = Vec::with_capacity(total.min(100_000) as usize);
    let mut i = 0usize;
    while i + 46 <= cd.len() {
        let h = &cd[i..];
        if &h[0..4] != CDH_SIG {
            return Err(Error::corrupt(
                name,
                format!("bad central directory record at offset {i}"),
            ));
        }
        let name_len = u16_at(h, 28) as usize;
        let extra_len = u16_at(h, 30) as usize;
        let comment_len = u16_at(h, 32) as usize;
        let rec_len = 46 + name_len + extra_len + comment_len;
        if rec_len > h.len() {
            return Err(Error::corrupt(
                name,
                "a central directory record is cut short",
            ));
        }
        let mut e = Entry {
            name: String::from_utf8_lossy(&h[46..46 + name_len]).into_owned(),
            method: u16_at(h, 10),
            flags: u16_at(h, 8),
            crc32: u32_at(h, 16),
            compressed_size: u32_at(h, 20) as u64,
            uncompressed_size: u32_at(h, 24) as u64,
            local_header_offset: u32_at(h, 42) as u64,
        };
        apply_zip64_extra(&mut e, &h[46 + name_len..46 + name_len + extra_len]);
        entries.push(e);
        i += rec_len;
    }
    Ok(entries)
}

/// Replaces 0xFFFFFFFF size/offset fields with the values in the zip64 extra field.
fn apply_zip64_extra(e: &mut Entry, mut extra: &[u8]) {
    while extra.len() >= 4 {
        let id = u16_at(extra, 0);
        let size = (u16_at(extra, 2) as usize).min(extra.len() - 4);
        let mut data = &extra[4..4 + size];
        if id == 0x0001 {
            let mut take = |field: &mut u64| {
                if *field == 0xFFFF_FFFF && data.len() >= 8 {
                    *field = u64_at(data, 0);
                    data = &data[8..];
                }
            };
            take(&mut e.uncompressed_size);
            take(&mut e.compressed_size);
            take(&mut e.local_header_offset);
            return;
        }
        extra = &extra[4 + size..];
    }
}

/// Offset of an entry's data: after its local header, name and extra field.
pub fn data_offset(src: &dyn ByteSource, index: &ZipIndex, e: &Entry) -> Result<u64> {
    let lfh = src.read_at(e.local_header_offset, 30).map_err(|_| {
        Error::corrupt(
            src.name(),
            format!("the local header of {} lies outside the file", e.name),
        )
    })?;
    if &lfh[0..4] != LFH_SIG {
        return Err(Error::corrupt(
            src.name(),
            format!("no local header where the directory puts {}", e.name),
        ));
    }
    let start = e.local_header_offset + 30 + u16_at(&lfh, 26) as u64 + u16_at(&lfh, 28) as u64;
    if start
        .checked_add(e.compressed_size)
        .is_none_or(|end| end > index.cd_offset)
    {
        return Err(Error::corrupt(
            src.name(),
            format!("the data of {} runs past the end of the file", e.name),
        ));
    }
    Ok(start)
}

/// Reads and inflates one entry of at most `limit` bytes, checking its CRC-32.
pub fn read_entry(
    src: &dyn ByteSource,
    index: &ZipIndex,
    e: &Entry,
    limit: u64,
) -> Result<Vec<u8>> {
    if e.flags & 1 != 0 {
        return Err(Error::Unsupported {
            name: e.name.clone(),
            detail: "encryption".into(),
        });
    }
    if e.uncompressed_size > limit {
        return Err(Error::TooLarge {
            what: e.name.clone(),
            size: e.uncompressed_size,
            limit,
        });
    }
    let start = data_offset(src, index, e)?;
    let data = match e.method {
        0 => {
            if e.compressed_size != e.uncompressed_size {
                return Err(Error::corrupt(
                    src.name(),
                    format!("stored entry {} has two different sizes", e.name),
                ));
            }
            src.read_at(start, e.compressed_size)?
        }
        8 => {
            // Deflate never grows data by more than ~0.1% plus a few bytes per block.
            let bound = e.uncompressed_size + e.uncompressed_size / 100 + 1024;
            if e.compressed_size > bound {
                return Err(Error::corrupt(
                    src.name(),
                    format!("{} claims an impossible compressed size", e.name),
                ));
            }
            let raw = src.read_at(start, e.compressed_size)?;
            // Deflate expands at most ~1032:1, so a tiny entry claiming a huge size gets a small buffer.
            let plausible = e.compressed_size.saturating_mul(1032).saturating_add(64);
            let mut out = Vec::with_capacity(e.uncompressed_size.min(plausible) as usize);
            flate2::read::DeflateDecoder::new(&raw[..])
                .take(e.uncompressed_size + 1)
                .read_to_end(&mut out)
                .map_err(|err| {
                    Error::corrupt(src.name(), format!("{} does not inflate: {err}", e.name))
                })?;
            if out.len() as u64 != e.uncompressed_size {
                return Err(Error::corrupt(
                    src.name(),
                    format!(
                        "{} inflates to {} bytes, the directory says {}",
                        e.name,
                        out.len(),
                        e.uncompressed_size
                    ),
                ));
            }
            out
        }
        m => {
            return Err(Error::Unsupported {
                name: e.name.clone(),
                detail: format!("compression method {m}"),
            });
        }
    };
    let crc = crc32fast::hash(&data);
    if crc != e.crc32 {
        return Err(Error::corrupt(
            src.name(),
            format!(
                "{} fails its CRC check ({crc:08x} instead of {:08x})",
                e.name, e.crc32
            ),
        ));
    }
    Ok(data)
}
