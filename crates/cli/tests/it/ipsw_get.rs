//! `restore-doctor ipsw get` end to end against a loopback stand-in for ipsw.me and the file
//! host (plain `std::net`, 127.0.0.1 only): the build ipsw.me calls unsigned is refused unless
//! `--force`, the forced download is verified, a wrong digest fails without leaving the file,
//! and a full disk is refused before any byte is fetched.

use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::Command;

/// Serves `routes` (path prefix → body) until the test process ends; returns the base URL.
fn serve(routes: Vec<(String, Vec<u8>)>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { continue };
            let mut reader = BufReader::new(conn.try_clone().unwrap());
            let mut request_line = String::new();
            let _ = reader.read_line(&mut request_line);
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
                    break;
                }
            }
            let path = request_line
                .split_whitespace()
                .nth(1)
                .unwrap_or("/")
                .to_string();
            let found = routes.iter().find(|(p, _)| path.starts_with(p.as_str()));
            let (status, body) = match found {
                Some((_, b)) => ("200 OK", b.clone()),
                None => ("404 Not Found", Vec::new()),
            };
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = conn.write_all(head.as_bytes());
            let _ = conn.write_all(&body);
        }
    });
    base
}

fn ipsw_bytes() -> Vec<u8> {
    (0..300_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect()
}

/// ipsw.me's `/device/iPhone10,4?type=ipsw` answer (the shape of the real API, one entry).
fn api_answer(file_url: &str, body: &[u8], signed: bool) -> Vec<u8> {
    serde_json::json!({
        "name": "iPhone 8",
        "identifier": "iPhone10,4",
        "firmwares": [{
            "identifier": "iPhone10,4",
            "version": "99.1",
            "buildid": "99A123",
            "sha1sum": digests(body).sha1,
            "sha256sum": digests(body).sha256,
            "filesize": body.len(),
            "url": file_url,
            "signed": signed
        }]
    })
    .to_string()
    .into_bytes()
}

/// Both digests, by the project's one-read hasher (checked against known vectors in its crate).
fn digests(b: &[u8]) -> rd_firmware::hash::Digests {
    rd_firmware::hash::hash_reader(b, &|_| {}).unwrap()
}

fn rd(args: &[&str], out: &std::path::Path, extra_env: &[(&str, &str)]) -> std::process::Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_restore-doctor"));
    c.arg("--no-history").args(args).arg("--out").arg(out);
    c.env_remove("RESTORE_DOCTOR_FREE_SPACE");
    c.env("RESTORE_DOCTOR_CACHE_DIR", out.join("no-cache"));
    for (k, v) in extra_env {
        c.env(k, v);
    }
    c.output().unwrap()
}

#[test]
fn an_unsigned_build_is_refused_unless_forced_and_the_forced_one_is_verified() {
    let body = ipsw_bytes();
    // Two servers: the file host, then ipsw.me pointing at it.
    let file_base = serve(vec![(
        "/iPhone10,4_99.1_99A123_Restore.ipsw".into(),
        body.clone(),
    )]);
    let file_url = format!("{file_base}/iPhone10,4_99.1_99A123_Restore.ipsw");
    let api = serve(vec![(
        "/device/iPhone10,4".into(),
        api_answer(&file_url, &body, false),
    )]);
    let dir = tempfile::tempdir().unwrap();
    let common = [
        "ipsw",
        "get",
        "iPhone10,4",
        "99A123",
        "--no-tss",
        "--api",
        &api,
    ];

    let refused = rd(&common, dir.path(), &[]);
    assert_eq!(refused.status.code(), Some(1));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("does not sign") && err.contains("--force"),
        "{err}"
    );
    assert!(
        !dir.path()
            .join("iPhone10,4_99.1_99A123_Restore.ipsw")
            .exists()
    );

    let mut forced_args = common.to_vec();
    forced_args.extend(["--force", "--json"]);
    let forced = rd(&forced_args, dir.path(), &[]);
    assert_eq!(
        forced.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&forced.stderr)
    );
    let v: Value = serde_json::from_slice(&forced.stdout).unwrap();
    assert_eq!(v["download"]["digests"]["sha256"], digests(&body).sha256);
    assert_eq!(v["plan"]["signing"]["state"], "not_signed");
    let saved = std::fs::read(dir.path().join("iPhone10,4_99.1_99A123_Restore.ipsw")).unwrap();
    assert_eq!(saved, body);
}

#[test]
fn a_wrong_digest_fails_and_a_full_disk_is_refused_first() {
    let body = ipsw_bytes();
    let base = serve(vec![("/mirror/x.ipsw".into(), body.clone())]);
    let url = format!("{base}/mirror/x.ipsw");
    let dir = tempfile::tempdir().unwrap();
    let wrong = "0".repeat(64);
    let bad = rd(
        &[
            "ipsw",
            "get",
            "iPhone10,4",
            "--url",
            &url,
            "--sha256",
            &wrong,
        ],
        dir.path(),
        &[],
    );
    assert_eq!(bad.status.code(), Some(1));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("SHA-256"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one clear line: {err}");
    assert!(!dir.path().join("x.ipsw").exists());
    assert!(!dir.path().join("x.ipsw.part").exists());

    let size = body.len().to_string();
    let sha1 = digests(&body).sha1;
    let full = rd(
        &[
            "ipsw",
            "get",
            "iPhone10,4",
            "--url",
            &url,
            "--sha1",
            &sha1,
            "--size",
            &size,
        ],
        dir.path(),
        &[("RESTORE_DOCTOR_FREE_SPACE", "1000")],
    );
    assert_eq!(full.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&full.stderr).contains("free"));
    let ok = rd(
        &[
            "ipsw",
            "get",
            "iPhone10,4",
            "--url",
            &url,
            "--sha1",
            &sha1,
            "--size",
            &size,
        ],
        dir.path(),
        &[],
    );
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert_eq!(std::fs::read(dir.path().join("x.ipsw")).unwrap(), body);
}

#[test]
fn ipsw_with_a_file_still_inspects_and_get_needs_a_device() {
    let out = Command::new(env!("CARGO_BIN_EXE_restore-doctor"))
        .args(["ipsw", "get"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = Command::new(env!("CARGO_BIN_EXE_restore-doctor"))
        .args(["ipsw", "/nonexistent/file.ipsw"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("file.ipsw"));
}
