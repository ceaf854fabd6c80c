//! The one network layer through the commands that go online: `signed`, `ipsw URL`, `catalog
//! update` and `checkup` all take `--connect-to HOST=ADDR` (and the config file); a loopback TLS
//! server whose chain comes from a made-up root, playing gs.apple.com, is named as interception
//! with its issuer by both `signed` and `checkup`. Nothing leaves 127.0.0.1: every host name in
//! these tests is routed with `--connect-to`.

use rd_testkit as support;

use assert_cmd::Command;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use support::*;

/// A loopback TLS server presenting `ca`'s leaf for `names`, answering any request with a TSS
/// success (which must never be read: the chain is not Apple's).
fn tls_server(ca: &Ca, names: &[&str]) -> SocketAddr {
    let (chain, key) = ca.leaf(names);
    let cfg = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(chain, key)
    .unwrap();
    let cfg = Arc::new(cfg);
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    std::thread::spawn(move || {
        for tcp in l.incoming() {
            let Ok(mut tcp) = tcp else { continue };
            let _ = tcp.set_read_timeout(Some(std::time::Duration::from_secs(5)));
            let Ok(conn) = rustls::ServerConnection::new(cfg.clone()) else {
                continue;
            };
            let mut tls = rustls::StreamOwned::new(conn, &mut tcp);
            let mut buf = [0u8; 4096];
            if tls.read(&mut buf).unwrap_or(0) == 0 {
                continue;
            }
            let body = "STATUS=0&MESSAGE=SUCCESS&REQUEST_STRING=<plist/>";
            let _ = write!(
                tls,
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            );
            let _ = tls.flush();
        }
    });
    addr
}

fn port_of(s: &Server) -> u16 {
    s.addr.port()
}

/// ipsw.me (`api.ipsw.test`) listing one signed build whose IPSW is on `cdn.test`.
struct Fakes {
    dir: tempfile::TempDir,
    api: Server,
    cdn: Server,
}

fn fakes() -> Fakes {
    let dir = tempfile::tempdir().unwrap();
    let ids = [board(0x8010, 0x0C, "d101ap"), board(0x8010, 0x08, "d10ap")].concat();
    let ipsw = dir.path().join("19H386.ipsw");
    make_ipsw(
        &ipsw,
        "15.8.3",
        "19H386",
        &["iPhone9,1", "iPhone9,3"],
        &ids,
        false,
    );
    let cdn = cdn(ipsw, true);
    let api = ipswme(vec![ApiRow {
        identifier: "iPhone9,3",
        version: "15.8.3",
        build: "19H386",
        url: "http://cdn.test/fw/19H386.ipsw".into(),
        signed: true,
        sha1: None,
    }]);
    Fakes { dir, api, cdn }
}

fn rd(f: &Fakes) -> Command {
    let mut c = Command::cargo_bin("restore-doctor").unwrap();
    c.env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .env_remove("RESTORE_DOCTOR_TSS_URL")
        .env_remove("RESTORE_DOCTOR_IPSWME_URL")
        .env_remove("RESTORE_DOCTOR_CONFIG")
        .env_remove("HTTPS_PROXY")
        .env_remove("https_proxy")
        .env_remove("HTTP_PROXY")
        .env_remove("http_proxy")
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy")
        .env("RESTORE_DOCTOR_CACHE_DIR", f.dir.path().join("cache"));
    c
}

fn out(c: &mut Command) -> (i32, String, String) {
    let o = c.output().unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn ipsw_url_is_read_through_connect_to() {
    let f = fakes();
    let (code, stdout, stderr) = out(rd(&f).args([
        "ipsw",
        "http://cdn.test/fw/19H386.ipsw",
        "--device",
        "iPhone9,3",
        "--connect-to",
        &format!("cdn.test=127.0.0.1:{}", port_of(&f.cdn)),
    ]));
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("19H386"), "{stdout}");
    let reqs = f.cdn.requests();
    assert!(!reqs.is_empty());
    for r in &reqs {
        assert_eq!(r.headers.get("host").map(String::as_str), Some("cdn.test"));
        assert!(
            r.headers
                .get("user-agent")
                .unwrap()
                .starts_with("restore-doctor/")
        );
    }
}

#[test]
fn catalog_update_goes_through_connect_to() {
    let f = fakes();
    let (code, stdout, stderr) = out(rd(&f).args([
        "catalog",
        "--api",
        "http://api.ipsw.test/v4",
        "--connect-to",
        &format!("api.ipsw.test=127.0.0.1:{}", port_of(&f.api)),
        "update",
    ]));
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("1 IPSWs"), "{stdout}");
    assert!(
        f.api
            .requests()
            .iter()
            .all(|r| r.headers.get("host").map(String::as_str) == Some("api.ipsw.test"))
    );
    // A malformed override is one clear usage line, not a panic or a silent default.
    let (code, _, stderr) = out(rd(&f).args([
        "catalog",
        "--api",
        "http://api.ipsw.test/v4",
        "--connect-to",
        "api.ipsw.test=not-an-address",
        "update",
    ]));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("connect_to"), "{stderr}");
}

#[test]
fn signed_names_an_interceptor_of_gs_apple_com() {
    let f = fakes();
    let av = Ca::new("ESET SSL Filter CA", "ESET, spol. s r. o.");
    let gs = tls_server(&av, &["gs.apple.com"]);
    let (_code, stdout, stderr) = out(rd(&f).args([
        "signed",
        "iPhone9,3",
        "15.8.3",
        "--api",
        "http://api.ipsw.test/v4",
        "--connect-to",
        &format!("api.ipsw.test=127.0.0.1:{}", port_of(&f.api)),
        "--connect-to",
        &format!("cdn.test=127.0.0.1:{}", port_of(&f.cdn)),
        "--connect-to",
        &format!("gs.apple.com={gs}"),
    ]));
    let all = format!("{stdout}\n{stderr}");
    assert!(all.contains("intercepted"), "{all}");
    assert!(all.contains("ESET SSL Filter CA"), "{all}");
    assert!(
        !all.contains("STATUS=0"),
        "an interceptor's answer was believed: {all}"
    );
}

#[test]
fn checkup_names_an_interceptor_of_gs_apple_com() {
    let dir = tempfile::tempdir().unwrap();
    // Internet reachability: a loopback "one.one.one.one" whose root is configured as public.
    let web_ca = Ca::new("Loopback Web Root", "Test");
    let web_root = dir.path().join("web.pem");
    std::fs::write(&web_root, &web_ca.pem).unwrap();
    let web = tls_server(&web_ca, &["one.one.one.one"]);
    let rogue = Ca::new("Rogue Root", "Nobody");
    let gs = tls_server(&rogue, &["gs.apple.com"]);
    let hosts = dir.path().join("hosts");
    std::fs::write(&hosts, "127.0.0.1 localhost\n").unwrap();
    let cfg = dir.path().join("checkup.toml");
    std::fs::write(
        &cfg,
        format!(
            r#"internet_names = []
hosts_file = "{hosts}"
[[apple_hosts]]
name = "gs.apple.com"
ports = [443]
critical = true
[[internet_targets]]
addr = "{web}"
name = "one.one.one.one"
[dns]
public_resolvers = []
[tls]
os_store = false
public_roots = ["{root}"]
[proxy]
environment = false
os_settings = false
"#,
            hosts = hosts.display(),
            root = web_root.display(),
        ),
    )
    .unwrap();
    let o = Command::cargo_bin("restore-doctor")
        .unwrap()
        .env("NO_COLOR", "1")
        .args([
            "checkup",
            "--json",
            "--only",
            "net.internet,sec.tls_interception,net.apple_hosts",
            "--config",
            cfg.to_str().unwrap(),
            "--connect-to",
            &format!("gs.apple.com:443={gs}"),
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    let report: serde_json::Value =
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    let find = |id: &str| {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["id"] == id)
            .unwrap_or_else(|| panic!("no {id} in {stdout}"))
            .clone()
    };
    let tls = find("checkup.sec.tls_interception");
    assert_eq!(tls["severity"], "fail", "{tls}");
    let title = tls["title"].as_str().unwrap();
    assert!(
        title.contains("intercepted") && title.contains("Rogue Root"),
        "{title}"
    );
    let hosts = find("checkup.net.apple_hosts");
    let title = hosts["title"].as_str().unwrap();
    assert!(
        title.contains("intercepted") && !title.contains("unreachable"),
        "{title}"
    );
}

#[test]
fn print_config_lists_the_hosts_of_apples_article() {
    let o = Command::cargo_bin("restore-doctor")
        .unwrap()
        .env_remove("RESTORE_DOCTOR_CONFIG")
        .args(["checkup", "--print-config", "--config", "/dev/null"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    for host in [
        "gs.apple.com",
        "wkms-public.apple.com",
        "fcs-keys-pub-prod.cdn-apple.com",
        "itunes.apple.com",
        "mesu.apple.com",
        "ig.apple.com",
    ] {
        assert!(
            text.contains(&format!("name = \"{host}\"")),
            "{host} missing:\n{text}"
        );
    }
    assert!(text.contains("support.apple.com/101555"), "{text}");
}
