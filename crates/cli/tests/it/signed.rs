//! `restore-doctor signed` end to end against loopback ipsw.me, TSS and CDN fakes.

use rd_testkit as support;

use assert_cmd::Command;
use support::*;

struct Fakes {
    dir: tempfile::TempDir,
    api: Server,
    tss: Server,
    _cdn: Server,
}

/// iPhone 7 (GSM): 15.8.3 signed (TSS 0), 15.8.2 not (94), 15.8.1 Apple error (128).
fn fakes() -> Fakes {
    let dir = tempfile::tempdir().unwrap();
    let ids = [board(0x8010, 0x0C, "d101ap"), board(0x8010, 0x08, "d10ap")].concat();
    let mut rows = Vec::new();
    let files = dir.path().join("cdn");
    std::fs::create_dir(&files).unwrap();
    for (v, b) in [
        ("15.8.3", "19H386"),
        ("15.8.2", "19H384"),
        ("15.8.1", "19H380"),
    ] {
        let p = files.join(format!("{b}.ipsw"));
        make_ipsw(&p, v, b, &["iPhone9,1", "iPhone9,3"], &ids, false);
        rows.push((v, b, p));
    }
    let root = files.clone();
    let cdn = Server::start(move |req| {
        let name = req.path.rsplit('/').next().unwrap_or("").to_string();
        let Ok(bytes) = std::fs::read(root.join(&name)) else {
            return Response::new(404, "");
        };
        let len = bytes.len() as u64;
        let spec = req.headers.get("range").cloned().unwrap_or_default();
        let (s, e) = match spec.trim_start_matches("bytes=").split_once('-') {
            Some(("", n)) => (len.saturating_sub(n.parse().unwrap()), len - 1),
            Some((a, b)) => (a.parse().unwrap(), b.parse::<u64>().unwrap().min(len - 1)),
            None => return Response::new(200, bytes),
        };
        Response::new(206, bytes[s as usize..=e as usize].to_vec())
            .header("Content-Range", &format!("bytes {s}-{e}/{len}"))
    });
    let api = ipswme(
        rows.iter()
            .map(|(v, b, _)| ApiRow {
                identifier: "iPhone9,3",
                version: v,
                build: b,
                url: cdn.url(&format!("/fw/{b}.ipsw")),
                signed: *b == "19H386",
                sha1: None,
            })
            .collect(),
    );
    let tss = tss(vec![("19H386", 0), ("19H384", 94), ("19H380", 128)]);
    Fakes {
        dir,
        api,
        tss,
        _cdn: cdn,
    }
}

fn rd(f: &Fakes, args: &[&str]) -> (i32, String, String) {
    let o = Command::cargo_bin("restore-doctor")
        .unwrap()
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .env("RESTORE_DOCTOR_CACHE_DIR", f.dir.path())
        .env("RESTORE_DOCTOR_IPSWME_URL", f.api.url("/v4"))
        .env(
            "RESTORE_DOCTOR_TSS_URL",
            f.tss.url("/TSS/controller?action=2"),
        )
        .arg("signed")
        .args(args)
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// Replaces the ages the output gives (`(12 days ago)`), which depend on today's date, with `(AGE)`.
fn without_ages(text: &str) -> String {
    let mut out = String::new();
    for line in text.split_inclusive('\n') {
        let mut l = line.to_string();
        for unit in [" days ago)", " h ago)", " min ago)", "just now)"] {
            if let Some(end) = l.find(unit) {
                let start = l[..end].rfind('(').unwrap_or(end);
                l.replace_range(start..end + unit.len(), "(AGE)");
            }
        }
        out.push_str(&l);
    }
    out
}

#[test]
fn newest_build_is_signed_per_apple() {
    let f = fakes();
    let (code, out, err) = rd(&f, &["iPhone9,3"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("✓ Apple signs 15.8.3 (19H386) for iPhone 7 (GSM) (iPhone9,3)"),
        "{out}"
    );
    assert!(out.contains("Apple TSS") && out.contains("STATUS=0"));
    assert!(out.contains("cached by ipsw.me"), "{out}");
    assert!(out.contains("Apple's live answer): signed"), "{out}");
    let reqs = f.tss.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(
        tss_shape_problem(&String::from_utf8_lossy(&reqs[0].body)),
        None
    );
}

#[test]
fn downgrade_target_is_explained_plainly() {
    let f = fakes();
    let (code, out, err) = rd(&f, &["A1778", "15.8.2"]);
    assert_eq!(code, 1, "{out}{err}");
    let text = without_ages(
        &out.replace(&f.api.addr.to_string(), "API")
            .replace(&f.tss.addr.to_string(), "TSS"),
    );
    insta::assert_snapshot!("downgrade", text);
    assert!(out.contains("Apple no longer signs 15.8.2 (19H384) for iPhone 7 (GSM) (iPhone9,3); a downgrade is not possible"));
}

#[test]
fn apple_error_and_json_sources() {
    let f = fakes();
    let (code, out, err) = rd(&f, &["iPhone9,3", "19H380", "--json"]);
    assert_eq!(code, 3, "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["kind"], "signed");
    assert_eq!(v["findings"][0]["id"], "firmware.signed.tss_error");
    let sources = v["sources"].as_array().unwrap();
    assert_eq!(sources[0]["source"], "ipsw.me");
    assert_eq!(sources[1]["source"], "Apple TSS");
    assert!(sources[1]["said"].as_str().unwrap().contains("STATUS=128"));
    assert_eq!(sources[1]["when"], "Tue, 25 Nov 2025 00:00:00 GMT");
}

#[test]
fn ipsw_me_only_and_bad_devices() {
    let f = fakes();
    let (code, out, _) = rd(&f, &["iPhone9,3", "15.8.2", "--no-tss"]);
    assert_eq!(code, 1);
    let flat = out.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("Apple's server was not asked"), "{out}");
    assert!(f.tss.requests().is_empty());
    let (code, _, err) = rd(&f, &["iPhone99,1"]);
    assert_eq!(code, 2);
    assert!(err.starts_with("restore-doctor: no device matches"));
    let (code, _, err) = rd(&f, &["Watch6,1"]);
    assert_eq!(code, 2);
    assert!(err.contains("Apple Watch"), "{err}");
}
