//! Every finding id this crate writes as a literal, in one list, in the style of cargo-deny's
//! diagnostic codes: a test checks that no id is listed twice, that each literal id passed to
//! `Finding::new` in this crate is listed and each listed id is still used, and snapshots the list
//! so that a new, renamed or removed id shows up in review. Surfaces and documentation can rely on
//! the list being complete.

/// Every literal finding id of the USB, device and DFU checks, sorted.
pub const FINDING_IDS: &[&str] = &[
    "device.build.beta",
    "device.mode.wrong",
    "device.trust.missing",
    "device.trust.ok",
    "device.trust.unchecked",
    "dfu.already",
    "dfu.booted_normal",
    "dfu.bus_failed",
    "dfu.cancelled",
    "dfu.never_seen",
    "dfu.no_change",
    "dfu.other_mode",
    "dfu.reached",
    "dfu.vanished",
    "usb.driver.apple",
    "usb.driver.missing",
    "usb.driver.replaced",
    "usb.driver.stale",
    "usb.driver.unexpected",
    "usb.hub.chain",
    "usb.hub.direct",
    "usb.permission.denied",
    "usb.presence.none",
    "usb.presence.unavailable",
    "usb.speed.ok",
    "usb.speed.slow",
];

#[cfg(test)]
mod tests {
    use super::FINDING_IDS;

    #[test]
    fn finding_ids_are_unique_listed_and_used() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        if let Err(problems) = rd_kb::registry::check_finding_ids(FINDING_IDS, &src) {
            panic!("{}", problems.join("\n"));
        }
        insta::assert_snapshot!("finding_ids", FINDING_IDS.join("\n"));
    }

    #[test]
    fn usb_finding_ids_start_with_their_check() {
        for id in FINDING_IDS.iter().filter(|id| id.starts_with("usb.")) {
            let check = id.rsplit_once('.').map_or(*id, |(check, _)| check);
            assert!(
                rd_kb::CheckId::parse(check).is_some(),
                "{id}: no check {check}"
            );
        }
    }
}
