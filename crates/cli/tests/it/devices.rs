//! `restore-doctor devices` against recorded USB fixtures (the fake bus) and against this
//! machine's real bus.

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

fn json(name: &str) -> (Value, i32) {
    let out = cmd()
        .args(["devices", "--json", "--usb-fixture"])
        .arg(fixture(name))
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{name}: not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (v, out.status.code().unwrap())
}

/// The fields the fixture's serial string (or instance id) spells, read the simple way: the hex
/// after `TAG:` in any case. Independent of the crate's parser.
fn tag_hex(raw: &str, tag: &str) -> Option<u64> {
    let lower = raw.to_ascii_lowercase();
    let at = lower.find(&format!("{}:", tag.to_ascii_lowercase()))? + tag.len() + 1;
    let hex: String = lower[at..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect();
    u64::from_str_radix(&hex, 16).ok()
}

const DEVICE_FIXTURES: &[&str] = &[
    "two_hubs_dfu.json",
    "recovery_permission_denied.json",
    "windows_dfu_upper_stale.json",
    "windows_recovery_lower_winusb.json",
];

#[test]
fn json_reports_mode_model_ecid_speed_and_hubs_for_every_fixture() {
    for name in DEVICE_FIXTURES {
        let raw: Value =
            serde_json::from_str(&std::fs::read_to_string(fixture(name)).unwrap()).unwrap();
        let (v, _) = json(name);
        assert_eq!(v["kind"], "devices");
        let listed = v["devices"].as_array().unwrap();
        let apple: Vec<&Value> = raw["devices"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| {
                let pid = u16::from_str_radix(
                    d["product_id"].as_str().unwrap().trim_start_matches("0x"),
                    16,
                )
                .unwrap();
                d["vendor_id"]
                    .as_str()
                    .unwrap()
                    .eq_ignore_ascii_case("0x05ac")
                    && (0x1227..=0x12af).contains(&pid)
            })
            .collect();
        assert_eq!(listed.len(), apple.len(), "{name}");
        for (dev, src) in listed.iter().zip(apple) {
            let text = src["serial"]
                .as_str()
                .or(src["instance_id"].as_str())
                .unwrap();
            let pid = src["product_id"].as_str().unwrap().to_ascii_lowercase();
            let want_mode = match pid.as_str() {
                "0x1227" => "dfu",
                p if p.starts_with("0x128") => "recovery",
                _ => "normal",
            };
            assert_eq!(dev["mode"], want_mode, "{name}");
            let (cpid, bdid, ecid) = (
                tag_hex(text, "CPID").unwrap() as u32,
                tag_hex(text, "BDID").unwrap() as u32,
                tag_hex(text, "ECID").unwrap(),
            );
            assert_eq!(dev["ecid"], format!("0x{ecid:016X}"), "{name}");
            let row = &rd_catalog::devices::by_chip_board(cpid, bdid)[0];
            assert_eq!(
                dev["model"]["product_type"],
                row.product_type.as_str(),
                "{name}"
            );
            assert_eq!(dev["speed"], src["speed"], "{name}");
            let chain = src["port_chain"].as_array().map_or(0, Vec::len);
            assert_eq!(
                dev["hubs"].as_array().unwrap().len(),
                chain.saturating_sub(1),
                "{name}: hub count"
            );
            assert!(dev["controller"].is_string(), "{name}: controller");
        }
    }
}

#[test]
fn two_hubs_are_named_and_warned_about() {
    let (v, code) = json("two_hubs_dfu.json");
    assert_eq!(code, 3, "a hub is a warning");
    let hubs = v["devices"][0]["hubs"].as_array().unwrap();
    let kinds: Vec<&str> = hubs.iter().map(|h| h["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["monitor", "keyboard"]);
    let f = v["findings"].as_array().unwrap();
    let hub = f
        .iter()
        .find(|f| f["id"] == "usb.hub.chain")
        .expect("hub finding");
    assert_eq!(hub["severity"], "warn");
    assert_eq!(hub["remedies"][0]["id"], "usb-direct-port");
    assert_eq!(
        v["devices"][0]["serial"]["nonc"],
        "8e3a1c2b4d5f60718293a4b5c6d7e8f90a1b2c3d"
    );
    insta::assert_json_snapshot!("devices_two_hubs_json", v);
}

#[test]
fn windows_driver_findings() {
    let (v, code) = json("windows_recovery_lower_winusb.json");
    assert_eq!(code, 1, "a replaced driver is a failure");
    let ids = common::finding_ids(&v);
    assert!(ids.contains(&"usb.driver.replaced"), "{ids:?}");
    assert!(ids.contains(&"usb.speed.slow"), "{ids:?}");
    let (v, _) = json("windows_dfu_upper_stale.json");
    let stale = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "usb.driver.stale")
        .expect("stale driver");
    assert_eq!(stale["remedies"][0]["id"], "usb-driver-windows");
}

#[test]
fn normal_mode_toml_fixture_gives_chip_and_ecid() {
    let (v, code) = json("normal_iphone11.toml");
    assert_eq!(code, 0);
    let d = &v["devices"][0];
    assert_eq!(d["mode"], "normal");
    assert_eq!(d["cpid"], "0x8030");
    assert_eq!(d["ecid"], "0x001A2B3C4D5E6F26");
    assert!(
        d["candidates"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["product_type"] == "iPhone12,1")
    );
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["id"] == "usb.driver.apple")
    );
}

#[test]
fn permission_denied_says_how_to_grant_access() {
    let out = cmd()
        .args(["devices", "--usb-fixture"])
        .arg(fixture("recovery_permission_denied.json"))
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(text.contains("Recovery mode (product id 0x1281)"), "{text}");
    assert!(text.contains("ATTR{idVendor}==\"05ac\""), "{text}");
    insta::assert_snapshot!("devices_permission_text", text);
}

#[test]
fn no_device_and_no_usb_are_findings_not_errors() {
    let (v, code) = json("no_apple_device.json");
    assert_eq!(code, 3);
    assert_eq!(v["findings"][0]["id"], "usb.presence.none");
    assert_eq!(v["other_usb_devices"], 2);
    let (v, code) = json("no_usb.json");
    assert_eq!(code, 3);
    assert_eq!(v["findings"][0]["id"], "usb.presence.unavailable");
}

#[test]
fn this_machine_without_usb_ends_cleanly() {
    let out = cmd().args(["devices"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.stderr.is_empty(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    if std::path::Path::new("/sys/bus/usb").exists() {
        // A machine with USB: the command still ends with a report, never an error.
        assert!(matches!(out.status.code(), Some(0 | 1 | 3)));
    } else {
        assert_eq!(out.status.code(), Some(3));
        assert!(stdout.contains("Cannot see USB devices here"), "{stdout}");
    }
    let watch = cmd()
        .args(["devices", "--watch", "--for", "1"])
        .output()
        .unwrap();
    assert!(matches!(watch.status.code(), Some(0 | 1 | 3)));
}

#[test]
fn watch_reports_the_mode_change() {
    let out = cmd()
        .args(["devices", "--watch", "--for", "30", "--usb-fixture"])
        .arg(fixture("iphone8_recovery_to_dfu.json"))
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let left = text
        .find("left: iPhone 8 (GSM) (Recovery mode)")
        .expect(&text);
    let back = text
        .find("arrived: iPhone 8 (GSM) in DFU mode")
        .expect(&text);
    assert!(left < back);
    // Poll 49 is the first empty frame: 49 * 250 ms.
    assert!(text.contains("[ 12.25 s] left"), "{text}");
}

#[test]
fn bad_fixture_is_one_clear_line_and_exit_2() {
    let out = cmd()
        .args(["devices", "--usb-fixture", "/nonexistent/usb.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("/nonexistent/usb.json"));
}

#[test]
fn devices_json_matches_the_report_schema() {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../schema/report.schema.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    for name in DEVICE_FIXTURES
        .iter()
        .chain(&["no_usb.json", "no_apple_device.json"])
    {
        let (v, _) = json(name);
        let errors: Vec<String> = validator.iter_errors(&v).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{name}: {errors:?}");
    }
}

#[test]
fn redact_masks_ecid_serial_imei_and_nonces() {
    for extra in [&["--json"][..], &[][..]] {
        let out = cmd()
            .args(["--redact", "devices"])
            .args(extra)
            .arg("--usb-fixture")
            .arg(fixture("recovery_permission_denied.json"))
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        for secret in ["0A1B2C3D4E5F60", "F17SX0AAHG7F", "359999999999999"] {
            assert!(!text.contains(secret), "{secret} leaked:\n{text}");
        }
        assert!(text.contains("<redacted>"));
        assert!(text.contains("iPhone9,3"), "the model stays visible");
    }
}

#[test]
fn checkup_and_devices_say_the_same_about_an_unreadable_bus() {
    let out = |args: &[&str]| -> (Value, i32) {
        let o = cmd()
            .args(args)
            .arg("--usb-fixture")
            .arg(fixture("no_usb.json"))
            .output()
            .unwrap();
        (
            serde_json::from_slice(&o.stdout).expect("JSON"),
            o.status.code().unwrap(),
        )
    };
    let (devices, dcode) = out(&["devices", "--json"]);
    let (checkup, ccode) = out(&["checkup", "--only", "usb.presence", "--json"]);
    assert_eq!(devices["findings"], checkup["findings"]);
    assert_eq!(common::finding_ids(&checkup), ["usb.presence.unavailable"]);
    assert_eq!((dcode, ccode), (3, 3), "a warning on both");
    // A fixture that cannot be loaded is bad input for both, not a finding.
    for args in [&["devices"][..], &["checkup", "--only", "usb.presence"][..]] {
        let o = cmd()
            .args(args)
            .args(["--usb-fixture", "/nonexistent/usb.json"])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}");
    }
}
