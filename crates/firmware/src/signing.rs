//! "Is this build still signed for this device?" — ipsw.me's list and a real TSS request, with
//! which source said what and when (check `firmware.signed`).

use crate::http::HttpClient;
use crate::inspect;
use crate::ipswme::{ApiFirmware, IpswMe};
use crate::tss::{self, TssAnswer, TssVerdict};
use rd_catalog::Device;
use rd_catalog::firmware::{FirmwareCatalog, compare_versions};
use rd_model::{Confidence, Evidence, Family, Finding, Severity};
use serde::Serialize;

/// What one source said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceNote {
    /// `ipsw.me`, `Apple TSS`, `catalog`.
    pub source: String,
    /// Endpoint asked.
    pub url: String,
    /// What it said, in one line.
    pub said: String,
    /// When (the server's Date header, else our clock).
    pub when: String,
}

/// Inputs of a signing check.
#[derive(Debug, Clone)]
pub struct SigningQuery<'a> {
    /// The device (one row of the device table).
    pub device: &'a Device,
    /// A version (`12.5.7`) or build (`16H81`); `None` = the newest signed build.
    pub target: Option<String>,
    /// A local IPSW or URL to take the build identity from, instead of the catalog URL.
    pub ipsw: Option<String>,
    /// ECID to put in the TSS request (any value works for a status check).
    pub ecid: Option<u64>,
    /// Skip the TSS request (ipsw.me only).
    pub skip_tss: bool,
}

/// The outcome: findings plus the source notes.
#[derive(Debug, Clone, Serialize)]
pub struct SigningOutcome {
    /// Findings, verdict first.
    pub findings: Vec<Finding>,
    /// What each source said, and when.
    pub sources: Vec<SourceNote>,
    /// The build checked, when one was identified.
    pub build: Option<String>,
    /// The version checked, when one was identified.
    pub version: Option<String>,
}

/// Current UTC time as `YYYY-MM-DD HH:MM:SS UTC` (no time-zone database needed).
pub fn now_utc() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    format_unix(secs)
}

/// Formats Unix seconds as `YYYY-MM-DD HH:MM:SS UTC`.
pub fn format_unix(secs: u64) -> String {
    let (date, rem) = (secs / 86_400, secs % 86_400);
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = date as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn matches_target(target: &str, version: &str, build: &str) -> bool {
    let t = target.trim();
    build.eq_ignore_ascii_case(t) || version == t
}

/// Runs the check. Network failures become findings, never errors.
pub fn check(
    q: &SigningQuery<'_>,
    client: &HttpClient,
    ipswme: &IpswMe,
    tss_url: &str,
    catalog: &FirmwareCatalog<'_>,
) -> SigningOutcome {
    let pt = &q.device.product_type;
    let mut sources = Vec::new();
    let mut findings = Vec::new();
    // 1. ipsw.me
    let api = match ipswme.device(pt) {
        Ok(d) => {
            let signed: Vec<&ApiFirmware> = d.value.firmwares.iter().filter(|f| f.signed).collect();
            sources.push(SourceNote {
                source: "ipsw.me".into(),
                url: d.url.clone(),
                said: if signed.is_empty() {
                    format!("no build is signed for {pt}")
                } else {
                    format!(
                        "signed for {pt}: {}",
                        signed
                            .iter()
                            .map(|f| format!("{} ({})", f.version, f.buildid))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                },
                when: d.date.clone().unwrap_or_else(now_utc),
            });
            Some(d.value)
        }
        Err(e) => {
            findings.push(
                Finding::new(
                    "firmware.signed.ipswme_unreachable",
                    Family::Network,
                    Severity::Warn,
                    "ipsw.me could not be asked",
                    e.to_string(),
                )
                .with_remedies(rd_kb::remedies(&["check-internet"])),
            );
            None
        }
    };
    let api_fws: &[ApiFirmware] = api
        .as_ref()
        .map(|d| d.firmwares.as_slice())
        .unwrap_or_default();
    let signed: Vec<&ApiFirmware> = api_fws.iter().filter(|f| f.signed).collect();
    // 2. Which build?
    let catalog_rows = catalog.for_product_type(pt);
    // With an IPSW but no target, the IPSW's own build is the question: from its standard file
    // name, else from its manifest.
    let target = q.target.clone().or_else(|| {
        let loc = q.ipsw.as_deref()?;
        crate::filename::parse(loc).map(|n| n.build).or_else(|| {
            let src = inspect::open(loc, client).ok()?;
            inspect::inspect(src.as_ref())
                .ok()?
                .build()
                .map(str::to_string)
        })
    });
    let (version, build, url) = match &target {
        Some(t) => {
            let from_api = api_fws
                .iter()
                .find(|f| matches_target(t, &f.version, &f.buildid));
            let from_cat = catalog_rows
                .iter()
                .rev()
                .find(|f| matches_target(t, f.version, f.build));
            match (from_api, from_cat) {
                (Some(f), _) => (
                    Some(f.version.clone()),
                    Some(f.buildid.clone()),
                    f.url.clone(),
                ),
                (None, Some(f)) => (
                    Some(f.version.to_string()),
                    Some(f.build.to_string()),
                    f.url.map(str::to_string),
                ),
                (None, None) => {
                    let looks_like_version = t.chars().all(|c| c.is_ascii_digit() || c == '.');
                    (
                        looks_like_version.then(|| t.clone()),
                        (!looks_like_version).then(|| t.clone()),
                        None,
                    )
                }
            }
        }
        None => match (signed.first(), &api) {
            (Some(f), _) => (
                Some(f.version.clone()),
                Some(f.buildid.clone()),
                f.url.clone(),
            ),
            // ipsw.me is down: ask Apple about the newest release the catalog knows.
            (None, None) => match catalog_rows.iter().rev().find(|f| !f.beta && !f.rc) {
                Some(f) => (
                    Some(f.version.to_string()),
                    Some(f.build.to_string()),
                    f.url.map(str::to_string),
                ),
                None => (None, None, None),
            },
            (None, Some(_)) => (None, None, None),
        },
    };
    let label = match (&version, &build) {
        (Some(v), Some(b)) => format!("{v} ({b})"),
        (Some(v), None) => v.clone(),
        (None, Some(b)) => b.clone(),
        (None, None) => "the newest build".into(),
    };
    let api_says: Option<bool> = api.as_ref().and(
        build
            .as_ref()
            .map(|b| signed.iter().any(|f| f.buildid.eq_ignore_ascii_case(b)))
            .or_else(|| {
                version
                    .as_ref()
                    .map(|v| signed.iter().any(|f| &f.version == v))
            }),
    );
    let older_than_all_signed = version.as_ref().is_some_and(|v| {
        !signed.is_empty()
            && signed
                .iter()
                .all(|s| compare_versions(v, &s.version) == std::cmp::Ordering::Less)
    });
    // 3. TSS, with the build identity read from the IPSW (local, or remote by ranges).
    let mut tss_answer: Option<TssAnswer> = None;
    let mut tss_error: Option<String> = None;
    let mut tss_network_error = false;
    if !q.skip_tss {
        let ipsw_loc = q.ipsw.clone().or(url.clone());
        match ipsw_loc {
            None => {
                tss_error = Some(format!(
                    "no IPSW location is known for {label}, so no TSS request could be built (pass --ipsw FILE|URL)"
                ))
            }
            Some(loc) => match tss_for(client, &loc, q, target.as_deref(), tss_url) {
                Ok((ans, id_build)) => {
                    sources.push(SourceNote {
                        source: "Apple TSS".into(),
                        url: tss_url.into(),
                        said: format!(
                            "STATUS={} MESSAGE={} for build {id_build}",
                            ans.status, ans.message
                        ),
                        when: ans.date.clone().unwrap_or_else(now_utc),
                    });
                    tss_answer = Some(ans);
                }
                Err((e, network)) => {
                    tss_error = Some(e);
                    tss_network_error = network;
                }
            },
        }
    }
    // 4. Verdict.
    let device_desc = format!("{} ({})", q.device.name, pt);
    let not_signed = |why: String| {
        let (title, rem) = if older_than_all_signed {
            (
                format!(
                    "Apple no longer signs {label} for {device_desc}; a downgrade is not possible"
                ),
                "downgrade-not-possible",
            )
        } else {
            (
                format!("{label} is not signed for {device_desc}"),
                "firmware-signed-only",
            )
        };
        Finding::new(
            "firmware.signed.no",
            Family::Signing,
            Severity::Fail,
            title,
            why,
        )
        .with_remedies(rd_kb::remedies(&[rem, "firmware-signed-only"]))
        .with_error_codes(["3194", "3004"])
    };
    let signed_list = if signed.is_empty() {
        String::new()
    } else {
        format!(
            " Builds signed now (ipsw.me): {}.",
            signed
                .iter()
                .map(|f| format!("{} ({})", f.version, f.buildid))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let verdict = match (&tss_answer, api_says) {
        (Some(a), _) if a.verdict() == TssVerdict::Signed => Finding::new(
            "firmware.signed.yes",
            Family::Signing,
            Severity::Ok,
            format!("Apple signs {label} for {device_desc}"),
            "Apple's signing server issued a ticket for this build just now.",
        )
        .with_confidence(Confidence::High),
        (Some(a), _) if a.verdict() == TssVerdict::NotSigned => not_signed(format!(
            "Apple's signing server answered STATUS={} (\"{}\"): the device is not eligible for this build, which means Apple does not sign it.{signed_list}",
            a.status, a.message
        ))
        .with_confidence(Confidence::High),
        (Some(a), api) => {
            let api_part = match api {
                Some(true) => " ipsw.me lists it as signed (its list can be hours old).",
                Some(false) => " ipsw.me lists it as not signed (its list can be hours old).",
                None => "",
            };
            Finding::new(
                "firmware.signed.tss_error",
                Family::Signing,
                Severity::Warn,
                format!("Apple's signing server returned an error (STATUS={})", a.status),
                format!(
                    "STATUS={} (\"{}\") is a fault on Apple's side and says nothing about signing.{api_part}",
                    a.status, a.message
                ),
            )
            .with_remedies(rd_kb::remedies(&["wait-apple-servers"]))
            .with_confidence(Confidence::Medium)
        }
        (None, Some(true)) => Finding::new(
            "firmware.signed.yes",
            Family::Signing,
            Severity::Ok,
            format!("ipsw.me lists {label} as signed for {device_desc}"),
            "ipsw.me refreshes its list every few hours, so this can lag Apple by that much; Apple's server was not asked.",
        )
        .with_confidence(Confidence::Medium),
        (None, Some(false)) => not_signed(format!(
            "ipsw.me does not list it as signed (its list is refreshed every few hours); Apple's server was not asked.{signed_list}"
        ))
        .with_confidence(Confidence::Medium),
        (None, None) => Finding::new(
            "firmware.signed.unknown",
            Family::Network,
            Severity::Warn,
            format!("Could not find out whether {label} is signed"),
            "Neither ipsw.me nor Apple's signing server gave an answer.",
        )
        .with_remedies(rd_kb::remedies(&["check-internet"])),
    };
    let mut verdict = verdict;
    if let Some(e) = &tss_error {
        verdict = verdict.with_evidence(Evidence::new(
            e.clone(),
            "Apple's signing server was not asked",
        ));
        if tss_network_error {
            findings.push(
                Finding::new(
                    "firmware.signed.tss_unreachable",
                    Family::Network,
                    Severity::Warn,
                    "Apple's signing server could not be reached",
                    "Without it only ipsw.me's cached list answers. A restore needs this server too, so check the network before restoring.",
                )
                .with_evidence(Evidence::new(e.clone(), "request failed"))
                .with_remedies(rd_kb::remedies(&["check-internet", "hosts-remove-apple", "security-software-pause"])),
            );
        }
    }
    for s in &sources {
        verdict = verdict.with_evidence(
            Evidence::new(s.said.clone(), format!("{} at {}", s.source, s.when))
                .from_source(s.url.clone()),
        );
    }
    findings.insert(0, verdict);
    SigningOutcome {
        findings,
        sources,
        build,
        version,
    }
}

fn tss_for(
    client: &HttpClient,
    loc: &str,
    q: &SigningQuery<'_>,
    target: Option<&str>,
    tss_url: &str,
) -> std::result::Result<(TssAnswer, String), (String, bool)> {
    let plain = |e: String| (e, false);
    let src = inspect::open(loc, client).map_err(|e| (e.to_string(), false))?;
    let ipsw = inspect::inspect(src.as_ref()).map_err(|e| (e.to_string(), false))?;
    let m = ipsw.manifest.as_ref().ok_or_else(|| {
        plain("the IPSW has no BuildManifest.plist, so no TSS request can be built".into())
    })?;
    if let Some(t) = target
        && !matches_target(t, &m.version, &m.build)
    {
        return Err(plain(format!(
            "the IPSW given is {} ({}), not {t}",
            m.version, m.build
        )));
    }
    let id = m
        .identity_for(q.device.cpid as u64, q.device.bdid as u64)
        .ok_or_else(|| {
            plain(format!(
                "the IPSW has no build identity for {} ({})",
                q.device.product_type,
                q.device.chip_board()
            ))
        })?;
    let ecid = q.ecid.unwrap_or(0x0000_1234_5678_9ABC);
    let req = tss::build_request(id, ecid).map_err(|e| plain(e.to_string()))?;
    let ans = tss::ask(client, tss_url, &req)
        .map_err(|e| (e.to_string(), matches!(e, crate::Error::Http { .. })))?;
    Ok((ans, m.build.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_unix_time() {
        assert_eq!(format_unix(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(format_unix(951_782_400), "2000-02-29 00:00:00 UTC");
        assert_eq!(format_unix(1_764_030_000), "2025-11-25 00:20:00 UTC");
    }

    #[test]
    fn targets_match_version_or_build() {
        assert!(matches_target("16H81", "12.5.7", "16H81"));
        assert!(matches_target("12.5.7", "12.5.7", "16H81"));
        assert!(!matches_target("12.5", "12.5.7", "16H81"));
    }
}
