//! Restore tools (any platform): what each found tool reports against the newest known build.

use super::{finding, quote};
use crate::inputs::{HostInputs, names};
use crate::parse::version::{BuildVersion, compare, dotted, older, parse_build};
use crate::spec::{self, ToolVersion};
use rd_model::{Confidence, Evidence, Finding, Severity};

/// How far a build is from the newest known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Distance {
    /// Same commit count as the newest known (or newer).
    Current,
    /// This many commits behind.
    Behind(u64),
    /// An older release than the newest tag.
    OlderRelease,
    /// Nothing comparable was printed.
    Unknown,
}

/// Compares a reported build with the newest known build of its tool.
pub fn distance(v: &BuildVersion, newest: &ToolVersion) -> Distance {
    let tag = dotted(&newest.tag).unwrap_or_default();
    if newest.count_is_total {
        return match v.commits {
            Some(n) if n >= newest.commits => Distance::Current,
            Some(n) => Distance::Behind(newest.commits - n),
            None => Distance::Unknown,
        };
    }
    let Some(rel) = &v.release else {
        return Distance::Unknown;
    };
    match compare(rel, &tag) {
        std::cmp::Ordering::Greater => Distance::Current,
        std::cmp::Ordering::Less => Distance::OlderRelease,
        std::cmp::Ordering::Equal => {
            let n = v.commits.unwrap_or(0);
            if n >= newest.commits {
                Distance::Current
            } else {
                Distance::Behind(newest.commits - n)
            }
        }
    }
}

/// One finding per restore tool whose version output was captured.
pub fn findings(i: &HostInputs) -> Vec<Finding> {
    const ID: rd_kb::CheckId = rd_kb::check_id!("host.restore_tools");
    let mut out = Vec::new();
    for t in spec::tools() {
        let cap = names::tool(&t.name);
        let Some(text) = i.text(&cap) else { continue };
        let first = text
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("")
            .trim()
            .to_string();
        let newest_ev = Evidence::new(
            format!(
                "newest known: {} {} +{} commits ({}, {})",
                t.name,
                t.tag,
                t.commits,
                &t.commit[..7],
                t.commit_date
            ),
            t.source.clone(),
        );
        let Some(v) = parse_build(&text) else {
            out.push(
                finding(
                    ID,
                    Some(&t.name),
                    Severity::Info,
                    format!("{} did not report a version", t.name),
                    "It may be too old to print one, or it failed to run.",
                )
                .with_evidence(quote(first, "its output", &cap)),
            );
            continue;
        };
        let shown = v.display();
        let ev = quote(first, "its version output", &cap);
        let (sev, title, expl) = match distance(&v, t) {
            Distance::Current => (
                Severity::Ok,
                format!("{} {shown} is current", t.name),
                "As new as the newest build restore-doctor knows.".to_string(),
            ),
            Distance::Behind(n) if n >= t.warn_behind => (
                Severity::Warn,
                format!(
                    "{} {shown} is {n} commits behind the newest known build",
                    t.name
                ),
                format!("Update it: {}.", t.why),
            ),
            Distance::Behind(n) => (
                Severity::Info,
                format!(
                    "{} {shown} is {n} commits behind the newest known build",
                    t.name
                ),
                format!("Close to current; update if a restore fails: {}.", t.why),
            ),
            Distance::OlderRelease => {
                let stale = t
                    .stale_release_before
                    .as_deref()
                    .is_some_and(|s| v.release_text.as_deref().is_some_and(|r| older(r, s)));
                (
                    if stale {
                        Severity::Warn
                    } else {
                        Severity::Info
                    },
                    format!(
                        "{} {shown} is older than {}, the newest release",
                        t.name, t.tag
                    ),
                    format!("{}.", t.why),
                )
            }
            Distance::Unknown => (
                Severity::Info,
                format!(
                    "{} {shown}: not comparable with the newest known build",
                    t.name
                ),
                t.why.clone(),
            ),
        };
        out.push(
            finding(ID, Some(&t.name), sev, title, expl)
                .with_evidence(ev)
                .with_evidence(newest_ev)
                .with_confidence(Confidence::Medium),
        );
    }
    if out.is_empty() {
        out.push(finding(
            ID,
            None,
            Severity::Info,
            "No command-line restore tools found",
            "None of idevicerestore, futurerestore, irecovery or usbmuxd answered. Finder, Apple Devices and iTunes do not need them.",
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn newest(name: &str) -> &'static ToolVersion {
        spec::tools().iter().find(|t| t.name == name).unwrap()
    }

    #[test]
    fn distances_follow_the_data() {
        let idr = newest("idevicerestore");
        let at = |s: &str| distance(&parse_build(s).unwrap(), idr);
        assert_eq!(at("idevicerestore 1.0.0"), Distance::Behind(idr.commits));
        assert_eq!(
            at(&format!("idevicerestore 1.0.0-{}-gabcdef0", idr.commits)),
            Distance::Current
        );
        assert_eq!(
            at("idevicerestore 1.0.0-10-gabcdef0"),
            Distance::Behind(idr.commits - 10)
        );
        assert_eq!(at("idevicerestore 0.9"), Distance::OlderRelease);
        let fr = newest("futurerestore");
        let v = parse_build("Version: v2.0.0(\"36879969be71d56af062aa99be5f28ee482a12bc-309\")")
            .unwrap();
        assert_eq!(distance(&v, fr), Distance::Behind(fr.commits - 309));
    }
}
