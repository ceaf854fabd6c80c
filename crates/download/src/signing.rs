//! "Does Apple sign build X for device Y now?" — asked in exactly one place, through
//! [`SigningOracle`]. The live answer comes from `rd_firmware::signing::check` (ipsw.me's list,
//! then a real TSS request built from the IPSW's own manifest); tests inject an answer.
//! When the TSS code moves to its own crate, only [`LiveSigning`] changes.

use rd_catalog::Device;
use rd_catalog::firmware::FirmwareCatalog;
use rd_firmware::http::HttpClient;
use rd_firmware::ipswme::IpswMe;
use rd_firmware::signing::{self, SigningQuery};
use serde::Serialize;

/// What the signing check concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SignState {
    /// Apple signs it.
    Signed,
    /// Apple does not sign it: a restore with it fails (error 3194).
    NotSigned,
    /// No source could say.
    Unknown,
}

/// The answer, with the build it is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SigningAnswer {
    /// The verdict.
    pub state: SignState,
    /// The build checked (for "newest signed": the one found).
    pub build: Option<String>,
    /// Its version.
    pub version: Option<String>,
    /// What was said, in one line (with who said it).
    pub said: String,
}

/// Anything that can answer the signing question.
pub trait SigningOracle {
    /// Is `target` (a version or build; `None` = the newest signed build) signed for `device`?
    fn ask(
        &self,
        device: &Device,
        target: Option<&str>,
        catalog: &FirmwareCatalog<'_>,
    ) -> SigningAnswer;
}

/// The live check: ipsw.me, then Apple's TSS server.
#[derive(Debug, Clone)]
pub struct LiveSigning {
    /// HTTP client for ipsw.me, the IPSW's manifest and TSS.
    pub client: HttpClient,
    /// ipsw.me.
    pub ipswme: IpswMe,
    /// Apple's TSS endpoint.
    pub tss_url: String,
    /// Ask ipsw.me only.
    pub skip_tss: bool,
}

impl SigningOracle for LiveSigning {
    fn ask(
        &self,
        device: &Device,
        target: Option<&str>,
        catalog: &FirmwareCatalog<'_>,
    ) -> SigningAnswer {
        let q = SigningQuery {
            device,
            target: target.map(str::to_string),
            ipsw: None,
            ecid: None,
            skip_tss: self.skip_tss,
        };
        let out = signing::check(&q, &self.client, &self.ipswme, &self.tss_url, catalog);
        let verdict = out.findings.first();
        let state = match verdict.map(|f| f.id.as_str()) {
            Some("firmware.signed.yes") => SignState::Signed,
            Some("firmware.signed.no") => SignState::NotSigned,
            _ => SignState::Unknown,
        };
        let mut said = verdict.map_or_else(|| "no answer".to_string(), |f| f.title.clone());
        if let Some(s) = out.sources.iter().find(|s| s.source == "Apple TSS") {
            said.push_str(&format!(" (Apple TSS at {}: {})", s.when, s.said));
        }
        SigningAnswer {
            state,
            build: out.build,
            version: out.version,
            said,
        }
    }
}
