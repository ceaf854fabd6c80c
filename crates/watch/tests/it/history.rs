//! Watched restores go into the attempt history once per attempt, and a repeated failure
//! escalates.

use rd_device::{Inventory, scan_inventory};
use rd_history::{DEFAULT_WAIT, Store};
use rd_watch::{EventKind, Input, Recorder, Timeline};
use std::path::PathBuf;

fn bus(at: u64, pid: Option<&str>) -> Input {
    let devs: Vec<serde_json::Value> = pid
        .map(|p| {
            let serial = if p == "0x12A8" {
                "00008015-000000000000AAAA".to_string()
            } else {
                "CPID:8015 CPRV:11 BDID:06 ECID:000000000000AAAA".to_string()
            };
            serde_json::json!({"bus_id":"1","port_chain":[1],"vendor_id":"0x05AC","product_id":p,"serial":serial})
        })
        .into_iter()
        .collect();
    let inv: Inventory =
        serde_json::from_value(serde_json::json!({"platform":"linux","devices":devs})).unwrap();
    Input::Bus {
        at,
        devices: scan_inventory(String::new(), &inv).devices,
    }
}

fn failed_attempt(start: u64, log_text: Option<&str>) -> Vec<Input> {
    let mut v = vec![
        bus(start, Some("0x1281")),
        bus(start + 1000, Some("0x12A8")),
        bus(start + 2000, None),
        bus(start + 3000, Some("0x1281")),
    ];
    if let Some(t) = log_text {
        v.push(Input::Log {
            at: start + 3500,
            path: PathBuf::from(format!("/logs/{start}.log")),
            diagnosis: Box::new(rd_logs::diagnose_bytes(t.as_bytes()).unwrap()),
        });
    }
    v.push(bus(start + 4000, None));
    v
}

#[test]
fn one_record_per_attempt_and_the_second_failure_escalates() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), DEFAULT_WAIT).unwrap().store;
    let log = std::fs::read_to_string("../logs/tests/fixtures/idr_asr_usb_drop.log").unwrap();
    let mut t = Timeline::new();
    let mut rec = Recorder::new();
    let mut inputs = failed_attempt(1_000_000, Some(&log));
    inputs.extend(failed_attempt(2_000_000, Some(&log)));
    inputs.push(Input::Stop { at: 3_000_000 });
    let mut diagnoses = 0;
    let mut escalations = Vec::new();
    for i in inputs {
        for e in t.feed(i) {
            if matches!(e.kind, EventKind::Diagnosis { .. }) {
                diagnoses += 1;
            }
            escalations.extend(rec.on_event(&store, &e).unwrap());
        }
    }
    assert_eq!(diagnoses, 4, "bus first, then the log, in each attempt");
    let attempts = store.attempts().unwrap();
    assert_eq!(attempts.len(), 2, "{attempts:#?}");
    assert!(
        attempts
            .iter()
            .all(|a| a.command == "watch" && a.outcome == "failure")
    );
    assert!(
        attempts.iter().all(|a| !a.device.contains("AAAA")),
        "the ECID itself is never stored"
    );
    assert_eq!(
        escalations.len(),
        1,
        "the second identical failure escalates"
    );
}

#[test]
fn a_bus_only_diagnosis_is_recorded_when_watching_stops() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), DEFAULT_WAIT).unwrap().store;
    let mut t = Timeline::new();
    let mut rec = Recorder::new();
    let mut inputs = failed_attempt(1_000_000, None);
    inputs.push(Input::Stop { at: 9_000_000 });
    for i in inputs {
        for e in t.feed(i) {
            rec.on_event(&store, &e).unwrap();
        }
    }
    let attempts = store.attempts().unwrap();
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].family, rd_logs::Family::Unknown);
}
