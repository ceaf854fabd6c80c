//! Loopback fakes for `bench/checkup.sh`: one rustls server per Apple host, each waiting its own
//! injected latency before the TLS handshake, plus DNS, status and TSS fakes. Writes a checkup
//! config and a curl `--connect-to` list into DIR, prints `READY`, and serves until stdin closes.
//!
//! Usage: cargo run -p rd-probe --example fake_apple -- DIR LATENCY_MS...

#[path = "../tests/it/support/mod.rs"]
mod support;

use std::io::{BufRead, Write};
use std::net::Ipv4Addr;
use std::time::Duration;
use support::{Behaviour, Ca, Fakes};

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next().map(std::path::PathBuf::from) else {
        eprintln!("usage: fake_apple DIR LATENCY_MS...");
        std::process::exit(2);
    };
    let latencies: Vec<u64> = args.filter_map(|a| a.parse().ok()).collect();
    if latencies.is_empty() {
        eprintln!("fake_apple: give at least one latency in ms");
        std::process::exit(2);
    }
    std::fs::create_dir_all(&dir).expect("create DIR");
    let fakes = Fakes::new();
    let ca = Ca::new("Bench Apple Root CA", "Apple Inc.");
    let root = ca.write(&dir, "ca.pem");
    let mut cfg = support::hermetic_config(&dir);
    cfg.tls.apple_roots = vec![root.clone()];
    cfg.tls.public_roots = vec![root];
    cfg.step_timeout_ms = 4000;
    let hosts: Vec<_> = rd_probe::data::apple_hosts().to_vec();
    let mut curl_list = String::new();
    cfg.apple_hosts.clear();
    for (i, ms) in latencies.iter().enumerate() {
        let mut h = hosts[i % hosts.len()].clone();
        if i >= hosts.len() {
            h.name = format!("h{i}.{}", h.name);
        }
        h.ports = vec![443];
        let names: Vec<&str> = vec![h.name.as_str()];
        let addr = fakes.tls(&ca, &names, Duration::from_millis(*ms), Behaviour::Close);
        cfg.connect_to
            .insert(format!("{}:443", h.name), addr.to_string());
        curl_list.push_str(&format!(
            "{} {}:443:{}:{}\n",
            h.name,
            h.name,
            addr.ip(),
            addr.port()
        ));
        cfg.apple_hosts.push(h);
    }
    let web = fakes.tls(&ca, support::NAMES, Duration::ZERO, Behaviour::Close);
    cfg.internet_targets = vec![rd_probe::data::InternetTarget {
        addr: web.to_string(),
        name: "one.one.one.one".into(),
    }];
    let dns = fakes.dns(&[("gs.apple.com", Ipv4Addr::new(17, 111, 103, 65))]);
    cfg.dns.system_resolver = dns.to_string();
    cfg.dns.public_resolvers = vec![dns.to_string()];
    let status = fakes.status(support::status_json(None));
    cfg.status_url = format!("http://{status}/status.json");
    // TSS on its own name, so the latency of the gs.apple.com host fake stays the probe's own.
    let tss = fakes.tls(
        &ca,
        &["tss.bench"],
        Duration::ZERO,
        Behaviour::Http(support::TSS_REFUSAL.into()),
    );
    cfg.connect_to
        .insert("tss.bench:443".into(), tss.to_string());
    cfg.tss_url = "https://tss.bench/TSS/controller?action=2".into();
    std::fs::write(dir.join("checkup.toml"), cfg.to_toml()).expect("write config");
    std::fs::write(dir.join("curl.list"), curl_list).expect("write curl list");
    println!("READY");
    std::io::stdout().flush().ok();
    // Serve until the script closes our stdin.
    let mut line = String::new();
    let _ = std::io::stdin().lock().read_line(&mut line);
}
