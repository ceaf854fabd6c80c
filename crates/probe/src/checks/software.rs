//! `host.software` (the software a restore needs on this computer, from `rd_host`: Apple
//! Devices/iTunes, Apple Mobile Device Support and its service, USB drivers, macOS and its
//! device-support package, usbmuxd and udev rules, restore tools against the newest known builds)
//! and `host.disk` (free space where firmware is downloaded).
//!
//! `rd_host` reads raw command output and files and decides in plain functions tested on
//! captures of the real formats; this module only runs it within the check's budget and folds its
//! findings into the checkup's one finding per check. `Config::host_captures` (the CLI's
//! `RESTORE_DOCTOR_HOST_FIXTURE=DIR`, with `RESTORE_DOCTOR_HOST_PLATFORM=windows|macos|linux`)
//! checks a folder of captures instead.

use crate::checks::command_output;
use crate::data::CheckSpec;
use crate::runner::{Ctx, finding};
use rd_model::{Evidence, Finding, Severity};
use std::path::Path;
use std::time::Duration;

/// Runs `host.software`.
pub async fn check(ctx: &Ctx, spec: &CheckSpec) -> Finding {
    let t = Duration::from_millis(1500).min(
        ctx.cfg
            .check_timeout(spec.id.as_str())
            .saturating_sub(Duration::from_millis(300)),
    );
    let inputs = match rd_host::inputs_from_vars(
        ctx.cfg.host_captures.clone().map(Into::into),
        ctx.cfg.host_platform.clone(),
    ) {
        Ok(Some(inputs)) => inputs,
        Ok(None) => {
            let tool_dirs = ctx.cfg.tool_path.clone();
            let platform = rd_host::Platform::current();
            let gathered = tokio::task::spawn_blocking(move || match tool_dirs {
                Some(dirs) => rd_host::gather_with_tools(platform, t, &dirs),
                None => rd_host::gather(platform, t),
            })
            .await;
            match gathered {
                Ok(inputs) => inputs,
                Err(e) => {
                    return finding(
                        spec,
                        Severity::Warn,
                        "Host software could not be read",
                        e.to_string(),
                    );
                }
            }
        }
        Err(line) => {
            return finding(
                spec,
                Severity::Warn,
                "Host software captures could not be read",
                line,
            );
        }
    };
    fold(spec, &rd_host::check(&inputs))
}

/// The checkup's one finding for `host.software`: rd-host's overview (worst severity, one
/// evidence line per detailed finding, the problems' remedies), under the checkup's id.
pub fn fold(spec: &CheckSpec, findings: &[Finding]) -> Finding {
    let Some(overview) = findings.first() else {
        return finding(
            spec,
            Severity::Info,
            "No host software findings",
            "rd-host returned nothing to report.",
        );
    };
    let mut f = overview.clone();
    f.id = format!("checkup.{}", spec.id);
    f.family = spec.family;
    if f.severity >= Severity::Warn && f.remedies.is_empty() {
        f.remedies = rd_kb::remedies(&spec.remedies);
    }
    f.confidence = findings[1..]
        .iter()
        .filter(|d| d.severity == f.severity)
        .find_map(|d| d.confidence);
    f
}

/// Free bytes on the file system holding `path` (via `df -Pk` on Unix, .NET DriveInfo on Windows).
pub async fn free_bytes(path: &Path, t: Duration) -> Option<u64> {
    if cfg!(windows) {
        let p = path.to_string_lossy().replace('\'', "''");
        let script = format!(
            "([System.IO.DriveInfo]::new((Get-Item -LiteralPath '{p}').PSDrive.Root)).AvailableFreeSpace"
        );
        let out = command_output("powershell", &["-NoProfile", "-Command", &script], t).await?;
        return out.trim().parse().ok();
    }
    let out = command_output("df", &["-Pk", &path.to_string_lossy()], t).await?;
    parse_df(&out)
}

/// Available bytes from `df -Pk` output.
pub fn parse_df(out: &str) -> Option<u64> {
    let line = out.lines().nth(1)?;
    let avail_kb: u64 = line.split_whitespace().nth(3)?.parse().ok()?;
    Some(avail_kb * 1024)
}

/// Runs `host.disk`.
pub async fn disk_check(ctx: &Ctx, spec: &CheckSpec) -> Finding {
    let mut dir = ctx.cfg.download_path();
    while !dir.exists() {
        match dir.parent() {
            Some(p) => dir = p.to_path_buf(),
            None => break,
        }
    }
    let need = ctx.cfg.min_free_gb;
    let t = Duration::from_millis(1500).min(ctx.cfg.check_timeout(spec.id.as_str()));
    let Some(free) = free_bytes(&dir, t).await else {
        return finding(
            spec,
            Severity::Warn,
            format!("Free space in {} could not be read", dir.display()),
            "Make sure there is room for the firmware (about 10 GB) before restoring.",
        );
    };
    let gb = free as f64 / 1e9;
    let ev = Evidence::new(
        format!("{}: {gb:.1} GB free", dir.display()),
        format!("a modern IPSW needs about {need:.0} GB to download and unpack"),
    );
    if gb < need {
        finding(
            spec,
            Severity::Fail,
            format!("Only {gb:.1} GB free where firmware is downloaded (needs about {need:.0} GB)"),
            format!(
                "{} is on a file system with too little free space to download and unpack an IPSW.",
                dir.display()
            ),
        )
        .with_evidence(ev)
    } else {
        finding(
            spec,
            Severity::Ok,
            format!("{gb:.0} GB free where firmware is downloaded"),
            format!("{} has room for the firmware.", dir.display()),
        )
        .with_evidence(ev)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn df_output() {
        assert_eq!(
            parse_df(
                "Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/vda 263174212 12 83886080 13% /\n"
            ),
            Some(83886080 * 1024)
        );
        assert_eq!(parse_df("garbage"), None);
    }

    #[test]
    fn host_findings_fold_into_one_checkup_finding() {
        let spec = crate::data::check_spec(rd_kb::check_id!("host.software").as_str()).unwrap();
        let dir = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../host/tests/fixtures/windows-zadig"
        );
        let inputs =
            rd_host::HostInputs::from_dir(rd_host::Platform::Windows, Path::new(dir)).unwrap();
        let details = rd_host::check(&inputs);
        let f = fold(spec, &details);
        assert_eq!(f.id, "checkup.host.software");
        assert_eq!(f.severity, Severity::Fail);
        assert_eq!(f.evidence.len(), details.len() - 1);
        assert!(f.remedies.iter().any(|r| r.id == "remove-libusb-driver"));
        assert!(f.confidence.is_some());
        let empty = fold(spec, &[]);
        assert_eq!(empty.severity, Severity::Info);
    }
}
