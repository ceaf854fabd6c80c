//! Helpers for finding-id registry tests in the style of cargo-deny's `codes_unique`: each crate
//! keeps a `const` list of the finding ids it emits; its test checks the list has no duplicates,
//! that every `Finding::new("…")` literal in the crate's sources is on it (and every listed id is
//! still used), and snapshots the list so a new or renamed id shows up in review.

use std::collections::BTreeSet;
use std::path::Path;

/// Ids that occur more than once in `ids`, sorted.
pub fn duplicates<'a>(ids: &[&'a str]) -> Vec<&'a str> {
    let mut seen = BTreeSet::new();
    let mut twice = BTreeSet::new();
    for id in ids {
        if !seen.insert(*id) {
            twice.insert(*id);
        }
    }
    twice.into_iter().collect()
}

/// The string literals passed as the first argument of `Finding::new(` in `source`.
pub fn finding_literals(source: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = source;
    while let Some(at) = rest.find("Finding::new(") {
        rest = &rest[at + "Finding::new(".len()..];
        let arg = rest.trim_start();
        if let Some(body) = arg.strip_prefix('"')
            && let Some(end) = body.find('"')
        {
            found.push(body[..end].to_string());
        }
    }
    found
}

/// Every `Finding::new("…")` literal in the `.rs` files under `dir` (recursively), sorted and
/// without duplicates. Lines inside `#[cfg(test)]` modules are included: keep test-only ids out of
/// the crate's sources or on the list.
pub fn finding_literals_under(dir: &Path) -> std::io::Result<BTreeSet<String>> {
    let mut all = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                all.extend(finding_literals(&std::fs::read_to_string(&path)?));
            }
        }
    }
    Ok(all)
}

/// Checks a crate's finding-id list against its sources: no duplicates, every literal listed,
/// every listed id used. Returns every problem, one line each.
pub fn check_finding_ids(ids: &[&str], src_dir: &Path) -> Result<(), Vec<String>> {
    let mut problems: Vec<String> = duplicates(ids)
        .into_iter()
        .map(|id| format!("finding id {id} is listed twice"))
        .collect();
    let listed: BTreeSet<&str> = ids.iter().copied().collect();
    let used = match finding_literals_under(src_dir) {
        Ok(used) => used,
        Err(e) => return Err(vec![format!("{}: {e}", src_dir.display())]),
    };
    for id in &used {
        if !listed.contains(id.as_str()) {
            problems.push(format!(
                "Finding::new(\"{id}\") is not in the crate's finding-id list"
            ));
        }
    }
    for id in &listed {
        if !used.contains(*id) {
            problems.push(format!(
                "finding id {id} is listed but no Finding::new uses it"
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_are_found_across_lines_and_others_ignored() {
        let src = "let a = Finding::new(\n    \"usb.hub.ok\",\n    Family::Usb);\n\
                   let b = Finding::new(id, Family::Usb);\nFinding::new(\"x.y\", f)";
        assert_eq!(finding_literals(src), ["usb.hub.ok", "x.y"]);
    }

    #[test]
    fn duplicates_are_reported_once() {
        assert_eq!(duplicates(&["a", "b", "a", "a"]), ["a"]);
        assert!(duplicates(&["a", "b"]).is_empty());
    }

    #[test]
    fn list_and_sources_are_compared_both_ways() {
        let dir = std::env::temp_dir().join(format!("rd-kb-registry-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::write(dir.join("sub/a.rs"), "Finding::new(\"a.one\", x)").unwrap();
        std::fs::write(dir.join("b.rs"), "Finding::new( \"a.two\", x)").unwrap();
        assert!(check_finding_ids(&["a.one", "a.two"], &dir).is_ok());
        let problems = check_finding_ids(&["a.one", "a.one", "a.three"], &dir).unwrap_err();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(problems.len(), 3, "{problems:?}");
    }
}
