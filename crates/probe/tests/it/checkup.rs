//! The checkup against real servers on 127.0.0.1: rustls servers with a made-up PKI playing a
//! proper Apple host, an intercepting antivirus, an unknown inspecting proxy and a silent
//! server; hickory DNS servers; an axum status endpoint; a fake TSS. Each check's verdict is
//! asserted. Nothing here leaves the machine.

use crate::support;

use rd_model::Severity;
use rd_probe::{CheckResult, Config};
use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::time::Duration;
use support::{Behaviour, Ca, Fakes};

const NO_LATENCY: Duration = Duration::ZERO;

struct World {
    fakes: Fakes,
    apple: Ca,
    dir: tempfile::TempDir,
}

impl World {
    fn new() -> World {
        World {
            fakes: Fakes::new(),
            apple: Ca::new("Test Apple Root CA - G3", "Apple Inc."),
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// A healthy network: internet target, DNS (system + public) with Apple answers, a proper
    /// gs.apple.com, a status page without incidents, a TSS that refuses the made-up device.
    fn healthy(&self) -> Config {
        let mut cfg = support::hermetic_config(self.dir.path());
        let roots = self.apple.write(self.dir.path(), "apple-root.pem");
        cfg.tls.apple_roots = vec![roots.clone()];
        cfg.tls.public_roots = vec![roots];
        let web = self
            .fakes
            .tls(&self.apple, support::NAMES, NO_LATENCY, Behaviour::Close);
        cfg.internet_targets = vec![rd_probe::data::InternetTarget {
            addr: web.to_string(),
            name: "one.one.one.one".into(),
        }];
        let dns = self.fakes.dns(&[
            ("gs.apple.com", Ipv4Addr::new(17, 111, 103, 65)),
            ("one.one.one.one", Ipv4Addr::new(1, 1, 1, 1)),
        ]);
        cfg.dns.system_resolver = dns.to_string();
        cfg.dns.public_resolvers = vec![dns.to_string()];
        cfg.internet_names = vec!["one.one.one.one".into()];
        cfg.connect_to
            .insert("one.one.one.one".into(), web.to_string());
        let gs = self.fakes.tls(
            &self.apple,
            support::NAMES,
            NO_LATENCY,
            Behaviour::Http(support::TSS_REFUSAL.into()),
        );
        cfg.connect_to
            .insert("gs.apple.com:443".into(), gs.to_string());
        let status = self.fakes.status(support::status_json(None));
        cfg.status_url = format!("http://{status}/status.json");
        cfg.tss_url = "https://gs.apple.com/TSS/controller?action=2".into();
        cfg
    }
}

fn run(cfg: Config, ids: &[&str]) -> Vec<CheckResult> {
    support::run_checks(cfg, ids)
}

fn get<'a>(results: &'a [CheckResult], id: &str) -> &'a CheckResult {
    results
        .iter()
        .find(|r| r.id == id)
        .unwrap_or_else(|| panic!("no result for {id}"))
}

#[test]
fn healthy_network_passes_every_check() {
    let w = World::new();
    let results = run(w.healthy(), &rd_probe::data::check_ids());
    for r in &results {
        assert!(!r.skipped, "{} skipped: {}", r.id, r.finding.title);
        if r.id == "host.software" {
            continue; // depends on what is installed here; it has its own tests
        }
        assert_eq!(
            r.finding.severity,
            Severity::Ok,
            "{}: {} — {:?}",
            r.id,
            r.finding.title,
            r.finding.evidence
        );
        assert!(
            r.finding.error_codes.is_empty(),
            "{} carries codes while ok",
            r.id
        );
    }
    assert!(
        get(&results, "apple.tss")
            .finding
            .title
            .contains("STATUS=94")
    );
    assert_eq!(
        get(&results, "net.internet").finding.id,
        "checkup.net.internet"
    );
}

#[test]
fn antivirus_interception_is_named_with_its_product() {
    let w = World::new();
    let mut cfg = w.healthy();
    let av = Ca::new(
        "Kaspersky Anti-Virus Personal Root Certificate",
        "AO Kaspersky Lab",
    );
    cfg.tls.os_roots = vec![av.write(w.dir.path(), "kav.pem")];
    let intercepted = w
        .fakes
        .tls(&av, support::NAMES, NO_LATENCY, Behaviour::Close);
    cfg.connect_to
        .insert("gs.apple.com:443".into(), intercepted.to_string());
    let results = run(cfg, &["sec.tls_interception", "net.apple_hosts"]);
    let tls = &get(&results, "sec.tls_interception").finding;
    assert_eq!(tls.severity, Severity::Fail, "{}", tls.title);
    assert!(tls.title.contains("Kaspersky"), "{}", tls.title);
    assert!(
        tls.explanation
            .contains("Kaspersky Anti-Virus Personal Root Certificate"),
        "{}",
        tls.explanation
    );
    assert!(
        tls.evidence
            .iter()
            .any(|e| e.text.contains("valid under: OS store")),
        "{:?}",
        tls.evidence
    );
    assert!(tls.error_codes.contains(&"3194".to_string()));
    assert!(
        tls.remedies
            .iter()
            .any(|r| r.id == "security-software-pause")
    );
    // gs.apple.com is Apple-PKI: even with the antivirus root in the OS store the host is
    // reported as intercepted (named), never as unreachable.
    let hosts = &get(&results, "net.apple_hosts").finding;
    assert_eq!(hosts.severity, Severity::Fail);
    assert!(
        hosts.title.contains("intercepted") && hosts.title.contains("Kaspersky"),
        "{}",
        hosts.title
    );
    assert!(!hosts.title.contains("unreachable"), "{}", hosts.title);
}

#[test]
fn unknown_inspecting_proxy_is_interception_named_by_issuer() {
    let w = World::new();
    let mut cfg = w.healthy();
    let corp = Ca::new("Acme Corp TLS Inspection CA", "Acme Corp");
    cfg.tls.os_roots = vec![corp.write(w.dir.path(), "corp.pem")];
    let proxy = w
        .fakes
        .tls(&corp, support::NAMES, NO_LATENCY, Behaviour::Close);
    cfg.connect_to
        .insert("gs.apple.com:443".into(), proxy.to_string());
    let results = run(cfg, &["sec.tls_interception"]);
    let tls = &results[0].finding;
    assert_eq!(tls.severity, Severity::Fail);
    assert!(
        tls.title.contains("Acme Corp TLS Inspection CA"),
        "{}",
        tls.title
    );
}

#[test]
fn chain_trusted_nowhere_is_untrusted_for_a_public_host() {
    let w = World::new();
    let mut cfg = w.healthy();
    cfg.apple_hosts[0].name = "updates.cdn-apple.com".into();
    let rogue = Ca::new("Rogue Root", "Nobody");
    let srv = w
        .fakes
        .tls(&rogue, support::NAMES, NO_LATENCY, Behaviour::Close);
    cfg.connect_to
        .insert("updates.cdn-apple.com:443".into(), srv.to_string());
    let results = run(cfg, &["sec.tls_interception", "net.apple_hosts"]);
    let tls = &get(&results, "sec.tls_interception").finding;
    assert_eq!(tls.severity, Severity::Fail);
    assert!(
        tls.title.contains("no trust store accepts"),
        "{}",
        tls.title
    );
    let hosts = &get(&results, "net.apple_hosts").finding;
    assert_eq!(hosts.severity, Severity::Fail);
    assert!(
        hosts
            .evidence
            .iter()
            .any(|e| e.text.contains("certificate rejected")),
        "{:?}",
        hosts.evidence
    );
}

#[test]
fn made_up_root_for_gs_apple_com_is_interception_with_its_issuer() {
    // gs.apple.com must chain to Apple's own roots (built in); a chain from any other root is
    // someone answering in Apple's name, named by its issuer, never "unreachable".
    let w = World::new();
    let mut cfg = w.healthy();
    let rogue = Ca::new("Rogue Root", "Nobody");
    let srv = w
        .fakes
        .tls(&rogue, support::NAMES, NO_LATENCY, Behaviour::Close);
    cfg.connect_to
        .insert("gs.apple.com:443".into(), srv.to_string());
    let results = run(cfg, &["sec.tls_interception", "net.apple_hosts"]);
    let tls = &get(&results, "sec.tls_interception").finding;
    assert_eq!(tls.severity, Severity::Fail);
    assert!(
        tls.title.contains("intercepted") && tls.title.contains("Rogue Root"),
        "{}",
        tls.title
    );
    assert!(
        tls.explanation.contains("Apple's own PKI"),
        "{}",
        tls.explanation
    );
    let hosts = &get(&results, "net.apple_hosts").finding;
    assert!(hosts.title.contains("intercepted"), "{}", hosts.title);
}

#[test]
fn silent_server_is_caught_at_the_tls_step() {
    let w = World::new();
    let mut cfg = w.healthy();
    cfg.step_timeout_ms = 400;
    let silent = w.fakes.silent();
    cfg.connect_to
        .insert("gs.apple.com:443".into(), silent.to_string());
    let results = run(cfg, &["net.apple_hosts", "sec.tls_interception"]);
    let hosts = &get(&results, "net.apple_hosts").finding;
    assert_eq!(hosts.severity, Severity::Fail, "{}", hosts.title);
    let ev = &hosts.evidence[0];
    assert!(
        ev.text.contains("TCP connected") && ev.text.contains("TLS handshake got no answer"),
        "{} / {:?}",
        ev.text,
        hosts.evidence
    );
    assert!(hosts.error_codes.contains(&"3004".to_string()));
    let tls = &get(&results, "sec.tls_interception").finding;
    assert_eq!(tls.severity, Severity::Warn);
    assert!(tls.title.contains("could not be checked"));
}

#[test]
fn only_apple_blocked_is_told_apart() {
    let w = World::new();
    let mut cfg = w.healthy();
    cfg.connect_to.insert(
        "gs.apple.com:443".into(),
        support::closed_port().to_string(),
    );
    let results = run(cfg, &["net.internet", "net.apple_hosts"]);
    assert_eq!(get(&results, "net.internet").finding.severity, Severity::Ok);
    let hosts = &get(&results, "net.apple_hosts").finding;
    assert_eq!(hosts.severity, Severity::Fail);
    assert!(
        hosts.title.starts_with("Only Apple is blocked"),
        "{}",
        hosts.title
    );
    assert!(hosts.evidence[0].text.contains("connection refused"));
}

#[test]
fn dns_redirect_outside_apple_network_is_caught() {
    let w = World::new();
    let mut cfg = w.healthy();
    let system = w.fakes.dns(&[
        ("gs.apple.com", Ipv4Addr::new(74, 208, 105, 171)),
        ("one.one.one.one", Ipv4Addr::new(1, 1, 1, 1)),
    ]);
    let public = w
        .fakes
        .dns(&[("gs.apple.com", Ipv4Addr::new(17, 111, 103, 65))]);
    cfg.dns.system_resolver = system.to_string();
    cfg.dns.public_resolvers = vec![public.to_string()];
    let results = run(cfg, &["net.dns"]);
    let f = &results[0].finding;
    assert_eq!(f.severity, Severity::Fail);
    assert!(
        f.title.contains("outside Apple's network") && f.title.contains("74.208.105.171"),
        "{}",
        f.title
    );
    assert!(f.explanation.contains("rewrites"), "{}", f.explanation);
    assert!(f.evidence[0].text.contains("17.111.103.65"));
}

#[test]
fn system_resolver_blocking_apple_is_caught() {
    let w = World::new();
    let mut cfg = w.healthy();
    let system = w
        .fakes
        .dns(&[("one.one.one.one", Ipv4Addr::new(1, 1, 1, 1))]);
    cfg.dns.system_resolver = system.to_string();
    let results = run(cfg, &["net.dns"]);
    let f = &results[0].finding;
    assert_eq!(f.severity, Severity::Fail);
    assert!(
        f.title
            .contains("cannot resolve gs.apple.com, but public resolvers can"),
        "{}",
        f.title
    );
}

#[test]
fn status_incident_is_reported() {
    let w = World::new();
    let mut cfg = w.healthy();
    let status = w
        .fakes
        .status(support::status_json(Some("iOS Device Activation")));
    cfg.status_url = format!("http://{status}/status.json");
    let results = run(cfg, &["apple.status"]);
    let f = &results[0].finding;
    assert_eq!(f.severity, Severity::Warn);
    assert!(
        f.title.contains("iOS Device Activation (Outage)"),
        "{}",
        f.title
    );
    assert!(f.remedies.iter().any(|r| r.id == "apple-system-status"));
}

#[test]
fn impostor_tss_is_caught() {
    let w = World::new();
    let mut cfg = w.healthy();
    let impostor = w.fakes.tls(
        &w.apple,
        support::NAMES,
        NO_LATENCY,
        Behaviour::Http("<html>Blocked by policy</html>".into()),
    );
    cfg.connect_to
        .insert("gs.apple.com:443".into(), impostor.to_string());
    let results = run(cfg, &["apple.tss"]);
    let f = &results[0].finding;
    assert_eq!(f.severity, Severity::Fail);
    assert!(
        f.title
            .starts_with("Something other than Apple's signing server answered"),
        "{}",
        f.title
    );
}

#[test]
fn no_network_says_no_internet_and_skips_network_checks() {
    let w = World::new();
    let mut cfg = support::hermetic_config(w.dir.path());
    cfg.internet_targets = vec![rd_probe::data::InternetTarget {
        addr: support::closed_port().to_string(),
        name: "one.one.one.one".into(),
    }];
    cfg.internet_names = vec!["one.one.one.one".into()];
    let empty_dns = w.fakes.dns(&[]);
    cfg.dns.system_resolver = empty_dns.to_string();
    cfg.connect_to.insert(
        "gs.apple.com".into(),
        support::closed_port().ip().to_string(),
    );
    let results = run(cfg, &rd_probe::data::check_ids());
    let net = &get(&results, "net.internet").finding;
    assert_eq!(net.severity, Severity::Fail);
    assert_eq!(net.title, "No internet connection");
    for id in [
        "net.dns",
        "net.apple_hosts",
        "sec.tls_interception",
        "apple.status",
        "apple.tss",
    ] {
        let r = get(&results, id);
        assert!(r.skipped, "{id} ran offline: {}", r.finding.title);
        assert!(r.finding.title.contains("no internet connection"));
        assert_eq!(r.finding.id, format!("checkup.{id}.skipped"));
    }
    for id in ["sec.hosts_file", "sec.proxy", "host.disk"] {
        assert!(!get(&results, id).skipped, "{id} needs no network");
    }
}

#[test]
fn gateway_answering_for_everyone_is_offline_and_named() {
    let w = World::new();
    let mut cfg = support::hermetic_config(w.dir.path());
    let egress = Ca::new("sandbox-egress-ca", "Egress");
    cfg.tls.os_roots = vec![egress.write(w.dir.path(), "egress.pem")];
    // The gateway presents a certificate for other names than the one asked for.
    let gw = w
        .fakes
        .tls(&egress, &["registry.example"], NO_LATENCY, Behaviour::Close);
    cfg.internet_targets = vec![rd_probe::data::InternetTarget {
        addr: gw.to_string(),
        name: "one.one.one.one".into(),
    }];
    let results = run(cfg, &["net.internet", "apple.tss"]);
    let net = &get(&results, "net.internet").finding;
    assert_eq!(net.title, "No internet connection");
    assert!(
        net.explanation.contains("sandbox-egress-ca"),
        "{}",
        net.explanation
    );
    assert!(get(&results, "apple.tss").skipped);
}

#[test]
fn dns_broken_is_told_apart_from_offline() {
    let w = World::new();
    let mut cfg = w.healthy();
    cfg.dns.system_resolver = w.fakes.dns(&[]).to_string();
    let results = run(cfg, &["net.internet"]);
    let f = &results[0].finding;
    assert_eq!(f.severity, Severity::Fail);
    assert!(f.title.starts_with("DNS is broken"), "{}", f.title);
}

#[test]
fn hosts_file_redirects_are_listed_with_lines() {
    let w = World::new();
    let mut cfg = support::hermetic_config(w.dir.path());
    let p = w.dir.path().join("hosts-redirect");
    std::fs::write(&p, b"\xEF\xBB\xBF# jailbreak leftovers\r\n127.0.0.1 localhost\r\n74.208.105.171 gs.apple.com # saurik\r\n::1 localhost ip6-localhost\r\n0.0.0.0 mesu.apple.com\r\n").unwrap();
    cfg.hosts_file = Some(p);
    let results = run(cfg, &["sec.hosts_file"]);
    let f = &results[0].finding;
    assert_eq!(f.severity, Severity::Fail);
    let lines: Vec<Option<u64>> = f.evidence.iter().map(|e| e.line).collect();
    assert_eq!(lines, [Some(3), Some(5)]);
    assert!(f.evidence[0].why.contains("redirected to 74.208.105.171"));
    assert!(f.evidence[1].why.contains("blocked"));
}

#[test]
fn proxy_settings_are_judged() {
    let w = World::new();
    let cases: [(BTreeMap<String, String>, Severity, &str); 3] = [
        (
            BTreeMap::from([(
                "HTTPS_PROXY".to_string(),
                format!("http://{}", support::closed_port()),
            )]),
            Severity::Fail,
            "does not answer",
        ),
        (
            BTreeMap::from([(
                "HTTPS_PROXY".to_string(),
                format!("http://{}", w.fakes.tcp_accepting()),
            )]),
            Severity::Warn,
            "go through the proxy",
        ),
        (
            BTreeMap::from([
                (
                    "https_proxy".to_string(),
                    "http://10.9.9.9:3128".to_string(),
                ),
                ("no_proxy".to_string(), ".apple.com".to_string()),
            ]),
            Severity::Ok,
            "bypass",
        ),
    ];
    for (vars, sev, words) in cases {
        let mut cfg = support::hermetic_config(w.dir.path());
        cfg.proxy.variables = Some(vars.clone());
        let results = run(cfg, &["sec.proxy"]);
        let f = &results[0].finding;
        assert_eq!(f.severity, sev, "{vars:?}: {}", f.title);
        assert!(f.title.contains(words), "{vars:?}: {}", f.title);
    }
}

#[test]
fn latency_is_concurrent_not_summed() {
    // Structural check (no timing assertion): every host probe is started before any finishes,
    // so each probe's own elapsed time includes its latency but not the others'.
    let w = World::new();
    let mut cfg = w.healthy();
    cfg.apple_hosts = ["gs.apple.com", "mesu.apple.com", "albert.apple.com"]
        .iter()
        .map(|n| rd_probe::data::AppleHost {
            name: n.to_string(),
            ports: vec![443],
            purpose: String::new(),
            in_apple_network: false,
            critical: true,
            only_on: None,
            source: String::new(),
        })
        .collect();
    for n in ["mesu.apple.com", "albert.apple.com"] {
        let s = w.fakes.tls(
            &w.apple,
            support::NAMES,
            Duration::from_millis(300),
            Behaviour::Close,
        );
        cfg.connect_to.insert(format!("{n}:443"), s.to_string());
    }
    let results = run(cfg, &["net.apple_hosts"]);
    let f = &results[0].finding;
    assert_eq!(f.severity, Severity::Ok, "{} {:?}", f.title, f.evidence);
    assert_eq!(f.evidence.len(), 3);
}

#[test]
fn a_fake_apple_root_is_not_apples() {
    // A chain naming "Apple Root CA" / "Apple Inc." all the way up, from a root that is not one of
    // Apple's real roots: the names prove nothing, the anchor decides.
    let w = World::new();
    let mut cfg = w.healthy();
    cfg.tls.apple_roots.clear();
    let fake = Ca::new("Apple Root CA", "Apple Inc.");
    let srv = w
        .fakes
        .tls(&fake, support::NAMES, NO_LATENCY, Behaviour::Close);
    cfg.connect_to
        .insert("gs.apple.com:443".into(), srv.to_string());
    let results = run(cfg, &["sec.tls_interception", "net.apple_hosts"]);
    let tls = &get(&results, "sec.tls_interception").finding;
    assert_eq!(tls.severity, Severity::Fail, "{}", tls.title);
    assert!(tls.title.contains("intercepted"), "{}", tls.title);
    assert!(
        tls.evidence[0].text.contains("valid under: no store"),
        "{:?}",
        tls.evidence
    );
}

#[cfg(unix)]
#[test]
fn old_restore_tool_on_path_is_flagged() {
    use std::os::unix::fs::PermissionsExt;
    let w = World::new();
    let bin = w.dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let write = |name: &str, out: &str| {
        let p = bin.join(name);
        std::fs::write(&p, format!("#!/bin/sh\necho '{out}'\n")).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    };
    write("idevicerestore", "idevicerestore 0.9.1");
    write("irecovery", "irecovery 1.2.0");
    let mut cfg = support::hermetic_config(w.dir.path());
    cfg.tool_path = Some(vec![bin.clone()]);
    // One evidence line per rd-host finding, its source the finding id.
    let line = |f: &rd_model::Finding, tool: &str| {
        f.evidence
            .iter()
            .find(|e| e.source.as_deref() == Some(format!("host.restore_tools.{tool}").as_str()))
            .map(|e| e.text.clone())
            .unwrap_or_else(|| panic!("no {tool} line in {:?}", f.evidence))
    };
    let results = run(cfg.clone(), &["host.software"]);
    let f = &results[0].finding;
    assert_eq!(f.id, "checkup.host.software");
    assert!(f.severity >= Severity::Warn, "{}", f.title);
    let idr = line(f, "idevicerestore");
    assert!(
        idr.starts_with('!') && idr.contains("idevicerestore 0.9.1 is older than 1.0.0"),
        "{idr}"
    );
    assert!(line(f, "irecovery").contains("irecovery 1.2.0"));
    assert!(f.remedies.iter().any(|r| r.id == "update-restore-tool"));
    // A build at the newest known commit passes its line.
    write("idevicerestore", "idevicerestore 1.0.0-270-g405fcd1");
    let results = run(cfg, &["host.software"]);
    let idr = line(&results[0].finding, "idevicerestore");
    assert!(idr.starts_with('✓'), "{idr}");
}

#[test]
fn low_disk_space_fails() {
    let w = World::new();
    let mut cfg = support::hermetic_config(w.dir.path());
    cfg.min_free_gb = 1.0e9; // more than any disk has
    let results = run(cfg, &["host.disk"]);
    let f = &results[0].finding;
    assert_eq!(f.severity, Severity::Fail, "{}", f.title);
    assert!(f.title.starts_with("Only "), "{}", f.title);
    assert!(f.remedies.iter().any(|r| r.id == "free-disk-space"));
}

/// A plain HTTP server on 127.0.0.1 answering every request with `answer`.
fn raw_http(answer: &'static str) -> std::net::SocketAddr {
    use std::io::{Read, Write};
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    std::thread::spawn(move || {
        for tcp in l.incoming() {
            let Ok(mut tcp) = tcp else { continue };
            let mut buf = [0u8; 4096];
            let _ = tcp.read(&mut buf);
            let _ = tcp.write_all(answer.as_bytes());
        }
    });
    addr
}

#[test]
fn a_clock_days_off_from_apples_date_is_a_failure() {
    let w = World::new();
    let mut cfg = w.healthy();
    // Apple's status data served with the RFC 7231 example date: decades behind this clock.
    let srv = raw_http(
        "HTTP/1.1 200 OK\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\nContent-Length: 15\r\n\r\n{\"services\":[]}",
    );
    cfg.status_url = format!("http://{srv}/status.json");
    let results = run(cfg, &["host.clock"]);
    let f = &results[0].finding;
    assert_eq!(f.severity, Severity::Fail, "{} {:?}", f.title, f.evidence);
    assert!(f.title.contains("ahead"), "{}", f.title);
    assert!(f.remedies.iter().any(|r| r.id == "set-date-time"));
    assert!(
        f.evidence[0].text.contains("Sun, 06 Nov 1994 08:49:37 GMT"),
        "{:?}",
        f.evidence
    );
}

#[test]
fn a_missing_date_is_not_a_verdict() {
    let w = World::new();
    let mut cfg = w.healthy();
    let srv = raw_http("HTTP/1.1 200 OK\r\nContent-Length: 15\r\n\r\n{\"services\":[]}");
    cfg.status_url = format!("http://{srv}/status.json");
    let results = run(cfg, &["host.clock", "apple.status"]);
    assert_eq!(get(&results, "host.clock").finding.severity, Severity::Info);
    assert_eq!(get(&results, "apple.status").finding.severity, Severity::Ok);
}
