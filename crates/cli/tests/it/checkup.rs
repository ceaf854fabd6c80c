//! `restore-doctor checkup` end to end, hermetic: every endpoint in the config points at a closed
//! port on 127.0.0.1, so the run is "offline" by construction and touches nothing outside.
//! (Loopback TLS/DNS/status/TSS servers are exercised in crates/probe/tests/checkup.rs.)

use crate::common;
use common::usb_fixture;

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn closed_port() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let a = l.local_addr().unwrap();
    drop(l);
    a.to_string()
}

/// Writes a config where nothing can leave the machine, and returns its path.
fn hermetic(dir: &Path, hosts: &Path) -> PathBuf {
    let closed = closed_port();
    let toml = format!(
        r#"internet_names = []
hosts_file = {hosts:?}
status_url = "http://{closed}/status.json"
tss_url = "http://{closed}/TSS/controller?action=2"
download_dir = {dl:?}
min_free_gb = 0.0
tools = []
step_timeout_ms = 500

[[internet_targets]]
addr = "{closed}"
name = "one.one.one.one"

[connect_to]
"gs.apple.com" = "127.0.0.1"

[dns]
system_resolver = "{closed}"
public_resolvers = []

[tls]
os_store = false

[proxy]
environment = false
os_settings = false
"#,
        hosts = hosts.display().to_string(),
        dl = dir.display().to_string(),
    );
    let p = dir.join("checkup.toml");
    std::fs::write(&p, toml).unwrap();
    p
}

const REDIRECTS: &[u8] = b"\xEF\xBB\xBF# hosts\r\n127.0.0.1 localhost\r\n74.208.105.171 gs.apple.com\r\n::1 localhost mesu.apple.com # ipv6\r\n#1.2.3.4 albert.apple.com\r\n";

fn setup(hosts_bytes: &[u8]) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let hosts = dir.path().join("hosts");
    std::fs::write(&hosts, hosts_bytes).unwrap();
    let cfg = hermetic(dir.path(), &hosts);
    (dir, hosts, cfg)
}

fn rd() -> Command {
    let mut c = Command::cargo_bin("restore-doctor").unwrap();
    c.env("NO_COLOR", "1")
        .env_remove("RESTORE_DOCTOR_CONFIG")
        .env(
            "RESTORE_DOCTOR_FAKE_USB",
            usb_fixture("no_apple_device.json"),
        )
        .env("COLUMNS", "100");
    c
}

/// Drops the first line (timing and config path) so the rest is stable.
fn stable(out: &[u8], dir: &Path) -> String {
    let s = String::from_utf8_lossy(out).replace(&dir.display().to_string(), "[DIR]");
    s.lines().skip(1).collect::<Vec<_>>().join("\n")
}

#[test]
fn offline_run_says_no_internet_and_skips_network_checks() {
    let (dir, _hosts, cfg) = setup(b"127.0.0.1 localhost\n");
    let out = rd()
        .args(["checkup", "--skip", "host.software,host.disk", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("restore-doctor checkup  (10 checks"),
        "{}",
        lines[0]
    );
    assert_eq!(lines[1], "[✗] No internet connection");
    assert_eq!(
        text.matches("skipped (no internet connection)").count(),
        6,
        "{text}"
    );
    assert!(text.contains("[✓] Hosts file has no entry for an Apple host"));
    assert!(text.contains("connection refused"));
    let summary: Vec<&str> = lines
        .iter()
        .skip(1)
        .take_while(|l| !l.is_empty())
        .copied()
        .collect();
    insta::assert_snapshot!("offline_summary", summary.join("\n"));
    let _ = dir;
}

#[test]
fn bare_command_runs_the_checkup_with_the_env_config() {
    let (_dir, _hosts, cfg) = setup(b"127.0.0.1 localhost\n");
    let out = rd().env("RESTORE_DOCTOR_CONFIG", &cfg).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("restore-doctor checkup"), "{text}");
    assert!(
        text.contains(&cfg.display().to_string()),
        "config source not named: {text}"
    );
}

#[test]
fn hosts_file_redirects_are_shown_with_lines_and_error_codes() {
    let (dir, _hosts, cfg) = setup(REDIRECTS);
    let out = rd()
        .args(["checkup", "--only", "sec.hosts_file", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!("hosts_redirect", stable(&out.stdout, dir.path()));
}

#[test]
fn json_is_a_checkup_report() {
    let (_dir, _hosts, cfg) = setup(REDIRECTS);
    let out = rd()
        .args([
            "checkup",
            "--json",
            "--skip",
            "host.software,host.disk",
            "--config",
        ])
        .arg(&cfg)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    assert_eq!(v["kind"], "checkup");
    let findings = v["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 10);
    assert!(
        findings
            .iter()
            .any(|f| f["id"] == "usb.presence.none" && f["family"] == "usb"),
        "the USB section reports the recorded bus"
    );
    let ids: Vec<&str> = findings.iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert_eq!(ids[0], "checkup.net.internet");
    assert!(ids.contains(&"checkup.net.dns.skipped"));
    let hosts = findings
        .iter()
        .find(|f| f["id"] == "checkup.sec.hosts_file")
        .unwrap();
    assert_eq!(hosts["severity"], "fail");
    assert_eq!(hosts["evidence"][0]["line"], 3);
    assert_eq!(hosts["evidence"][1]["line"], 4);
    assert!(
        hosts["error_codes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c == "3194")
    );
    assert_eq!(v["summary"]["fail"], 2);
}

#[test]
fn unknown_check_id_is_usage_error_listing_valid_ids() {
    let out = rd()
        .args(["checkup", "--only", "net.nope"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("net.nope")
            && err.contains("sec.tls_interception")
            && err.contains("host.disk"),
        "{err}"
    );
}

#[test]
fn bad_config_is_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.toml");
    std::fs::write(&p, "[dns]\nsystem_resolver = \"8.8.8.8\"\n").unwrap();
    let out = rd().args(["checkup", "--config"]).arg(&p).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1);
    assert!(err.contains("dns.system_resolver"), "{err}");
    let out = rd()
        .args(["checkup", "--config", "/nonexistent/rd.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = rd()
        .args(["checkup", "--connect-to", "gs.apple.com"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn fix_hosts_backs_up_shows_diff_and_cleans_the_file() {
    let (dir, hosts, cfg) = setup(REDIRECTS);
    let out = rd()
        .args([
            "checkup",
            "--only",
            "sec.hosts_file",
            "--fix",
            "hosts",
            "--config",
        ])
        .arg(&cfg)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("-74.208.105.171 gs.apple.com"), "{text}");
    assert!(text.contains("+# 74.208.105.171 gs.apple.com"), "{text}");
    assert!(
        text.contains("[✓] Hosts file has no entry for an Apple host"),
        "{text}"
    );
    let backups: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".restore-doctor-"))
        .collect();
    assert_eq!(backups.len(), 1);
    assert_eq!(std::fs::read(backups[0].path()).unwrap(), REDIRECTS);
    let now = std::fs::read(&hosts).unwrap();
    assert!(now.starts_with(b"\xEF\xBB\xBF"), "BOM kept");
    let now = String::from_utf8_lossy(&now);
    assert!(now.contains("::1\tlocalhost # ipv6\r\n"), "{now:?}");
    assert!(now.contains("127.0.0.1 localhost\r\n"));
}

#[test]
fn without_fix_the_hosts_file_is_never_touched() {
    let (_dir, hosts, cfg) = setup(REDIRECTS);
    rd().args(["checkup", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert_eq!(std::fs::read(&hosts).unwrap(), REDIRECTS);
}

#[test]
fn flags_override_the_config_file() {
    let (dir, _hosts, cfg) = setup(b"127.0.0.1 localhost\n");
    let other = dir.path().join("other-hosts");
    std::fs::write(&other, "1.2.3.4 gs.apple.com\n").unwrap();
    let out = rd()
        .args(["checkup", "--only", "sec.hosts_file", "--config"])
        .arg(&cfg)
        .arg("--hosts-file")
        .arg(&other)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("gs.apple.com"));
    let out = rd()
        .args([
            "checkup",
            "--print-config",
            "--tss-url",
            "http://127.0.0.1:1/t",
            "--config",
        ])
        .arg(&cfg)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("tss_url = \"http://127.0.0.1:1/t\""));
}

#[test]
fn usb_section_flags_a_hub_and_a_device_in_the_wrong_mode() {
    let out = rd()
        .env("RESTORE_DOCTOR_FAKE_USB", usb_fixture("two_hubs_dfu.json"))
        .args(["checkup", "--json", "--need", "normal", "--only"])
        .arg("usb.hub,device.mode")
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    let ids = common::finding_ids(&v);
    assert!(ids.contains(&"usb.hub.chain"), "{ids:?}");
    assert!(ids.contains(&"device.mode.wrong"), "{ids:?}");
    assert!(
        ids.iter()
            .all(|id| id.starts_with("usb.hub") || id.starts_with("device.mode")),
        "--only keeps other checks out: {ids:?}"
    );
    assert_ne!(out.status.code(), Some(0));
}

#[test]
fn only_usb_ids_run_no_network_checks() {
    let out = rd()
        .args(["checkup", "--json", "--only", "usb.presence"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    let findings = v["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0]["id"], "usb.presence.none");
}

#[test]
fn redact_masks_the_ecid_in_text_and_json() {
    for json in [false, true] {
        let mut cmd = rd();
        cmd.env("RESTORE_DOCTOR_FAKE_USB", usb_fixture("two_hubs_dfu.json"))
            .args([
                "--redact",
                "checkup",
                "--need",
                "normal",
                "--only",
                "device.mode",
            ]);
        if json {
            cmd.arg("--json");
        }
        let out = cmd.output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("DFU mode"), "{text}");
        assert!(
            !text.contains("1A2B3C4D5E6F26"),
            "ECID leaked (json={json}): {text}"
        );
        assert!(text.contains("<redacted>"), "{text}");
    }
}

/// The proxy variables of the process reach the `sec.proxy` check: the CLI reads them once at
/// start-up and hands them to the configuration (the libraries read no environment). A config
/// that turns the environment off ignores them.
#[test]
fn proxy_variables_come_from_the_environment_unless_the_config_turns_it_off() {
    let (dir, _hosts, cfg) = setup(b"127.0.0.1 localhost\n");
    let with_env = dir.path().join("with_env.toml");
    let text = std::fs::read_to_string(&cfg)
        .unwrap()
        .replace("environment = false", "environment = true");
    std::fs::write(&with_env, text).unwrap();
    let proxy = closed_port();
    let run = |config: &Path, no_proxy: Option<&str>| -> serde_json::Value {
        let mut c = rd();
        c.args(["checkup", "--only", "sec.proxy", "--json", "--config"])
            .arg(config)
            .env("HTTPS_PROXY", format!("http://{proxy}"))
            .env_remove("https_proxy")
            .env_remove("ALL_PROXY")
            .env_remove("all_proxy")
            .env_remove("HTTP_PROXY")
            .env_remove("http_proxy")
            .env_remove("no_proxy");
        match no_proxy {
            Some(v) => c.env("NO_PROXY", v),
            None => c.env_remove("NO_PROXY"),
        };
        let out = c.output().unwrap();
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let dead = run(&with_env, None);
    let f = &dead["findings"][0];
    assert_eq!(f["severity"], "fail", "{f}");
    assert!(
        f["title"].as_str().unwrap().contains(&proxy),
        "{}",
        f["title"]
    );
    let bypassed = run(&with_env, Some(".apple.com"));
    assert_eq!(bypassed["findings"][0]["severity"], "ok");
    assert!(
        bypassed["findings"][0]["title"]
            .as_str()
            .unwrap()
            .contains("bypass")
    );
    let off = run(&cfg, None);
    assert_eq!(off["findings"][0]["title"], "No proxy configured");
}
