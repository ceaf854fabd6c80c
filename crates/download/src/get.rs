//! `ipsw get DEVICE [VERSION|BUILD]` in two steps: [`plan`] decides (which device, which IPSW,
//! is it signed, does it fit on the disk) without downloading; [`execute`] downloads and
//! verifies. Everything that talks to the outside comes in through [`Deps`], so tests inject
//! the network, the signing answer and the free-space figure.

use crate::fetch::{self, Expected, FetchError, FetchOptions, Fetched};
use crate::http::Transport;
use crate::pick::{self, Candidate};
use crate::signing::{SignState, SigningAnswer, SigningOracle};
use rd_catalog::Device;
use rd_catalog::firmware::FirmwareCatalog;
use rd_firmware::ipswme::ApiFirmware;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// A download named by hand instead of from the catalog (for mirrors, tests and benchmarks).
#[derive(Debug, Clone, Default)]
pub struct Manual {
    /// The URL.
    pub url: String,
    /// Expected size and digests (at least one digest is required).
    pub expected: Expected,
    /// File name to save as (default: the URL's last part).
    pub file_name: Option<String>,
}

/// What the user asked for.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// Product type, model number, board, `CPID:BDID`, or `connected`.
    pub device: String,
    /// Version or build; `None` = the newest signed build.
    pub target: Option<String>,
    /// Folder to save into.
    pub out_dir: PathBuf,
    /// Download even when Apple does not sign the build.
    pub force: bool,
    /// Download this URL instead of the catalog's.
    pub manual: Option<Manual>,
    /// A recorded USB inventory to read instead of the real bus (for `connected`).
    pub usb_fixture: Option<PathBuf>,
}

/// Everything from outside.
pub struct Deps<'a, 'c> {
    /// The network.
    pub transport: &'a dyn Transport,
    /// The signing answer.
    pub signing: &'a dyn SigningOracle,
    /// ipsw.me's list for a product type (`None` when it cannot be asked).
    pub ipswme: &'a dyn Fn(&str) -> Option<Vec<ApiFirmware>>,
    /// Free bytes in a folder.
    pub free_space: &'a dyn Fn(&Path) -> Option<u64>,
    /// The firmware catalog.
    pub catalog: &'a FirmwareCatalog<'c>,
    /// Retry settings.
    pub fetch: FetchOptions,
}

/// Why `ipsw get` stopped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GetError {
    /// Bad input (unknown device, unknown version, missing digest…): exit 2.
    #[error("{0}")]
    Usage(String),
    /// Apple does not sign the build (exit 1).
    #[error("{0}")]
    NotSigned(String),
    /// The download failed or did not verify (exit 1).
    #[error(transparent)]
    Fetch(#[from] FetchError),
}

/// The decision, before any byte is downloaded.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    /// Product type.
    pub product_type: String,
    /// Marketing name.
    pub name: String,
    /// Board config.
    pub board: String,
    /// The IPSW.
    pub ipsw: Candidate,
    /// The signing answer (`None` with a manual URL: nothing to ask about).
    pub signing: Option<SigningAnswer>,
    /// Where the file will be.
    pub path: PathBuf,
    /// Bytes already downloaded by an earlier run.
    pub resume_from: u64,
    /// Notes for the user (signing could not be checked, forced, …).
    pub notes: Vec<String>,
}

/// The device a query names; `connected` means the one Apple device on USB whose model the
/// bus shows exactly (Recovery/DFU, or normal mode when only one model fits).
pub fn resolve_device(
    query: &str,
    usb_fixture: Option<&Path>,
) -> Result<&'static Device, GetError> {
    if query.eq_ignore_ascii_case("connected") {
        let bus = rd_device::open_bus(usb_fixture).map_err(|e| GetError::Usage(e.to_string()))?;
        let inv = bus
            .enumerate()
            .map_err(|e| GetError::Usage(e.to_string()))?;
        let scan = rd_device::scan_inventory(bus.source(), &inv);
        let models: Vec<String> = scan
            .devices
            .iter()
            .filter_map(|d| d.model.as_ref().map(|m| m.product_type.clone()))
            .collect();
        return match (scan.devices.len(), models.as_slice()) {
            (0, _) => Err(GetError::Usage(
                "no iPhone, iPad or iPod touch is connected; name the device instead".into(),
            )),
            (1, [pt]) => resolve_device(pt, None),
            (1, []) => Err(GetError::Usage(
                "the connected device's exact model cannot be read from USB in normal mode; name it (e.g. iPhone10,4) or put it in Recovery mode".into(),
            )),
            _ => Err(GetError::Usage(
                "more than one device is connected; name the one you mean".into(),
            )),
        };
    }
    let rows = rd_catalog::devices::resolve(query).map_err(|e| GetError::Usage(e.to_string()))?;
    let first = rows[0];
    if rows.iter().any(|r| r.product_type != first.product_type) {
        let names: Vec<&str> = rows.iter().map(|r| r.product_type.as_str()).collect();
        return Err(GetError::Usage(format!(
            "'{query}' fits several models ({}); name one",
            names.join(", ")
        )));
    }
    if !matches!(first.family.as_str(), "iPhone" | "iPad" | "iPod touch") {
        return Err(GetError::Usage(format!(
            "{} is not an iPhone, iPad or iPod touch",
            first.product_type
        )));
    }
    Ok(first)
}

fn file_name(url: &str) -> String {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    path.rsplit('/')
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or("firmware.ipsw")
        .to_string()
}

/// Decides what to download, or says why not.
pub fn plan(req: &Request, deps: &Deps<'_, '_>) -> Result<Plan, GetError> {
    let device = resolve_device(&req.device, req.usb_fixture.as_deref())?;
    let mut notes = Vec::new();
    let (ipsw, signing) = match &req.manual {
        Some(m) => {
            if m.expected.sha1.is_none() && m.expected.sha256.is_none() {
                return Err(GetError::Usage(
                    "with --url, give --sha1 or --sha256 so the download can be verified".into(),
                ));
            }
            notes.push("signing not checked: --url names a file, not a catalog build".to_string());
            let name = m.file_name.clone().unwrap_or_else(|| file_name(&m.url));
            (
                Candidate {
                    version: req.target.clone().unwrap_or_default(),
                    build: String::new(),
                    url: m.url.clone(),
                    expected: m.expected.clone(),
                    source: format!("--url ({name})"),
                },
                None,
            )
        }
        None => pick_signed(req, deps, device, &mut notes)?,
    };
    let name = match &req.manual {
        Some(m) => m.file_name.clone().unwrap_or_else(|| file_name(&m.url)),
        None => file_name(&ipsw.url),
    };
    if name.contains(['/', '\\']) || name == ".." {
        return Err(GetError::Usage(format!("unusable file name {name:?}")));
    }
    let path = req.out_dir.join(&name);
    let resume_from = fetch::resumable_bytes(&path, &ipsw.url);
    if let Some(size) = ipsw.expected.size {
        let need = size.saturating_sub(resume_from);
        fetch::check_space(&req.out_dir, need, (deps.free_space)(&req.out_dir))?;
    }
    Ok(Plan {
        product_type: device.product_type.clone(),
        name: device.name.clone(),
        board: device.board_config.clone(),
        ipsw,
        signing,
        path,
        resume_from,
        notes,
    })
}

fn pick_signed(
    req: &Request,
    deps: &Deps<'_, '_>,
    device: &Device,
    notes: &mut Vec<String>,
) -> Result<(Candidate, Option<SigningAnswer>), GetError> {
    let api = (deps.ipswme)(&device.product_type).unwrap_or_default();
    let cands = pick::candidates(deps.catalog, &api, device);
    if cands.is_empty() {
        return Err(GetError::Usage(format!(
            "no restore IPSW with a download link is known for {} ({}); try `restore-doctor catalog update`",
            device.name, device.product_type
        )));
    }
    let answer = deps
        .signing
        .ask(device, req.target.as_deref(), deps.catalog);
    let wanted = req.target.clone().or_else(|| answer.build.clone());
    let chosen = match &wanted {
        Some(t) => pick::choose(&cands, t).cloned().ok_or_else(|| {
            GetError::Usage(format!(
                "no IPSW of {t} is known for {} ({}); newest known: {} ({})",
                device.name, device.product_type, cands[0].version, cands[0].build
            ))
        })?,
        None if req.force => {
            notes.push(format!(
                "the newest signed build could not be found ({}); taking the newest known because of --force",
                answer.said
            ));
            cands[0].clone()
        }
        None => {
            return Err(GetError::NotSigned(format!(
                "could not find out which build Apple signs for {} now ({}); name a version or build, or pass --force to take the newest known ({} {})",
                device.product_type, answer.said, cands[0].version, cands[0].build
            )));
        }
    };
    let label = format!("{} ({})", chosen.version, chosen.build);
    match answer.state {
        SignState::Signed => {}
        SignState::NotSigned if req.force => notes.push(format!(
            "Apple does not sign {label} for {}; downloading anyway because of --force (it cannot be restored while unsigned)",
            device.product_type
        )),
        SignState::NotSigned => {
            return Err(GetError::NotSigned(format!(
                "Apple does not sign {label} for {} ({}): a restore with it would fail with error 3194; pass --force to download it anyway",
                device.product_type, answer.said
            )));
        }
        SignState::Unknown => notes.push(format!(
            "whether Apple signs {label} could not be checked: {}",
            answer.said
        )),
    }
    Ok((chosen, Some(answer)))
}

/// Downloads and verifies what the plan says.
pub fn execute(
    plan: &Plan,
    deps: &Deps<'_, '_>,
    progress: &dyn Fn(u64, Option<u64>),
) -> Result<Fetched, GetError> {
    Ok(fetch::fetch(
        deps.transport,
        &plan.ipsw.url,
        &plan.path,
        &plan.ipsw.expected,
        &deps.fetch,
        progress,
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_come_from_the_url_path() {
        assert_eq!(
            file_name(
                "https://updates.cdn-apple.com/x/iPhone_4.7_P3_16.7.10_20H350_Restore.ipsw?a=b"
            ),
            "iPhone_4.7_P3_16.7.10_20H350_Restore.ipsw"
        );
        assert_eq!(file_name("http://h/"), "firmware.ipsw");
    }

    #[test]
    fn device_queries_must_name_one_ios_model() {
        assert_eq!(
            resolve_device("iPhone10,4", None).unwrap().product_type,
            "iPhone10,4"
        );
        assert!(matches!(
            resolve_device("NoSuchPhone99,9", None),
            Err(GetError::Usage(_))
        ));
    }
}
