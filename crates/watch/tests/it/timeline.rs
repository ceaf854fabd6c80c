//! The state machine alone: inputs in, events out, no I/O. Devices come from USB inventories
//! through the same identification `restore-doctor devices` uses; logs from the log engine.

use rd_device::{AppleDevice, Inventory, scan_inventory};
use rd_watch::{Ending, Event, EventKind, Input, Phase, Timeline, Trigger};
use std::path::PathBuf;

const ECID_A: &str = "000000000000AAAA";
const ECID_B: &str = "000000000000BBBB";

/// An iPhone X (CPID 0x8015, BDID 0x06) on `port`: Recovery/DFU carry the serial string,
/// normal mode a new-style UDID with the same ECID.
fn phone(port: u8, pid: &str, ecid: &str) -> serde_json::Value {
    let serial = if pid == "0x12A8" {
        format!("00008015-{ecid}")
    } else {
        format!("CPID:8015 CPRV:11 BDID:06 ECID:{ecid} IBFL:1C")
    };
    serde_json::json!({"bus_id":"1","port_chain":[port],"vendor_id":"0x05AC","product_id":pid,"serial":serial,"product":"iPhone"})
}

fn bus(at: u64, devs: Vec<serde_json::Value>) -> Input {
    let inv: Inventory =
        serde_json::from_value(serde_json::json!({"platform":"linux","devices":devs})).unwrap();
    let devices: Vec<AppleDevice> = scan_inventory(String::new(), &inv).devices;
    Input::Bus { at, devices }
}

fn log(at: u64, path: &str, text: &str) -> Input {
    Input::Log {
        at,
        path: PathBuf::from(path),
        diagnosis: Box::new(rd_logs::diagnose_bytes(text.as_bytes()).unwrap()),
    }
}

fn feed_all(t: &mut Timeline, inputs: Vec<Input>) -> Vec<Event> {
    inputs.into_iter().flat_map(|i| t.feed(i)).collect()
}

fn diagnoses_for<'a>(evs: &'a [Event], ecid: &str) -> Vec<&'a Event> {
    evs.iter()
        .filter(|e| matches!(e.kind, EventKind::Diagnosis { .. }))
        .filter(|e| {
            e.device
                .as_ref()
                .is_some_and(|d| d.ecid.as_deref() == Some(&format!("0x{ecid}")))
        })
        .collect()
}

#[test]
fn two_devices_on_one_hub_are_followed_independently() {
    let mut t = Timeline::new();
    let evs = feed_all(
        &mut t,
        vec![
            bus(
                1,
                vec![phone(1, "0x1281", ECID_A), phone(2, "0x1227", ECID_B)],
            ),
            bus(2, vec![phone(2, "0x1281", ECID_B)]),
            bus(
                3,
                vec![phone(1, "0x12A8", ECID_A), phone(2, "0x12A8", ECID_B)],
            ),
            bus(4, vec![]),
            // A comes back in Recovery (failed), B boots normally (finished).
            bus(
                5,
                vec![phone(1, "0x1281", ECID_A), phone(2, "0x12A8", ECID_B)],
            ),
        ],
    );
    let a = diagnoses_for(&evs, ECID_A);
    assert_eq!(a.len(), 1);
    assert!(matches!(
        a[0].kind,
        EventKind::Diagnosis {
            trigger: Trigger::ReturnedInRecovery,
            ..
        }
    ));
    assert_eq!(a[0].at_ms, 5, "at the look that showed it");
    assert!(diagnoses_for(&evs, ECID_B).is_empty());
    let ended: Vec<(String, Ending)> = evs
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::RestoreEnded { ending, .. } => {
                Some((e.device.as_ref().unwrap().key.clone(), *ending))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        ended,
        [
            (format!("ecid:0x{ECID_A}"), Ending::Failure),
            (format!("ecid:0x{ECID_B}"), Ending::Success)
        ]
    );
    assert_eq!(t.phase(&format!("ecid:0x{ECID_A}")), Some(Phase::Failed));
    assert_eq!(t.phase(&format!("ecid:0x{ECID_B}")), Some(Phase::Succeeded));
}

#[test]
fn dfu_to_recovery_and_recovery_reboots_before_the_restore_are_normal() {
    let mut t = Timeline::new();
    let evs = feed_all(
        &mut t,
        vec![
            bus(1, vec![phone(1, "0x1227", ECID_A)]),
            bus(2, vec![]),
            bus(3, vec![phone(1, "0x1281", ECID_A)]),
            bus(4, vec![]),
            bus(5, vec![phone(1, "0x1281", ECID_A)]),
        ],
    );
    assert!(diagnoses_for(&evs, ECID_A).is_empty());
    assert_eq!(t.phase(&format!("ecid:0x{ECID_A}")), Some(Phase::Preparing));
}

#[test]
fn a_restore_the_log_calls_finished_is_not_failed_by_a_later_recovery_visit() {
    let mut t = Timeline::new();
    let success = std::fs::read_to_string("../logs/tests/fixtures/idr_success.log").unwrap();
    let evs = feed_all(
        &mut t,
        vec![
            bus(1, vec![phone(1, "0x1281", ECID_A)]),
            bus(2, vec![phone(1, "0x12A8", ECID_A)]),
            log(3, "/logs/a.log", &success),
            bus(4, vec![]),
            bus(5, vec![phone(1, "0x1281", ECID_A)]),
        ],
    );
    assert!(evs.iter().any(|e| matches!(
        e.kind,
        EventKind::RestoreEnded {
            ending: Ending::Success,
            ..
        }
    )));
    assert!(diagnoses_for(&evs, ECID_A).is_empty());
    assert_eq!(
        t.phase(&format!("ecid:0x{ECID_A}")),
        Some(Phase::Preparing),
        "a new visit to Recovery is a new attempt"
    );
}

#[test]
fn a_failing_log_is_explained_once_and_goes_to_the_device_it_names() {
    let mut t = Timeline::new();
    let failing = std::fs::read_to_string("../logs/tests/fixtures/idr_asr_usb_drop.log").unwrap();
    // Two devices restoring; the log names an iPhone10,3, and only one of them is identified
    // as such (the other is an iPad in DFU).
    let ipad = serde_json::json!({"bus_id":"1","port_chain":[3],"vendor_id":"0x05AC","product_id":"0x1227","serial":"CPID:8027 CPRV:11 BDID:0C ECID:000000000000CCCC"});
    let mut inputs = vec![bus(1, vec![phone(1, "0x1281", ECID_A), ipad])];
    inputs.push(log(2, "/logs/b.log", &failing));
    inputs.push(log(3, "/logs/b.log", &failing));
    let evs = feed_all(&mut t, inputs);
    let d: Vec<&Event> = evs
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Diagnosis { .. }))
        .collect();
    assert_eq!(d.len(), 1, "the same failure is explained once");
    assert_eq!(
        d[0].device.as_ref().map(|x| x.key.as_str()),
        Some(format!("ecid:0x{ECID_A}").as_str())
    );
    let stages: Vec<&str> = evs
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Stage { stage, .. } => Some(stage.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(stages.len(), 1, "an unchanged step is not repeated");
}

#[test]
fn an_unreadable_bus_is_said_once_and_the_json_is_one_object_per_event() {
    let mut t = Timeline::new();
    let evs = feed_all(
        &mut t,
        vec![
            Input::BusUnavailable {
                at: 1,
                reason: "no /sys/bus/usb".into(),
            },
            Input::BusUnavailable {
                at: 2,
                reason: "no /sys/bus/usb".into(),
            },
            Input::Stop { at: 3 },
        ],
    );
    let lines: Vec<String> = evs
        .iter()
        .map(|e| serde_json::to_string(e).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert!(lines.iter().all(|l| !l.contains('\n')));
    let v: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
    assert_eq!(v["event"], "bus_unavailable");
    let text = rd_watch::event_text(&evs[1]);
    assert!(text.contains("stopped"));
}
