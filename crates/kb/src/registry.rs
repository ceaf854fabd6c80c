//! Finding-id registries in the style of cargo-deny's `codes_unique`: each crate that emits
//! findings keeps one `const` list of [`FindingId`]s — every id it can emit, and the check that
//! verifies it (written with [`check_id!`](crate::check_id!), so a check missing from
//! `data/checks.toml` fails the build) or the reason from the short [`NoCheck`] allow-list why no
//! check applies. [`check_finding_ids`] checks such a list: no duplicates, every mapping agrees
//! with the id's name, every `Finding::new("…")` literal in the crate's sources is on it and every
//! listed literal is still used; ids built with `format!` are marked [`FindingId::built`] and the
//! crate's own test runs the code that builds them. [`snapshot`] renders the list for an insta
//! snapshot, so a new, renamed or remapped id shows up in review.

use crate::ids::CheckId;
use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;

/// What a finding answers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verified {
    /// This check verifies it (`restore-doctor checkup --only ID` or the check's `verify_with`).
    By(CheckId),
    /// No check applies, for this reason.
    NoCheck(NoCheck),
}

/// The short allow-list of reasons a finding has no check. Each is a kind of finding that reports
/// knowledge or progress rather than the state of something a check can test again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoCheck {
    /// The answer to an error-code lookup (`restore-doctor error`): knowledge about a code.
    ErrorLookup,
    /// The diagnosis of a restore log (`restore-doctor log`): it reads what happened, and its
    /// remedies carry their own checks.
    LogDiagnosis,
    /// A step of the DFU/Recovery helper (`restore-doctor dfu`): it guides the user into a mode
    /// and reports how far that went.
    DfuHelper,
    /// The attempt history's escalation advice (`restore-doctor history`).
    History,
    /// The build a booted device runs (a beta): read once through lockdown; what to do about it is
    /// its remedy (`leave-beta`), and no command checks a build again.
    DeviceBuild,
    /// Where an IPSW's facts come from (the firmware catalog, its manifest), shown beside the
    /// verdicts of the firmware checks.
    FirmwareFacts,
}

impl NoCheck {
    /// Every reason, in declaration order.
    pub const ALL: &'static [NoCheck] = &[
        NoCheck::ErrorLookup,
        NoCheck::LogDiagnosis,
        NoCheck::DfuHelper,
        NoCheck::History,
        NoCheck::DeviceBuild,
        NoCheck::FirmwareFacts,
    ];

    /// A short kebab-case name, for snapshots.
    pub const fn as_str(self) -> &'static str {
        match self {
            NoCheck::ErrorLookup => "error-lookup",
            NoCheck::LogDiagnosis => "log-diagnosis",
            NoCheck::DfuHelper => "dfu-helper",
            NoCheck::History => "history",
            NoCheck::DeviceBuild => "device-build",
            NoCheck::FirmwareFacts => "firmware-facts",
        }
    }
}

impl fmt::Display for Verified {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verified::By(check) => write!(f, "check {check}"),
            Verified::NoCheck(why) => write!(f, "no check ({})", why.as_str()),
        }
    }
}

/// One finding id a crate emits and what it answers to. An id may end in one `{placeholder}`
/// (`kb.{entry}`) for a family of ids built from data; such entries are always [`built`].
///
/// [`built`]: FindingId::built
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FindingId {
    /// The id, e.g. `usb.hub.chain`, or a pattern such as `kb.{entry}`.
    pub id: &'static str,
    /// The check that verifies it, or why none does.
    pub verified: Verified,
    /// Built with `format!` rather than written as a `Finding::new("…")` literal: the crate's test
    /// runs the code that builds it.
    pub built: bool,
}

impl FindingId {
    /// An id verified by `check`.
    pub const fn check(id: &'static str, check: CheckId) -> FindingId {
        FindingId {
            id,
            verified: Verified::By(check),
            built: false,
        }
    }

    /// An id no check verifies, for reason `why`.
    pub const fn no_check(id: &'static str, why: NoCheck) -> FindingId {
        FindingId {
            id,
            verified: Verified::NoCheck(why),
            built: false,
        }
    }

    /// The same id, marked as built with `format!` (covered by running its builder).
    pub const fn built(self) -> FindingId {
        FindingId {
            built: true,
            ..self
        }
    }

    /// Whether the id is a pattern with a `{placeholder}`.
    pub fn is_pattern(&self) -> bool {
        self.id.contains('{')
    }

    /// Whether `id` is this entry's id, or fills its placeholder with a non-empty value.
    pub fn matches(&self, id: &str) -> bool {
        match (self.id.find('{'), self.id.find('}')) {
            (Some(open), Some(close)) if open < close => {
                let (head, tail) = (&self.id[..open], &self.id[close + 1..]);
                id.len() > head.len() + tail.len() && id.starts_with(head) && id.ends_with(tail)
            }
            _ => self.id == id,
        }
    }
}

/// The entry of `list` that covers `id` (an exact entry first, then a pattern).
pub fn lookup<'a>(list: &'a [FindingId], id: &str) -> Option<&'a FindingId> {
    list.iter()
        .find(|f| !f.is_pattern() && f.id == id)
        .or_else(|| list.iter().find(|f| f.is_pattern() && f.matches(id)))
}

/// The check an id is named after: the longest dot-separated prefix of the id (after a leading
/// `checkup.`, the checkup's wrapper) that is a check id.
pub fn named_check(id: &str) -> Option<CheckId> {
    let base = id.strip_prefix("checkup.").unwrap_or(id);
    let mut best = None;
    for (end, _) in base.match_indices('.').chain([(base.len(), "")]) {
        if let Some(c) = CheckId::parse(&base[..end]) {
            best = Some(c);
        }
    }
    best
}

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

/// Whether a string literal reads as a finding id (lower-case words, digits, `.`, `_`, `-`), so
/// that prose and code quoting `Finding::new(` are not taken for ids.
fn looks_like_id(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
}

/// The id-like string literals passed as the first argument of `Finding::new(` in `source`.
pub fn finding_literals(source: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = source;
    while let Some(at) = rest.find("Finding::new(") {
        rest = &rest[at + "Finding::new(".len()..];
        let arg = rest.trim_start();
        if let Some(body) = arg.strip_prefix('"')
            && let Some(end) = body.find('"')
            && looks_like_id(&body[..end])
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

/// Problems with the mapping of one entry: an id named after a check must name that check, and
/// a pattern is always built.
fn mapping_problems(f: &FindingId) -> Option<String> {
    if f.is_pattern() && !f.built {
        return Some(format!(
            "finding id {} is a pattern but not marked built",
            f.id
        ));
    }
    let named = named_check(f.id);
    match (f.verified, named) {
        (Verified::By(check), Some(named)) if check != named => Some(format!(
            "finding id {} is named after check {named} but mapped to {check}",
            f.id
        )),
        (Verified::NoCheck(why), Some(named)) => Some(format!(
            "finding id {} is named after check {named} but says no check ({})",
            f.id,
            why.as_str()
        )),
        _ => None,
    }
}

/// Checks a crate's finding-id list against its sources: no duplicates, every mapping agrees
/// with the id's name, every literal listed, every listed literal used, no built id written as a
/// literal. Returns every problem, one line each.
pub fn check_finding_ids(list: &[FindingId], src_dir: &Path) -> Result<(), Vec<String>> {
    let ids: Vec<&str> = list.iter().map(|f| f.id).collect();
    let mut problems: Vec<String> = duplicates(&ids)
        .into_iter()
        .map(|id| format!("finding id {id} is listed twice"))
        .collect();
    problems.extend(list.iter().filter_map(mapping_problems));
    let used = match finding_literals_under(src_dir) {
        Ok(used) => used,
        Err(e) => return Err(vec![format!("{}: {e}", src_dir.display())]),
    };
    for id in &used {
        match list.iter().find(|f| f.id == id) {
            None => problems.push(format!(
                "Finding::new(\"{id}\") is not in the crate's finding-id list"
            )),
            Some(f) if f.built => problems.push(format!(
                "finding id {id} is marked built but written as a Finding::new literal"
            )),
            Some(_) => {}
        }
    }
    for f in list.iter().filter(|f| !f.built) {
        if !used.contains(f.id) {
            problems.push(format!(
                "finding id {} is listed but no Finding::new uses it",
                f.id
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// Ids in `emitted` that no entry of `list` covers (for tests that run a crate's builders).
pub fn unlisted<'a>(list: &[FindingId], emitted: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = emitted
        .into_iter()
        .filter(|id| lookup(list, id).is_none())
        .map(str::to_string)
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The registry test every emitting crate runs: [`check_finding_ids`] over the crate's `src`
/// (under `manifest_dir`, its `CARGO_MANIFEST_DIR`), panicking with every problem found, then the
/// list's [`snapshot`] text for the crate's own insta snapshot.
pub fn verified_snapshot(list: &[FindingId], manifest_dir: &str) -> String {
    if let Err(problems) = check_finding_ids(list, &Path::new(manifest_dir).join("src")) {
        panic!("{}", problems.join("\n"));
    }
    snapshot(list)
}

/// The list as snapshot text: one `id → check` line per entry, in list order.
pub fn snapshot(list: &[FindingId]) -> String {
    list.iter()
        .map(|f| {
            format!(
                "{}{} → {}",
                f.id,
                if f.built { " (built)" } else { "" },
                f.verified
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cid(id: &str) -> CheckId {
        CheckId::parse(id).unwrap()
    }

    #[test]
    fn literals_are_found_across_lines_and_others_ignored() {
        let src = "let a = Finding::new(\n    \"usb.hub.ok\",\n    Family::Usb);\n\
                   let b = Finding::new(id, Family::Usb);\nFinding::new(\"x.y\", f)\n\
                   Finding::new(\"not an id\", f); `Finding::new(\"…\")`";
        assert_eq!(finding_literals(src), ["usb.hub.ok", "x.y"]);
    }

    #[test]
    fn duplicates_are_reported_once() {
        assert_eq!(duplicates(&["a", "b", "a", "a"]), ["a"]);
        assert!(duplicates(&["a", "b"]).is_empty());
    }

    #[test]
    fn ids_are_named_after_the_longest_check_prefix() {
        assert_eq!(named_check("usb.hub.chain"), Some(cid("usb.hub")));
        assert_eq!(named_check("usb.hub"), Some(cid("usb.hub")));
        assert_eq!(
            named_check("host.amds_service.stopped"),
            Some(cid("host.amds_service"))
        );
        assert_eq!(named_check("checkup.net.dns.skipped"), Some(cid("net.dns")));
        assert_eq!(named_check("device.build.beta"), None);
        assert_eq!(named_check("usb"), None);
    }

    #[test]
    fn patterns_match_a_filled_placeholder() {
        let p = FindingId::no_check("kb.{entry}", NoCheck::ErrorLookup).built();
        assert!(p.matches("kb.4013") && !p.matches("kb.") && !p.matches("log.x"));
        let mid = FindingId::no_check("a.{x}.b", NoCheck::History).built();
        assert!(mid.matches("a.q.b") && !mid.matches("a..b") && !mid.matches("a.q.c"));
        let list = [FindingId::check("usb.hub.chain", cid("usb.hub")), p];
        assert_eq!(
            lookup(&list, "kb.range.x").map(|f| f.id),
            Some("kb.{entry}")
        );
        assert_eq!(
            unlisted(&list, ["usb.hub.chain", "usb.hub.x", "kb.1"]),
            ["usb.hub.x"]
        );
    }

    #[test]
    fn list_and_sources_are_compared_both_ways_and_mappings_checked() {
        let dir = std::env::temp_dir().join(format!("rd-kb-registry-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::write(dir.join("sub/a.rs"), "Finding::new(\"usb.hub.one\", x)").unwrap();
        std::fs::write(dir.join("b.rs"), "Finding::new( \"dfu.two\", x)").unwrap();
        let good = [
            FindingId::check("usb.hub.one", cid("usb.hub")),
            FindingId::no_check("dfu.two", NoCheck::DfuHelper),
            FindingId::check("device.mode.dfu", cid("device.mode")).built(),
        ];
        assert_eq!(check_finding_ids(&good, &dir), Ok(()));
        let bad = [
            FindingId::check("usb.hub.one", cid("usb.speed")),
            FindingId::check("usb.hub.one", cid("usb.hub")),
            FindingId::no_check("usb.hub.three", NoCheck::DfuHelper),
            FindingId::no_check("dfu.two", NoCheck::DfuHelper).built(),
            FindingId::no_check("kb.{x}", NoCheck::ErrorLookup),
        ];
        let problems = check_finding_ids(&bad, &dir).unwrap_err();
        std::fs::remove_dir_all(&dir).unwrap();
        // Listed twice; mapped to the wrong check; named after a check but "no check" (and
        // unused); built but a literal; a pattern not marked built (and unused).
        assert_eq!(problems.len(), 7, "{problems:#?}");
    }

    #[test]
    fn snapshot_lines_name_the_check() {
        let list = [
            FindingId::check("usb.hub.chain", cid("usb.hub")),
            FindingId::no_check("kb.{entry}", NoCheck::ErrorLookup).built(),
        ];
        assert_eq!(
            snapshot(&list),
            "usb.hub.chain → check usb.hub\nkb.{entry} (built) → no check (error-lookup)"
        );
        assert_eq!(NoCheck::ALL.len(), 6);
    }
}
