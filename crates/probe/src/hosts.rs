//! The hosts file: parsing (comments, CRLF, BOM, IPv6, several names per line), finding entries
//! for Apple hosts, and the opt-in fix (backup first, then a minimal edit, with a diff).

use std::net::IpAddr;
use std::path::{Path, PathBuf};

/// One hosts-file entry that names an Apple host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppleEntry {
    /// 1-based line number.
    pub line: u64,
    /// The address the line maps the names to.
    pub address: String,
    /// The Apple names on the line.
    pub names: Vec<String>,
    /// The line as written (without its line ending).
    pub text: String,
}

/// A parsed line: address and names, comments stripped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// 1-based line number.
    pub line: u64,
    /// Address field.
    pub address: String,
    /// Host names (lower-cased, trailing dot removed).
    pub names: Vec<String>,
}

/// Decodes hosts-file bytes: UTF-8 (with or without BOM) or UTF-16 with BOM; lossy otherwise.
pub fn decode(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return String::from_utf8_lossy(rest).into_owned();
    }
    let utf16 = |le: bool, rest: &[u8]| {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|c| {
                if le {
                    u16::from_le_bytes([c[0], c[1]])
                } else {
                    u16::from_be_bytes([c[0], c[1]])
                }
            })
            .collect();
        String::from_utf16_lossy(&units)
    };
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return utf16(true, rest);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return utf16(false, rest);
    }
    String::from_utf8_lossy(bytes).into_owned()
}

/// Parses hosts-file text into entries (blank and comment-only lines skipped).
pub fn parse(text: &str) -> Vec<Entry> {
    let mut out = Vec::new();
    for (i, raw) in text.split('\n').enumerate() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let content = line.split('#').next().unwrap_or("");
        let mut fields = content.split_whitespace();
        let Some(address) = fields.next() else {
            continue;
        };
        let names: Vec<String> = fields
            .map(|n| n.trim_end_matches('.').to_ascii_lowercase())
            .filter(|n| !n.is_empty())
            .collect();
        if names.is_empty() {
            continue;
        }
        out.push(Entry {
            line: i as u64 + 1,
            address: address.to_string(),
            names,
        });
    }
    out
}

/// Whether `name` is `domain` or under it.
pub fn under_domain(name: &str, domain: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    name == domain || name.ends_with(&format!(".{domain}"))
}

/// Entries naming any host under `domains`.
pub fn apple_entries(text: &str, domains: &[String]) -> Vec<AppleEntry> {
    let lines: Vec<&str> = text.split('\n').collect();
    parse(text)
        .into_iter()
        .filter_map(|e| {
            let names: Vec<String> = e
                .names
                .iter()
                .filter(|n| domains.iter().any(|d| under_domain(n, d)))
                .cloned()
                .collect();
            if names.is_empty() {
                return None;
            }
            let raw = lines.get(e.line as usize - 1).copied().unwrap_or("");
            Some(AppleEntry {
                line: e.line,
                address: e.address,
                names,
                text: raw.strip_suffix('\r').unwrap_or(raw).to_string(),
            })
        })
        .collect()
}

/// Whether an address is a "block" (sinkhole) rather than a redirect to another server.
pub fn is_sinkhole(address: &str) -> bool {
    match address.parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback() || ip.is_unspecified(),
        Err(_) => false,
    }
}

/// What `--fix hosts` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixOutcome {
    /// Where the original was saved.
    pub backup: PathBuf,
    /// Unified-style diff of the change.
    pub diff: String,
    /// How many lines changed.
    pub changed_lines: usize,
}

/// Why the fix was not made.
#[derive(Debug, thiserror::Error)]
pub enum FixError {
    /// Reading, backing up or writing failed (the original is untouched unless the backup exists).
    #[error("{what} {path}: {source}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// Which file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The file is UTF-16; editing it would risk damage.
    #[error("{0} is UTF-16 encoded; edit it by hand (restore-doctor only edits UTF-8 hosts files)")]
    Utf16(PathBuf),
}

/// The edited text: on each line naming an Apple host, those names are removed; a line left
/// with no name is commented out. Keeps BOM-less text, line endings and every other byte.
pub fn fixed_text(text: &str, domains: &[String]) -> (String, Vec<(u64, String, String)>) {
    let mut changes = Vec::new();
    let mut out = String::with_capacity(text.len());
    let pieces: Vec<&str> = text.split('\n').collect();
    let n = pieces.len();
    for (i, raw) in pieces.into_iter().enumerate() {
        let (line, cr) = match raw.strip_suffix('\r') {
            Some(l) => (l, "\r"),
            None => (raw, ""),
        };
        let (content, comment) = match line.find('#') {
            Some(p) => (&line[..p], &line[p..]),
            None => (line, ""),
        };
        let fields: Vec<&str> = content.split_whitespace().collect();
        let apple = fields.len() > 1
            && fields[1..]
                .iter()
                .any(|f| domains.iter().any(|d| under_domain(f, d)));
        let new_line = if apple {
            let kept: Vec<&str> = fields[1..]
                .iter()
                .copied()
                .filter(|f| !domains.iter().any(|d| under_domain(f, d)))
                .collect();
            let new = if kept.is_empty() {
                format!("# {line}  # disabled by restore-doctor")
            } else {
                let mut s = format!("{}\t{}", fields[0], kept.join(" "));
                if !comment.is_empty() {
                    s.push(' ');
                    s.push_str(comment);
                }
                s
            };
            changes.push((i as u64 + 1, line.to_string(), new.clone()));
            new
        } else {
            line.to_string()
        };
        out.push_str(&new_line);
        out.push_str(cr);
        if i + 1 < n {
            out.push('\n');
        }
    }
    (out, changes)
}

/// Renders changes as a small unified-style diff.
pub fn diff(path: &Path, changes: &[(u64, String, String)]) -> String {
    let mut d = format!("--- {}\n+++ {} (edited)\n", path.display(), path.display());
    for (line, old, new) in changes {
        d.push_str(&format!("@@ line {line} @@\n-{old}\n+{new}\n"));
    }
    d
}

/// Removes Apple-host entries from the hosts file at `path`: writes a timestamped backup next
/// to it first, then replaces the file (write to a temporary file, then rename). Returns `None`
/// when there is nothing to change.
pub fn fix(path: &Path, domains: &[String]) -> Result<Option<FixOutcome>, FixError> {
    let bytes = std::fs::read(path).map_err(|source| FixError::Io {
        what: "cannot read",
        path: path.to_path_buf(),
        source,
    })?;
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(FixError::Utf16(path.to_path_buf()));
    }
    let (bom, body) = match bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        Some(rest) => (&bytes[..3], rest),
        None => (&bytes[..0], &bytes[..]),
    };
    let text = String::from_utf8_lossy(body);
    let (new_text, changes) = fixed_text(&text, domains);
    if changes.is_empty() {
        return Ok(None);
    }
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let file_name = path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| "hosts".into());
    let backup = path.with_file_name(format!("{file_name}.restore-doctor-{stamp}.bak"));
    std::fs::write(&backup, &bytes).map_err(|source| FixError::Io {
        what: "cannot write backup",
        path: backup.clone(),
        source,
    })?;
    let tmp = path.with_file_name(format!(".{file_name}.restore-doctor.tmp"));
    let mut out = bom.to_vec();
    out.extend_from_slice(new_text.as_bytes());
    std::fs::write(&tmp, &out).map_err(|source| FixError::Io {
        what: "cannot write",
        path: tmp.clone(),
        source,
    })?;
    if let Ok(meta) = std::fs::metadata(path) {
        let _ = std::fs::set_permissions(&tmp, meta.permissions());
    }
    if let Err(source) = std::fs::rename(&tmp, path) {
        let _ = std::fs::remove_file(&tmp);
        return Err(FixError::Io {
            what: "cannot replace",
            path: path.to_path_buf(),
            source,
        });
    }
    Ok(Some(FixOutcome {
        backup,
        diff: diff(path, &changes),
        changed_lines: changes.len(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn domains() -> Vec<String> {
        vec!["apple.com".into(), "cdn-apple.com".into()]
    }

    #[test]
    fn finds_entries_through_comments_crlf_bom_ipv6() {
        let bytes = b"\xEF\xBB\xBF127.0.0.1 localhost\r\n# 74.208.105.171 gs.apple.com\r\n74.208.105.171\tgs.apple.com GS.Apple.com. # saurik\r\n::1 ip6-localhost mesu.apple.com\r\nfe80::1%lo0 notapple.com\r\n0.0.0.0 updates.cdn-apple.com\r\n1.2.3.4 evilapple.com\r\n";
        let text = decode(bytes);
        let found = apple_entries(&text, &domains());
        let lines: Vec<u64> = found.iter().map(|e| e.line).collect();
        assert_eq!(lines, [3, 4, 6]);
        assert_eq!(found[0].address, "74.208.105.171");
        assert_eq!(found[0].names, ["gs.apple.com", "gs.apple.com"]);
        assert!(!found[0].text.ends_with('\r'));
        assert_eq!(found[1].address, "::1");
        assert_eq!(found[1].names, ["mesu.apple.com"]);
        assert!(is_sinkhole(&found[2].address));
        assert!(!is_sinkhole(&found[0].address));
    }

    #[test]
    fn utf16_files_decode() {
        let mut b = vec![0xFF, 0xFE];
        for u in "1.2.3.4 gs.apple.com\r\n".encode_utf16() {
            b.extend_from_slice(&u.to_le_bytes());
        }
        assert_eq!(apple_entries(&decode(&b), &domains()).len(), 1);
    }

    #[test]
    fn fix_keeps_other_names_and_line_endings() {
        let text =
            "127.0.0.1 localhost gs.apple.com # old\r\n1.2.3.4 gs.apple.com\r\n::1 localhost\r\n";
        let (new, changes) = fixed_text(text, &domains());
        assert_eq!(changes.len(), 2);
        assert_eq!(
            new,
            "127.0.0.1\tlocalhost # old\r\n# 1.2.3.4 gs.apple.com  # disabled by restore-doctor\r\n::1 localhost\r\n"
        );
        assert!(apple_entries(&new, &domains()).is_empty());
    }

    #[test]
    fn fix_on_file_backs_up_and_diffs() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("hosts");
        let original = b"\xEF\xBB\xBF127.0.0.1 localhost\n74.208.105.171 gs.apple.com\n";
        std::fs::write(&p, original).unwrap();
        let out = fix(&p, &domains()).unwrap().unwrap();
        assert_eq!(std::fs::read(&out.backup).unwrap(), original);
        let now = std::fs::read(&p).unwrap();
        assert!(now.starts_with(&[0xEF, 0xBB, 0xBF]));
        assert!(out.diff.contains("-74.208.105.171 gs.apple.com"));
        assert!(out.diff.contains("@@ line 2 @@"));
        assert!(apple_entries(&decode(&now), &domains()).is_empty());
        // Second run: nothing to do, no new backup.
        assert!(fix(&p, &domains()).unwrap().is_none());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }

    proptest::proptest! {
        #[test]
        fn parse_never_panics(s in "\\PC*") {
            let _ = apple_entries(&s, &domains());
            let (t, _) = fixed_text(&s, &domains());
            proptest::prop_assert!(apple_entries(&t, &domains()).is_empty());
        }
    }
}
