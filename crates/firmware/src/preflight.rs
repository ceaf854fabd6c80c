//! `checkup --ipsw FILE|URL`: one answer to "will this restore work?" for the device that is
//! connected — its chip and board (read from USB) against the IPSW's build identities, the
//! IPSW's structure, and a signing request to Apple for that exact device (its ECID, its
//! identity in the IPSW).

use crate::http::HttpClient;
use crate::inspect::{self, IpswKind};
use crate::integrity;
use crate::signing::{self, SigningQuery, TssFailure};
use crate::verdict;
use rd_model::{Confidence, Evidence, Family, Finding, Severity};
use rd_tss::Verdict;

/// A connected device as USB shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connected {
    /// Chip id (CPID), when the USB serial string gives it (Recovery/DFU).
    pub cpid: Option<u32>,
    /// Board id (BDID), likewise.
    pub bdid: Option<u32>,
    /// ECID, likewise.
    pub ecid: Option<u64>,
    /// How to name it, e.g. `iPhone 7 (GSM) in Recovery mode`.
    pub label: String,
}

/// The three parts of the answer, each a finding, and the summary that leads.
#[derive(Debug, Clone)]
pub struct Preflight {
    /// Summary first, then device match, integrity and signing.
    pub findings: Vec<Finding>,
}

fn summary(severity: Severity, title: String, explanation: String) -> Finding {
    Finding::new(
        "firmware.preflight",
        Family::WrongFirmware,
        severity,
        title,
        explanation,
    )
}

/// Runs the preflight for the IPSW at `loc` and the devices on the bus.
pub fn check(loc: &str, connected: &[Connected], client: &HttpClient, tss_url: &str) -> Preflight {
    let src = match inspect::open(loc, client).and_then(|s| {
        let i = inspect::inspect(s.as_ref())?;
        Ok((s, i))
    }) {
        Ok(x) => x,
        Err(e) => {
            return Preflight {
                findings: vec![
                    summary(
                        Severity::Fail,
                        "This restore will not work: the IPSW cannot be read".into(),
                        format!("{loc}: {e}"),
                    )
                    .with_remedies(rd_kb::remedies!["firmware-redownload"]),
                ],
            };
        }
    };
    let (src, ipsw) = src;
    let mut parts = Vec::new();
    // Integrity: the zip structure (every entry's local header against the directory).
    let problems = if inspect::is_url(loc) {
        ipsw.index.problems.clone()
    } else {
        integrity::check_local_headers(src.as_ref(), &ipsw.index)
    };
    parts.push(integrity::zip_finding(&ipsw, &problems));
    parts.extend(verdict::not_restore_finding(&ipsw));
    // The device: the first one whose chip and board USB shows.
    let with_ids = connected
        .iter()
        .find(|c| c.cpid.is_some() && c.bdid.is_some());
    let Some(dev) = with_ids else {
        let (title, why) = match connected.first() {
            None => (
                "No device is connected, so only the IPSW was checked".to_string(),
                "Connect the device (booted, or in Recovery or DFU mode) and run the checkup again to check this IPSW against it and ask Apple whether it is signed for it.".to_string(),
            ),
            Some(c) => (
                format!("{}: its chip and board cannot be read over USB", c.label),
                "A normally booted device does not show its chip and board on USB. Put it in Recovery mode and run the checkup again.".to_string(),
            ),
        };
        let worst = parts
            .iter()
            .map(|f| f.severity)
            .max()
            .unwrap_or(Severity::Ok);
        let mut all = vec![summary(worst.max(Severity::Warn), title, why)];
        all.extend(parts);
        return Preflight { findings: all };
    };
    let (cpid, bdid) = (dev.cpid.unwrap_or(0), dev.bdid.unwrap_or(0));
    let rows = rd_catalog::devices::by_chip_board(cpid, bdid);
    let identity = ipsw
        .manifest
        .as_ref()
        .and_then(|m| m.identity_for(u64::from(cpid), u64::from(bdid)));
    let match_finding = if rows.is_empty() {
        match identity {
            Some(_) => Finding::new(
                "firmware.match.ok",
                Family::WrongFirmware,
                Severity::Ok,
                format!("The IPSW has a build identity for {} (CPID 0x{cpid:04X}, BDID 0x{bdid:02X})", dev.label),
                "The device is not in restore-doctor's device table, but the manifest has firmware for its chip and board.",
            ),
            None => Finding::new(
                "firmware.match.no_identity",
                Family::WrongFirmware,
                Severity::Fail,
                format!("The IPSW has no build identity for {} (CPID 0x{cpid:04X}, BDID 0x{bdid:02X})", dev.label),
                "The restore would stop when the tool looks for firmware for this chip and board. Use the IPSW made for this device.",
            )
            .with_remedies(rd_kb::remedies!["firmware-right-model"]),
        }
    } else if ipsw.kind == IpswKind::Restore {
        verdict::device_finding(&ipsw, &rows)
    } else {
        Finding::new(
            "firmware.match.not_restore",
            Family::WrongFirmware,
            Severity::Fail,
            "Not a restore IPSW for this device",
            ipsw.kind.describe(),
        )
    };
    let match_ok = match_finding.severity <= Severity::Ok;
    parts.insert(
        0,
        match_finding.with_evidence(Evidence::new(
            format!(
                "CPID 0x{cpid:04X} BDID 0x{bdid:02X}{}",
                dev.ecid
                    .map(|e| format!(" ECID 0x{e:X}"))
                    .unwrap_or_default()
            ),
            format!("read from the USB serial string of {}", dev.label),
        )),
    );
    // Signing, for this exact device.
    let signing_finding = match (rows.first(), match_ok) {
        (Some(row), true) => {
            let q = SigningQuery {
                device: row,
                target: None,
                ipsw: Some(loc.to_string()),
                ecid: dev.ecid,
                skip_tss: false,
            };
            Some(signing_finding(client, loc, &q, tss_url, &dev.label))
        }
        _ => None,
    };
    parts.extend(signing_finding.clone());
    let blockers: Vec<&Finding> = parts
        .iter()
        .filter(|f| f.severity >= Severity::Fail)
        .collect();
    let doubts: Vec<&Finding> = parts
        .iter()
        .filter(|f| f.severity == Severity::Warn)
        .collect();
    let build = ipsw.build().unwrap_or("?");
    let version = ipsw.version().unwrap_or("?");
    let lead = if !blockers.is_empty() {
        summary(
            Severity::Fail,
            format!(
                "This restore will not work: {version} ({build}) on {}",
                dev.label
            ),
            blockers
                .iter()
                .map(|f| f.title.clone())
                .collect::<Vec<_>>()
                .join("; "),
        )
        .with_confidence(Confidence::High)
    } else if !doubts.is_empty() || signing_finding.is_none() {
        summary(
            Severity::Warn,
            format!(
                "Not settled whether {version} ({build}) will restore on {}",
                dev.label
            ),
            doubts
                .iter()
                .map(|f| f.title.clone())
                .collect::<Vec<_>>()
                .join("; "),
        )
    } else {
        summary(
            Severity::Ok,
            format!("This restore should work: {version} ({build}) on {}", dev.label),
            "The IPSW has firmware for this device's chip and board, its zip structure is intact, and Apple issued a ticket for this device just now. For a full check of the file's contents run `restore-doctor ipsw FILE --verify`.".to_string(),
        )
        .with_confidence(Confidence::High)
    };
    // The summary belongs to the family of what decides it.
    let decisive = blockers.first().or(doubts.first()).map(|f| f.family);
    let mut lead = lead;
    if let Some(family) = decisive {
        lead.family = family;
    }
    let mut all = vec![lead];
    all.extend(parts);
    Preflight { findings: all }
}

fn signing_finding(
    client: &HttpClient,
    loc: &str,
    q: &SigningQuery<'_>,
    tss_url: &str,
    label: &str,
) -> Finding {
    let f = |sev: Severity, family: Family, title: String, why: String| {
        Finding::new("firmware.preflight.signing", family, sev, title, why)
    };
    match signing::tss_for(client, loc, q, None, tss_url) {
        Ok((a, build)) => {
            let said = a.said();
            let meaning = a.meaning().unwrap_or_default();
            let ev = Evidence::new(
                format!("{said} for build {build}"),
                "Apple's signing server, live",
            )
            .from_source(tss_url.to_string());
            match a.verdict() {
                Verdict::Signed => f(
                    Severity::Ok,
                    Family::Signing,
                    format!("Apple signs {build} for this {label}"),
                    "Apple's signing server issued a ticket for this device just now.".into(),
                )
                .with_confidence(Confidence::High),
                Verdict::NotSigned => f(
                    Severity::Fail,
                    Family::Signing,
                    format!("Apple does not sign {build} for this {label}"),
                    format!("Apple's signing server answered {said}: {meaning}"),
                )
                .with_remedies(rd_kb::remedies!["firmware-signed-only"])
                .with_error_codes(["3194"])
                .with_confidence(Confidence::High),
                Verdict::NotTss(_) => f(
                    Severity::Fail,
                    Family::SecuritySoftware,
                    "Something other than Apple's signing server answered".into(),
                    format!("The signing request got {said}; a restore would stop at signing the same way."),
                )
                .with_remedies(rd_kb::remedies!["hosts-remove-apple", "security-software-pause"]),
                _ => f(
                    Severity::Warn,
                    a.status()
                        .and_then(rd_tss::lookup)
                        .map_or(Family::Network, |i| i.family),
                    format!("Apple's signing server did not settle it ({})", said.chars().take(60).collect::<String>()),
                    format!("{said}: {meaning} It says nothing about whether the build is signed."),
                )
                .with_remedies(rd_kb::remedies!["wait-apple-servers"]),
            }
            .with_evidence(ev)
        }
        Err((e, TssFailure::Intercepted)) => f(
            Severity::Fail,
            Family::SecuritySoftware,
            "The connection to Apple's signing server is intercepted".into(),
            "A restore's signing request meets the same interceptor and fails.".into(),
        )
        .with_evidence(Evidence::new(e, "certificate chain"))
        .with_remedies(rd_kb::remedies![
            "security-software-pause",
            "hosts-remove-apple",
        ]),
        Err((e, TssFailure::Unreachable)) => f(
            Severity::Fail,
            Family::Network,
            "Apple's signing server cannot be reached".into(),
            "A restore asks this server for a ticket; without it the restore stops at signing."
                .into(),
        )
        .with_evidence(Evidence::new(e, "request failed"))
        .with_remedies(rd_kb::remedies!["check-internet", "hosts-remove-apple"]),
        Err((e, TssFailure::NotAsked)) => f(
            Severity::Warn,
            Family::WrongFirmware,
            "No signing request could be made from this IPSW".into(),
            e,
        ),
    }
}
