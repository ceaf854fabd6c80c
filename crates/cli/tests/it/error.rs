//! `restore-doctor error` and `restore-doctor errors` as a user runs them.

use assert_cmd::Command;
use serde_json::Value;

fn rd() -> Command {
    let mut cmd = Command::cargo_bin("restore-doctor").unwrap();
    cmd.env("NO_COLOR", "1").env("COLUMNS", "100");
    cmd
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(args: &[&str]) -> Run {
    let out = rd().args(args).output().unwrap();
    Run {
        code: out.status.code().expect("exited normally, not by a signal"),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

fn json(args: &[&str]) -> Value {
    let r = run(args);
    assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{args:?}: not JSON: {e}"))
}

/// The finding id `error --json` answers with.
fn answer_id(args: &[&str]) -> String {
    let mut all = vec!["error"];
    all.extend_from_slice(args);
    all.push("--json");
    json(&all)["findings"][0]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn json_for_4013_is_a_usb_report_with_remedies() {
    let v = json(&["error", "4013", "--json"]);
    assert_eq!(v["kind"], "error");
    assert_eq!(v["subject"], "4013");
    let f = &v["findings"][0];
    assert_eq!(f["id"], "kb.4013");
    assert_eq!(f["family"], "usb");
    assert_eq!(f["severity"], "fail");
    assert_eq!(f["error_codes"][0], "4013");
    let remedies = f["remedies"].as_array().unwrap();
    assert!(remedies.len() >= 5);
    assert_eq!(remedies[0]["id"], "usb-direct-port");
    assert!(f["evidence"].as_array().unwrap().iter().any(|e| {
        e["source"]
            .as_str()
            .is_some_and(|s| s.starts_with("https://"))
    }));
}

#[test]
fn every_input_form_finds_its_entry() {
    for form in [
        &["4013"][..],
        &["error", "4013"],
        &["Error", "4013"],
        &["error 4013"],
        &["(4013)"],
        &["This device cannot be restored. An unknown error occurred (4013)."],
        &[
            "This",
            "device",
            "cannot",
            "be",
            "restored.",
            "An",
            "unknown",
            "error",
            "occurred",
            "(4013).",
        ],
    ] {
        assert_eq!(answer_id(form), "kb.4013", "{form:?}");
    }
    assert_eq!(answer_id(&["-1"]), "kb.-1");
    assert_eq!(answer_id(&["error", "-1"]), "kb.-1");
    for form in ["0xe8000015", "0xE8000015", "3892314133", "-402653163"] {
        assert_eq!(answer_id(&[form]), "kb.0xe8000015", "{form}");
    }
    assert_eq!(
        answer_id(&["The iPhone \"X\" could not be restored. An unknown error occurred (3194)."]),
        "kb.3194"
    );
    assert_eq!(
        answer_id(&["this device isn\u{2019}t eligible for the requested build"]),
        "kb.this-device-isnt-eligible-for-the-requested-build"
    );
}

#[test]
fn flags_after_a_negative_number_still_work() {
    let v = json(&["error", "-402653163", "--json"]);
    assert_eq!(v["subject"], "0xE8000015");
}

#[test]
fn unknown_code_is_one_line_and_exit_1() {
    for args in [&["error", "77777"][..], &["error", "hello there"]] {
        let r = run(args);
        assert_eq!(r.code, 1, "{args:?}");
        assert!(r.stdout.is_empty(), "{args:?}: {}", r.stdout);
        assert_eq!(r.stderr.lines().count(), 1, "{args:?}: {}", r.stderr);
        assert!(r.stderr.starts_with("restore-doctor: "));
    }
    assert!(run(&["error", "77777"]).stderr.contains("77777"));
}

#[test]
fn empty_input_is_bad_usage() {
    for args in [&["error"][..], &["error", ""], &["error", "  ", " "]] {
        let r = run(args);
        assert_eq!(r.code, 2, "{args:?}");
        assert_eq!(r.stderr.lines().count(), 1, "{args:?}: {}", r.stderr);
    }
}

#[test]
fn a_megabyte_of_input_gets_a_clear_answer() {
    // Linux caps one argument at 128 KiB, so the megabyte arrives as 16 words of 64 KiB that
    // the command joins into one query.
    let chunk = "x".repeat(64 * 1024);
    let mut args: Vec<&str> = vec!["error"];
    args.extend(std::iter::repeat_n(chunk.as_str(), 16));
    let r = run(&args);
    assert_eq!(r.code, 1);
    assert_eq!(r.stderr.lines().count(), 1);
    assert!(r.stderr.len() < 400, "the echo of the input is cut short");

    args.push("error 4013");
    let r = run(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("Error 4013"));
}

#[test]
fn range_hits_say_they_were_matched_by_range() {
    let v = json(&["error", "3456", "--json"]);
    let f = &v["findings"][0];
    assert_eq!(f["family"], "signing");
    assert_eq!(f["id"], "kb.range.authinstall-server");
    assert!(
        f["explanation"]
            .as_str()
            .unwrap()
            .contains("matched by range")
    );
}

#[test]
fn errors_lists_every_entry_and_filters_by_family() {
    let all = json(&["errors", "--json"]);
    let entries = all["entries"].as_array().unwrap();
    assert_eq!(entries.len(), rd_kb::entries().len());
    assert!(!all["ranges"].as_array().unwrap().is_empty());

    let usb = json(&["errors", "--family", "usb", "--json"]);
    let usb_entries = usb["entries"].as_array().unwrap();
    assert!(usb_entries.iter().all(|e| e["family"] == "usb"));
    assert!(usb_entries.iter().any(|e| e["code"] == "4013"));
    assert!(usb_entries.len() < entries.len());

    let text = run(&["errors", "--family", "signing"]);
    assert_eq!(text.code, 0);
    assert!(text.stdout.contains("3194"));
    assert!(!text.stdout.contains("4013"));
}

#[test]
fn errors_rejects_an_unknown_family() {
    let r = run(&["errors", "--family", "cosmic_rays"]);
    assert_eq!(r.code, 2);
    assert_eq!(r.stderr.lines().count(), 1);
    assert!(r.stderr.contains("cosmic_rays"));
}

#[test]
fn snapshot_4013_text() {
    insta::assert_snapshot!("error_4013_text", run(&["error", "4013"]).stdout);
}

#[test]
fn snapshot_4013_json() {
    let mut v = json(&["error", "4013", "--json"]);
    v["tool"] = Value::from("restore-doctor [version]");
    insta::assert_json_snapshot!("error_4013_json", v);
}

#[test]
fn snapshot_3194_text() {
    insta::assert_snapshot!("error_3194_text", run(&["error", "Error 3194"]).stdout);
}

#[test]
fn snapshot_range_hit_text() {
    insta::assert_snapshot!(
        "error_range_0xe8000abc_text",
        run(&["error", "0xE8000ABC"]).stdout
    );
}

#[test]
fn snapshot_message_text() {
    insta::assert_snapshot!(
        "error_message_text",
        run(&[
            "error",
            "The iPhone could not be updated. This device is not eligible for the requested build."
        ])
        .stdout
    );
}
