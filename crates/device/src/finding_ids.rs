//! Every finding id this crate emits, in one list, in the style of cargo-deny's diagnostic codes
//! (see `rd_kb::registry`): each with the check that verifies it (through `check_id!`, so a check
//! missing from the knowledge base fails the build) or the allow-listed reason none does. A test
//! checks that no id is listed twice, that each mapping agrees with the id's name, that each
//! literal id passed to `Finding::new` in this crate is listed and each listed literal is still
//! used, runs the USB checks over every recorded bus for the ids built with `format!`, and
//! snapshots the list so that a new, renamed or remapped id shows up in review.
//!
//! `device.build.beta` has no check: the build is read once from a booted device, and what to do
//! about it is its remedy (`leave-beta`).

use rd_kb::check_id;
use rd_kb::registry::{FindingId, NoCheck};

/// Every finding id of the USB, device and DFU checks, sorted.
pub const FINDING_IDS: &[FindingId] = &[
    FindingId::no_check("device.build.beta", NoCheck::DeviceBuild),
    FindingId::check("device.mode.{mode}", check_id!("device.mode")).built(),
    FindingId::check("device.mode.wrong", check_id!("device.mode")),
    FindingId::check("device.trust.missing", check_id!("device.trust")),
    FindingId::check("device.trust.ok", check_id!("device.trust")),
    FindingId::check("device.trust.unchecked", check_id!("device.trust")),
    FindingId::no_check("dfu.already", NoCheck::DfuHelper),
    FindingId::no_check("dfu.booted_normal", NoCheck::DfuHelper),
    FindingId::no_check("dfu.bus_failed", NoCheck::DfuHelper),
    FindingId::no_check("dfu.cancelled", NoCheck::DfuHelper),
    FindingId::no_check("dfu.never_seen", NoCheck::DfuHelper),
    FindingId::no_check("dfu.no_change", NoCheck::DfuHelper),
    FindingId::no_check("dfu.other_mode", NoCheck::DfuHelper),
    FindingId::no_check("dfu.reached", NoCheck::DfuHelper),
    FindingId::no_check("dfu.vanished", NoCheck::DfuHelper),
    FindingId::check("usb.driver.apple", check_id!("usb.driver")),
    FindingId::check("usb.driver.missing", check_id!("usb.driver")),
    FindingId::check("usb.driver.replaced", check_id!("usb.driver")),
    FindingId::check("usb.driver.stale", check_id!("usb.driver")),
    FindingId::check("usb.driver.unexpected", check_id!("usb.driver")),
    FindingId::check("usb.hub.chain", check_id!("usb.hub")),
    FindingId::check("usb.hub.direct", check_id!("usb.hub")),
    FindingId::check("usb.permission.denied", check_id!("usb.permission")),
    FindingId::check("usb.presence.none", check_id!("usb.presence")),
    FindingId::check("usb.presence.unavailable", check_id!("usb.presence")),
    FindingId::check("usb.speed.ok", check_id!("usb.speed")),
    FindingId::check("usb.speed.slow", check_id!("usb.speed")),
];

#[cfg(test)]
mod tests {
    use super::FINDING_IDS;
    use crate::findings::{ModeNeed, UsbCheckOptions, usb_findings};
    use rd_kb::registry;

    #[test]
    fn finding_ids_are_unique_listed_and_used() {
        insta::assert_snapshot!(
            "finding_ids",
            registry::verified_snapshot(FINDING_IDS, env!("CARGO_MANIFEST_DIR"))
        );
    }

    #[test]
    fn usb_checks_on_every_recorded_bus_emit_only_listed_ids() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let mut emitted = Vec::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let Ok(bus) = crate::fake::FakeBus::load(&path) else {
                continue;
            };
            for need in [
                ModeNeed::Any,
                ModeNeed::Normal,
                ModeNeed::RecoveryOrDfu,
                ModeNeed::Dfu,
            ] {
                let opts = UsbCheckOptions {
                    need,
                    query_lockdown: false,
                };
                emitted.extend(usb_findings(&bus, &opts).into_iter().map(|f| f.id));
            }
        }
        assert!(
            emitted
                .iter()
                .any(|id| id.starts_with("device.mode.") && id != "device.mode.wrong"),
            "the fixtures reach a built device.mode id: {emitted:?}"
        );
        let unlisted = registry::unlisted(FINDING_IDS, emitted.iter().map(String::as_str));
        assert!(unlisted.is_empty(), "not in FINDING_IDS: {unlisted:?}");
    }
}
