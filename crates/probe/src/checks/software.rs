//! `host.software` (OS name and version; restore tools on PATH and their versions) and
//! `host.disk` (free space where firmware is downloaded).

use crate::checks::command_output;
use crate::data::{CheckSpec, ToolSpec};
use crate::runner::{Ctx, finding};
use rd_model::{Evidence, Finding, Severity};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// `PRETTY_NAME` (else `NAME VERSION_ID`) from os-release text.
pub fn os_release_name(text: &str) -> Option<String> {
    let get = |k: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{k}=")))
            .map(|v| v.trim().trim_matches('"').to_string())
    };
    get("PRETTY_NAME").or_else(|| {
        Some(
            format!("{} {}", get("NAME")?, get("VERSION_ID").unwrap_or_default())
                .trim()
                .to_string(),
        )
    })
}

async fn os_name(t: Duration) -> String {
    if cfg!(target_os = "macos") {
        if let Some(v) = command_output("sw_vers", &["-productVersion"], t).await {
            return format!("macOS {}", v.trim());
        }
    } else if cfg!(windows) {
        if let Some(v) = command_output("cmd", &["/C", "ver"], t).await {
            return v.trim().to_string();
        }
    } else {
        for p in ["/etc/os-release", "/usr/lib/os-release"] {
            if let Some(n) = std::fs::read_to_string(p)
                .ok()
                .and_then(|t| os_release_name(&t))
            {
                return n;
            }
        }
    }
    format!("{} (version not readable)", std::env::consts::OS)
}

/// The first dotted version number in a tool's output (`1.0.0`, `v2.0.0-RC`, `1.3.0-197-g…`).
pub fn version_in(text: &str) -> Option<String> {
    text.split(|c: char| c.is_whitespace() || c == '(' || c == ')' || c == ',')
        .map(|w| w.trim_start_matches(['v', 'V']))
        .find(|w| {
            let core: String = w
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '.')
                .collect();
            core.contains('.') && core.split('.').all(|p| !p.is_empty())
        })
        .map(|w| w.trim_end_matches(['.', ';']).to_string())
}

/// Compares dotted numeric prefixes: is `v` older than `min`?
pub fn older_than(v: &str, min: &str) -> bool {
    let nums = |s: &str| -> Vec<u64> {
        let core: String = s
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        core.split('.').filter_map(|p| p.parse().ok()).collect()
    };
    let (a, b) = (nums(v), nums(min));
    for i in 0..a.len().max(b.len()) {
        let (x, y) = (
            a.get(i).copied().unwrap_or(0),
            b.get(i).copied().unwrap_or(0),
        );
        if x != y {
            return x < y;
        }
    }
    false
}

fn find_on_path(name: &str, dirs: &[PathBuf]) -> Option<PathBuf> {
    let exe = if cfg!(windows) {
        format!("{name}.exe")
    } else {
        name.to_string()
    };
    dirs.iter().map(|d| d.join(&exe)).find(|p| p.is_file())
}

/// A tool found and what it said.
#[derive(Debug, Clone)]
pub struct ToolReport {
    /// The spec.
    pub spec: ToolSpec,
    /// Where it is.
    pub path: PathBuf,
    /// Version it printed, if any.
    pub version: Option<String>,
    /// Older than the stated minimum.
    pub too_old: bool,
}

async fn tool_report(spec: &ToolSpec, path: PathBuf, t: Duration) -> ToolReport {
    let args: Vec<&str> = spec.args.iter().map(String::as_str).collect();
    let out = command_output(&path.to_string_lossy(), &args, t).await;
    let version = out.as_deref().and_then(version_in);
    let too_old = match (&version, spec.min_version.is_empty()) {
        (Some(v), false) => older_than(v, &spec.min_version),
        _ => false,
    };
    ToolReport {
        spec: spec.clone(),
        path,
        version,
        too_old,
    }
}

/// Runs `host.software`.
pub async fn check(ctx: &Ctx, spec: &CheckSpec) -> Finding {
    let t = Duration::from_millis(1500).min(
        ctx.cfg
            .check_timeout(&spec.id)
            .saturating_sub(Duration::from_millis(300)),
    );
    let dirs: Vec<PathBuf> = match &ctx.cfg.tool_path {
        Some(d) => d.clone(),
        None => std::env::var_os("PATH")
            .map(|p| std::env::split_paths(&p).collect())
            .unwrap_or_default(),
    };
    let found: Vec<(ToolSpec, PathBuf)> = ctx
        .cfg
        .tools
        .iter()
        .filter_map(|s| find_on_path(&s.name, &dirs).map(|p| (s.clone(), p)))
        .collect();
    let reports_fut =
        crate::join::join_all(found.iter().map(|(s, p)| tool_report(s, p.clone(), t)));
    let (os, reports) = tokio::join!(os_name(t), reports_fut);
    let old: Vec<&ToolReport> = reports.iter().filter(|r| r.too_old).collect();
    let mut f = if let Some(r) = old.first() {
        finding(
            spec,
            Severity::Warn,
            format!(
                "{} {} is older than {}",
                r.spec.name,
                r.version.as_deref().unwrap_or("?"),
                r.spec.min_version
            ),
            format!(
                "On {os}. {} {}: {}.",
                r.spec.name,
                r.version.as_deref().unwrap_or("?"),
                r.spec.why
            ),
        )
    } else if reports.is_empty() {
        finding(
            spec,
            Severity::Info,
            format!("{os}; no command-line restore tools on PATH"),
            "None of idevicerestore, futurerestore, usbmuxd or irecovery was found. Finder and Apple Devices/iTunes do not need them.",
        )
    } else {
        let list: Vec<String> = reports
            .iter()
            .map(|r| {
                format!(
                    "{} {}",
                    r.spec.name,
                    r.version.as_deref().unwrap_or("(version not reported)")
                )
            })
            .collect();
        finding(
            spec,
            Severity::Ok,
            format!("{os}; {}", list.join(", ")),
            "The restore tools found report versions with no known problem.",
        )
    };
    f = f.with_evidence(Evidence::new(
        format!("operating system: {os}"),
        "read from the system",
    ));
    for r in &reports {
        let why = if r.too_old {
            format!("older than {}: {}", r.spec.min_version, r.spec.why)
        } else if r.version.is_none() {
            "did not report a version (too old for --version, or it failed to run)".to_string()
        } else {
            "found".to_string()
        };
        f = f.with_evidence(Evidence::new(
            format!(
                "{}: {}",
                r.path.display(),
                r.version.as_deref().unwrap_or("no version")
            ),
            why,
        ));
    }
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
    let t = Duration::from_millis(1500).min(ctx.cfg.check_timeout(&spec.id));
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
    fn versions() {
        assert_eq!(
            version_in("idevicerestore 1.0.0-61-g1e1a38b").as_deref(),
            Some("1.0.0-61-g1e1a38b")
        );
        assert_eq!(
            version_in("futurerestore version: v2.0.0-RC(0f6b0c9)").as_deref(),
            Some("2.0.0-RC")
        );
        assert_eq!(version_in("usage: irecovery [options]"), None);
        assert!(older_than("0.9.1", "1.0.0"));
        assert!(!older_than("1.0.0-61-g1e1a38b", "1.0.0"));
        assert!(!older_than("2.0.0-RC", "2.0.0"));
        assert!(older_than("1.95", "2.0.0"));
    }

    #[test]
    fn os_release_and_df() {
        assert_eq!(
            os_release_name(
                "NAME=\"Debian GNU/Linux\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n"
            )
            .as_deref(),
            Some("Debian GNU/Linux 12 (bookworm)")
        );
        assert_eq!(
            os_release_name("NAME=Arch\nVERSION_ID=2024\n").as_deref(),
            Some("Arch 2024")
        );
        assert_eq!(
            parse_df(
                "Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/vda 263174212 12 83886080 13% /\n"
            ),
            Some(83886080 * 1024)
        );
        assert_eq!(parse_df("garbage"), None);
    }
}
