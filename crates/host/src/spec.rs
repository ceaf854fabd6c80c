//! The embedded data: newest known versions (`data/versions.toml`) and the macOS minimum table
//! (`data/macos_minimum.toml`). Kept as data so a fact can be corrected, with its source, without
//! touching the code that decides. The checks themselves (title, platform, what each reads, family,
//! remedies) are rows of the knowledge base's one checks table (`crates/kb/data/checks.toml`, the
//! rows with a `[check.host]` part), read through [`rd_kb::CheckId`].

use rd_model::Confidence;
use serde::Deserialize;
use std::sync::OnceLock;

/// The newest known build of one restore tool.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToolVersion {
    /// Executable name.
    pub name: String,
    /// Arguments that make it print its version.
    pub args: Vec<String>,
    /// Newest release tag.
    pub tag: String,
    /// Date of that tag.
    pub tag_date: String,
    /// Commits after the tag at `commit` (or, with `count_is_total`, the total count).
    pub commits: u64,
    /// Newest known commit.
    pub commit: String,
    /// Its date.
    pub commit_date: String,
    /// The tool prints its total commit count rather than commits since the tag.
    #[serde(default)]
    pub count_is_total: bool,
    /// Where these facts come from (repo@commit).
    pub source: String,
    /// Commits behind the newest from which a build is a warning rather than a note.
    pub warn_behind: u64,
    /// A plain release older than this is a warning.
    #[serde(default)]
    pub stale_release_before: Option<String>,
    /// Why an old build matters.
    pub why: String,
}

/// Windows facts: newest installer versions and the driver packages told apart.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowsFacts {
    /// Newest Apple Mobile Device Support known.
    pub amds_newest: String,
    /// Its source.
    pub amds_source: String,
    /// Newest iTunes (Apple's installer) known.
    pub itunes_newest: String,
    /// Its source.
    pub itunes_source: String,
    /// Original INF names of Apple's USB driver packages (lower case).
    pub apple_driver_infs: Vec<String>,
    /// Driver providers that mark a libusb-style package (lower case).
    pub third_party_providers: Vec<String>,
    /// Device classes libusb-style packages install into (lower case).
    pub third_party_classes: Vec<String>,
}

/// One row of the macOS minimum table.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MacosRow {
    /// First iOS/iPadOS major version the row covers.
    pub ios_from: u32,
    /// Last one (inclusive).
    pub ios_to: u32,
    /// Oldest macOS that serves it.
    pub min_macos: String,
    /// The Mac app that restores it there.
    pub host_app: String,
    /// verified, recalled or unverified.
    pub status: String,
    /// How sure the row is.
    pub confidence: Confidence,
    /// Apple documents it comes from.
    pub sources: Vec<String>,
    /// A remark shown with the finding.
    pub note: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VersionFile {
    tool: Vec<ToolVersion>,
    windows: WindowsFacts,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MacosFile {
    row: Vec<MacosRow>,
}

fn versions() -> &'static VersionFile {
    static F: OnceLock<VersionFile> = OnceLock::new();
    F.get_or_init(|| {
        toml::from_str(include_str!("../data/versions.toml"))
            .expect("versions.toml is validated by tests")
    })
}

/// Newest known restore tools.
pub fn tools() -> &'static [ToolVersion] {
    &versions().tool
}

/// Windows facts.
pub fn windows() -> &'static WindowsFacts {
    &versions().windows
}

/// The macOS minimum table.
pub fn macos_rows() -> &'static [MacosRow] {
    static F: OnceLock<Vec<MacosRow>> = OnceLock::new();
    F.get_or_init(|| {
        toml::from_str::<MacosFile>(include_str!("../data/macos_minimum.toml"))
            .expect("macos_minimum.toml is validated by tests")
            .row
    })
}

/// The row covering an iOS major version.
pub fn macos_row(ios_major: u32) -> Option<&'static MacosRow> {
    macos_rows()
        .iter()
        .find(|r| (r.ios_from..=r.ios_to).contains(&ios_major))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rd_kb::CheckId;

    #[test]
    fn every_host_check_of_the_table_has_code_and_vice_versa() {
        let table: Vec<CheckId> = CheckId::host_ids().collect();
        assert_eq!(crate::checks::CHECKS, table.as_slice());
        for c in crate::checks::CHECKS {
            let def = c.def();
            let host = c.host().expect("host part");
            assert_eq!(def.area, "host", "{c}");
            assert!(
                ["windows", "macos", "linux", "any"].contains(&host.platform.as_str()),
                "{c}: platform {}",
                host.platform
            );
            assert!(!host.reads.is_empty() && !def.title.is_empty(), "{c}");
            assert!(def.family().is_some(), "{c} has no family");
            assert!(!def.remedies().is_empty(), "{c} has no remedy");
            // Each check emits findings: at least one registered id is its own.
            assert!(
                crate::FINDING_IDS
                    .iter()
                    .any(|f| f.verified == rd_kb::registry::Verified::By(*c)),
                "{c} has no finding id"
            );
        }
    }

    #[test]
    fn versions_cite_a_commit_and_parse() {
        for t in tools() {
            assert_eq!(t.commit.len(), 40, "{}", t.name);
            assert!(
                t.source.contains(&t.commit),
                "{} source names its commit",
                t.name
            );
            assert!(
                crate::parse::version::dotted(&t.tag).is_some(),
                "{}",
                t.name
            );
        }
        let w = windows();
        assert!(crate::parse::version::dotted(&w.amds_newest).is_some());
        assert!(crate::parse::version::dotted(&w.itunes_newest).is_some());
        assert!(w.apple_driver_infs.iter().all(|s| s == &s.to_lowercase()));
    }

    #[test]
    fn macos_table_covers_every_major_without_overlap() {
        let rows = macos_rows();
        for w in rows.windows(2) {
            assert_eq!(
                w[0].ios_to + 1,
                w[1].ios_from,
                "gap or overlap after {}",
                w[0].ios_to
            );
        }
        for r in rows {
            assert!(r.ios_from <= r.ios_to);
            assert!(crate::parse::version::dotted(&r.min_macos).is_some());
            assert!(["verified", "recalled", "unverified"].contains(&r.status.as_str()));
            assert!(!r.sources.is_empty());
            // Only a row read in Apple's document may claim high confidence.
            if r.confidence == Confidence::High {
                assert_eq!(r.status, "verified");
            }
            if r.status == "unverified" {
                assert_eq!(r.confidence, Confidence::Low);
            }
        }
        for major in [12, 16, 17, 18, 26] {
            assert!(macos_row(major).is_some(), "{major}");
        }
    }
}
