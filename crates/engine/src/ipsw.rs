//! `ipsw`: is this IPSW right for the device, and intact? Reads a local file, or a URL with
//! range requests (never the whole download); the verdicts come from `rd_firmware`, and the
//! choice of verdicts and the comparison with ipsw.me's digests are made here, once.

use crate::net::Net;
use crate::{EngineError, blocking};
use rd_firmware::hash;
use rd_firmware::inspect::{self, IpswFacts, IpswKind};
use rd_firmware::{integrity, verdict};
use rd_model::{Evidence, Family, Finding, Report, Severity};
use serde::Serialize;

/// Options of `ipsw`.
#[derive(Debug, Clone)]
pub struct IpswOptions {
    /// A file path or an http(s) URL.
    pub target: String,
    /// The device to check it for.
    pub device: Option<String>,
    /// Hash the whole file (SHA-1 and SHA-256 in one read) and compare with the catalog.
    pub verify: bool,
    /// Check every entry's CRC-32 (reads and inflates the whole file).
    pub crc: bool,
    /// With `verify`, also compare with ipsw.me's digests.
    pub online: bool,
    /// Network and catalog settings.
    pub net: Net,
}

/// The report of `ipsw`.
#[derive(Debug, Clone, Serialize)]
pub struct IpswReport {
    /// The verdicts (kind `ipsw`).
    #[serde(flatten)]
    pub report: Report,
    /// What the manifest says.
    pub ipsw: IpswFacts,
    /// The catalog that answered.
    pub catalog: String,
    /// A note about the catalog (a damaged cache file skipped).
    #[serde(skip)]
    pub note: Option<String>,
}

/// Progress of a long read: what (`hashing`, `checking CRCs`), bytes done, bytes in all.
pub type Progress<'a> = &'a dyn Fn(&'static str, u64, u64);

/// Compares with ipsw.me's digests for this build (best effort; network trouble is a warning).
fn online_finding(net: &Net, facts: &IpswFacts, d: &hash::Digests) -> Finding {
    let build = facts.build.clone().unwrap_or_default();
    let Some(pt) = facts.product_types.first() else {
        return Finding::new(
            "firmware.integrity.ipswme",
            Family::Unknown,
            Severity::Info,
            "ipsw.me not asked: the IPSW lists no device",
            "",
        );
    };
    match net.ipswme().device(pt) {
        Err(e) => Finding::new(
            "firmware.integrity.ipswme",
            Family::Network,
            Severity::Warn,
            "ipsw.me could not be asked for this build's digests",
            e.to_string(),
        ),
        Ok(dev) => {
            let fw = dev
                .value
                .firmwares
                .iter()
                .find(|f| f.buildid.eq_ignore_ascii_case(&build));
            let src = Evidence::new(
                format!("{} at {}", dev.url, dev.date.clone().unwrap_or_default()),
                "asked",
            );
            match fw.and_then(|f| f.sha1sum.clone().or(f.sha256sum.clone()).map(|h| (f, h))) {
                None => Finding::new(
                    "firmware.integrity.ipswme",
                    Family::WrongFirmware,
                    Severity::Info,
                    format!("ipsw.me has no digest for build {build}"),
                    "Not known there either; that does not mean the file is damaged.",
                ),
                Some((f, _)) => {
                    let same = f.sha1sum.as_deref().is_some_and(|h| h.eq_ignore_ascii_case(&d.sha1))
                        || f.sha256sum.as_deref().is_some_and(|h| h.eq_ignore_ascii_case(&d.sha256));
                    if same {
                        Finding::new(
                            "firmware.integrity.ipswme",
                            Family::WrongFirmware,
                            Severity::Ok,
                            "ipsw.me's digest matches",
                            "",
                        )
                    } else {
                        Finding::new(
                            "firmware.integrity.ipswme",
                            Family::WrongFirmware,
                            Severity::Fail,
                            "ipsw.me records a different digest for this build: the file is damaged or altered",
                            format!("ipsw.me: SHA-1 {}", f.sha1sum.as_deref().unwrap_or("-")),
                        )
                        .with_remedies(rd_kb::remedies!["firmware-redownload"])
                    }
                }
            }
            .with_evidence(src)
        }
    }
}

/// Blocking body of [`ipsw`]; `progress` hears the long reads (hashing, CRCs).
pub fn ipsw_blocking(opts: &IpswOptions, progress: Progress) -> Result<IpswReport, EngineError> {
    let usage = |e: rd_firmware::Error| EngineError::Usage(e.to_string());
    let target = opts.target.trim();
    if target.is_empty() {
        return Err(EngineError::Usage(
            "give the IPSW: a file path or an http(s) URL".into(),
        ));
    }
    let devices = match &opts.device {
        Some(q) => {
            Some(rd_catalog::devices::resolve(q).map_err(|e| EngineError::Usage(e.to_string()))?)
        }
        None => None,
    };
    let is_url = inspect::is_url(target);
    if is_url && (opts.verify || opts.crc) {
        return Err(EngineError::Usage(
            "--verify and --crc read the whole file; download the IPSW and pass the file path"
                .into(),
        ));
    }
    let client = opts.net.client();
    let src = inspect::open(target, &client).map_err(usage)?;
    let ipsw = inspect::inspect(src.as_ref()).map_err(usage)?;
    let (catalog, note) = opts.net.catalog();
    let digests = if opts.verify {
        let total = ipsw.size;
        Some(
            hash::hash_file(std::path::Path::new(target), &|n| {
                progress("hashing", n, total)
            })
            .map_err(usage)?,
        )
    } else {
        None
    };
    let (mut findings, facts, label) = catalog.with(|cat| {
        let rows = verdict::catalog_rows(cat, &ipsw);
        let entry = rows.first();
        let mut f = vec![verdict::facts_finding(&ipsw, entry)];
        f.extend(verdict::not_restore_finding(&ipsw));
        if let Some(dev) = &devices
            && ipsw.kind == IpswKind::Restore
        {
            f.push(verdict::device_finding(&ipsw, dev));
        }
        f.extend(verdict::name_finding(&ipsw));
        f.push(verdict::catalog_finding(cat, &ipsw, &rows));
        if let Some(d) = &digests {
            f.push(integrity::hash_finding(cat, &ipsw, d));
        }
        (f, ipsw.facts(entry), cat.info.to_string())
    });
    let problems = if is_url {
        ipsw.index.problems.clone()
    } else {
        integrity::check_local_headers(src.as_ref(), &ipsw.index)
    };
    findings.push(integrity::zip_finding(&ipsw, &problems));
    if opts.crc {
        let total = ipsw.index.entries.iter().map(|e| e.compressed_size).sum();
        findings.push(integrity::crc_finding(src.as_ref(), &ipsw.index, &|n| {
            progress("checking CRCs", n, total)
        }));
    }
    if opts.online
        && let Some(d) = &digests
    {
        findings.push(online_finding(&opts.net, &facts, d));
    }
    Ok(IpswReport {
        report: Report::new("ipsw", Some(ipsw.name.clone()), findings),
        ipsw: facts,
        catalog: label,
        note,
    })
}

/// `ipsw`: reads the file or URL on a blocking thread.
pub async fn ipsw(opts: IpswOptions) -> Result<IpswReport, EngineError> {
    blocking("IPSW check", move || ipsw_blocking(&opts, &|_, _, _| {})).await
}
