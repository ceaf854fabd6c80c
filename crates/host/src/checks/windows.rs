//! Windows: Apple Devices or iTunes (Store or Apple's installer) and their versions, Apple Mobile
//! Device Support, its service, Apple's USB driver and libusb-style drivers on Apple devices.

use super::{finding, not_read, quote};
use crate::inputs::{HostInputs, names};
use crate::parse::version::{older, store_itunes_version};
use crate::parse::windows::{
    DriverPackage, Installed, PnpDevice, ServiceState, StorePackage, installed_programs,
    parse_devices, parse_drivers, parse_registry, parse_sc_query, store_packages,
};
use crate::spec;
use rd_model::{Confidence, Evidence, Finding, Severity};

/// What is installed, as read from the registry and the Store package list.
struct Apps {
    uninstall_read: bool,
    store_read: bool,
    programs: Vec<Installed>,
    store: Vec<StorePackage>,
}

impl Apps {
    fn read(i: &HostInputs) -> Apps {
        let reg = i.text(names::REG_UNINSTALL);
        let appx = i.text(names::APPX_PACKAGES);
        Apps {
            uninstall_read: reg.is_some(),
            store_read: appx.is_some(),
            programs: reg
                .map(|t| installed_programs(&parse_registry(&t)))
                .unwrap_or_default(),
            store: appx.map(|t| store_packages(&t)).unwrap_or_default(),
        }
    }

    fn program(&self, name: &str) -> Option<&Installed> {
        self.programs
            .iter()
            .filter(|p| p.name.eq_ignore_ascii_case(name))
            .max_by(|a, b| {
                let (x, y) = (
                    a.version.as_deref().unwrap_or("0"),
                    b.version.as_deref().unwrap_or("0"),
                );
                if older(x, y) {
                    std::cmp::Ordering::Less
                } else {
                    std::cmp::Ordering::Greater
                }
            })
    }

    fn store_pkg(&self, name: &str) -> Option<&StorePackage> {
        self.store
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
    }

    fn apple_devices(&self) -> Option<&StorePackage> {
        self.store_pkg("AppleInc.AppleDevices")
    }

    fn store_itunes(&self) -> Option<&StorePackage> {
        self.store_pkg("AppleInc.iTunes")
    }

    fn installer_itunes(&self) -> Option<&Installed> {
        self.program("iTunes")
    }

    fn amds(&self) -> Option<&Installed> {
        self.program("Apple Mobile Device Support")
    }

    fn any_store_app(&self) -> bool {
        self.apple_devices().is_some() || self.store_itunes().is_some()
    }
}

/// Every Windows finding.
pub fn findings(i: &HostInputs) -> Vec<Finding> {
    let apps = Apps::read(i);
    let mut out = vec![
        apple_devices(&apps),
        itunes(&apps),
        amds(&apps),
        amds_service(i, &apps),
    ];
    out.extend(usb_drivers(i));
    out
}

fn store_evidence(p: &StorePackage) -> Evidence {
    quote(
        p.full_name.clone(),
        "Microsoft Store package",
        names::APPX_PACKAGES,
    )
}

fn apple_devices(apps: &Apps) -> Finding {
    const ID: rd_kb::CheckId = rd_kb::check_id!("host.apple_devices");
    if let Some(p) = apps.apple_devices() {
        let v = p.version.as_deref().unwrap_or("version not shown");
        return finding(
            ID,
            None,
            Severity::Ok,
            format!("Apple Devices app {v} is installed (Microsoft Store)"),
            "Apple Devices handles iPhone, iPad and iPod updates and restores on Windows and brings its own device driver; the Store keeps it up to date.",
        )
        .with_evidence(store_evidence(p));
    }
    if !apps.store_read && !apps.uninstall_read {
        return not_read(ID, "The list of installed apps", names::APPX_PACKAGES);
    }
    if apps.installer_itunes().is_some() || apps.store_itunes().is_some() {
        return finding(
            ID,
            Some("absent"),
            Severity::Info,
            "Apple Devices app is not installed; iTunes handles devices",
            "iTunes restores devices too. On Windows 10 and 11, Apple's current app for devices is Apple Devices from the Microsoft Store.",
        );
    }
    if !apps.store_read {
        return not_read(ID, "The list of Store apps", names::APPX_PACKAGES);
    }
    finding(
        ID,
        Some("missing"),
        Severity::Fail,
        "Neither Apple Devices nor iTunes is installed",
        "Windows needs Apple's software to restore or update an iPhone or iPad: it brings the USB driver and the service that talk to the device.",
    )
    .with_confidence(if apps.uninstall_read { Confidence::High } else { Confidence::Medium })
}

fn itunes(apps: &Apps) -> Finding {
    const ID: rd_kb::CheckId = rd_kb::check_id!("host.itunes");
    let w = spec::windows();
    let newest = &w.itunes_newest;
    let with_devices = apps.apple_devices().is_some();
    let coexist = "Apple Devices is installed too: while it is, Apple Devices (not iTunes) manages and restores iPhones and iPads.";
    if let Some(p) = apps.store_itunes() {
        let v = p.version.as_deref().map(store_itunes_version);
        let shown = v.clone().unwrap_or_else(|| "version not shown".into());
        let mut f = finding(
            ID,
            Some("store"),
            if with_devices { Severity::Info } else { Severity::Ok },
            format!("iTunes {shown} from the Microsoft Store"),
            if with_devices {
                coexist.to_string()
            } else {
                "The Store version of iTunes updates through the Microsoft Store (Library > Get updates).".to_string()
            },
        )
        .with_evidence(store_evidence(p));
        if let Some(inst) = apps.installer_itunes() {
            f = f.with_evidence(quote(
                format!("{} {}", inst.name, inst.version.as_deref().unwrap_or("")),
                "Apple's installer version is registered too; two copies of iTunes compete for the device",
                names::REG_UNINSTALL,
            ));
        }
        return f;
    }
    if let Some(inst) = apps.installer_itunes() {
        let v = inst.version.clone().unwrap_or_default();
        let ev = quote(
            format!(
                "{}: DisplayName {}, DisplayVersion {v}",
                inst.key, inst.name
            ),
            "Apple's installer registers iTunes in the Uninstall keys",
            names::REG_UNINSTALL,
        );
        let newest_ev = Evidence::new(
            format!("newest known iTunes {newest}"),
            w.itunes_source.clone(),
        );
        if older(&v, newest) {
            return finding(
                ID,
                Some("outdated"),
                Severity::Warn,
                format!("iTunes {v} (Apple's installer) is older than {newest}"),
                format!(
                    "Older iTunes versions may not know newer devices and firmware. {}",
                    if with_devices {
                        coexist
                    } else {
                        "Update it, or switch to Apple Devices from the Microsoft Store."
                    }
                ),
            )
            .with_evidence(ev)
            .with_evidence(newest_ev)
            .with_confidence(Confidence::Medium);
        }
        return finding(
            ID,
            Some("installer"),
            if with_devices {
                Severity::Info
            } else {
                Severity::Ok
            },
            format!("iTunes {v} (Apple's installer) is current"),
            if with_devices {
                coexist.to_string()
            } else {
                "iTunes from Apple's website; Apple Software Update keeps it current.".to_string()
            },
        )
        .with_evidence(ev)
        .with_evidence(newest_ev);
    }
    if !apps.uninstall_read {
        return not_read(ID, "The Uninstall registry keys", names::REG_UNINSTALL);
    }
    finding(
        ID,
        Some("absent"),
        Severity::Info,
        "iTunes is not installed",
        if with_devices {
            "Not needed: Apple Devices handles devices."
        } else {
            "See the Apple Devices finding: one of the two is needed."
        },
    )
}

fn amds(apps: &Apps) -> Finding {
    const ID: rd_kb::CheckId = rd_kb::check_id!("host.amds");
    let w = spec::windows();
    if let Some(a) = apps.amds() {
        let v = a.version.clone().unwrap_or_default();
        let ev = quote(
            format!("{}: DisplayName {}, DisplayVersion {v}", a.key, a.name),
            "registered by Apple's installer",
            names::REG_UNINSTALL,
        );
        let newest = Evidence::new(
            format!("newest known {}", w.amds_newest),
            w.amds_source.clone(),
        );
        if older(&v, &w.amds_newest) {
            return finding(
                ID,
                Some("outdated"),
                Severity::Warn,
                format!("Apple Mobile Device Support {v} is older than {}", w.amds_newest),
                "Apple Mobile Device Support carries the driver and service that talk to the device; older versions may not know newer devices or firmware. Updating iTunes (or installing Apple Devices) updates it.",
            )
            .with_evidence(ev)
            .with_evidence(newest)
            .with_confidence(Confidence::Medium);
        }
        return finding(
            ID,
            None,
            Severity::Ok,
            format!("Apple Mobile Device Support {v} is installed"),
            "The driver and service package Apple's installer provides is present and current.",
        )
        .with_evidence(ev)
        .with_evidence(newest);
    }
    if !apps.uninstall_read {
        return not_read(ID, "The Uninstall registry keys", names::REG_UNINSTALL);
    }
    if apps.any_store_app() {
        return finding(
            ID,
            Some("store"),
            Severity::Info,
            "No separate Apple Mobile Device Support: the Store app carries its own",
            "Store versions of Apple Devices and iTunes bring the device components inside their package, so no 'Apple Mobile Device Support' entry is expected in Apps & features.",
        )
        .with_confidence(Confidence::Medium);
    }
    if let Some(it) = apps.installer_itunes() {
        return finding(
            ID,
            Some("missing"),
            Severity::Fail,
            "iTunes is installed but Apple Mobile Device Support is missing",
            "Without Apple Mobile Device Support, iTunes cannot see or restore a device.",
        )
        .with_evidence(quote(
            format!("{} {}", it.name, it.version.as_deref().unwrap_or("")),
            "iTunes is registered, but no 'Apple Mobile Device Support' entry is",
            names::REG_UNINSTALL,
        ))
        .with_confidence(Confidence::High);
    }
    finding(
        ID,
        Some("missing"),
        Severity::Warn,
        "Apple Mobile Device Support is not installed",
        "It comes with iTunes from Apple's website; Apple Devices from the Microsoft Store carries its own.",
    )
}

fn amds_service(i: &HostInputs, apps: &Apps) -> Finding {
    const ID: rd_kb::CheckId = rd_kb::check_id!("host.amds_service");
    let Some(text) = i.text(names::SC_AMDS) else {
        return not_read(ID, "The Apple Mobile Device Service state", names::SC_AMDS);
    };
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("STATE"))
        .or_else(|| text.lines().find(|l| !l.trim().is_empty()))
        .unwrap_or("")
        .trim()
        .to_string();
    let ev = quote(
        line,
        "sc query \"Apple Mobile Device Service\"",
        names::SC_AMDS,
    );
    match parse_sc_query(&text) {
        ServiceState::Running => finding(
            ID,
            None,
            Severity::Ok,
            "Apple Mobile Device Service is running",
            "The service that connects iTunes to the device is up.",
        )
        .with_evidence(ev),
        ServiceState::Stopped => finding(
            ID,
            Some("stopped"),
            Severity::Fail,
            "Apple Mobile Device Service is stopped",
            "iTunes cannot see a connected device while this service is stopped.",
        )
        .with_evidence(ev)
        .with_confidence(Confidence::High),
        ServiceState::Other(state) => finding(
            ID,
            Some("state"),
            Severity::Warn,
            format!("Apple Mobile Device Service is {state}"),
            "The service is neither running nor stopped; if it stays like this, restart the computer or reinstall Apple Mobile Device Support.",
        )
        .with_evidence(ev),
        ServiceState::NotInstalled if apps.amds().is_none() && apps.any_store_app() => finding(
            ID,
            Some("store"),
            Severity::Info,
            "No Apple Mobile Device Service: the Store app runs its own device process",
            "Store versions of iTunes run AppleMobileDeviceProcess from their package instead of this Windows service (Apple's list of iTunes background processes names both); the Store app is assumed to do the same. If the app does not see the device, reinstall it from the Microsoft Store.",
        )
        .with_evidence(ev)
        .with_confidence(Confidence::Low),
        ServiceState::NotInstalled => finding(
            ID,
            Some("missing"),
            if apps.amds().is_some() { Severity::Fail } else { Severity::Warn },
            "Apple Mobile Device Service does not exist",
            if apps.amds().is_some() {
                "Apple Mobile Device Support is registered but its service is gone: the install is damaged."
            } else {
                "The service comes with Apple Mobile Device Support (installed with iTunes from Apple's website)."
            },
        )
        .with_evidence(ev),
        ServiceState::Unknown(first) => finding(
            ID,
            Some("unknown"),
            Severity::Warn,
            "The Apple Mobile Device Service state could not be read",
            format!("sc answered: {first}"),
        )
        .with_evidence(ev),
    }
}

fn lower(s: &str) -> String {
    s.to_ascii_lowercase()
}

fn is_apple_package(p: &DriverPackage) -> bool {
    let w = spec::windows();
    let orig = lower(&p.original);
    if !orig.is_empty() {
        return w.apple_driver_infs.contains(&orig);
    }
    // Legacy `pnputil -e` has no original name: Apple's provider on a USB-class package.
    lower(&p.provider).starts_with("apple") && lower(&p.class).contains("usb")
}

fn is_third_party(p: &DriverPackage) -> bool {
    let w = spec::windows();
    let (prov, class) = (lower(&p.provider), lower(&p.class));
    w.third_party_providers
        .iter()
        .any(|t| prov.contains(t.as_str()))
        || w.third_party_classes
            .iter()
            .any(|t| class.contains(t.as_str()))
}

fn names_apple(p: &DriverPackage) -> bool {
    let o = lower(&p.original);
    ["apple", "iphone", "ipad", "ipod", "dfu", "recovery", "05ac"]
        .iter()
        .any(|k| o.contains(k))
}

fn pkg_line(p: &DriverPackage) -> String {
    format!(
        "{} ({}), provider {}, class {}, {}",
        p.published, p.original, p.provider, p.class, p.version
    )
}

fn dev_line(d: &PnpDevice) -> String {
    format!(
        "{} — {} [{}], driver {}",
        d.instance_id,
        d.description,
        d.status,
        d.driver.as_deref().unwrap_or("none")
    )
}

/// `host.usb_driver` and `host.third_party_usb_driver`.
fn usb_drivers(i: &HostInputs) -> Vec<Finding> {
    let Some(dtext) = i.text(names::PNP_DRIVERS) else {
        return vec![
            not_read(
                rd_kb::check_id!("host.usb_driver"),
                "The driver list (pnputil /enum-drivers)",
                names::PNP_DRIVERS,
            ),
            not_read(
                rd_kb::check_id!("host.third_party_usb_driver"),
                "The driver list (pnputil /enum-drivers)",
                names::PNP_DRIVERS,
            ),
        ];
    };
    let drivers = parse_drivers(&dtext);
    // Windows before 10 2004 answers `/enum-devices` with its usage text: that is not a list.
    let devices_text = i
        .text(names::PNP_DEVICES)
        .filter(|t| t.contains("Instance ID") || !t.contains("/add-driver"));
    let devices: Vec<PnpDevice> = devices_text
        .as_deref()
        .map(parse_devices)
        .unwrap_or_default()
        .into_iter()
        .filter(PnpDevice::is_apple_mobile)
        .collect();
    let pkg_of = |d: &PnpDevice| {
        d.driver
            .as_deref()
            .and_then(|n| drivers.iter().find(|p| p.published.eq_ignore_ascii_case(n)))
    };
    let apple_pkgs: Vec<&DriverPackage> = drivers.iter().filter(|p| is_apple_package(p)).collect();
    let third: Vec<&DriverPackage> = drivers.iter().filter(|p| is_third_party(p)).collect();

    // host.usb_driver
    let usb = {
        const ID: rd_kb::CheckId = rd_kb::check_id!("host.usb_driver");
        let bound: Vec<&PnpDevice> = devices
            .iter()
            .filter(|d| pkg_of(d).is_some_and(is_apple_package))
            .collect();
        let pkg_ev = apple_pkgs.iter().map(|p| {
            quote(
                pkg_line(p),
                "Apple's USB driver package",
                names::PNP_DRIVERS,
            )
        });
        if drivers.is_empty() {
            finding(
                ID,
                Some("unreadable"),
                Severity::Warn,
                "The driver list could not be understood",
                "pnputil printed no driver packages in the expected (English) format, so Apple's driver was not checked. Look in Device Manager for 'Apple Mobile Device USB Driver'.",
            )
        } else if apple_pkgs.is_empty() {
            finding(
                ID,
                Some("missing"),
                Severity::Fail,
                "Apple's USB driver is not installed",
                "Neither usbaapl64.inf (Apple Mobile Device Support) nor appleusb.inf (Apple Devices) is in the driver store, so Windows cannot talk to the device in normal, Recovery or DFU mode.",
            )
            .with_confidence(Confidence::High)
        } else if !bound.is_empty() {
            let mut f = finding(
                ID,
                None,
                Severity::Ok,
                "Apple's USB driver is installed and bound to the connected device",
                "Windows uses Apple's driver for the connected Apple device.",
            )
            .with_evidence_all(pkg_ev);
            for d in bound {
                f = f.with_evidence(quote(
                    dev_line(d),
                    "bound to Apple's driver",
                    names::PNP_DEVICES,
                ));
            }
            f
        } else if devices.is_empty() {
            finding(
                ID,
                if devices_text.is_some() { Some("no_device") } else { Some("unbound_unknown") },
                Severity::Ok,
                "Apple's USB driver is installed",
                if devices_text.is_some() {
                    "No Apple device is connected, so which driver it binds to was not checked."
                } else {
                    "The connected-device list was not read, so which driver binds to the device was not checked."
                },
            )
            .with_evidence_all(pkg_ev)
        } else {
            let mut f = finding(
                ID,
                Some("unbound"),
                Severity::Warn,
                "The connected Apple device does not use Apple's driver",
                "Apple's driver is installed, but no node of the connected Apple device is bound to it (a problem code, a missing driver, or another driver took it).",
            )
            .with_evidence_all(pkg_ev);
            for d in &devices {
                f = f.with_evidence(quote(dev_line(d), "Apple device node", names::PNP_DEVICES));
            }
            f
        }
    };

    // host.third_party_usb_driver
    let tp = {
        const ID: rd_kb::CheckId = rd_kb::check_id!("host.third_party_usb_driver");
        let on_apple: Vec<(&PnpDevice, &DriverPackage)> = devices
            .iter()
            .filter_map(|d| pkg_of(d).filter(|p| is_third_party(p)).map(|p| (d, p)))
            .collect();
        if let Some((_, p)) = on_apple.first() {
            let mut f = finding(
                ID,
                Some("bound"),
                Severity::Fail,
                format!("A libusb-style driver ({}) is bound to the Apple device", p.provider),
                format!(
                    "A tool such as Zadig replaced Apple's driver on this device. iTunes and Apple Devices cannot use the device until that driver is removed (for example `pnputil /delete-driver {} /uninstall` in an administrator prompt, then reconnect).",
                    p.published
                ),
            )
            .with_confidence(Confidence::High);
            for (d, p) in &on_apple {
                f = f
                    .with_evidence(quote(
                        dev_line(d),
                        "Apple device bound to a third-party driver",
                        names::PNP_DEVICES,
                    ))
                    .with_evidence(quote(
                        pkg_line(p),
                        "the third-party package",
                        names::PNP_DRIVERS,
                    ));
            }
            f
        } else if let Some(p) = third.iter().find(|p| names_apple(p)) {
            finding(
                ID,
                Some("for_apple"),
                Severity::Warn,
                format!("A libusb-style driver package made for an Apple device is installed ({})", p.original),
                "Its name says it was made for an Apple device (Zadig names packages after the device). It takes over the device whenever it is connected in that mode.",
            )
            .with_evidence(quote(pkg_line(p), "third-party package", names::PNP_DRIVERS))
            .with_confidence(Confidence::Medium)
        } else if !third.is_empty() {
            let mut f = finding(
                ID,
                Some("other_devices"),
                Severity::Info,
                format!(
                    "{} libusb-style driver package(s) are installed, not on the Apple device",
                    third.len()
                ),
                "They appear to be for other devices. If the Apple device ever shows under 'libusbK USB Devices' or 'libusb-win32 devices' in Device Manager, remove that driver.",
            );
            for p in &third {
                f = f.with_evidence(quote(
                    pkg_line(p),
                    "third-party package",
                    names::PNP_DRIVERS,
                ));
            }
            f
        } else {
            finding(
                ID,
                None,
                Severity::Ok,
                "No libusb-style driver packages (Zadig, libusbK, libusb-win32)",
                "Nothing can take the Apple device away from Apple's driver.",
            )
        }
    };
    vec![usb, tp]
}

/// Adds several evidence items.
trait WithAll {
    fn with_evidence_all(self, ev: impl IntoIterator<Item = Evidence>) -> Self;
}

impl WithAll for Finding {
    fn with_evidence_all(mut self, ev: impl IntoIterator<Item = Evidence>) -> Self {
        self.evidence.extend(ev);
        self
    }
}
