//! Which IPSW: the restore images made for this exact model and board, from the embedded (or
//! refreshed) catalog first and ipsw.me second, newest first, with the digests to check.

use crate::fetch::Expected;
use rd_catalog::Device;
use rd_catalog::firmware::{FirmwareCatalog, compare_versions};
use rd_firmware::ipswme::ApiFirmware;
use serde::Serialize;

/// One IPSW that fits the device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Candidate {
    /// Version, e.g. `18.3.1`.
    pub version: String,
    /// Build, e.g. `22D72`.
    pub build: String,
    /// Download URL.
    pub url: String,
    /// Size and digests to verify against.
    pub expected: Expected,
    /// `catalog` or `ipsw.me`.
    pub source: String,
}

fn norm(h: Option<&str>) -> Option<String> {
    h.map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty())
}

/// Every restore IPSW for `device` with a download URL, newest first: final releases from the
/// catalog whose board list (when it has one) names the device's board, then ipsw.me's
/// entries for builds the catalog lacks (or lacks a URL for).
pub fn candidates(
    cat: &FirmwareCatalog<'_>,
    api: &[ApiFirmware],
    device: &Device,
) -> Vec<Candidate> {
    let board = device.board_config.to_ascii_lowercase();
    let mut out: Vec<Candidate> = cat
        .for_product_type(&device.product_type)
        .into_iter()
        .filter(|f| !f.beta && !f.rc)
        .filter(|f| {
            let mut boards = f.board_configs().peekable();
            boards.peek().is_none() || boards.any(|b| b.eq_ignore_ascii_case(&board))
        })
        .filter_map(|f| {
            Some(Candidate {
                version: f.version.to_string(),
                build: f.build.to_string(),
                url: f.url?.to_string(),
                expected: Expected {
                    size: f.size,
                    sha1: norm(f.sha1),
                    sha256: norm(f.sha256),
                },
                source: "catalog".into(),
            })
        })
        .collect();
    for f in api {
        if !f.identifier.eq_ignore_ascii_case(&device.product_type)
            || out.iter().any(|c| c.build.eq_ignore_ascii_case(&f.buildid))
        {
            continue;
        }
        let Some(url) = f.url.clone() else { continue };
        out.push(Candidate {
            version: f.version.clone(),
            build: f.buildid.clone(),
            url,
            expected: Expected {
                size: f.filesize,
                sha1: norm(f.sha1sum.as_deref()),
                sha256: norm(f.sha256sum.as_deref()),
            },
            source: "ipsw.me".into(),
        });
    }
    out.sort_by(|a, b| {
        compare_versions(&b.version, &a.version).then_with(|| b.build.cmp(&a.build))
    });
    out
}

/// The candidate a version or build names (the newest build of a version).
pub fn choose<'a>(cands: &'a [Candidate], target: &str) -> Option<&'a Candidate> {
    let t = target.trim();
    cands
        .iter()
        .find(|c| c.build.eq_ignore_ascii_case(t))
        .or_else(|| cands.iter().find(|c| c.version == t))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(build: &str, version: &str, url: Option<&str>) -> ApiFirmware {
        ApiFirmware {
            identifier: "iPhone10,4".into(),
            version: version.into(),
            buildid: build.into(),
            sha1sum: Some("AB".repeat(20)),
            sha256sum: None,
            filesize: Some(10),
            url: url.map(str::to_string),
            releasedate: None,
            signed: true,
        }
    }

    #[test]
    fn catalog_rows_for_the_model_come_newest_first_and_ipswme_fills_gaps() {
        let cat = rd_catalog::firmware::embedded();
        let dev = rd_catalog::devices::resolve("iPhone10,4").unwrap()[0];
        let extra = api("99Z999", "99.0", Some("https://example.invalid/x.ipsw"));
        let cands = candidates(cat, &[extra.clone(), api("1A1", "1.0", None)], dev);
        assert_eq!(cands[0].build, "99Z999");
        assert_eq!(cands[0].source, "ipsw.me");
        assert_eq!(
            cands[0].expected.sha1.as_deref(),
            Some("ab".repeat(20).as_str())
        );
        assert!(
            cands.len() > 2,
            "the catalog knows several builds for an iPhone 8"
        );
        assert!(cands.iter().all(|c| !c.url.is_empty()));
        assert!(
            cands
                .windows(2)
                .all(|w| compare_versions(&w[0].version, &w[1].version).is_ge())
        );
        // Every catalog candidate is made for this model.
        for c in cands.iter().filter(|c| c.source == "catalog") {
            assert!(cat.find(&c.build, "iPhone10,4").is_some());
        }
        let second = &cands[1];
        assert_eq!(
            choose(&cands, &second.build.to_ascii_lowercase()),
            Some(second)
        );
        assert_eq!(choose(&cands, "0.0.0"), None);
    }
}
