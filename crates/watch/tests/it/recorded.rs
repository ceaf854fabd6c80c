//! The recorded restore (fake USB bus, one frame per poll) played against a real log written
//! in steps into a real folder: the driver's file and bus I/O and the state machine together,
//! without threads or clocks. The log is idevicerestore's own (crates/logs fixture
//! `idr_asr_usb_drop.log`), written a few lines per poll as it was produced.

use rd_device::FakeBus;
use rd_device::fake::Fixture;
use rd_logs::Family;
use rd_watch::{Ending, Event, EventKind, Follower, LogDirs, Phase, Trigger};
use std::io::Write;
use std::path::{Path, PathBuf};

const FIXTURE: &str = "tests/fixtures/iphonex_restore_drop_recovery.json";
const LOG: &str = "../logs/tests/fixtures/idr_asr_usb_drop.log";

/// The timed recording, played one frame per poll instead (same frames, no clock).
fn stepped_bus() -> FakeBus {
    let text = std::fs::read_to_string(FIXTURE).unwrap();
    let mut fx: Fixture = serde_json::from_str(&text).unwrap();
    for f in fx.frames.as_mut().unwrap() {
        f.ms = None;
        f.polls = 1;
    }
    FakeBus::from_fixture("recorded", fx).unwrap()
}

fn log_lines() -> Vec<String> {
    std::fs::read_to_string(LOG)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

struct Run {
    follower: Follower,
    log: PathBuf,
    lines: Vec<String>,
    written: usize,
    events: Vec<Event>,
    step: u64,
}

impl Run {
    fn new(dir: &Path) -> Run {
        let follower = Follower::with_bus(
            Box::new(stepped_bus()),
            LogDirs::Fixed(vec![dir.to_path_buf()]),
        );
        Run {
            follower,
            log: dir.join("restore-2026-11-29.log"),
            lines: log_lines(),
            written: 0,
            events: Vec::new(),
            step: 0,
        }
    }

    /// Appends the log up to line `n` (1-based, inclusive).
    fn write_log_to(&mut self, n: usize) {
        let mut f = std::fs::File::options()
            .create(true)
            .append(true)
            .open(&self.log)
            .unwrap();
        for l in &self.lines[self.written..n] {
            writeln!(f, "{l}").unwrap();
        }
        self.written = n;
    }

    /// One poll; returns the events of this poll.
    fn poll(&mut self) -> Vec<Event> {
        self.step += 1;
        let got = self.follower.step(1_000 * self.step);
        self.events.extend(got.clone());
        got
    }
}

fn names(evs: &[Event]) -> Vec<&'static str> {
    evs.iter().map(Event::name).collect()
}

fn diagnoses(evs: &[Event]) -> Vec<&Event> {
    evs.iter()
        .filter(|e| matches!(e.kind, EventKind::Diagnosis { .. }))
        .collect()
}

/// Frames: 1 normal, 2 gone, 3 Recovery, 4 gone, 5 Recovery (iBEC), 6 gone, 7 restore ramdisk,
/// 8 gone, 9 Recovery.
#[test]
fn drop_mid_restore_then_recovery_is_diagnosed_at_once_and_the_log_sharpens_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut r = Run::new(dir.path());
    let first = r.poll(); // frame 1
    assert_eq!(names(&first), ["started", "arrived"]);
    r.poll(); // frame 2: rebooting into Recovery
    r.poll(); // frame 3: Recovery
    r.write_log_to(6); // identified, firmware checked, SHSH received
    r.poll(); // frame 4: gone (iBEC)
    r.write_log_to(8); // iBEC sent, waiting for restore mode
    r.poll(); // frame 5: Recovery (iBEC)
    r.poll(); // frame 6: gone
    r.write_log_to(20); // restore mode, partitions, filesystem being sent
    let ramdisk = r.poll(); // frame 7: restore ramdisk
    assert!(ramdisk.iter().any(|e| matches!(
        e.kind,
        EventKind::Arrived {
            phase: Phase::Restoring,
            ..
        }
    )));
    r.write_log_to(24); // 42 % of the filesystem
    let gone = r.poll(); // frame 8: dropped
    let left = gone
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::Left { phase, stage, .. } => Some((*phase, stage.clone())),
            _ => None,
        })
        .expect("the drop is on the timeline");
    assert_eq!(left.0, Phase::Restoring);
    assert!(
        left.1.unwrap().contains("filesystem"),
        "the drop names the step"
    );
    assert!(
        diagnoses(&r.events).is_empty(),
        "leaving alone is not a failure yet"
    );

    let back = r.poll(); // frame 9: back in Recovery; the log has not said anything yet
    let d = diagnoses(&back);
    assert_eq!(
        d.len(),
        1,
        "diagnosed in the same poll the device came back"
    );
    match &d[0].kind {
        EventKind::Diagnosis {
            trigger,
            stage,
            bus_evidence,
            diagnosis,
            ..
        } => {
            assert_eq!(*trigger, Trigger::ReturnedInRecovery);
            assert!(stage.as_deref().unwrap().contains("filesystem"));
            assert!(bus_evidence.iter().any(|b| b.contains("Recovery")));
            assert!(diagnosis.is_some(), "the log so far is attached");
        }
        _ => unreachable!(),
    }
    assert!(back.iter().any(|e| matches!(
        e.kind,
        EventKind::RestoreEnded {
            ending: Ending::Failure,
            ..
        }
    )));

    r.write_log_to(29); // the tool's own error lines arrive
    let late = r.poll();
    let d = diagnoses(&late);
    assert_eq!(d.len(), 1, "the log's own verdict follows");
    match &d[0].kind {
        EventKind::Diagnosis {
            trigger,
            category,
            diagnosis,
            ..
        } => {
            assert_eq!(*trigger, Trigger::LogFailure);
            assert_eq!(*category, Family::Usb);
            let dg = diagnosis.as_ref().unwrap();
            assert!(dg.evidence.iter().any(|e| e.line == 25));
        }
        _ => unreachable!(),
    }
    assert!(
        !late.iter().any(|e| e.name() == "restore_ended"),
        "one failure ends one restore"
    );
    assert!(diagnoses(&r.poll()).is_empty(), "nothing new, nothing said");

    // The timeline in order, for the one device.
    let modes: Vec<String> = r
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Arrived { mode, .. } => Some(format!("+{}", mode.as_str())),
            EventKind::Left { mode, .. } => Some(format!("-{}", mode.as_str())),
            _ => None,
        })
        .collect();
    assert_eq!(
        modes,
        [
            "+normal",
            "-normal",
            "+recovery",
            "-recovery",
            "+recovery",
            "-recovery",
            "+normal",
            "-normal",
            "+recovery"
        ]
    );
    let keys: std::collections::BTreeSet<_> = r
        .events
        .iter()
        .filter_map(|e| e.device.as_ref().map(|d| d.key.clone()))
        .collect();
    assert_eq!(keys.len(), 1, "one device throughout: {keys:?}");
}

#[test]
fn a_log_that_reports_the_failure_first_is_diagnosed_before_the_device_returns() {
    let dir = tempfile::tempdir().unwrap();
    let mut r = Run::new(dir.path());
    for _ in 0..3 {
        r.poll(); // frames 1-3
    }
    r.write_log_to(8);
    for _ in 0..4 {
        r.poll(); // frames 4-7
    }
    r.write_log_to(29); // the whole failure, while the ramdisk is still on the bus
    let now = r.poll(); // frame 8: gone
    let d = diagnoses(&now);
    assert_eq!(d.len(), 1);
    assert!(matches!(
        d[0].kind,
        EventKind::Diagnosis {
            trigger: Trigger::LogFailure,
            category: Family::Usb,
            ..
        }
    ));
    let back = r.poll(); // frame 9: Recovery
    assert!(
        diagnoses(&back).is_empty(),
        "the same failure is not explained twice"
    );
}
