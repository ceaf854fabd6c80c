//! The host checks on captures of the real formats (tests/fixtures/*/, sources in
//! tests/fixtures/SOURCES.md). Each folder is one computer's captures as `HostInputs::from_dir`
//! reads them; expectations follow from what the captures show (a stopped service, a libusbK
//! driver on the DFU device, an older macOS), not from a run of this code.

use rd_host::{HostInputs, Platform, check};
use rd_model::{Finding, Severity};
use std::path::PathBuf;

fn dir(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn run(name: &str, platform: Platform) -> Vec<Finding> {
    let inputs = HostInputs::from_dir(platform, &dir(name)).expect("fixture folder reads");
    let findings = check(&inputs);
    well_formed(&findings);
    findings
}

/// Every finding belongs to a check in the data, problems carry remedies that resolve, and the
/// overview comes first with the worst severity.
fn well_formed(findings: &[Finding]) {
    assert_eq!(findings[0].id, "host.software");
    let worst = findings[1..].iter().map(|f| f.severity).max().unwrap();
    assert_eq!(findings[0].severity, worst);
    assert_eq!(findings[0].evidence.len(), findings.len() - 1);
    for f in findings {
        let owner = rd_kb::registry::lookup(rd_host::FINDING_IDS, &f.id)
            .unwrap_or_else(|| panic!("{} is not in FINDING_IDS", f.id));
        let rd_kb::registry::Verified::By(owner) = owner.verified else {
            panic!("{} has no check", f.id)
        };
        assert_eq!(Some(f.family), owner.def().family(), "{}", f.id);
        if f.severity >= Severity::Warn {
            assert!(!f.remedies.is_empty(), "{} has no remedy", f.id);
        }
        for r in &f.remedies {
            assert!(rd_kb::catalog::remedy(&r.id).is_some(), "{}", r.id);
        }
        assert!(!f.title.is_empty() && !f.explanation.is_empty(), "{}", f.id);
    }
}

fn find<'a>(findings: &'a [Finding], id: &str) -> &'a Finding {
    findings.iter().find(|f| f.id == id).unwrap_or_else(|| {
        panic!(
            "no {id} in {:?}",
            findings.iter().map(|f| &f.id).collect::<Vec<_>>()
        )
    })
}

fn evidence_text(f: &Finding) -> String {
    f.evidence
        .iter()
        .map(|e| format!("{} | {}\n", e.text, e.why))
        .collect()
}

#[test]
fn windows_store_apple_devices_with_iphone_bound() {
    let f = run("windows-apple-devices", Platform::Windows);
    let app = find(&f, "host.apple_devices");
    assert_eq!(app.severity, Severity::Ok);
    assert!(app.title.contains("1.1028.9986.0"), "{}", app.title);
    assert_eq!(find(&f, "host.itunes.absent").severity, Severity::Info);
    assert_eq!(find(&f, "host.amds.store").severity, Severity::Info);
    // The Store app has no Windows service: 1060 is expected there, not a failure.
    assert_eq!(find(&f, "host.amds_service.store").severity, Severity::Info);
    let usb = find(&f, "host.usb_driver");
    assert_eq!(usb.severity, Severity::Ok);
    assert!(
        evidence_text(usb).contains("MI_01"),
        "{}",
        evidence_text(usb)
    );
    assert_eq!(
        find(&f, "host.third_party_usb_driver").severity,
        Severity::Ok
    );
    assert!(f[0].severity <= Severity::Info);
    assert!(f[0].title.contains("10.0.18363.1139"), "{}", f[0].title);
}

#[test]
fn windows_installer_itunes_old_and_service_stopped() {
    let f = run("windows-itunes-stopped", Platform::Windows);
    let it = find(&f, "host.itunes.outdated");
    assert_eq!(it.severity, Severity::Warn);
    assert!(it.title.contains("12.12.9.4"));
    assert!(it.remedies.iter().any(|r| r.id == "update-itunes"));
    assert_eq!(find(&f, "host.amds.outdated").severity, Severity::Warn);
    let svc = find(&f, "host.amds_service.stopped");
    assert_eq!(svc.severity, Severity::Fail);
    assert!(evidence_text(svc).contains("1  STOPPED"));
    // Only an Apple keyboard and touch bar are connected: not a phone, so no binding verdict.
    assert_eq!(find(&f, "host.usb_driver.no_device").severity, Severity::Ok);
    assert_eq!(
        find(&f, "host.apple_devices.absent").severity,
        Severity::Info
    );
    assert_eq!(f[0].severity, Severity::Fail);
    assert!(f[0].remedies.iter().any(|r| r.id == "start-amds"));
}

#[test]
fn windows_zadig_driver_on_dfu_device() {
    let f = run("windows-zadig", Platform::Windows);
    let tp = find(&f, "host.third_party_usb_driver.bound");
    assert_eq!(tp.severity, Severity::Fail);
    assert!(tp.explanation.contains("oem73.inf"), "{}", tp.explanation);
    assert!(evidence_text(tp).contains("PID_1227"));
    assert_eq!(tp.remedies[0].id, "remove-libusb-driver");
    // The overview names the failure first and leads with its remedy.
    assert!(f[0].title.contains("libusb"), "{}", f[0].title);
    assert_eq!(f[0].remedies[0].id, "remove-libusb-driver");
    assert_eq!(find(&f, "host.usb_driver.unbound").severity, Severity::Warn);
    assert_eq!(find(&f, "host.amds").severity, Severity::Ok);
    assert_eq!(find(&f, "host.amds_service").severity, Severity::Ok);
    assert_eq!(find(&f, "host.itunes.installer").severity, Severity::Ok);
}

#[test]
fn windows_localized_pnputil_is_not_mistaken_for_a_missing_driver() {
    let f = run("windows-localized-pnputil", Platform::Windows);
    assert_eq!(
        find(&f, "host.usb_driver.unreadable").severity,
        Severity::Warn
    );
    assert!(!f.iter().any(|x| x.id == "host.usb_driver.missing"));
    // The other captures were not taken: said as such, not guessed.
    assert_eq!(
        find(&f, "host.amds_service.not_read").severity,
        Severity::Warn
    );
}

#[test]
fn windows_legacy_pnputil_listing_parses() {
    let text = std::fs::read(dir("windows-legacy-pnputil/pnputil_enum_drivers.txt")).unwrap();
    let drivers = rd_host::parse::windows::parse_drivers(&rd_host::parse::decode_text(&text));
    assert_eq!(drivers.len(), 4);
    assert_eq!(drivers[0].provider, "Advanced Micro Devices, Inc");
    let text = std::fs::read(dir("windows-legacy-pnputil/pnputil_enum_devices.txt")).unwrap();
    let devices = rd_host::parse::windows::parse_devices(&rd_host::parse::decode_text(&text));
    assert_eq!(devices.len(), 1);
    assert_eq!(devices[0].driver.as_deref(), Some("oem6.inf"));
    assert!(!devices[0].is_apple_mobile());
    let f = run("windows-legacy-pnputil", Platform::Windows);
    assert_eq!(find(&f, "host.usb_driver.missing").severity, Severity::Fail);
}

#[test]
fn pnputil_usage_text_is_not_a_device_list() {
    // futurerestore/futurerestore#18 (real): pnputil prints its usage for an unknown command.
    let usage = "Microsoft PnP Utility\n\nPNPUTIL [/add-driver <...> | /delete-driver <...> |\n         /export-driver <...> | /enum-drivers |\n         /enum-devices [<...>] | /enum-interfaces [<...>] |\n         /disable-device <...> | /enable-device <...> |\n         /restart-device <...> | /remove-device <...> |\n         /scan-devices [<...>] | /?]\n";
    let mut i = HostInputs::from_dir(Platform::Windows, &dir("windows-zadig")).unwrap();
    i.captures.insert(
        rd_host::names::PNP_DEVICES.into(),
        usage.as_bytes().to_vec(),
    );
    let f = check(&i);
    well_formed(&f);
    let usb = find(&f, "host.usb_driver.unbound_unknown");
    assert_eq!(usb.severity, Severity::Ok);
    assert!(usb.explanation.contains("not read"), "{}", usb.explanation);
}

#[test]
fn findstr_filtered_device_list_splits_records() {
    let text = std::fs::read(dir("windows-itunes-stopped/pnputil_enum_devices.txt")).unwrap();
    let devices = rd_host::parse::windows::parse_devices(&rd_host::parse::decode_text(&text));
    assert_eq!(devices.len(), 7);
    assert_eq!(devices[0].description, "Apple Keyboard Internal USB");
    assert!(devices.iter().all(|d| !d.is_apple_mobile()));
}

#[test]
fn macos_catalina_is_new_enough_and_device_support_not_yet_installed() {
    let f = run("macos-catalina", Platform::Macos);
    let v = find(&f, "host.macos_version");
    assert_eq!(v.severity, Severity::Ok);
    assert!(
        v.title.contains("10.15.5") && v.title.contains("18.3"),
        "{}",
        v.title
    );
    assert!(v.confidence.is_some());
    let md = find(&f, "host.mobiledevice_update.absent");
    assert_eq!(md.severity, Severity::Info);
    assert_eq!(md.remedies[0].id, "install-mobiledevice-update");
}

#[test]
fn macos_high_sierra_is_too_old_for_ios_17() {
    let f = run("macos-high-sierra", Platform::Macos);
    let v = find(&f, "host.macos_version.too_old");
    assert_eq!(v.severity, Severity::Warn);
    assert!(
        v.title.contains("10.13") && v.title.contains("10.15"),
        "{}",
        v.title
    );
    assert!(
        evidence_text(v).contains("recalled"),
        "the row says how sure it is"
    );
    let md = find(&f, "host.mobiledevice_update");
    assert!(evidence_text(md).contains("1100.0.1"));
    assert!(evidence_text(md).contains("installed 2019-01-16"));
}

#[test]
fn linux_debian_packages_installed_but_old() {
    let f = run("linux-debian12-packages", Platform::Linux);
    // No device connected and no systemd: installed, idle.
    assert_eq!(find(&f, "host.usbmuxd.idle").severity, Severity::Info);
    let idr = find(&f, "host.restore_tools.idevicerestore");
    assert_eq!(idr.severity, Severity::Warn);
    assert!(idr.title.contains("270 commits behind"), "{}", idr.title);
    assert_eq!(
        find(&f, "host.restore_tools.irecovery").severity,
        Severity::Warn
    );
    assert_eq!(
        find(&f, "host.restore_tools.usbmuxd").severity,
        Severity::Info
    );
    let udev = find(&f, "host.udev_rules");
    assert_eq!(udev.severity, Severity::Ok);
    assert_eq!(udev.evidence.len(), 2);
    assert!(
        f[0].title.starts_with("Debian GNU/Linux 12"),
        "{}",
        f[0].title
    );
}

#[test]
fn linux_running_with_current_tools() {
    let f = run("linux-running", Platform::Linux);
    assert_eq!(find(&f, "host.usbmuxd").severity, Severity::Ok);
    assert_eq!(
        find(&f, "host.restore_tools.idevicerestore").severity,
        Severity::Ok
    );
    let fr = find(&f, "host.restore_tools.futurerestore");
    assert_eq!(fr.severity, Severity::Info);
    assert!(fr.title.contains("12 commits behind"), "{}", fr.title);
}

#[test]
fn linux_without_usbmuxd() {
    let f = run("linux-no-usbmuxd", Platform::Linux);
    assert_eq!(find(&f, "host.usbmuxd.missing").severity, Severity::Fail);
    assert_eq!(find(&f, "host.udev_rules.missing").severity, Severity::Warn);
    assert_eq!(f[0].severity, Severity::Fail);
}

#[test]
fn captures_of_one_platform_read_as_another_say_not_read() {
    let f = run("macos-catalina", Platform::Windows);
    for id in ["host.amds_service.not_read", "host.usb_driver.not_read"] {
        assert_eq!(find(&f, id).severity, Severity::Warn);
    }
}

#[test]
fn every_fixture_folder_is_cited_in_sources() {
    let sources = std::fs::read_to_string(dir("SOURCES.md")).unwrap();
    for e in std::fs::read_dir(dir("")).unwrap() {
        let e = e.unwrap();
        if e.path().is_dir() {
            let name = e.file_name().to_string_lossy().into_owned();
            assert!(
                sources.contains(&format!("## {name}")),
                "{name} not in SOURCES.md"
            );
        }
    }
}

#[test]
fn garbage_never_panics() {
    let mut i = HostInputs::new(Platform::Windows, "garbage");
    for name in [
        rd_host::names::REG_UNINSTALL,
        rd_host::names::APPX_PACKAGES,
        rd_host::names::SC_AMDS,
        rd_host::names::PNP_DRIVERS,
        rd_host::names::PNP_DEVICES,
        rd_host::names::SW_VERS,
        rd_host::names::MD_PLIST,
        rd_host::names::PKGUTIL_MD,
        rd_host::names::SYSTEMCTL_USBMUXD,
        rd_host::names::DPKG_QUERY,
        "tool_idevicerestore.txt",
        "tool_futurerestore.txt",
        "udev/x.rules",
    ] {
        i.captures.insert(
            name.into(),
            b"\xff\xfe\x00:\n    REG_\nAppleInc._\nSTATE\nVersion: - x\nPID_\n".to_vec(),
        );
    }
    for p in [Platform::Windows, Platform::Macos, Platform::Linux] {
        i.platform = p;
        well_formed(&check(&i));
    }
}
