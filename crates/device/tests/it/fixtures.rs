//! Every recorded fixture loads, replays, and yields the findings its description promises,
//! through the same public API `checkup` uses (`usb_findings`).

use rd_device::fake::FakeBus;
use rd_device::findings::{ModeNeed, UsbCheckOptions, usb_findings};
use rd_device::identify::scan_inventory;
use rd_device::{Mode, UsbBus};
use rd_model::Severity;
use std::path::{Path, PathBuf};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn bus(name: &str) -> FakeBus {
    FakeBus::load(&dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn ids(name: &str, need: ModeNeed) -> Vec<(String, Severity)> {
    usb_findings(
        &bus(name),
        &UsbCheckOptions {
            need,
            ..UsbCheckOptions::default()
        },
    )
    .into_iter()
    .map(|f| (f.id, f.severity))
    .collect()
}

#[test]
fn every_fixture_loads_and_replays_to_its_end() {
    let mut n = 0;
    for entry in std::fs::read_dir(dir()).unwrap() {
        let path = entry.unwrap().path();
        let b = FakeBus::load(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(
            b.description().is_some_and(|d| !d.is_empty()),
            "{} needs a description",
            path.display()
        );
        for _ in 0..200 {
            if let Ok(inv) = b.poll() {
                let scan = scan_inventory(b.source(), &inv);
                for d in &scan.devices {
                    if d.mode.has_iboot_serial() {
                        assert!(
                            d.model.is_some(),
                            "{}: DFU/Recovery device not identified",
                            path.display()
                        );
                        assert!(d.ecid.is_some(), "{}: no ECID", path.display());
                    }
                }
            }
        }
        n += 1;
    }
    assert!(n >= 10, "expected the whole fixture set, found {n}");
}

#[test]
fn findings_per_fixture() {
    let hub = ids("two_hubs_dfu.json", ModeNeed::Any);
    assert!(
        hub.contains(&("usb.hub.chain".into(), Severity::Warn)),
        "{hub:?}"
    );
    assert!(hub.contains(&("device.mode.dfu".into(), Severity::Info)));
    assert!(hub.contains(&("usb.speed.ok".into(), Severity::Ok)));
    assert!(
        !hub.iter().any(|(id, _)| id.starts_with("usb.driver")),
        "no driver checks off Windows"
    );

    let perm = ids("recovery_permission_denied.json", ModeNeed::Any);
    assert!(perm.contains(&("usb.permission.denied".into(), Severity::Warn)));
    assert!(perm.contains(&("usb.hub.direct".into(), Severity::Ok)));

    let winusb = ids("windows_recovery_lower_winusb.json", ModeNeed::Any);
    assert!(winusb.contains(&("usb.driver.replaced".into(), Severity::Fail)));
    assert!(winusb.contains(&("usb.speed.slow".into(), Severity::Warn)));

    let stale = ids("windows_dfu_upper_stale.json", ModeNeed::Any);
    assert!(stale.contains(&("usb.driver.stale".into(), Severity::Warn)));

    let normal = ids("normal_iphone11.toml", ModeNeed::Any);
    assert!(normal.contains(&("usb.driver.apple".into(), Severity::Ok)));

    assert_eq!(
        ids("no_usb.json", ModeNeed::Any),
        [("usb.presence.unavailable".into(), Severity::Warn)]
    );
    assert_eq!(
        ids("no_apple_device.json", ModeNeed::Any),
        [("usb.presence.none".into(), Severity::Warn)]
    );
}

#[test]
fn wrong_mode_for_the_planned_restore_is_a_warning() {
    let normal = ids("normal_iphone11.toml", ModeNeed::RecoveryOrDfu);
    assert!(
        normal.contains(&("device.mode.wrong".into(), Severity::Warn)),
        "{normal:?}"
    );
    let rec = ids("recovery_permission_denied.json", ModeNeed::Dfu);
    assert!(rec.contains(&("device.mode.wrong".into(), Severity::Warn)));
    let ok = ids("recovery_permission_denied.json", ModeNeed::RecoveryOrDfu);
    assert!(ok.contains(&("device.mode.recovery".into(), Severity::Info)));
}

#[test]
fn hotplug_fixture_passes_through_the_expected_modes() {
    let b = bus("iphone8_held_too_long.json");
    let mut modes: Vec<Option<Mode>> = Vec::new();
    for _ in 0..150 {
        let inv = b.poll().unwrap();
        let m = scan_inventory(String::new(), &inv)
            .devices
            .first()
            .map(|d| d.mode);
        if modes.last() != Some(&m) {
            modes.push(m);
        }
    }
    assert_eq!(
        modes,
        [
            Some(Mode::Normal),
            None,
            Some(Mode::Normal),
            None,
            Some(Mode::Dfu)
        ]
    );
}

#[test]
fn a_generic_hub_is_named_by_the_keyboard_plugged_into_it() {
    let json = r#"{"description":"x","platform":"linux","devices":[
        {"bus_id":"1","port_chain":[1],"vendor_id":"0x05E3","product_id":"0x0608","class":9,"product":"USB2.0 Hub"},
        {"bus_id":"1","port_chain":[1,1],"vendor_id":"0x046D","product_id":"0xC31C","product":"USB Keyboard"},
        {"bus_id":"1","port_chain":[1,2],"vendor_id":"0x05AC","product_id":"0x12A8","product":"iPhone"}]}"#;
    let b = FakeBus::from_fixture("inline", serde_json::from_str(json).unwrap()).unwrap();
    let scan = scan_inventory(b.source(), &b.enumerate().unwrap());
    let hub = &scan.devices[0].hubs[0];
    assert_eq!(hub.kind.as_deref(), Some("keyboard"));
    assert_eq!(hub.shares_with, ["USB Keyboard"]);
}
