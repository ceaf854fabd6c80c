//! "Is this build still signed for this device?" — ipsw.me's cached flag and Apple's live TSS
//! answer side by side, each with its age; when they disagree, which one to believe and why; a
//! TSS status with its meaning from the one status table (`rd-tss`). Check `firmware.signed`.

use crate::http::HttpClient;
use crate::inspect;
use crate::ipswme::{ApiFirmware, IpswMe};
use crate::tss::{self, TssAnswer};
use rd_catalog::Device;
use rd_catalog::firmware::{FirmwareCatalog, compare_versions};
use rd_model::{Confidence, Evidence, Family, Finding, Severity};
use rd_tss::Verdict;
use serde::Serialize;

/// What one source said, and how fresh it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceNote {
    /// `ipsw.me` or `Apple TSS`.
    pub source: String,
    /// Endpoint asked.
    pub url: String,
    /// What it said, in one line.
    pub said: String,
    /// When (the server's Date header, else our clock).
    pub when: String,
    /// `cached` (ipsw.me's flag, refreshed every few hours) or `live` (Apple's own answer).
    pub freshness: String,
    /// Seconds between the answer's `Date` and now, when the server sent a readable one.
    pub age_secs: Option<u64>,
    /// What it says about the build checked: signed, not signed, or nothing (`None`).
    pub says_signed: Option<bool>,
    /// The meaning of a TSS status, from the status table.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meaning: Option<String>,
}

impl SourceNote {
    /// `just now`, `5 min ago`, `3 h ago`, `2 days ago`, or `age unknown`.
    pub fn age_text(&self) -> String {
        match self.age_secs {
            None => "age unknown".into(),
            Some(s) if s < 60 => "just now".into(),
            Some(s) if s < 3600 => format!("{} min ago", s / 60),
            Some(s) if s < 86_400 => format!("{} h ago", s / 3600),
            Some(s) => format!("{} days ago", s / 86_400),
        }
    }

    /// `signed`, `not signed` or `no answer about signing`.
    pub fn says_text(&self) -> &'static str {
        match self.says_signed {
            Some(true) => "signed",
            Some(false) => "not signed",
            None => "no answer about signing",
        }
    }
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
    /// When the sources disagree: which one to believe, and why.
    pub disagreement: Option<String>,
    /// The build checked, when one was identified.
    pub build: Option<String>,
    /// The version checked, when one was identified.
    pub version: Option<String>,
    /// Whether ipsw.me or the catalog knows the build for this device.
    pub build_known: bool,
    /// Apple's answer, when it was asked and something answered.
    pub tss: Option<TssAnswer>,
}

/// Now, in Unix seconds.
pub fn now_unix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Current UTC time as `YYYY-MM-DD HH:MM:SS UTC` (no time-zone database needed).
pub fn now_utc() -> String {
    format_unix(now_unix())
}

/// Formats Unix seconds as `YYYY-MM-DD HH:MM:SS UTC`.
pub fn format_unix(secs: u64) -> String {
    let (date, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = rd_model::civil::civil_from_days(date as i64);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Reads an HTTP `Date` (`Tue, 25 Nov 2025 00:00:00 GMT`) as Unix seconds (rd-net's parser).
pub fn parse_http_date(s: &str) -> Option<u64> {
    rd_net::date::parse_http_date(s).and_then(|t| u64::try_from(t).ok())
}

fn age_of(date: Option<&str>, now: u64) -> Option<u64> {
    date.and_then(parse_http_date)
        .map(|t| now.saturating_sub(t))
}

fn matches_target(target: &str, version: &str, build: &str) -> bool {
    let t = target.trim();
    build.eq_ignore_ascii_case(t) || version == t
}

/// The build the question is about.
struct Chosen {
    version: Option<String>,
    build: Option<String>,
    url: Option<String>,
    /// ipsw.me or the catalog lists it for this device.
    known: bool,
}

impl Chosen {
    fn label(&self) -> String {
        match (&self.version, &self.build) {
            (Some(v), Some(b)) => format!("{v} ({b})"),
            (Some(v), None) => v.clone(),
            (None, Some(b)) => b.clone(),
            (None, None) => "the newest build".into(),
        }
    }
}

fn choose(
    target: Option<&str>,
    api_answered: bool,
    api_fws: &[ApiFirmware],
    signed: &[&ApiFirmware],
    catalog_rows: &[&rd_catalog::firmware::Firmware<'_>],
) -> Chosen {
    let from_api = |f: &ApiFirmware| Chosen {
        version: Some(f.version.clone()),
        build: Some(f.buildid.clone()),
        url: f.url.clone(),
        known: true,
    };
    let from_cat = |f: &rd_catalog::firmware::Firmware<'_>| Chosen {
        version: Some(f.version.to_string()),
        build: Some(f.build.to_string()),
        url: f.url.map(str::to_string),
        known: true,
    };
    let none = Chosen {
        version: None,
        build: None,
        url: None,
        known: false,
    };
    match target {
        Some(t) => {
            if let Some(f) = api_fws
                .iter()
                .find(|f| matches_target(t, &f.version, &f.buildid))
            {
                return from_api(f);
            }
            if let Some(f) = catalog_rows
                .iter()
                .rev()
                .find(|f| matches_target(t, f.version, f.build))
            {
                return from_cat(f);
            }
            let looks_like_version = t.chars().all(|c| c.is_ascii_digit() || c == '.');
            Chosen {
                version: looks_like_version.then(|| t.to_string()),
                build: (!looks_like_version).then(|| t.to_string()),
                ..none
            }
        }
        None => match signed.first() {
            Some(f) => from_api(f),
            // ipsw.me is down: ask Apple about the newest release the catalog knows.
            None if !api_answered => catalog_rows
                .iter()
                .rev()
                .find(|f| !f.beta && !f.rc)
                .map_or(none, |f| from_cat(f)),
            None => none,
        },
    }
}

/// What ipsw.me's flag says about the chosen build: `None` when ipsw.me was not reached or does
/// not list the build for this device at all.
fn ipswme_says(api_fws: Option<&[ApiFirmware]>, chosen: &Chosen) -> Option<bool> {
    let fws = api_fws?;
    let row = fws
        .iter()
        .find(|f| match (&chosen.build, &chosen.version) {
            (Some(b), _) => f.buildid.eq_ignore_ascii_case(b),
            (None, Some(v)) => &f.version == v,
            (None, None) => false,
        })?;
    Some(fws.iter().any(|f| f.signed && f.buildid == row.buildid))
}

fn signed_list(signed: &[&ApiFirmware]) -> String {
    signed
        .iter()
        .map(|f| format!("{} ({})", f.version, f.buildid))
        .collect::<Vec<_>>()
        .join(", ")
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
    // 1. ipsw.me (its flag is cached on its side).
    let api = match ipswme.device(pt) {
        Ok(d) => Some(d),
        Err(e) => {
            findings.push(
                Finding::new(
                    "firmware.signed.ipswme_unreachable",
                    Family::Network,
                    Severity::Warn,
                    "ipsw.me could not be asked",
                    e.to_string(),
                )
                .with_remedies(rd_kb::remedies!["check-internet"]),
            );
            None
        }
    };
    let api_fws: Option<&[ApiFirmware]> = api.as_ref().map(|d| d.value.firmwares.as_slice());
    let signed: Vec<&ApiFirmware> = api_fws
        .unwrap_or_default()
        .iter()
        .filter(|f| f.signed)
        .collect();
    // 2. Which build? With an IPSW but no target, the IPSW's own build is the question: from
    // its standard file name, else from its manifest.
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
    let catalog_rows = catalog.for_product_type(pt);
    let chosen = choose(
        target.as_deref(),
        api.is_some(),
        api_fws.unwrap_or_default(),
        &signed,
        &catalog_rows,
    );
    let label = chosen.label();
    let api_says = ipswme_says(api_fws, &chosen);
    let now = now_unix();
    if let Some(d) = &api {
        sources.push(SourceNote {
            source: "ipsw.me".into(),
            url: d.url.clone(),
            said: if signed.is_empty() {
                format!("no build is signed for {pt}")
            } else {
                format!("signed for {pt}: {}", signed_list(&signed))
            },
            when: d.date.clone().unwrap_or_else(now_utc),
            freshness: "cached".into(),
            age_secs: age_of(d.date.as_deref(), now),
            says_signed: api_says,
            meaning: None,
        });
    }
    let older_than_all_signed = chosen.version.as_ref().is_some_and(|v| {
        !signed.is_empty()
            && signed
                .iter()
                .all(|s| compare_versions(v, &s.version) == std::cmp::Ordering::Less)
    });
    // 3. TSS, with the build identity read from the IPSW (local, or remote by ranges).
    let mut tss_answer: Option<TssAnswer> = None;
    let mut tss_error: Option<String> = None;
    let mut tss_failure = TssFailure::NotAsked;
    if !q.skip_tss {
        match q.ipsw.clone().or(chosen.url.clone()) {
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
                        said: format!("{} for build {id_build}", ans.said()),
                        when: ans.date.clone().unwrap_or_else(now_utc),
                        freshness: "live".into(),
                        age_secs: age_of(ans.date.as_deref(), ans.received_unix),
                        says_signed: match ans.verdict() {
                            Verdict::Signed => Some(true),
                            Verdict::NotSigned => Some(false),
                            _ => None,
                        },
                        meaning: ans.meaning(),
                    });
                    tss_answer = Some(ans);
                }
                Err((e, kind)) => {
                    tss_error = Some(e);
                    tss_failure = kind;
                }
            },
        }
    }
    // 4. Verdict.
    let ctx = VerdictCtx {
        label: &label,
        device_desc: format!("{} ({})", q.device.name, pt),
        older_than_all_signed,
        signed_now: if signed.is_empty() {
            String::new()
        } else {
            format!(" Builds signed now (ipsw.me): {}.", signed_list(&signed))
        },
        api_says,
    };
    let disagreement = disagreement(&ctx, tss_answer.as_ref());
    let mut verdict = match &tss_answer {
        Some(a) => tss_verdict(&ctx, a),
        None => ipswme_verdict(&ctx),
    };
    if let Some(d) = &disagreement {
        verdict = verdict.with_evidence(Evidence::new(
            d.clone(),
            "the two sources disagree; this is the one to believe",
        ));
    }
    if let Some(e) = &tss_error {
        verdict = verdict.with_evidence(Evidence::new(
            e.clone(),
            "Apple's signing server was not asked",
        ));
        if tss_failure == TssFailure::Intercepted {
            findings.push(
                Finding::new(
                    "firmware.signed.tss_intercepted",
                    Family::SecuritySoftware,
                    Severity::Fail,
                    "The connection to Apple's signing server is intercepted",
                    "Something on this computer or network presents its own certificate for Apple's signing server. A restore's signing request meets the same interceptor and fails, so pause or uninstall the security software, or leave the proxy, before restoring.",
                )
                .with_evidence(Evidence::new(e.clone(), "certificate chain"))
                .with_remedies(rd_kb::remedies!["security-software-pause", "hosts-remove-apple"])
                .with_confidence(Confidence::High),
            );
        }
        if tss_failure == TssFailure::Unreachable {
            findings.push(
                Finding::new(
                    "firmware.signed.tss_unreachable",
                    Family::Network,
                    Severity::Warn,
                    "Apple's signing server could not be reached",
                    "Without it only ipsw.me's cached list answers. A restore needs this server too, so check the network before restoring.",
                )
                .with_evidence(Evidence::new(e.clone(), "request failed"))
                .with_remedies(rd_kb::remedies!["check-internet", "hosts-remove-apple", "security-software-pause"]),
            );
        }
    }
    for s in &sources {
        verdict = verdict.with_evidence(
            Evidence::new(
                s.said.clone(),
                format!(
                    "{} ({}) at {} ({})",
                    s.source,
                    s.freshness,
                    s.when,
                    s.age_text()
                ),
            )
            .from_source(s.url.clone()),
        );
    }
    if let Some(t) = &target
        && !chosen.known
    {
        let unknown =
            unknown_build_finding(t, &ctx.device_desc, pt, q.ipsw.is_some(), api.is_some());
        // Lead with it only when ipsw.me was asked and nothing else settled the question.
        if api.is_none()
            || tss_answer
                .as_ref()
                .is_some_and(|a| a.verdict().is_conclusive())
        {
            findings.push(unknown);
        } else {
            // Nothing settled it: saying so plainly comes first.
            findings.insert(0, verdict);
            findings.insert(0, unknown);
            return outcome(findings, sources, disagreement, chosen, tss_answer);
        }
    }
    findings.insert(0, verdict);
    outcome(findings, sources, disagreement, chosen, tss_answer)
}

fn outcome(
    findings: Vec<Finding>,
    sources: Vec<SourceNote>,
    disagreement: Option<String>,
    chosen: Chosen,
    tss: Option<TssAnswer>,
) -> SigningOutcome {
    SigningOutcome {
        findings,
        sources,
        disagreement,
        build: chosen.build,
        version: chosen.version,
        build_known: chosen.known,
        tss,
    }
}

fn unknown_build_finding(
    target: &str,
    device_desc: &str,
    pt: &str,
    has_ipsw: bool,
    ipswme_asked: bool,
) -> Finding {
    let lists = if ipswme_asked {
        format!("Neither ipsw.me's list for {pt} nor restore-doctor's firmware catalog has")
    } else {
        format!(
            "restore-doctor's firmware catalog does not list it for {pt} (ipsw.me could not be asked), so it has"
        )
    };
    Finding::new(
        "firmware.signed.unknown_build",
        Family::WrongFirmware,
        Severity::Warn,
        format!("{target} is not a build known for {device_desc}"),
        format!(
            "{lists} no version or build {target}. It may be mistyped, made for another model, or newer than the lists.{}",
            if has_ipsw {
                ""
            } else {
                " Pass --ipsw FILE|URL to ask Apple about that exact file."
            }
        ),
    )
    .with_confidence(Confidence::High)
}

/// What the verdict findings need to know.
struct VerdictCtx<'a> {
    label: &'a str,
    device_desc: String,
    older_than_all_signed: bool,
    signed_now: String,
    api_says: Option<bool>,
}

impl VerdictCtx<'_> {
    fn signed(&self, why: &str, confidence: Confidence) -> Finding {
        Finding::new(
            "firmware.signed.yes",
            Family::Signing,
            Severity::Ok,
            format!("Apple signs {} for {}", self.label, self.device_desc),
            why.to_string(),
        )
        .with_confidence(confidence)
    }

    fn not_signed(&self, why: String, confidence: Confidence) -> Finding {
        let (title, rem) = if self.older_than_all_signed {
            (
                format!(
                    "Apple no longer signs {} for {}; a downgrade is not possible",
                    self.label, self.device_desc
                ),
                rd_kb::remedy_id!("downgrade-not-possible"),
            )
        } else {
            (
                format!("{} is not signed for {}", self.label, self.device_desc),
                rd_kb::remedy_id!("firmware-signed-only"),
            )
        };
        Finding::new(
            "firmware.signed.no",
            Family::Signing,
            Severity::Fail,
            title,
            why,
        )
        .with_remedies(rd_kb::remedies(&[
            rem,
            rd_kb::remedy_id!("firmware-signed-only"),
        ]))
        .with_error_codes(["3194", "3004"])
        .with_confidence(confidence)
    }

    /// ipsw.me's flag, said plainly, for explanations.
    fn api_part(&self) -> &'static str {
        match self.api_says {
            Some(true) => {
                " ipsw.me lists it as signed (its list can be hours old), the best answer there is until Apple's server answers."
            }
            Some(false) => {
                " ipsw.me lists it as not signed (its list can be hours old), the best answer there is until Apple's server answers."
            }
            None => "",
        }
    }
}

/// Which source to believe when ipsw.me's cached flag and Apple's live answer differ.
fn disagreement(ctx: &VerdictCtx<'_>, tss: Option<&TssAnswer>) -> Option<String> {
    let tss_says = match tss?.verdict() {
        Verdict::Signed => true,
        Verdict::NotSigned => false,
        _ => return None,
    };
    let api = ctx.api_says?;
    if api == tss_says {
        return None;
    }
    Some(if tss_says {
        format!(
            "ipsw.me's cached flag says {} is not signed, but Apple's signing server issued a ticket just now. Believe Apple: its answer is live, while ipsw.me refreshes its flags every few hours and lags behind when Apple starts signing a build.",
            ctx.label
        )
    } else {
        format!(
            "ipsw.me's cached flag still says {} is signed, but Apple's signing server refused just now. Believe Apple: ipsw.me refreshes its flags every few hours and lags behind when Apple stops signing. The request was built the way Apple's own clients build it (only components with RestoreRequestRules or Trusted, a nonce of the chip's length), which rules out the known cause of a false refusal; asking again later settles it.",
            ctx.label
        )
    })
}

/// The verdict when Apple's server answered (or something answered in its place).
fn tss_verdict(ctx: &VerdictCtx<'_>, a: &TssAnswer) -> Finding {
    let said = a.said();
    let meaning = a.meaning().unwrap_or_default();
    match a.verdict() {
        Verdict::Signed => ctx.signed(
            "Apple's signing server issued a ticket for this build just now (STATUS=0).",
            Confidence::High,
        ),
        Verdict::NotSigned => ctx.not_signed(
            format!(
                "Apple's signing server answered {said}: {meaning}{}",
                ctx.signed_now
            ),
            // ipsw.me still saying "signed" leaves room for a just-ended signing window.
            if ctx.api_says == Some(true) {
                Confidence::Medium
            } else {
                Confidence::High
            },
        ),
        Verdict::NotTss(_) => Finding::new(
            "firmware.signed.tss_not_apple",
            Family::SecuritySoftware,
            Severity::Warn,
            "Something other than Apple's signing server answered",
            format!(
                "The signing request got {said}. A proxy, filter, captive portal or a hosts-file redirect is answering for Apple's server, and a restore would stop at signing the same way.{}",
                ctx.api_part()
            ),
        )
        .with_remedies(rd_kb::remedies!["hosts-remove-apple", "security-software-pause"])
        .with_confidence(Confidence::Medium),
        v => {
            let status = a.status().unwrap_or_default();
            let info = rd_tss::lookup(status);
            let (title, family, remedies): (String, Family, &[rd_kb::RemedyId]) = match v {
                Verdict::RequestRejected => (
                    format!("Apple's signing server refused the request itself (STATUS={status})"),
                    info.map_or(Family::RestoreTool, |i| i.family),
                    &[],
                ),
                Verdict::Incomplete => (
                    "Apple's signing server said yes (STATUS=0) but no ticket arrived".to_string(),
                    Family::Network,
                    &[rd_kb::remedy_id!("check-internet")],
                ),
                _ => (
                    format!("Apple's signing server returned an error (STATUS={status})"),
                    info.map_or(Family::Network, |i| i.family),
                    &[rd_kb::remedy_id!("wait-apple-servers")],
                ),
            };
            let action = info.map(|i| format!(" {}", i.action)).unwrap_or_default();
            Finding::new(
                "firmware.signed.tss_error",
                family,
                Severity::Warn,
                title,
                format!(
                    "{said}: {meaning} It says nothing about whether the build is signed.{action}{}",
                    ctx.api_part()
                ),
            )
            .with_remedies(rd_kb::remedies(remedies))
            .with_confidence(Confidence::Medium)
        }
    }
}

/// The verdict from ipsw.me alone (Apple's server was not asked or not reached).
fn ipswme_verdict(ctx: &VerdictCtx<'_>) -> Finding {
    match ctx.api_says {
        Some(true) => {
            let mut f = ctx.signed(
                "ipsw.me refreshes its list every few hours, so this can lag Apple by that much; Apple's server was not asked.",
                Confidence::Medium,
            );
            f.title = format!("ipsw.me lists {} as signed for {}", ctx.label, ctx.device_desc);
            f
        }
        Some(false) => ctx.not_signed(
            format!(
                "ipsw.me does not list it as signed (its list is refreshed every few hours); Apple's server was not asked.{}",
                ctx.signed_now
            ),
            Confidence::Medium,
        ),
        None => Finding::new(
            "firmware.signed.unknown",
            Family::Network,
            Severity::Warn,
            format!("Could not find out whether {} is signed", ctx.label),
            "Neither ipsw.me nor Apple's signing server gave an answer about it.",
        )
        .with_remedies(rd_kb::remedies!["check-internet"]),
    }
}

/// Why Apple's signing server gave no answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TssFailure {
    /// No request was sent (no IPSW, no identity, a bad file).
    NotAsked,
    /// The server could not be reached.
    Unreachable,
    /// Someone else answered with their own certificate.
    Intercepted,
}

/// Reads the identity for this device from the IPSW at `loc` and asks Apple about it. The error
/// side says what kept Apple from answering.
pub fn tss_for(
    client: &HttpClient,
    loc: &str,
    q: &SigningQuery<'_>,
    target: Option<&str>,
    tss_url: &str,
) -> std::result::Result<(TssAnswer, String), (String, TssFailure)> {
    let plain = |e: String| (e, TssFailure::NotAsked);
    let src = inspect::open(loc, client).map_err(|e| plain(e.to_string()))?;
    let ipsw = inspect::inspect(src.as_ref()).map_err(|e| plain(e.to_string()))?;
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
    let ans = tss::ask(client, tss_url, &req).map_err(|e| match e {
        tss::AskError::Intercepted(m) => (m, TssFailure::Intercepted),
        tss::AskError::Unreachable(m) => (m, TssFailure::Unreachable),
    })?;
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
    fn reads_http_dates() {
        let t = parse_http_date("Tue, 25 Nov 2025 00:20:00 GMT").unwrap();
        assert_eq!(format_unix(t), "2025-11-25 00:20:00 UTC");
        let leap = parse_http_date("Tue, 29 Feb 2000 00:00:00 GMT").unwrap();
        assert_eq!(leap, 951_782_400);
        assert_eq!(parse_http_date("yesterday"), None);
        assert_eq!(parse_http_date("Tue, 25 Foo 2025 00:20:00 GMT"), None);
        assert_eq!(parse_http_date("Tue, 25 Nov 2025 25:00:00 GMT"), None);
    }

    #[test]
    fn targets_match_version_or_build() {
        assert!(matches_target("16H81", "12.5.7", "16H81"));
        assert!(matches_target("12.5.7", "12.5.7", "16H81"));
        assert!(!matches_target("12.5", "12.5.7", "16H81"));
    }
}
