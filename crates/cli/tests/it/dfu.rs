//! `restore-doctor dfu` driven by the fake bus and the fake clock (nothing sleeps for real).

use crate::common;

use assert_cmd::Command;
use serde_json::Value;

use common::usb_fixture as fixture;

fn cmd() -> Command {
    let mut c = Command::cargo_bin("restore-doctor").unwrap();
    c.env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .env_remove("RESTORE_DOCTOR_FAKE_USB")
        .env("RESTORE_DOCTOR_CLOCK", "fake");
    c
}

struct Run {
    code: i32,
    out: String,
    err: String,
}

fn run(args: &[&str], fixture_name: Option<&str>, stdin: &str) -> Run {
    let mut c = cmd();
    c.arg("dfu").args(args);
    if let Some(f) = fixture_name {
        c.arg("--usb-fixture").arg(fixture(f));
    }
    let o = c.write_stdin(stdin).output().unwrap();
    Run {
        code: o.status.code().unwrap(),
        out: String::from_utf8(o.stdout).unwrap(),
        err: String::from_utf8(o.stderr).unwrap(),
    }
}

/// The family's DFU steps straight from the data file, to check the helper walks them in order.
fn data_steps(family: &str, mode: &str) -> Vec<String> {
    let v: Value =
        serde_json::from_str(include_str!("../../../catalog/data/dfu_sequences.json")).unwrap();
    let fam = v["families"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["key"] == family)
        .unwrap();
    fam[mode]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

fn assert_walks(out: &str, steps: &[String]) {
    let mut at = 0;
    for (i, s) in steps.iter().enumerate() {
        let line = format!("Step {}/{}  {}", i + 1, steps.len(), s);
        let pos = out[at..]
            .find(&line)
            .unwrap_or_else(|| panic!("missing or out of order: {line}\n{out}"));
        at += pos + line.len();
    }
}

#[test]
fn iphone_8_from_recovery_reaches_dfu_in_step_5() {
    let r = run(&[], Some("iphone8_recovery_to_dfu.json"), "\n");
    assert_eq!(r.code, 0, "{}{}", r.out, r.err);
    assert!(r.out.starts_with("iPhone 8 (GSM) → DFU mode"), "{}", r.out);
    assert_walks(&r.out, &data_steps("vol_up_down_side", "dfu"));
    assert!(r.out.contains("the device left USB"), "{}", r.out);
    assert!(r.out.contains("is in DFU mode — let go of the buttons"));
    assert!(r.out.contains("(during step 5)"));
    // It stopped the moment the mode flipped: step 5's countdown did not run out.
    assert!(
        r.out.contains("keep holding Volume Down: 10 9 8\n"),
        "{}",
        r.out
    );
    insta::assert_snapshot!("dfu_iphone8_walkthrough", r.out);
}

#[test]
fn iphone_7_named_walks_its_own_sequence() {
    let r = run(&["iPhone9,3"], Some("iphone7_normal_to_dfu.json"), "\n");
    assert_eq!(r.code, 0, "{}{}", r.out, r.err);
    assert!(r.out.starts_with("iPhone 7 (GSM) → DFU mode"));
    assert_walks(&r.out, &data_steps("vol_down_side", "dfu"));
    assert!(
        !r.out.contains("Step 4/"),
        "the iPhone 7 sequence has three steps"
    );
    assert!(r.out.contains("(during step 3)"), "{}", r.out);
}

#[test]
fn home_button_device_is_recognised_from_recovery_and_reaches_dfu() {
    let r = run(&[], Some("iphone6s_recovery_to_dfu.json"), "\n");
    assert_eq!(r.code, 0, "{}{}", r.out, r.err);
    assert!(r.out.starts_with("iPhone 6s → DFU mode"), "{}", r.out);
    assert_walks(&r.out, &data_steps("home_button", "dfu"));
    assert!(r.out.contains("USB now shows DFU mode"));
}

#[test]
fn held_too_long_names_the_step_and_the_retry_shortens_it() {
    let r = run(
        &["iPhone10,4"],
        Some("iphone8_held_too_long.json"),
        "\ny\n\n",
    );
    assert_eq!(r.code, 0, "{}{}", r.out, r.err);
    let fail = r
        .out
        .find("booted normally (seen during step 4)")
        .expect(&r.out);
    let flat = r.out.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("step 4 (\"Keep Side, also hold Volume Down\") was held too long"),
        "{flat}"
    );
    let retry = r.out.find("Step 4 now counts 3 s.").expect(&r.out);
    let ok = r.out.find("is in DFU mode — let go").expect(&r.out);
    assert!(fail < retry && retry < ok);
    assert!(
        r.out.contains("Keep Side, also hold Volume Down: 3 2 1"),
        "{}",
        r.out
    );
}

#[test]
fn declining_the_retry_ends_with_exit_1() {
    let r = run(&["iPhone10,4"], Some("iphone8_held_too_long.json"), "\nn\n");
    assert_eq!(r.code, 1);
    assert!(r.out.contains("Try again? [y/N]"));
    assert!(!r.out.contains("Attempt 2"));
}

#[test]
fn quitting_at_the_first_prompt_changes_nothing() {
    let r = run(&[], Some("iphone8_recovery_to_dfu.json"), "q\n");
    assert_eq!(r.code, 1);
    assert!(r.out.contains("Stopped before the sequence started"));
    assert!(!r.out.contains("Step 2/5"));
}

#[test]
fn normal_mode_old_iphone_must_be_named() {
    let r = run(&[], Some("iphone7_normal_to_dfu.json"), "");
    assert_eq!(r.code, 1);
    assert_eq!(r.err.lines().count(), 1, "{}", r.err);
    assert!(r.err.contains("name it, e.g."), "{}", r.err);
}

#[test]
fn steps_print_without_a_device_or_usb() {
    let r = run(&["iPhone10,4", "--steps"], None, "");
    assert_eq!(r.code, 0, "{}", r.err);
    assert_walks(
        &r.out
            .replace("  1. ", "Step 1/5  ")
            .replace("  2. ", "Step 2/5  ")
            .replace("  3. ", "Step 3/5  ")
            .replace("  4. ", "Step 4/5  ")
            .replace("  5. ", "Step 5/5  ")
            .replace("\n     ", " "),
        &data_steps("vol_up_down_side", "dfu"),
    );
    assert!(r.out.contains("Recovery or DFU?"));
    insta::assert_snapshot!("dfu_steps_iphone8", r.out);

    let rec = run(&["A1660", "--recovery", "--steps", "--json"], None, "");
    assert_eq!(rec.code, 0, "{}", rec.err);
    let v: Value = serde_json::from_str(&rec.out).unwrap();
    assert_eq!(v["plan"]["family"], "vol_down_side");
    assert_eq!(v["plan"]["target"], "recovery");
    let texts: Vec<String> = v["plan"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["text"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(texts, data_steps("vol_down_side", "recovery"));
}

#[test]
fn devices_without_a_user_sequence_say_so() {
    let r = run(&["Watch6,1", "--steps"], None, "");
    assert_eq!(r.code, 1);
    assert!(r.err.contains("no button sequence"), "{}", r.err);
    let r = run(&["Nokia 3310"], None, "");
    assert_eq!(r.code, 2);
    assert_eq!(r.err.lines().count(), 1);
}

#[test]
fn without_usb_the_helper_ends_cleanly_and_points_to_steps() {
    let r = run(&["iPhone10,4"], Some("no_usb.json"), "");
    assert_eq!(r.code, 3, "{}{}", r.out, r.err);
    assert!(r.out.contains("Cannot see USB devices here"));
    assert!(
        r.out.contains("restore-doctor dfu iPhone10,4 --steps"),
        "{}",
        r.out
    );
    assert!(r.err.is_empty());
    if !std::path::Path::new("/sys/bus/usb").exists() {
        // This machine: the real bus, no fixture.
        let real = run(&["iPhone10,4", "--recovery"], None, "");
        assert_eq!(real.code, 3, "{}{}", real.out, real.err);
        assert!(real.out.contains("Cannot see USB devices here"));
        assert!(real.out.contains("--recovery --steps"));
        assert!(real.err.is_empty());
        let bare = run(&[], None, "");
        assert_eq!(bare.code, 3);
        let steps = run(&["--steps"], None, "");
        assert_eq!(steps.code, 2);
        assert!(steps.err.contains("name the model"), "{}", steps.err);
    }
}
