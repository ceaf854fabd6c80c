//! Version strings as tools print them: dotted releases (`12.13.11.1`), git builds
//! (`1.0.0-270-g405fcd1`), futurerestore's `v2.0.0("<sha>-309")` and its older
//! `<sha> - 150`, and Store package versions (`12131.3.2010.0`).

use std::cmp::Ordering;

/// The numbers of a dotted version (`10.15.7` -> `[10, 15, 7]`); `None` without a dot-separated
/// number at the start.
pub fn dotted(s: &str) -> Option<Vec<u64>> {
    let s = s.trim().trim_start_matches(['v', 'V']);
    let core: String = s
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let core = core.trim_end_matches('.');
    if core.is_empty() {
        return None;
    }
    core.split('.').map(|p| p.parse().ok()).collect()
}

/// Compares two dotted versions numerically; missing parts count as 0.
pub fn compare(a: &[u64], b: &[u64]) -> Ordering {
    for i in 0..a.len().max(b.len()) {
        let o = a.get(i).unwrap_or(&0).cmp(b.get(i).unwrap_or(&0));
        if o.is_ne() {
            return o;
        }
    }
    Ordering::Equal
}

/// `a` is older than `b` (both dotted strings; unparsable counts as not older).
pub fn older(a: &str, b: &str) -> bool {
    match (dotted(a), dotted(b)) {
        (Some(x), Some(y)) => compare(&x, &y).is_lt(),
        _ => false,
    }
}

/// What a restore tool said about its version.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BuildVersion {
    /// The release numbers, e.g. `[1, 0, 0]`.
    pub release: Option<Vec<u64>>,
    /// The release as printed, e.g. `1.0.0` or `2.0.0-RC`.
    pub release_text: Option<String>,
    /// Commits counted by the build (after the tag, or in total for futurerestore).
    pub commits: Option<u64>,
    /// Commit hash (abbreviated or full) when printed.
    pub sha: Option<String>,
}

impl BuildVersion {
    /// A short form for evidence lines.
    pub fn display(&self) -> String {
        let mut s = self.release_text.clone().unwrap_or_else(|| "?".into());
        if let Some(n) = self.commits {
            s.push_str(&format!(" +{n} commits"));
        }
        if let Some(h) = &self.sha {
            s.push_str(&format!(" ({})", &h[..h.len().min(12)]));
        }
        s
    }
}

fn is_hex(s: &str) -> bool {
    s.len() >= 7 && s.chars().all(|c| c.is_ascii_hexdigit())
}

/// Reads a tool's version output (the first line that carries one).
pub fn parse_build(text: &str) -> Option<BuildVersion> {
    for line in text.lines() {
        if let Some(v) = parse_line(line) {
            return Some(v);
        }
    }
    None
}

fn parse_line(line: &str) -> Option<BuildVersion> {
    let line = line.trim();
    // futurerestore, older builds: `Version: <40-hex> - 150`
    if let Some(rest) = line.strip_prefix("Version:") {
        let rest = rest.trim();
        let parts: Vec<&str> = rest.split(" - ").collect();
        if parts.len() == 2 && is_hex(parts[0].trim()) {
            return Some(BuildVersion {
                release: None,
                release_text: None,
                commits: parts[1].trim().parse().ok(),
                sha: Some(parts[0].trim().to_string()),
            });
        }
    }
    let words = line.split(|c: char| c.is_whitespace() || c == ',');
    for w in words {
        let w = w.trim_matches(|c: char| c == ';' || c == ':');
        let start = w.trim_start_matches(['v', 'V']);
        if !start.starts_with(|c: char| c.is_ascii_digit()) {
            continue;
        }
        let (head, paren) = match start.split_once('(') {
            Some((h, p)) => (h, Some(p)),
            None => (start, None),
        };
        let Some(release) = dotted(head) else {
            continue;
        };
        if release.len() < 2 {
            continue;
        }
        let mut v = BuildVersion {
            release: Some(release),
            ..Default::default()
        };
        // `1.0.0-270-g405fcd1`, `2.0.0-RC`, `1.3.0-197-gabc`
        let mut rel_text = head.to_string();
        let pieces: Vec<&str> = head.split('-').collect();
        if pieces.len() >= 3 && pieces[pieces.len() - 1].starts_with('g') {
            let sha = &pieces[pieces.len() - 1][1..];
            if let (Ok(n), true) = (pieces[pieces.len() - 2].parse::<u64>(), is_hex(sha)) {
                v.commits = Some(n);
                v.sha = Some(sha.to_string());
                rel_text = pieces[..pieces.len() - 2].join("-");
            }
        }
        v.release_text = Some(rel_text);
        // futurerestore: `v2.0.0("3687...-309")` or `v2.0.0(0f6b0c9)`
        if let Some(p) = paren {
            let inner = p.trim_end_matches(')').trim_matches('"');
            match inner.rsplit_once('-') {
                Some((sha, n)) if is_hex(sha) => {
                    v.sha = Some(sha.to_string());
                    v.commits = n.parse().ok();
                }
                _ if is_hex(inner) => v.sha = Some(inner.to_string()),
                _ => {}
            }
        }
        return Some(v);
    }
    None
}

/// The iTunes version a Store package version stands for: `12131.3.2010.0` -> `12.13.1.3`
/// (Store packages fold major, minor and patch into the first field). Other versions pass through.
pub fn store_itunes_version(store: &str) -> String {
    let parts: Vec<&str> = store.split('.').collect();
    match parts.first() {
        Some(first) if first.len() >= 5 && first.chars().all(|c| c.is_ascii_digit()) => {
            let (major, rest) = first.split_at(2);
            let (minor, patch) = rest.split_at(2);
            let patch: u64 = patch.parse().unwrap_or(0);
            let minor: u64 = minor.parse().unwrap_or(0);
            match parts.get(1) {
                Some(build) => format!("{major}.{minor}.{patch}.{build}"),
                None => format!("{major}.{minor}.{patch}"),
            }
        }
        _ => store.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotted_and_compare() {
        assert_eq!(dotted("10.15.7"), Some(vec![10, 15, 7]));
        assert_eq!(dotted("v2.0.0-RC"), Some(vec![2, 0, 0]));
        assert_eq!(dotted("usage"), None);
        assert!(older("10.14.6", "10.15"));
        assert!(!older("11.0", "10.15"));
        assert!(!older("10.15", "10.15.0"));
        assert!(older("12.12.9.4", "12.13.11.1"));
    }

    #[test]
    fn git_builds_and_releases() {
        let v =
            parse_build("idevicerestore 1.0.0-270-g405fcd1 (libirecovery 1.3.1, libtatsu 1.0.5)")
                .unwrap();
        assert_eq!(v.release_text.as_deref(), Some("1.0.0"));
        assert_eq!(v.commits, Some(270));
        assert_eq!(v.sha.as_deref(), Some("405fcd1"));
        let v = parse_build("usbmuxd 1.1.1").unwrap();
        assert_eq!((v.release, v.commits), (Some(vec![1, 1, 1]), None));
        assert_eq!(parse_build("usage: irecovery [options]"), None);
    }

    #[test]
    fn futurerestore_formats() {
        let v = parse_build(
            "Version: v2.0.0(\"36879969be71d56af062aa99be5f28ee482a12bc-309\")\nimg4tool version: 0.197",
        )
        .unwrap();
        assert_eq!(v.release, Some(vec![2, 0, 0]));
        assert_eq!(v.commits, Some(309));
        assert!(v.sha.unwrap().starts_with("36879969"));
        let old = parse_build("Version: f068ddb0576e9401b93a9ac9498313c2e35b862e - 150").unwrap();
        assert_eq!((old.release, old.commits), (None, Some(150)));
    }

    #[test]
    fn store_versions() {
        assert_eq!(store_itunes_version("12131.3.2010.0"), "12.13.1.3");
        assert_eq!(store_itunes_version("12110.26.53016.0"), "12.11.0.26");
        assert_eq!(store_itunes_version("1.1028.9986.0"), "1.1028.9986.0");
    }
}
