//! The store on disk: concurrent writers, a damaged file, the salted device key.

use rd_history::{Attempt, CheckupVerdict, DEFAULT_WAIT, FILE_NAME, Store, by_device, clear};
use rd_model::Family;
use std::path::Path;
use std::time::Duration;

/// The ECID of crates/device/tests/fixtures/two_hubs_dfu.json (an iPhone 8's serial string).
const ECID: u64 = 0x001A_2B3C_4D5E_6F26;

fn attempt(device: &str, at: u64, fp: &str) -> Attempt {
    Attempt {
        device: device.into(),
        product_type: Some("iPhone10,4".into()),
        at,
        command: "log".into(),
        tool: Some("idevicerestore".into()),
        outcome: "failure".into(),
        stage: Some("Sending filesystem".into()),
        stage_id: None,
        family: Family::Usb,
        error_codes: vec!["4013".into()],
        mode: Some("Recovery".into()),
        checkup: None,
        fingerprint: Some(fp.into()),
    }
}

fn open(dir: &Path) -> Store {
    let o = Store::open(dir, DEFAULT_WAIT).expect("opens");
    assert!(o.notice.is_none(), "{:?}", o.notice);
    o.store
}

#[test]
fn two_writers_opening_separately_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let per_thread = 15;
    let workers: Vec<_> = (0..2)
        .map(|t| {
            let dir = dir.path().to_path_buf();
            std::thread::spawn(move || {
                for i in 0..per_thread {
                    // Each write opens the store on its own, as a separate process does; redb's
                    // file lock makes the other writer wait and retry.
                    let store = Store::open(&dir, Duration::from_secs(60))
                        .expect("opens")
                        .store;
                    store
                        .record(&attempt(&format!("dev{t}"), i, &format!("{t}-{i}")))
                        .expect("records");
                }
            })
        })
        .collect();
    for w in workers {
        w.join().expect("writer finished");
    }
    let all = open(dir.path()).attempts().unwrap();
    assert_eq!(all.len(), 2 * per_thread as usize);
    let groups = by_device(all);
    assert_eq!(groups.len(), 2);
    assert!(
        groups
            .iter()
            .all(|g| g.attempts.len() == per_thread as usize)
    );
}

#[test]
fn a_held_store_makes_the_other_give_up_with_one_line_not_hang() {
    let dir = tempfile::tempdir().unwrap();
    let _held = open(dir.path());
    let err = match Store::open(dir.path(), Duration::from_millis(300)) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("a second open while the first is held must wait and give up"),
    };
    assert!(err.contains("in use by another restore-doctor"), "{err}");
    assert!(!err.contains('\n'));
}

#[test]
fn random_bytes_are_moved_aside_and_a_fresh_store_works() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(FILE_NAME);
    // Deterministic noise (an LCG), 64 KiB.
    let mut x: u32 = 0x1234_5678;
    let noise: Vec<u8> = (0..65_536)
        .map(|_| {
            x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (x >> 24) as u8
        })
        .collect();
    std::fs::write(&path, &noise).unwrap();
    let opened = Store::open(dir.path(), DEFAULT_WAIT).expect("a damaged store never stops us");
    let notice = opened.notice.expect("says it replaced the file");
    assert!(
        notice.contains("damaged") && notice.contains(".damaged-"),
        "{notice}"
    );
    assert!(!notice.contains('\n'));
    opened.store.record(&attempt("d", 1, "f")).unwrap();
    assert_eq!(opened.store.attempts().unwrap().len(), 1);
    let aside: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("history.redb.damaged-")
        })
        .collect();
    assert_eq!(aside.len(), 1);
    assert_eq!(
        std::fs::read(aside[0].path()).unwrap(),
        noise,
        "kept as it was"
    );
}

#[test]
fn a_real_store_with_a_damaged_body_is_moved_aside_too() {
    let dir = tempfile::tempdir().unwrap();
    {
        let s = open(dir.path());
        for i in 0..50 {
            s.record(&attempt("d", i, &i.to_string())).unwrap();
        }
    }
    let path = dir.path().join(FILE_NAME);
    let mut bytes = std::fs::read(&path).unwrap();
    // Keep redb's signature, overwrite the rest of the header and the body.
    for (i, b) in bytes.iter_mut().enumerate().skip(9) {
        *b = (i as u8).wrapping_mul(31).wrapping_add(7);
    }
    std::fs::write(&path, &bytes).unwrap();
    let opened = Store::open(dir.path(), DEFAULT_WAIT).expect("never a crash");
    // Either redb repairs it (then the store must work) or we replaced it with one line.
    if let Some(n) = &opened.notice {
        assert!(n.contains("damaged"), "{n}");
    }
    opened.store.record(&attempt("d", 99, "x")).unwrap();
    assert!(!opened.store.attempts().unwrap().is_empty());
}

#[test]
fn device_key_is_salted_and_never_shows_the_ecid() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let (sa, sb) = (open(a.path()), open(b.path()));
    let ka = sa.device_key(ECID);
    assert_eq!(ka, sa.device_key(ECID), "stable within a store");
    assert_ne!(ka, sb.device_key(ECID), "the salt differs per store");
    assert_ne!(ka, sa.device_key(ECID + 1));
    let forms = [
        format!("{ECID:x}"),
        format!("{ECID:X}"),
        format!("{ECID:016x}"),
        ECID.to_string(),
    ];
    for f in &forms {
        assert!(!ka.contains(f.as_str()) && !f.contains(&ka), "{ka} vs {f}");
    }
    // The key survives reopening (the salt is kept in the store).
    drop(sa);
    assert_eq!(open(a.path()).device_key(ECID), ka);
    // And the file holds no form of the ECID.
    let s = open(a.path());
    s.record(&attempt(&ka, 1, "f")).unwrap();
    drop(s);
    let raw = String::from_utf8_lossy(&std::fs::read(a.path().join(FILE_NAME)).unwrap())
        .to_ascii_lowercase();
    for f in &forms {
        assert!(!raw.contains(&f.to_ascii_lowercase()), "store holds {f}");
    }
}

#[test]
fn second_identical_failure_escalates_and_the_same_log_twice_is_one_attempt() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(dir.path());
    let key = s.device_key(ECID);
    assert_eq!(
        s.record_and_escalate(&attempt(&key, 100, "one")).unwrap(),
        None
    );
    // The same log again: not a second attempt.
    assert_eq!(
        s.record_and_escalate(&attempt(&key, 150, "one")).unwrap(),
        None
    );
    assert_eq!(s.attempts().unwrap().len(), 1);
    let e = s
        .record_and_escalate(&attempt(&key, 200, "two"))
        .unwrap()
        .expect("the second identical failure escalates");
    assert_eq!(e.rung, "dfu");
    assert!(e.reason.starts_with("second time"), "{}", e.reason);
    assert_eq!(s.attempts().unwrap().len(), 2);
}

#[test]
fn recent_checkup_is_kept_for_thirty_minutes() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(dir.path());
    assert_eq!(s.recent_checkup(1000), None);
    let v = CheckupVerdict {
        at: 1000,
        worst: "warn".into(),
        failures: 0,
        warnings: 2,
        problems: vec!["net.dns".into()],
    };
    s.record_checkup(&v).unwrap();
    assert_eq!(s.recent_checkup(1000 + 60), Some(v.clone()));
    assert_eq!(s.recent_checkup(1000 + 31 * 60), None);
}

#[test]
fn clear_removes_the_store() {
    let dir = tempfile::tempdir().unwrap();
    assert!(!clear(dir.path()).unwrap());
    drop(open(dir.path()));
    assert!(clear(dir.path()).unwrap());
    assert!(!dir.path().join(FILE_NAME).exists());
}
