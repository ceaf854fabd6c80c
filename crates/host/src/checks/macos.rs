//! macOS: the macOS version against the oldest one known to serve the iOS/iPadOS being
//! installed, and the device-support (MobileDevice) package Finder installs.

use super::{date_of, finding, not_read, quote};
use crate::inputs::{HostInputs, names};
use crate::parse::macos::{parse_info_plist, parse_pkgutil, parse_sw_vers};
use crate::parse::version::{dotted, older};
use crate::spec;
use rd_model::{Confidence, Evidence, Finding, Severity};

/// Every macOS finding.
pub fn findings(i: &HostInputs, target: &Target) -> Vec<Finding> {
    vec![macos_version(i, target), mobiledevice(i)]
}

/// The iOS/iPadOS version the check is made for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Version, e.g. `18.3`.
    pub version: String,
    /// Where it came from (`given`, or the catalog).
    pub origin: String,
}

fn macos_version(i: &HostInputs, target: &Target) -> Finding {
    const ID: rd_kb::CheckId = rd_kb::check_id!("host.macos_version");
    let Some(text) = i.text(names::SW_VERS) else {
        return not_read(ID, "The macOS version (sw_vers)", names::SW_VERS);
    };
    let Some(sw) = parse_sw_vers(&text) else {
        return finding(
            ID,
            Some("unreadable"),
            Severity::Warn,
            "The macOS version could not be read",
            "sw_vers printed nothing restore-doctor understands.",
        )
        .with_evidence(quote(
            text.lines().next().unwrap_or("").to_string(),
            "sw_vers output",
            names::SW_VERS,
        ));
    };
    let ev = quote(
        format!(
            "{} {}{}",
            sw.product_name,
            sw.product_version,
            sw.build
                .as_deref()
                .map(|b| format!(" ({b})"))
                .unwrap_or_default()
        ),
        "sw_vers",
        names::SW_VERS,
    );
    let major = dotted(&target.version)
        .and_then(|v| v.first().copied())
        .unwrap_or(0) as u32;
    let Some(row) = spec::macos_row(major) else {
        return finding(
            ID,
            Some("no_row"),
            Severity::Info,
            format!(
                "{} {}; no minimum known for iOS {}",
                sw.product_name, sw.product_version, target.version
            ),
            "restore-doctor's table of macOS minimums has no row for this iOS version.",
        )
        .with_evidence(ev);
    };
    let row_ev = Evidence::new(
        format!(
            "iOS {}–{}: macOS {} or later ({}), {} ({} confidence)",
            row.ios_from,
            row.ios_to,
            row.min_macos,
            row.host_app,
            row.status,
            row.confidence.as_str()
        ),
        format!("sources: {}", row.sources.join("; ")),
    )
    .from_source("data/macos_minimum.toml");
    let target_ev = Evidence::new(
        format!("target iOS/iPadOS {}", target.version),
        target.origin.clone(),
    );
    if older(&sw.product_version, &row.min_macos) {
        finding(
            ID,
            Some("too_old"),
            Severity::Warn,
            format!(
                "macOS {} is older than {}, the oldest known to install iOS {}",
                sw.product_version, row.min_macos, target.version
            ),
            format!(
                "This Mac is likely too old to restore or update a device to iOS {} ({}). {} Restore from a newer Mac, or update macOS if this Mac supports a newer version.",
                target.version, row.host_app, row.note
            ),
        )
        .with_evidence(ev)
        .with_evidence(target_ev)
        .with_evidence(row_ev)
        .with_confidence(row.confidence.min(Confidence::Medium))
    } else {
        finding(
            ID,
            None,
            Severity::Ok,
            format!(
                "macOS {} is new enough for iOS {} (minimum {})",
                sw.product_version, target.version, row.min_macos
            ),
            format!("{} {}", row.host_app, row.note),
        )
        .with_evidence(ev)
        .with_evidence(target_ev)
        .with_evidence(row_ev)
        .with_confidence(row.confidence)
    }
}

fn mobiledevice(i: &HostInputs) -> Finding {
    const ID: rd_kb::CheckId = rd_kb::check_id!("host.mobiledevice_update");
    let plist = i.bytes(names::MD_PLIST).and_then(parse_info_plist);
    let pkg = i.text(names::PKGUTIL_MD).and_then(|t| parse_pkgutil(&t));
    let read_any = i.bytes(names::MD_PLIST).is_some() || i.bytes(names::PKGUTIL_MD).is_some();
    if plist.is_none() && pkg.is_none() {
        if !read_any {
            return not_read(
                ID,
                "The MobileDevice package (pkgutil, Info.plist)",
                names::PKGUTIL_MD,
            );
        }
        return finding(
            ID,
            Some("absent"),
            Severity::Info,
            "Finder's device-support update is not installed yet",
            "macOS installs a device-support (MobileDevice) update the first time a newer iPhone or iPad is connected: Finder shows 'A software update is required to connect to your device'. Accept it and let it finish before restoring.",
        )
        .with_remedies(rd_kb::remedies(ID.def().remedies()))
        .with_evidence(Evidence::new(
            "no com.apple.pkg.MobileDevice receipt and no /Library/Apple/…/MobileDevice.framework",
            "nothing installed by Finder's update",
        ));
    }
    let version = plist
        .as_ref()
        .and_then(|b| b.bundle_version.clone().or(b.short_version.clone()))
        .or(pkg.as_ref().map(|p| p.version.clone()))
        .unwrap_or_default();
    let mut f = finding(
        ID,
        None,
        Severity::Info,
        format!("Finder's device-support (MobileDevice) package {version} is installed"),
        "restore-doctor has no table of which MobileDevice version each iOS needs; if Finder asks for a software update when the device is connected, install it before restoring.",
    )
    .with_confidence(Confidence::Medium);
    if let Some(b) = &plist {
        f = f.with_evidence(quote(
            format!(
                "CFBundleShortVersionString {}, CFBundleVersion {}",
                b.short_version.as_deref().unwrap_or("-"),
                b.bundle_version.as_deref().unwrap_or("-")
            ),
            "MobileDevice.framework Info.plist",
            names::MD_PLIST,
        ));
    }
    if let Some(p) = &pkg {
        f = f.with_evidence(quote(
            format!(
                "{} {}{}",
                p.package_id,
                p.version,
                p.install_time
                    .map(|t| format!(", installed {}", date_of(t)))
                    .unwrap_or_default()
            ),
            "pkgutil receipt",
            names::PKGUTIL_MD,
        ));
    }
    f
}
