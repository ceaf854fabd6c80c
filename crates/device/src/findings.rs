//! Findings about the USB path and device modes, in the shared model. `checkup` adds these as
//! its USB section; `devices` shows them under its listing.

use crate::bus::{BusError, UsbBus};
use crate::identify::{AppleDevice, Scan, scan_inventory};
use crate::ids::Mode;
use crate::inventory::{Access, Platform};
use crate::paths::{DriverKind, classify_driver, hub_kinds};
use rd_kb::remedies;
use rd_model::{Confidence, Evidence, Family, Finding, Severity};

/// The mode a planned restore needs, to judge the device's current one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ModeNeed {
    /// No particular mode (just report it).
    #[default]
    Any,
    /// A booted device (update, or a Finder/iTunes restore of a working device).
    Normal,
    /// Recovery or DFU (restore of a device that does not boot).
    RecoveryOrDfu,
    /// DFU only (e.g. a tethered/bootrom tool, or Recovery already failed).
    Dfu,
}

impl ModeNeed {
    fn accepts(self, mode: Mode) -> bool {
        match self {
            ModeNeed::Any => true,
            ModeNeed::Normal => mode == Mode::Normal,
            ModeNeed::RecoveryOrDfu => mode == Mode::Recovery || mode.is_dfu_like(),
            ModeNeed::Dfu => mode.is_dfu_like(),
        }
    }

    fn describe(self) -> &'static str {
        match self {
            ModeNeed::Any => "any mode",
            ModeNeed::Normal => "normal mode",
            ModeNeed::RecoveryOrDfu => "Recovery or DFU mode",
            ModeNeed::Dfu => "DFU mode",
        }
    }
}

/// Options for the USB checks.
#[derive(Debug, Clone, Copy, Default)]
pub struct UsbCheckOptions {
    /// The mode the restore needs.
    pub need: ModeNeed,
    /// Ask usbmuxd/lockdown about booted devices (only in builds with the `lockdown` feature;
    /// leave off for recorded fixtures).
    pub query_lockdown: bool,
}

/// The environment variable naming usbmuxd's address (`ip:port`, or a socket path on Unix),
/// as libimobiledevice and idevice spell it; the program reads it and passes the value to
/// [`lockdown_findings`].
pub const USBMUXD_ENV: &str = "USBMUXD_SOCKET_ADDRESS";

/// Looks at the bus and returns findings (never fails: an unreadable bus is itself a finding).
/// Booted devices' trust and build, read over usbmuxd, are [`lockdown_findings`] (async).
pub fn usb_findings(bus: &dyn UsbBus, opts: &UsbCheckOptions) -> Vec<Finding> {
    match bus.enumerate() {
        Ok(inv) => scan_findings(&scan_inventory(bus.source(), &inv), opts),
        Err(e) => vec![bus_error_finding(&e)],
    }
}

/// Trust and beta-build findings for booted devices, read through usbmuxd/lockdown at
/// `usbmuxd` (default: the platform's address) on the caller's runtime. Empty unless built
/// with the `lockdown` feature and asked for in `opts`.
pub async fn lockdown_findings(
    scan: &Scan,
    opts: &UsbCheckOptions,
    usbmuxd: Option<&str>,
) -> Vec<Finding> {
    if !opts.query_lockdown || !scan.devices.iter().any(|d| d.mode == Mode::Normal) {
        return Vec::new();
    }
    #[cfg(feature = "lockdown")]
    {
        match crate::lockdown::normal_devices(usbmuxd, std::time::Duration::from_secs(3)).await {
            Ok(list) => crate::lockdown::normal_findings(&list),
            Err(why) => vec![
                Finding::new(
                    "device.trust.unchecked",
                    Family::DeviceState,
                    Severity::Info,
                    "Could not ask the booted device about trust and iOS version",
                    "usbmuxd (Apple Mobile Device Service on Windows, usbmuxd on Linux, built into macOS) did not answer, so the trust state and iOS build were not read.",
                )
                .with_evidence(Evidence::new(why, "usbmuxd/lockdown").from_source("device.trust")),
            ],
        }
    }
    #[cfg(not(feature = "lockdown"))]
    {
        let _ = usbmuxd;
        Vec::new()
    }
}

/// The finding for a bus that could not be read: the one place this finding is built, so
/// `checkup`, `devices`, `dfu` and the web page all say the same thing. (A recorded fixture
/// that cannot be loaded is bad input, refused before this point by the caller, not a finding.)
pub fn bus_error_finding(e: &BusError) -> Finding {
    let reason = match e {
        BusError::Unavailable(reason) => reason.clone(),
        BusError::Fixture { .. } => e.to_string(),
    };
    Finding::new(
        "usb.presence.unavailable",
        Family::Usb,
        Severity::Warn,
        "Cannot see USB devices here",
        "restore-doctor could not list USB devices on this system, so it cannot check the device, its mode or the USB path. This is normal inside containers, WSL and virtual machines without USB passthrough; everything else restore-doctor checks still works.",
    )
    .with_evidence(Evidence::new(reason, "why the USB bus could not be read").from_source("usb.presence"))
    .with_remedies(remedies!["usb-run-on-host"])
}

/// Findings for a scan: presence, then per device mode, path, speed, driver and permission.
pub fn scan_findings(scan: &Scan, opts: &UsbCheckOptions) -> Vec<Finding> {
    let mut out = Vec::new();
    if scan.devices.is_empty() {
        out.push(
            Finding::new(
                "usb.presence.none",
                Family::Usb,
                Severity::Warn,
                "No iPhone, iPad or iPod touch on USB",
                "No Apple device in normal, Recovery or DFU mode is connected. A device that is off, charging only, or connected with a charge-only cable does not appear; neither does one whose cable or port is faulty.",
            )
            .with_evidence(Evidence::new(
                format!("{} other USB device(s) seen via {}", scan.other_devices, scan.source),
                if scan.other_devices > 0 {
                    "the USB bus itself works"
                } else {
                    "nothing at all is visible on the bus"
                },
            ))
            .with_remedies(remedies!["usb-connect-device", "usb-apple-cable", "usb-other-port"]),
        );
        return out;
    }
    for d in &scan.devices {
        out.push(mode_finding(d, opts.need));
        out.push(path_finding(d));
        if let Some(f) = speed_finding(d) {
            out.push(f);
        }
        if scan.platform == Platform::Windows {
            out.push(driver_finding(d));
        }
        if d.access == Access::Denied {
            out.push(permission_finding(d));
        }
    }
    out
}

fn who(d: &AppleDevice) -> String {
    match &d.ecid {
        Some(e) => format!("{} (ECID {e})", d.name()),
        None => d.name(),
    }
}

fn mode_finding(d: &AppleDevice, need: ModeNeed) -> Finding {
    let mut f = if need.accepts(d.mode) {
        Finding::new(
            format!("device.mode.{}", d.mode.as_str()),
            Family::DeviceState,
            Severity::Info,
            format!("{} is in {}", who(d), d.mode.label()),
            mode_explanation(d.mode),
        )
    } else {
        let ids: &[rd_kb::RemedyId] = if need == ModeNeed::Normal {
            &[rd_kb::remedy_id!("retry")]
        } else if need == ModeNeed::Dfu {
            &[rd_kb::remedy_id!("dfu-mode")]
        } else {
            &[
                rd_kb::remedy_id!("recovery-mode"),
                rd_kb::remedy_id!("dfu-mode"),
            ]
        };
        Finding::new(
            "device.mode.wrong",
            Family::DeviceState,
            Severity::Warn,
            format!(
                "{} is in {}, but the restore needs {}",
                who(d),
                d.mode.label(),
                need.describe()
            ),
            mode_explanation(d.mode),
        )
        .with_remedies(remedies(ids))
    };
    f = f.with_evidence(
        Evidence::new(
            format!("USB product id {} at {}", d.product_id, d.location),
            "the product id tells the mode",
        )
        .from_source("device.mode"),
    );
    match (&d.model, d.candidates.as_slice()) {
        (Some(m), _) => {
            f = f.with_evidence(Evidence::new(
                format!("{} — {}, {}", m.name, m.product_type, m.board),
                "model from the chip and board ids (CPID/BDID)",
            ));
        }
        (None, []) => {}
        (None, c) => {
            let names: Vec<&str> = c.iter().map(|m| m.product_type.as_str()).collect();
            f = f.with_evidence(Evidence::new(
                format!("one of: {}", names.join(", ")),
                "normal mode shows only the chip id on USB; the exact model needs the device's own answer",
            ));
        }
    }
    if let Some(e) = &d.ecid {
        f = f.with_evidence(Evidence::new(
            format!("ECID {e}"),
            "the unique chip id signing servers and SHSH blobs use",
        ));
    }
    if let Some(s) = d.serial.as_ref().and_then(|s| s.srtg.as_deref()) {
        f = f.with_evidence(Evidence::new(
            format!("SRTG {s}"),
            "the boot ROM / iBoot version",
        ));
    }
    if let Some(p) = d.serial.as_ref().and_then(|s| s.pwnd.as_deref()) {
        f = f.with_evidence(Evidence::new(
            format!("PWND [{p}]"),
            "a boot-ROM exploit is active; normal restores may refuse this state until the device is rebooted",
        ));
    }
    f.with_confidence(Confidence::High)
}

fn mode_explanation(mode: Mode) -> String {
    match mode {
        Mode::Normal => "The device has booted (or is running the restore ramdisk). Finder, iTunes or Apple Devices can update or restore it if it is unlocked and trusts this computer; if a restore from here failed, use Recovery mode next.",
        Mode::Recovery => "iBoot is waiting for a restore (the screen shows a computer and cable). Finder, iTunes, Apple Devices and idevicerestore can restore from here; this is the usual next step when a device no longer starts.",
        Mode::Dfu | Mode::PortDfu | Mode::Kis => "The boot ROM is waiting for firmware; nothing on the device's storage has run (the screen stays black). A restore from here replaces the whole boot chain; use it when Recovery mode fails or does not appear.",
        Mode::Wtf => "The oldest devices pass through this stage before DFU; the restore tool moves them on to DFU by itself.",
        Mode::PwnedDfu => "DFU mode after a boot-ROM exploit. Tools such as futurerestore expect this; Finder and iTunes restores may need a clean DFU entry instead.",
        Mode::MacRestore | Mode::T2 | Mode::Other => "Not an iPhone, iPad or iPod touch mode.",
    }
    .to_string()
}

fn path_finding(d: &AppleDevice) -> Finding {
    if d.hubs.is_empty() {
        let mut f = Finding::new(
            "usb.hub.direct",
            Family::Usb,
            Severity::Ok,
            format!("{} is connected straight to the computer", d.name()),
            "No hub sits between the device and the computer's USB port.",
        )
        .with_evidence(
            Evidence::new(d.location.clone(), "port chain has no hub").from_source("usb.hub"),
        );
        if let Some(c) = &d.controller {
            f = f.with_evidence(Evidence::new(
                format!("controller: {c}"),
                "the host controller the port belongs to",
            ));
        }
        return f;
    }
    let chain = crate::paths::hub_chain_text(&d.hubs);
    let mut explanation = format!(
        "The device goes through {} hub(s) on its way to the computer. Hubs share power and bandwidth and add their own chips; restores often fail with errors such as 4013, 4005, 9 or 21 when the link drops mid-way.",
        d.hubs.len()
    );
    for kind in hub_kinds() {
        if d.hubs
            .iter()
            .any(|h| h.kind.as_deref() == Some(kind.id.as_str()))
        {
            explanation.push(' ');
            explanation.push_str(&kind.why);
        }
    }
    let mut f = Finding::new(
        "usb.hub.chain",
        Family::Usb,
        Severity::Warn,
        format!("{} is connected through {}", d.name(), chain),
        explanation,
    )
    .with_confidence(Confidence::High)
    .with_remedies(remedies!["usb-direct-port", "usb-apple-cable"])
    .with_error_codes(["4013", "4005", "9", "21"]);
    for h in &d.hubs {
        let mut why = "a hub between the device and the computer".to_string();
        if !h.shares_with.is_empty() {
            why = format!("{why}; it also carries {}", h.shares_with.join(", "));
        }
        f = f.with_evidence(
            Evidence::new(format!("{} at {}", h.name, h.location), why).from_source("usb.hub"),
        );
    }
    f
}

fn speed_finding(d: &AppleDevice) -> Option<Finding> {
    let speed = d.speed?;
    Some(if speed.is_slow() {
        Finding::new(
            "usb.speed.slow",
            Family::Usb,
            Severity::Warn,
            format!("{} links at only {}", d.name(), speed.label()),
            "iPhones and iPads link at USB 2.0 high speed (480 Mbit/s) or better. A slower link means a USB 1.1 port or hub, a damaged cable or a dirty connector; a restore over it is slow and tends to fail.",
        )
        .with_evidence(Evidence::new(format!("{} at {}", speed.label(), d.location), "negotiated link speed").from_source("usb.speed"))
        .with_remedies(remedies!["usb-apple-cable", "usb-other-port", "usb-direct-port"])
    } else {
        Finding::new(
            "usb.speed.ok",
            Family::Usb,
            Severity::Ok,
            format!("{} links at {}", d.name(), speed.label()),
            "The link speed is what a restore expects.",
        )
    })
}

fn driver_finding(d: &AppleDevice) -> Finding {
    let fix = || remedies!["usb-driver-windows"];
    let Some(driver) = d.driver.as_deref().filter(|s| !s.trim().is_empty()) else {
        return Finding::new(
            "usb.driver.missing",
            Family::Usb,
            Severity::Warn,
            format!("Windows has no driver bound to {}", d.name()),
            "Windows sees the device but no driver is bound to it, so Finder-equivalents on Windows (Apple Devices, iTunes) cannot talk to it. Apple's drivers come with Apple Devices or iTunes.",
        )
        .with_remedies(fix());
    };
    let ev = Evidence::new(
        format!("driver: {driver}"),
        "the driver Windows bound to the device",
    )
    .from_source("usb.driver");
    let def = classify_driver(driver);
    let stale = match def.map(|x| x.kind) {
        Some(DriverKind::AppleRecovery) => d.mode != Mode::Recovery,
        Some(DriverKind::AppleDfu) => !d.mode.is_dfu_like(),
        _ => false,
    };
    match def.map(|x| x.kind) {
        Some(DriverKind::Replacement) => Finding::new(
            "usb.driver.replaced",
            Family::Usb,
            Severity::Fail,
            format!("{} is bound to a non-Apple driver ({})", d.name(), def.map_or(driver, |x| x.name.as_str())),
            "A generic USB driver (often installed with Zadig for jailbreak or libusb tools) has taken the device away from Apple's driver. Apple Devices and iTunes then cannot restore it and fail with errors such as 4013 or 'device not found'. Remove that driver for this device in Device Manager so Windows falls back to Apple's.",
        )
        .with_evidence(ev)
        .with_confidence(Confidence::High)
        .with_remedies(fix())
        .with_error_codes(["4013"]),
        _ if stale => Finding::new(
            "usb.driver.stale",
            Family::Usb,
            Severity::Warn,
            format!("{} in {} is bound to {}", d.name(), d.mode.label(), def.map_or(driver, |x| x.name.as_str())),
            "Windows reused a driver node left from an earlier Recovery/DFU session for a device now in another mode. Such stale nodes make the device show up wrongly or vanish mid-restore; removing them (with hidden devices shown) lets Windows bind the right driver again.",
        )
        .with_evidence(ev)
        .with_remedies(fix()),
        Some(_) => Finding::new(
            "usb.driver.apple",
            Family::Usb,
            Severity::Ok,
            format!("{} uses {}", d.name(), def.map_or(driver, |x| x.name.as_str())),
            "Windows bound the driver Apple's software expects.",
        )
        .with_evidence(ev),
        None => Finding::new(
            "usb.driver.unexpected",
            Family::Usb,
            Severity::Warn,
            format!("{} uses an unexpected driver ({driver})", d.name()),
            "This is not one of Apple's drivers or a known generic one. If restores fail, reinstall Apple's drivers.",
        )
        .with_evidence(ev)
        .with_confidence(Confidence::Medium)
        .with_remedies(fix()),
    }
}

fn permission_finding(d: &AppleDevice) -> Finding {
    Finding::new(
        "usb.permission.denied",
        Family::Usb,
        Severity::Warn,
        format!("This user may not open {}", d.name()),
        "The device is listed, but the system refuses to let this user open it, so restore tools (idevicerestore, futurerestore, irecovery) run without root cannot talk to it. On Linux this needs a udev rule for Apple's vendor id 05ac.",
    )
    .with_evidence(Evidence::new(
        format!("opening the device at {} was refused", d.location),
        "permission denied",
    ).from_source("usb.permission"))
    .with_evidence(Evidence::new(
        "SUBSYSTEM==\"usb\", ATTR{idVendor}==\"05ac\", MODE=\"0660\", TAG+=\"uaccess\"",
        "an example rule for /etc/udev/rules.d/39-apple.rules; then run `sudo udevadm control --reload` and reconnect",
    ))
    .with_remedies(remedies!["usb-linux-permission"])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mode_needs_accept_the_right_modes() {
        assert!(ModeNeed::RecoveryOrDfu.accepts(Mode::Dfu));
        assert!(ModeNeed::RecoveryOrDfu.accepts(Mode::Recovery));
        assert!(!ModeNeed::RecoveryOrDfu.accepts(Mode::Normal));
        assert!(!ModeNeed::Dfu.accepts(Mode::Recovery));
        assert!(ModeNeed::Any.accepts(Mode::Wtf));
    }
}
