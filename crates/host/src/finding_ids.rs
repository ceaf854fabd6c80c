//! Every finding id this crate emits, as a registry in the style of cargo-deny's diagnostic codes
//! (see `rd_kb::registry`): each id starts with the id of the host check that produced it (a row
//! of the knowledge base's checks table with a `[check.host]` part) and is mapped to it through
//! `check_id!`, so a check missing from the table fails the build. All of them are built by
//! [`crate::checks::finding`] from a check id and a suffix; `tests/it/registry.rs` runs the checks
//! on every capture fixture and on empty inputs and finds nothing unlisted, checks that every
//! listed suffix is still written in the sources, and snapshots the list.

use rd_kb::check_id;
use rd_kb::registry::FindingId;

/// Every finding id of the host-software checks, in check order.
pub const FINDING_IDS: &[FindingId] = &[
    FindingId::check("host.software", check_id!("host.software")).built(),
    FindingId::check("host.apple_devices", check_id!("host.apple_devices")).built(),
    FindingId::check("host.apple_devices.absent", check_id!("host.apple_devices")).built(),
    FindingId::check(
        "host.apple_devices.missing",
        check_id!("host.apple_devices"),
    )
    .built(),
    FindingId::check(
        "host.apple_devices.not_read",
        check_id!("host.apple_devices"),
    )
    .built(),
    FindingId::check("host.itunes.absent", check_id!("host.itunes")).built(),
    FindingId::check("host.itunes.installer", check_id!("host.itunes")).built(),
    FindingId::check("host.itunes.not_read", check_id!("host.itunes")).built(),
    FindingId::check("host.itunes.outdated", check_id!("host.itunes")).built(),
    FindingId::check("host.itunes.store", check_id!("host.itunes")).built(),
    FindingId::check("host.amds", check_id!("host.amds")).built(),
    FindingId::check("host.amds.missing", check_id!("host.amds")).built(),
    FindingId::check("host.amds.not_read", check_id!("host.amds")).built(),
    FindingId::check("host.amds.outdated", check_id!("host.amds")).built(),
    FindingId::check("host.amds.store", check_id!("host.amds")).built(),
    FindingId::check("host.amds_service", check_id!("host.amds_service")).built(),
    FindingId::check("host.amds_service.missing", check_id!("host.amds_service")).built(),
    FindingId::check("host.amds_service.not_read", check_id!("host.amds_service")).built(),
    FindingId::check("host.amds_service.state", check_id!("host.amds_service")).built(),
    FindingId::check("host.amds_service.stopped", check_id!("host.amds_service")).built(),
    FindingId::check("host.amds_service.store", check_id!("host.amds_service")).built(),
    FindingId::check("host.amds_service.unknown", check_id!("host.amds_service")).built(),
    FindingId::check("host.usb_driver", check_id!("host.usb_driver")).built(),
    FindingId::check("host.usb_driver.missing", check_id!("host.usb_driver")).built(),
    FindingId::check("host.usb_driver.no_device", check_id!("host.usb_driver")).built(),
    FindingId::check("host.usb_driver.not_read", check_id!("host.usb_driver")).built(),
    FindingId::check("host.usb_driver.unbound", check_id!("host.usb_driver")).built(),
    FindingId::check(
        "host.usb_driver.unbound_unknown",
        check_id!("host.usb_driver"),
    )
    .built(),
    FindingId::check("host.usb_driver.unreadable", check_id!("host.usb_driver")).built(),
    FindingId::check(
        "host.third_party_usb_driver",
        check_id!("host.third_party_usb_driver"),
    )
    .built(),
    FindingId::check(
        "host.third_party_usb_driver.bound",
        check_id!("host.third_party_usb_driver"),
    )
    .built(),
    FindingId::check(
        "host.third_party_usb_driver.for_apple",
        check_id!("host.third_party_usb_driver"),
    )
    .built(),
    FindingId::check(
        "host.third_party_usb_driver.not_read",
        check_id!("host.third_party_usb_driver"),
    )
    .built(),
    FindingId::check(
        "host.third_party_usb_driver.other_devices",
        check_id!("host.third_party_usb_driver"),
    )
    .built(),
    FindingId::check("host.macos_version", check_id!("host.macos_version")).built(),
    FindingId::check("host.macos_version.no_row", check_id!("host.macos_version")).built(),
    FindingId::check(
        "host.macos_version.not_read",
        check_id!("host.macos_version"),
    )
    .built(),
    FindingId::check(
        "host.macos_version.too_old",
        check_id!("host.macos_version"),
    )
    .built(),
    FindingId::check(
        "host.macos_version.unreadable",
        check_id!("host.macos_version"),
    )
    .built(),
    FindingId::check(
        "host.mobiledevice_update",
        check_id!("host.mobiledevice_update"),
    )
    .built(),
    FindingId::check(
        "host.mobiledevice_update.absent",
        check_id!("host.mobiledevice_update"),
    )
    .built(),
    FindingId::check(
        "host.mobiledevice_update.not_read",
        check_id!("host.mobiledevice_update"),
    )
    .built(),
    FindingId::check("host.usbmuxd", check_id!("host.usbmuxd")).built(),
    FindingId::check("host.usbmuxd.failed", check_id!("host.usbmuxd")).built(),
    FindingId::check("host.usbmuxd.idle", check_id!("host.usbmuxd")).built(),
    FindingId::check("host.usbmuxd.missing", check_id!("host.usbmuxd")).built(),
    FindingId::check("host.usbmuxd.not_found", check_id!("host.usbmuxd")).built(),
    FindingId::check("host.usbmuxd.not_read", check_id!("host.usbmuxd")).built(),
    FindingId::check("host.udev_rules", check_id!("host.udev_rules")).built(),
    FindingId::check("host.udev_rules.missing", check_id!("host.udev_rules")).built(),
    FindingId::check("host.udev_rules.not_read", check_id!("host.udev_rules")).built(),
    FindingId::check("host.restore_tools", check_id!("host.restore_tools")).built(),
    FindingId::check(
        "host.restore_tools.futurerestore",
        check_id!("host.restore_tools"),
    )
    .built(),
    FindingId::check(
        "host.restore_tools.idevicerestore",
        check_id!("host.restore_tools"),
    )
    .built(),
    FindingId::check(
        "host.restore_tools.irecovery",
        check_id!("host.restore_tools"),
    )
    .built(),
    FindingId::check(
        "host.restore_tools.usbmuxd",
        check_id!("host.restore_tools"),
    )
    .built(),
];
