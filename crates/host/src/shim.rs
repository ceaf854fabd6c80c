//! The only part that touches the system: runs each platform's commands (every one under a time
//! limit, all at once) and reads files, returning raw bytes by capture name. No parsing here.

use crate::inputs::{HostInputs, Platform, names};
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// One thing to capture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Run commands, concatenating what they print, into a capture.
    Run(String, Vec<Vec<String>>),
    /// Read a file into a capture.
    Read(String, String),
    /// Scan folders for udev rules that mention Apple's vendor id.
    Udev(Vec<String>),
}

fn cmd(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|s| s.to_string()).collect()
}

/// What to capture on each platform (tested everywhere; only run where it is the platform).
/// `tool_dirs`, when given, is where the restore tools are looked for instead of PATH.
pub fn plan(platform: Platform, tool_dirs: Option<&[std::path::PathBuf]>) -> Vec<Step> {
    use Step::{Read, Run, Udev};
    let mut steps = match platform {
        Platform::Windows => vec![
            Run(
                names::REG_UNINSTALL.into(),
                vec![
                    cmd(&["reg", "query", r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall", "/s"]),
                    cmd(&["reg", "query", r"HKLM\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall", "/s"]),
                ],
            ),
            Run(
                names::APPX_PACKAGES.into(),
                vec![cmd(&[
                    "reg",
                    "query",
                    r"HKCU\Software\Classes\Local Settings\Software\Microsoft\Windows\CurrentVersion\AppModel\Repository\Packages",
                ])],
            ),
            Run(names::SC_AMDS.into(), vec![cmd(&["sc", "query", "Apple Mobile Device Service"])]),
            Run(names::PNP_DRIVERS.into(), vec![cmd(&["pnputil", "/enum-drivers"])]),
            Run(names::PNP_DEVICES.into(), vec![cmd(&["pnputil", "/enum-devices", "/connected"])]),
            Run("ver.txt".into(), vec![cmd(&["cmd", "/C", "ver"])]),
        ],
        Platform::Macos => vec![
            Run(names::SW_VERS.into(), vec![cmd(&["sw_vers"])]),
            Read(
                names::MD_PLIST.into(),
                "/Library/Apple/System/Library/PrivateFrameworks/MobileDevice.framework/Versions/Current/Resources/Info.plist".into(),
            ),
            Run(names::PKGUTIL_MD.into(), vec![cmd(&["pkgutil", "--pkg-info", "com.apple.pkg.MobileDevice"])]),
        ],
        Platform::Linux => vec![
            Run(names::SYSTEMCTL_USBMUXD.into(), vec![cmd(&["systemctl", "is-active", "usbmuxd"])]),
            Run(names::PGREP_USBMUXD.into(), vec![cmd(&["pgrep", "-a", "usbmuxd"])]),
            Run(
                names::DPKG_QUERY.into(),
                vec![cmd(&["dpkg-query", "-W", "usbmuxd", "libimobiledevice-utils", "idevicerestore", "libirecovery-utils"])],
            ),
            Read("os_release.txt".into(), "/etc/os-release".into()),
            Udev(vec!["/lib/udev/rules.d".into(), "/usr/lib/udev/rules.d".into(), "/etc/udev/rules.d".into()]),
        ],
    };
    for t in crate::spec::tools() {
        let exe = if platform == Platform::Windows {
            format!("{}.exe", t.name)
        } else {
            t.name.clone()
        };
        let programs: Vec<String> = match tool_dirs {
            Some(dirs) => dirs
                .iter()
                .map(|d| d.join(&exe))
                .filter(|p| p.is_file())
                .map(|p| p.to_string_lossy().into_owned())
                .take(1)
                .collect(),
            // usbmuxd lives in /usr/sbin, which is not on every user's PATH.
            None if t.name == "usbmuxd" && platform != Platform::Windows => {
                vec![t.name.clone(), "/usr/sbin/usbmuxd".into()]
            }
            None => vec![t.name.clone()],
        };
        let cmds = programs
            .into_iter()
            .map(|p| {
                let mut c = vec![p];
                c.extend(t.args.iter().cloned());
                c
            })
            .collect();
        steps.push(Run(names::tool(&t.name), cmds));
    }
    steps
}

/// Runs a program under a time limit: stdout (or stderr when stdout is empty), `None` when it
/// cannot start, prints nothing, or is still running at the limit (it is killed then).
fn run(argv: &[String], timeout: Duration) -> Option<Vec<u8>> {
    let (program, args) = argv.split_first()?;
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    let mut out = child.stdout.take()?;
    let mut err = child.stderr.take()?;
    // Readers drain the pipes so a chatty program never blocks on a full pipe.
    let out_t = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = out.read_to_end(&mut b);
        b
    });
    let err_t = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = err.read_to_end(&mut b);
        b
    });
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(15)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
    let stdout = out_t.join().unwrap_or_default();
    let stderr = err_t.join().unwrap_or_default();
    let text = if stdout.iter().all(u8::is_ascii_whitespace) {
        stderr
    } else {
        stdout
    };
    (!text.is_empty()).then_some(text)
}

fn udev_captures(dirs: &[String]) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut scanned = String::new();
    for d in dirs {
        let Ok(rd) = std::fs::read_dir(d) else {
            continue;
        };
        scanned.push_str(d);
        scanned.push('\n');
        for e in rd.flatten() {
            let p = e.path();
            if p.extension().is_none_or(|x| x != "rules") {
                continue;
            }
            let Ok(b) = std::fs::read(&p) else { continue };
            if !crate::parse::linux::apple_rule_lines(&String::from_utf8_lossy(&b)).is_empty() {
                let name = format!("{}{}", names::UDEV_PREFIX, e.file_name().to_string_lossy());
                out.push((name, b));
            }
        }
    }
    out.push(("udev_scanned.txt".into(), scanned.into_bytes()));
    out
}

/// The captures of this computer (empty when `platform` is not the one running here).
pub fn gather(
    platform: Platform,
    timeout: Duration,
    tool_dirs: Option<&[std::path::PathBuf]>,
) -> HostInputs {
    let mut inputs = HostInputs::new(platform, "this computer");
    if platform != Platform::current() {
        inputs.origin = format!("nothing: this computer is not {platform}");
        return inputs;
    }
    let steps = plan(platform, tool_dirs);
    let results: Vec<Vec<(String, Vec<u8>)>> = std::thread::scope(|s| {
        let handles: Vec<_> = steps
            .iter()
            .map(|step| {
                s.spawn(move || match step {
                    Step::Run(name, cmds) => {
                        let mut all = Vec::new();
                        for c in cmds {
                            if let Some(b) = run(c, timeout) {
                                all.extend(b);
                                all.push(b'\n');
                            }
                        }
                        if all.is_empty() {
                            vec![]
                        } else {
                            vec![(name.clone(), all)]
                        }
                    }
                    Step::Read(name, path) => std::fs::read(path)
                        .map(|b| vec![(name.clone(), b)])
                        .unwrap_or_default(),
                    Step::Udev(dirs) => udev_captures(dirs),
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    for (name, bytes) in results.into_iter().flatten() {
        inputs.captures.insert(name, bytes);
    }
    inputs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_platform_plans_its_captures_and_the_tools() {
        for p in [Platform::Windows, Platform::Macos, Platform::Linux] {
            let steps = plan(p, None);
            assert!(
                steps
                    .iter()
                    .any(|s| matches!(s, Step::Run(n, _) if n == &names::tool("idevicerestore"))),
                "{p}"
            );
        }
        assert!(
            plan(Platform::Windows, None)
                .iter()
                .any(|s| matches!(s, Step::Run(n, _) if n == names::SC_AMDS))
        );
        assert!(
            plan(Platform::Macos, None)
                .iter()
                .any(|s| matches!(s, Step::Read(n, _) if n == names::MD_PLIST))
        );
    }

    #[test]
    fn missing_programs_and_timeouts_leave_nothing() {
        assert_eq!(
            run(
                &["restore-doctor-no-such-program".to_string()],
                Duration::from_secs(1)
            ),
            None
        );
        if cfg!(unix) {
            // A command that would hang is cut off at the limit.
            assert_eq!(
                run(&["sleep".into(), "30".into()], Duration::from_millis(100)),
                None
            );
            assert_eq!(
                run(&["echo".into(), "hi".into()], Duration::from_secs(5)).as_deref(),
                Some(&b"hi\n"[..])
            );
        }
    }

    #[test]
    fn another_platform_gathers_nothing() {
        let other = if Platform::current() == Platform::Windows {
            Platform::Linux
        } else {
            Platform::Windows
        };
        assert!(
            gather(other, Duration::from_millis(10), None)
                .captures
                .is_empty()
        );
    }
}
