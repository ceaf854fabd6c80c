//! restore-doctor host: is the software a restore needs on this computer, and current?
//!
//! Windows: Apple Devices or iTunes (Store or Apple's installer) and their versions, Apple Mobile
//! Device Support and its service, Apple's USB driver bound to the device, and libusb-style
//! drivers left by tools such as Zadig. macOS: the macOS version against the oldest known to serve
//! the iOS being installed, and Finder's device-support (MobileDevice) package. Linux: usbmuxd,
//! udev rules. Everywhere: the restore tools against the newest known builds.
//!
//! Why two halves: [`gather`] is a thin shim that only runs commands and reads files (each under a
//! time limit) and returns their raw text as [`HostInputs`]; [`check`] is a pure function from
//! those captures to findings. The deciding code therefore compiles and is tested on every
//! platform, on captures of the real formats (`tests/fixtures/*`, sources in `SOURCES.md`), and a
//! folder of another computer's captures ([`HostInputs::from_dir`]) is checked exactly like this
//! one's.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod checks;
pub mod finding_ids;
pub mod inputs;
pub mod parse;
mod shim;
pub mod spec;

pub use checks::macos::Target;
pub use finding_ids::FINDING_IDS;
pub use inputs::{HostInputs, Platform, UnknownPlatform, names};

use rd_model::{Evidence, Finding, Severity};
use std::time::Duration;

/// Reads this computer's captures for `platform` (nothing when it is not the platform running
/// here). Every command runs under `timeout`, all at once, so the whole call ends within about
/// `timeout`; a command that is missing, fails or hangs leaves its capture absent.
pub fn gather(platform: Platform, timeout: Duration) -> HostInputs {
    shim::gather(platform, timeout, None)
}

/// [`gather`], looking for the restore tools only in `tool_dirs` (tests and custom installs).
pub fn gather_with_tools(
    platform: Platform,
    timeout: Duration,
    tool_dirs: &[std::path::PathBuf],
) -> HostInputs {
    shim::gather(platform, timeout, Some(tool_dirs))
}

/// Environment variable naming a folder of captures to check instead of this computer.
pub const FIXTURE_ENV: &str = "RESTORE_DOCTOR_HOST_FIXTURE";
/// Environment variable naming the platform of those captures (`windows`, `macos`, `linux`;
/// default: this computer's).
pub const PLATFORM_ENV: &str = "RESTORE_DOCTOR_HOST_PLATFORM";

/// The captures named by a folder and a platform name (the values of [`FIXTURE_ENV`] and
/// [`PLATFORM_ENV`], which the CLI reads): `Ok(None)` without a folder, one clear line when the
/// folder or platform is unusable.
pub fn inputs_from_vars(
    fixture: Option<std::ffi::OsString>,
    platform: Option<String>,
) -> Result<Option<HostInputs>, String> {
    let Some(dir) = fixture else {
        return Ok(None);
    };
    let platform = match platform {
        Some(p) => p
            .parse::<Platform>()
            .map_err(|e| format!("{PLATFORM_ENV}: {e}"))?,
        None => Platform::current(),
    };
    let dir = std::path::PathBuf::from(dir);
    HostInputs::from_dir(platform, &dir)
        .map(Some)
        .map_err(|e| format!("{FIXTURE_ENV}: cannot read {}: {e}", dir.display()))
}

/// The findings for a set of captures: first the `host.software` overview (its severity is the
/// worst of the rest, its evidence one line per finding), then one finding per check.
pub fn check(inputs: &HostInputs) -> Vec<Finding> {
    let target = target(inputs);
    let mut details = match inputs.platform {
        Platform::Windows => checks::windows::findings(inputs),
        Platform::Macos => checks::macos::findings(inputs, &target),
        Platform::Linux => checks::linux::findings(inputs),
    };
    details.extend(checks::tools::findings(inputs));
    let mut out = vec![overview(inputs, &details)];
    out.extend(details);
    out
}

/// The iOS/iPadOS version the checks are made for: the one given, else the newest public iOS in
/// the embedded firmware catalog.
pub fn target(inputs: &HostInputs) -> Target {
    if let Some(v) = &inputs.target_ios {
        return Target {
            version: v.clone(),
            origin: "the version being installed, as given".into(),
        };
    }
    let cat = rd_catalog::firmware::embedded();
    let newest = cat
        .entries()
        .iter()
        .filter(|f| f.os == "iOS" && !f.beta && !f.rc)
        .map(|f| f.version)
        .max_by(|a, b| rd_catalog::firmware::compare_versions(a, b));
    Target {
        version: newest.unwrap_or("18").to_string(),
        origin: format!(
            "no version given: the newest public iOS in the embedded firmware catalog ({})",
            cat.info.date
        ),
    }
}

fn os_name(inputs: &HostInputs) -> String {
    let from = match inputs.platform {
        Platform::Windows => inputs.text("ver.txt").and_then(|t| {
            t.lines()
                .map(str::trim)
                .find(|l| !l.is_empty())
                .map(str::to_string)
        }),
        Platform::Macos => inputs
            .text(names::SW_VERS)
            .and_then(|t| parse::macos::parse_sw_vers(&t))
            .map(|s| format!("{} {}", s.product_name, s.product_version)),
        Platform::Linux => inputs.text("os_release.txt").and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("PRETTY_NAME="))
                .map(|v| v.trim().trim_matches('"').to_string())
        }),
    };
    from.unwrap_or_else(|| inputs.platform.to_string())
}

fn overview(inputs: &HostInputs, details: &[Finding]) -> Finding {
    let worst = details
        .iter()
        .map(|f| f.severity)
        .max()
        .unwrap_or(Severity::Ok);
    // Worst first (failures before warnings, check order within each): the title names the
    // worst problem and its remedies come first.
    let mut problems: Vec<&Finding> = details
        .iter()
        .filter(|f| f.severity >= Severity::Warn)
        .collect();
    problems.sort_by_key(|f| std::cmp::Reverse(f.severity));
    let os = os_name(inputs);
    let title = match problems.as_slice() {
        [] => format!("{os}: host software looks ready ({} checks)", details.len()),
        [one] => format!("{os}: {}", one.title),
        [first, rest @ ..] => format!("{os}: {} (and {} more)", first.title, rest.len()),
    };
    let mut f = checks::finding(
        rd_kb::check_id!("host.software"),
        None,
        worst,
        title,
        format!(
            "Host software read from {} ({}): Apple's device software, drivers and services, and the restore tools. Each line below is one check; `restore-doctor checkup --json` shows them in full.",
            inputs.origin, inputs.platform
        ),
    );
    // The overview's remedies are those of the problems, in order, without repeats.
    f.remedies.clear();
    for p in &problems {
        for r in &p.remedies {
            if !f.remedies.iter().any(|x| x.id == r.id) {
                f.remedies.push(r.clone());
            }
        }
    }
    for d in details {
        f = f.with_evidence(
            Evidence::new(
                format!("{} {}", d.severity.mark(), d.title),
                d.explanation.clone(),
            )
            .from_source(d.id.clone()),
        );
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overview_takes_the_worst_and_merges_remedies() {
        let mut i = HostInputs::new(Platform::Windows, "test");
        i.captures.insert(
            names::SC_AMDS.into(),
            b"        STATE              : 1  STOPPED\n".to_vec(),
        );
        let f = check(&i);
        assert_eq!(f[0].id, "host.software");
        assert_eq!(
            f[0].severity,
            f[1..].iter().map(|x| x.severity).max().unwrap()
        );
        assert!(f[0].remedies.iter().any(|r| r.id == "start-amds"));
        // The failure (stopped service) is named before the warnings (captures not read).
        assert!(f[0].title.contains("stopped"), "{}", f[0].title);
        assert_eq!(f[0].remedies[0].id, "start-amds");
        let ids: Vec<&str> = f[0].remedies.iter().map(|r| r.id.as_str()).collect();
        let mut dedup = ids.clone();
        dedup.dedup();
        assert_eq!(ids.len(), dedup.len());
        // Every finding's id starts with a host check from the data.
        for x in &f {
            assert!(
                rd_kb::CheckId::host_ids()
                    .any(|c| x.id == c.as_str() || x.id.starts_with(&format!("{c}."))),
                "{}",
                x.id
            );
        }
    }

    #[test]
    fn fixture_variables() {
        assert_eq!(inputs_from_vars(None, Some("windows".into())), Ok(None));
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/windows-zadig");
        let i = inputs_from_vars(Some(dir.into()), Some("windows".into()))
            .unwrap()
            .unwrap();
        assert_eq!(i.platform, Platform::Windows);
        assert!(i.captures.contains_key(names::SC_AMDS));
        let e = inputs_from_vars(Some(dir.into()), Some("amiga".into())).unwrap_err();
        assert!(e.contains(PLATFORM_ENV) && e.contains("amiga"), "{e}");
        let e = inputs_from_vars(Some("/no/such/dir".into()), None).unwrap_err();
        assert!(e.contains(FIXTURE_ENV) && e.contains("/no/such/dir"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn tools_are_looked_for_in_the_given_folders() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("idevicerestore");
        std::fs::write(&p, "#!/bin/sh\necho 'idevicerestore 0.9.1'\n").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        let i = gather_with_tools(
            Platform::current(),
            Duration::from_secs(5),
            &[d.path().to_path_buf()],
        );
        assert_eq!(
            i.text(&names::tool("idevicerestore")).as_deref(),
            Some("idevicerestore 0.9.1\n\n")
        );
        assert!(i.bytes(&names::tool("futurerestore")).is_none());
        let f = check(&i);
        let idr = f
            .iter()
            .find(|f| f.id == "host.restore_tools.idevicerestore")
            .unwrap();
        assert!(idr.title.contains("0.9.1"), "{}", idr.title);
        assert!(idr.severity >= Severity::Warn, "{}", idr.title);
    }

    #[test]
    fn target_defaults_to_the_catalog() {
        let i = HostInputs::new(Platform::Macos, "test");
        let t = target(&i);
        assert!(
            parse::version::dotted(&t.version).is_some_and(|v| v[0] >= 17),
            "{t:?}"
        );
    }
}
