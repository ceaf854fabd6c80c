//! `signed`: is a build still signed for a device? ipsw.me's cached answer and Apple's live TSS
//! answer side by side (the asking and judging live in `rd_firmware::signing`).

use crate::net::Net;
use crate::{EngineError, blocking};
use rd_firmware::signing::{self, SigningQuery, SourceNote};
use rd_model::Report;
use serde::Serialize;

/// Options of `signed`.
#[derive(Debug, Clone)]
pub struct SignedOptions {
    /// The device: product type, model number, board or CPID:BDID.
    pub device: String,
    /// Version or build (`None`: the newest signed build).
    pub target: Option<String>,
    /// Take the build identity from this IPSW (file or URL).
    pub ipsw: Option<String>,
    /// The device's ECID for the TSS request.
    pub ecid: Option<u64>,
    /// Ask only ipsw.me, not Apple's TSS.
    pub no_tss: bool,
    /// URL of Apple's TSS server.
    pub tss_url: String,
    /// Network and catalog settings.
    pub net: Net,
}

/// The report of `signed`.
#[derive(Debug, Clone, Serialize)]
pub struct SignedReport {
    /// Findings, verdict first (kind `signed`).
    #[serde(flatten)]
    pub report: Report,
    /// What each source said, and when.
    pub sources: Vec<SourceNote>,
    /// Which to believe when the sources disagree.
    pub disagreement: Option<String>,
    /// The version asked about.
    pub version: Option<String>,
    /// The build asked about.
    pub build: Option<String>,
    /// The catalog that answered.
    pub catalog: String,
    /// A note about the catalog (a damaged cache file skipped).
    #[serde(skip)]
    pub note: Option<String>,
}

/// Blocking body of [`signed`].
pub fn signed_blocking(opts: &SignedOptions) -> Result<SignedReport, EngineError> {
    let rows = rd_catalog::devices::resolve(&opts.device)
        .map_err(|e| EngineError::Usage(e.to_string()))?;
    let device = rows[0];
    if !matches!(device.family.as_str(), "iPhone" | "iPad" | "iPod touch") {
        return Err(EngineError::Usage(format!(
            "{} is {} {}; this check covers iPhone, iPad and iPod touch",
            device.product_type,
            if device.family.starts_with(['A', 'E', 'I', 'O', 'U']) {
                "an"
            } else {
                "a"
            },
            device.family
        )));
    }
    let client = opts.net.client();
    let api = opts.net.ipswme();
    let (catalog, note) = opts.net.catalog();
    let q = SigningQuery {
        device,
        target: opts.target.clone(),
        ipsw: opts.ipsw.clone(),
        ecid: opts.ecid,
        skip_tss: opts.no_tss,
    };
    let (out, label) = catalog.with(|cat| {
        (
            signing::check(&q, &client, &api, &opts.tss_url, cat),
            cat.info.to_string(),
        )
    });
    Ok(SignedReport {
        report: Report::new("signed", Some(device.product_type.clone()), out.findings),
        sources: out.sources,
        disagreement: out.disagreement,
        version: out.version,
        build: out.build,
        catalog: label,
        note,
    })
}

/// `signed`: asks ipsw.me and Apple's TSS (network I/O on a blocking thread).
pub async fn signed(opts: SignedOptions) -> Result<SignedReport, EngineError> {
    blocking("signing check", move || signed_blocking(&opts)).await
}
