//! Version awareness: which restore tool build wrote the log (from its version banner, with the
//! dates in `data/tools.toml`) and whether it is older than the firmware it restores (from the
//! embedded firmware catalog's release dates). New firmware asks the tool for things an older
//! build does not know, so "update the tool" then comes first.

use crate::data::{self, Tool, VersionScheme};
use crate::report::{TargetInfo, ToolInfo};

/// Reads a banner line: the tool and version it names, with the build's date range.
pub fn parse_banner(line: u64, text: &str) -> Option<ToolInfo> {
    for tool in data::tools() {
        for re in &tool.patterns {
            let Some(caps) = re.captures(text) else {
                continue;
            };
            let version = caps
                .name("version")
                .or_else(|| caps.name("count"))
                .map(|m| m.as_str().trim().to_string())?;
            let count = caps.name("count").and_then(|m| m.as_str().parse().ok());
            let date = caps.name("date").map(|m| m.as_str());
            let (built_after, built_before) = match caps.name("isodate") {
                // A packaged build names its own date.
                Some(d) => (Some(d.as_str().to_string()), Some(d.as_str().to_string())),
                None if tool.def.scheme == VersionScheme::TagDates => {
                    let day = tool
                        .def
                        .tags
                        .iter()
                        .find(|(v, _)| *v == version)
                        .map(|(_, d)| d.clone());
                    (day.clone(), day)
                }
                None => build_dates(tool, count, date),
            };
            return Some(ToolInfo {
                id: tool.def.id.clone(),
                name: tool.def.name.clone(),
                version,
                built_after,
                built_before,
                firmware_released: None,
                firmware_released_after: None,
                older_than_firmware: None,
                line,
            });
        }
    }
    None
}

/// Earliest and latest date the build can be from.
fn build_dates(
    tool: &Tool,
    count: Option<u32>,
    date: Option<&str>,
) -> (Option<String>, Option<String>) {
    let d = &tool.def;
    match d.scheme {
        VersionScheme::DateVersion => {
            let full = date.and_then(yymmdd);
            (full.clone(), full)
        }
        VersionScheme::CommitsSinceTag => match count {
            None => (d.tag_date.clone(), d.tag_date.clone()),
            Some(n) => {
                let after = d
                    .anchors
                    .iter()
                    .rev()
                    .find(|(c, _)| *c <= n)
                    .map(|(_, day)| day.clone())
                    .or_else(|| d.tag_date.clone());
                (after, first_at_or_after(tool, n))
            }
        },
        VersionScheme::CommitCount => match count {
            None => (None, None),
            Some(n) => {
                let after = d
                    .anchors
                    .iter()
                    .rev()
                    .find(|(c, _)| *c <= n)
                    .map(|(_, day)| day.clone());
                (after, first_at_or_after(tool, n))
            }
        },
        VersionScheme::TagDates | VersionScheme::None => (None, None),
    }
}

fn first_at_or_after(tool: &Tool, n: u32) -> Option<String> {
    tool.def
        .anchors
        .iter()
        .find(|(c, _)| *c >= n)
        .map(|(_, day)| day.clone())
}

/// `24.08.07` → `2024-08-07`.
fn yymmdd(s: &str) -> Option<String> {
    let mut it = s.split('.');
    let (y, m, d) = (it.next()?, it.next()?, it.next()?);
    (y.len() == 2 && m.len() == 2 && d.len() == 2).then(|| format!("20{y}-{m}-{d}"))
}

/// When the target firmware was released, from the embedded catalog (by build, else by
/// version), the earliest date of the matching rows.
pub fn firmware_released(target: &TargetInfo, product_type: Option<&str>) -> Option<String> {
    let cat = rd_catalog::firmware::embedded();
    if let Some(b) = &target.build {
        let rows = cat.by_build(b);
        let best = rows
            .iter()
            .filter(|f| product_type.is_none_or(|p| f.supports(p)))
            .chain(rows.iter())
            .filter_map(|f| f.released)
            .min();
        if let Some(day) = best {
            return Some(day.to_string());
        }
    }
    let v = target.version.as_deref()?;
    cat.entries()
        .iter()
        .filter(|f| f.version == v && !f.beta)
        .filter_map(|f| f.released)
        .min()
        .map(str::to_string)
}

/// When the target version is newer than every version in the embedded catalog, the catalog's
/// own date: the firmware was released after it.
pub fn released_after_catalog(target: &TargetInfo) -> Option<String> {
    let v = target.version.as_deref()?;
    let cat = rd_catalog::firmware::embedded();
    let newest = cat
        .entries()
        .iter()
        .map(|f| f.version)
        .max_by(|a, b| rd_catalog::firmware::compare_versions(a, b))?;
    (rd_catalog::firmware::compare_versions(v, newest) == std::cmp::Ordering::Greater)
        .then(|| cat.info.date.clone())
}

/// Fills in the firmware's release date and whether the build is older than it.
pub fn assess(tool: &mut ToolInfo, target: Option<&TargetInfo>, product_type: Option<&str>) {
    let Some(t) = target else {
        return;
    };
    tool.firmware_released = firmware_released(t, product_type);
    if tool.firmware_released.is_none() {
        tool.firmware_released_after = released_after_catalog(t);
    }
    if let (Some(released), Some(before)) = (&tool.firmware_released, &tool.built_before) {
        // Older for sure only when even the latest date the build can have precedes the firmware.
        tool.older_than_firmware = Some(before < released);
    }
    if let (Some(after), Some(before)) = (&tool.firmware_released_after, &tool.built_before)
        && before <= after
    {
        tool.older_than_firmware = Some(true);
    }
    if let (Some(released), Some(after)) = (&tool.firmware_released, &tool.built_after)
        && after >= released
    {
        tool.older_than_firmware = Some(false);
    }
}

/// The tool's definition.
pub fn def(id: &str) -> Option<&'static Tool> {
    data::tools().iter().find(|t| t.def.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_banners_of_each_scheme() {
        let t = parse_banner(
            1,
            "idevicerestore 1.0.0-226-gbb5591d (libirecovery 1.2.1, libtatsu 1.0.4)",
        )
        .unwrap();
        assert_eq!(
            (t.id.as_str(), t.version.as_str()),
            ("idevicerestore", "1.0.0-226-gbb5591d")
        );
        assert_eq!(t.built_after.as_deref(), Some("2024-10-11"));
        assert_eq!(t.built_before.as_deref(), Some("2025-03-20"));
        let f = parse_banner(2, "Version: v2.0.0-test(2f2a25e0a2a2a2a-245)").unwrap();
        assert_eq!(f.id, "futurerestore");
        assert_eq!(f.built_before.as_deref(), Some("2021-09-27"));
        let l = parse_banner(3, "* Version: v24.08.07 (b922c90)").unwrap();
        assert_eq!(l.built_after.as_deref(), Some("2024-08-07"));
        assert!(parse_banner(4, "IPSW Product Version: 15.7").is_none());
        let p = parse_banner(5, "palera1n 2.0.1").unwrap();
        assert_eq!(p.built_before.as_deref(), Some("2024-08-09"));
    }

    #[test]
    fn an_old_build_meeting_newer_firmware_is_flagged() {
        let mut t = parse_banner(1, "idevicerestore 1.0.0-120-gabcdef0").unwrap();
        let target = TargetInfo {
            version: Some("17.0".into()),
            ..Default::default()
        };
        assess(&mut t, Some(&target), None);
        assert_eq!(t.older_than_firmware, Some(true));
        let old = TargetInfo {
            version: Some("12.4".into()),
            ..Default::default()
        };
        assess(&mut t, Some(&old), None);
        assert_eq!(t.older_than_firmware, Some(false));
    }
}
