//! Findings for "is this IPSW intact?" (check `firmware.integrity`): zip structure, CRCs, and
//! digests compared with the catalog. An unknown build is "not in the catalog", never "corrupt".

use crate::hash::Digests;
use crate::inspect::Ipsw;
use crate::source::ByteSource;
use crate::verdict::catalog_rows;
use crate::zipdir::{self, Entry, ZipIndex};
use rd_catalog::firmware::FirmwareCatalog;
use rd_model::{Confidence, Evidence, Family, Finding, Severity};
use std::io::Read;

/// Checks every entry's local header against the directory (one small read each).
pub fn check_local_headers(src: &dyn ByteSource, index: &ZipIndex) -> Vec<String> {
    let mut problems = index.problems.clone();
    for e in &index.entries {
        if let Err(err) = zipdir::data_offset(src, index, e) {
            problems.push(err.to_string());
            if problems.len() >= 20 {
                problems.push("(stopped after 20 problems)".into());
                break;
            }
        }
    }
    problems
}

/// The zip-structure finding.
pub fn zip_finding(ipsw: &Ipsw, problems: &[String]) -> Finding {
    if problems.is_empty() {
        return Finding::new(
            "firmware.integrity.zip",
            Family::WrongFirmware,
            Severity::Ok,
            format!(
                "Zip structure is consistent ({} entries)",
                ipsw.index.entries.len()
            ),
            "The central directory, end records and every entry's local header agree.",
        );
    }
    let mut f = Finding::new(
        "firmware.integrity.zip",
        Family::WrongFirmware,
        Severity::Fail,
        "The zip structure is inconsistent: the file is damaged",
        "A damaged IPSW fails part-way through a restore. Download it again.",
    )
    .with_remedies(rd_kb::remedies!["firmware-redownload"])
    .with_confidence(Confidence::High);
    for p in problems {
        f = f.with_evidence(Evidence::new(p.clone(), "structure check"));
    }
    f
}

struct SourceReader<'a> {
    src: &'a dyn ByteSource,
    pos: u64,
    end: u64,
}

impl Read for SourceReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = (self.end - self.pos).min(buf.len() as u64).min(1 << 20);
        if n == 0 {
            return Ok(0);
        }
        let bytes = self
            .src
            .read_at(self.pos, n)
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        buf[..n as usize].copy_from_slice(&bytes);
        self.pos += n;
        Ok(n as usize)
    }
}

struct CrcSink {
    crc: crc32fast::Hasher,
    count: u64,
}

impl std::io::Write for CrcSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.crc.update(buf);
        self.count += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Inflates one entry in a stream and checks its CRC-32 and size; `Err` says what was wrong.
pub fn check_entry_crc(src: &dyn ByteSource, index: &ZipIndex, e: &Entry) -> Result<(), String> {
    let start = zipdir::data_offset(src, index, e).map_err(|x| x.to_string())?;
    let raw = SourceReader {
        src,
        pos: start,
        end: start + e.compressed_size,
    };
    let mut sink = CrcSink {
        crc: crc32fast::Hasher::new(),
        count: 0,
    };
    let copied = match e.method {
        0 => std::io::copy(&mut raw.take(e.compressed_size), &mut sink),
        8 => std::io::copy(
            &mut flate2::read::DeflateDecoder::new(raw).take(e.uncompressed_size + 1),
            &mut sink,
        ),
        m => return Err(format!("{}: compression method {m}", e.name)),
    };
    copied.map_err(|x| format!("{}: {x}", e.name))?;
    if sink.count != e.uncompressed_size {
        return Err(format!(
            "{}: {} bytes instead of {}",
            e.name, sink.count, e.uncompressed_size
        ));
    }
    let crc = sink.crc.finalize();
    if crc != e.crc32 {
        return Err(format!(
            "{}: CRC {crc:08x} instead of {:08x}",
            e.name, e.crc32
        ));
    }
    Ok(())
}

/// Checks every entry's CRC; `progress` gets the compressed bytes done so far.
pub fn crc_finding(src: &dyn ByteSource, index: &ZipIndex, progress: &dyn Fn(u64)) -> Finding {
    let mut bad = Vec::new();
    let mut done = 0u64;
    for e in &index.entries {
        if let Err(msg) = check_entry_crc(src, index, e) {
            bad.push(msg);
        }
        done += e.compressed_size;
        progress(done);
    }
    if bad.is_empty() {
        return Finding::new(
            "firmware.integrity.crc",
            Family::WrongFirmware,
            Severity::Ok,
            format!(
                "All {} entries pass their CRC-32 check",
                index.entries.len()
            ),
            "Every file inside the IPSW inflates to its recorded size and checksum.",
        );
    }
    let mut f = Finding::new(
        "firmware.integrity.crc",
        Family::WrongFirmware,
        Severity::Fail,
        format!("{} entries fail their CRC-32 check", bad.len()),
        "Files inside the IPSW are damaged; the restore would fail while sending them. Download the IPSW again.",
    )
    .with_remedies(rd_kb::remedies!["firmware-redownload"])
    .with_confidence(Confidence::High);
    for b in bad.into_iter().take(20) {
        f = f.with_evidence(Evidence::new(b, "damaged entry"));
    }
    f
}

/// Compares the digests with the catalog's values for this build and file.
pub fn hash_finding(cat: &FirmwareCatalog<'_>, ipsw: &Ipsw, d: &Digests) -> Finding {
    let digests = Evidence::new(
        format!("SHA-1 {}  SHA-256 {}", d.sha1, d.sha256),
        format!("computed in one read of {} bytes", d.bytes),
    );
    let by_hash = cat.by_hash(&d.sha256);
    let by_hash = if by_hash.is_empty() {
        cat.by_hash(&d.sha1)
    } else {
        by_hash
    };
    if let Some(f) = by_hash.first() {
        return Finding::new(
            "firmware.integrity.ok",
            Family::WrongFirmware,
            Severity::Ok,
            format!(
                "Intact: the digests match the catalog's {} ({})",
                f.version, f.build
            ),
            format!("Catalog used: {}.", cat.info),
        )
        .with_evidence(digests)
        .with_confidence(Confidence::High);
    }
    let rows = catalog_rows(cat, ipsw);
    let known: Vec<_> = rows
        .iter()
        .filter(|r| r.sha1.is_some() || r.sha256.is_some())
        .collect();
    if known.is_empty() {
        return Finding::new(
            "firmware.integrity.unknown",
            Family::WrongFirmware,
            Severity::Info,
            "Not in the catalog: the digests cannot be confirmed",
            format!(
                "The catalog ({}) has no hash for build {} of these devices. That does not mean the file is damaged; compare the digests with the source you downloaded from.",
                cat.info,
                ipsw.build().unwrap_or("?")
            ),
        )
        .with_evidence(digests);
    }
    let r = known[0];
    let mut f = Finding::new(
        "firmware.integrity.mismatch",
        Family::WrongFirmware,
        Severity::Fail,
        format!(
            "Damaged or altered: the digests differ from the catalog's for {} ({})",
            r.version, r.build
        ),
        format!(
            "The catalog ({}) records other digests for this build and device. A partial download, a disk error or a modified file gives this; the restore would fail or be refused. Download the IPSW again.",
            cat.info
        ),
    )
    .with_evidence(digests)
    .with_remedies(rd_kb::remedies!["firmware-redownload", "stock-firmware"])
    .with_confidence(Confidence::High);
    for r in known.iter().take(3) {
        f = f.with_evidence(Evidence::new(
            format!(
                "catalog: SHA-1 {}  SHA-256 {}  size {}",
                r.sha1.unwrap_or("-"),
                r.sha256.unwrap_or("-"),
                r.size.map(|s| s.to_string()).unwrap_or("-".into())
            ),
            format!(
                "expected for {}",
                r.product_types().collect::<Vec<_>>().join(", ")
            ),
        ));
    }
    if let Some(size) = r.size.filter(|s| *s != d.bytes) {
        f = f.with_evidence(Evidence::new(
            format!("file has {} bytes, catalog says {size}", d.bytes),
            if d.bytes < size {
                "the download stopped early"
            } else {
                "the file has extra or different data"
            },
        ));
    }
    f
}
