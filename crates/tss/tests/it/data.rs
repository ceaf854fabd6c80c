//! The embedded tables are sound.

use rd_tss::status::{StatusVerdict, lookup, table, validate, verdict_of};

#[test]
fn status_table_is_sound() {
    assert_eq!(validate(), Vec::<String>::new());
    assert_eq!(rd_tss::chips::validate(), Vec::<String>::new());
}

#[test]
fn status_meanings_hold_the_known_facts() {
    assert_eq!(verdict_of(0), StatusVerdict::Signed);
    assert_eq!(verdict_of(94), StatusVerdict::NotSigned);
    assert_eq!(verdict_of(69), StatusVerdict::NotSigned);
    // 100 and 126: a malformed request, a tool matter, not Apple failing.
    assert_eq!(verdict_of(100), StatusVerdict::RequestRejected);
    assert_eq!(verdict_of(126), StatusVerdict::RequestRejected);
    assert_eq!(lookup(126).unwrap().family, rd_model::Family::RestoreTool);
    // 128 and 168 are never "not signed".
    for c in [128, 168] {
        assert_eq!(verdict_of(c), StatusVerdict::ServerError);
    }
    assert!(
        lookup(94).unwrap().caveat.is_some(),
        "94 must warn about false refusals"
    );
    assert_eq!(verdict_of(9999), StatusVerdict::Unknown);
    // Only 0 means signed.
    assert!(
        table()
            .iter()
            .all(|s| (s.verdict == StatusVerdict::Signed) == (s.code == 0))
    );
}

#[test]
fn every_device_chip_has_a_row() {
    // iPhone/iPad/iPod touch chips (from ../shared/data/devices.json) are listed explicitly.
    for cpid in [
        0x8720, 0x8900, 0x8920, 0x8922, 0x8930, 0x8940, 0x8942, 0x8945, 0x8950, 0x8955, 0x8960,
        0x7000, 0x7001, 0x8000, 0x8001, 0x8003, 0x8010, 0x8011, 0x8015, 0x8020, 0x8027, 0x8030,
        0x8101, 0x8103, 0x8110, 0x8120,
    ] {
        assert!(
            rd_tss::chips::chips()
                .iter()
                .any(|c| u64::from(c.cpid) == cpid),
            "0x{cpid:04X} missing"
        );
    }
}
