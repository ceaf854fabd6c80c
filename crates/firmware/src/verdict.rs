//! Findings for "is this IPSW the right one for this device?" (check `firmware.match`).

use crate::inspect::{Ipsw, IpswKind};
use crate::manifest::looks_like_beta_build;
use rd_catalog::Device;
use rd_catalog::firmware::{Firmware, FirmwareCatalog};
use rd_model::{Confidence, Evidence, Family, Finding, Severity};

/// Marketing name without its variant, e.g. `iPhone 4` for `iPhone 4 (GSM)`.
pub fn base_name(name: &str) -> &str {
    name.split(" (").next().unwrap_or(name).trim()
}

/// The variant a row is known by, e.g. `GSM` for `iPhone 4 (GSM)`; falls back to the board.
pub fn variant_label(d: &Device) -> String {
    match d.name.split_once(" (") {
        Some((_, v)) => v.trim_end_matches(')').to_string(),
        None => d.variant.clone().unwrap_or_else(|| d.board_config.clone()),
    }
}

/// `iPhone3,1 (GSM)`.
pub fn short(d: &Device) -> String {
    format!("{} ({})", d.product_type, variant_label(d))
}

/// The summary finding: version, build, devices and identities read from the manifest.
pub fn facts_finding(ipsw: &Ipsw, catalog_entry: Option<&Firmware<'_>>) -> Finding {
    let version = ipsw.version().unwrap_or("?");
    let build = ipsw.build().unwrap_or("?");
    let types = ipsw.product_types();
    let stage = match catalog_entry {
        Some(f) if f.beta => " beta",
        Some(f) if f.rc => " RC",
        None if looks_like_beta_build(build) => " beta",
        _ => "",
    };
    let mut f = Finding::new(
        "firmware.manifest",
        Family::WrongFirmware,
        Severity::Info,
        format!("{version}{stage} ({build}) for {}", types.join(", ")),
        format!(
            "Read from the zip's central directory and {} without scanning the file ({} bytes, {}zip64).",
            ipsw.manifest_entry.as_deref().unwrap_or("Restore.plist"),
            ipsw.size,
            if ipsw.index.zip64 { "" } else { "not " }
        ),
    );
    if let Some(m) = &ipsw.manifest {
        for id in &m.identities {
            f = f.with_evidence(Evidence::new(
                format!(
                    "ApChipID {} ApBoardID {} {} — {}",
                    id.chip_id
                        .map(|c| format!("0x{c:04X}"))
                        .unwrap_or("?".into()),
                    id.board_id
                        .map(|b| format!("0x{b:02X}"))
                        .unwrap_or("?".into()),
                    id.device_class.as_deref().unwrap_or("?"),
                    id.variant.as_deref().unwrap_or("no variant")
                ),
                "a build identity: the firmware set for this chip and board",
            ));
        }
    }
    f
}

/// Finding when the package is not an iPhone/iPad/iPod touch restore IPSW.
pub fn not_restore_finding(ipsw: &Ipsw) -> Option<Finding> {
    if ipsw.kind == IpswKind::Restore {
        return None;
    }
    Some(
        Finding::new(
            "firmware.match.not_restore",
            Family::WrongFirmware,
            Severity::Fail,
            format!("Not a restore IPSW: this is {}", ipsw.kind.describe()),
            format!(
                "Restore tools need the full restore IPSW for the device; {} cannot be restored onto an iPhone, iPad or iPod touch this way. It lists: {}.",
                ipsw.kind.describe(),
                ipsw.product_types().join(", ")
            ),
        )
        .with_remedies(rd_kb::remedies!["firmware-right-model"])
        .with_confidence(Confidence::High),
    )
}

/// The verdict for a device (all rows of one resolved query, e.g. both silicon variants).
pub fn device_finding(ipsw: &Ipsw, device: &[&Device]) -> Finding {
    let types = ipsw.product_types();
    let listed: Vec<&&Device> = device
        .iter()
        .filter(|d| {
            types
                .iter()
                .any(|t| t.eq_ignore_ascii_case(&d.product_type))
        })
        .collect();
    let Some(first) = device.first() else {
        return Finding::new(
            "firmware.match.no_device",
            Family::Unknown,
            Severity::Warn,
            "No device to compare with",
            "",
        );
    };
    let identities = ipsw
        .manifest
        .as_ref()
        .map(|m| m.identities.as_slice())
        .unwrap_or_default();
    let with_identity = listed.iter().find(|d| {
        identities.is_empty()
            || identities
                .iter()
                .any(|i| i.chip_id == Some(d.cpid as u64) && i.board_id == Some(d.bdid as u64))
    });
    if let Some(d) = with_identity {
        return Finding::new(
            "firmware.match.ok",
            Family::WrongFirmware,
            Severity::Ok,
            format!(
                "Right file for your {} ({}, {})",
                d.name, d.product_type, d.board_config
            ),
            format!(
                "The manifest lists {} and has a build identity for its chip and board ({}).",
                d.product_type,
                d.chip_board()
            ),
        )
        .with_confidence(Confidence::High);
    }
    if let Some(d) = listed.first() {
        return Finding::new(
            "firmware.match.no_identity",
            Family::WrongFirmware,
            Severity::Fail,
            format!(
                "This IPSW lists {} but has no build identity for its board {} ({})",
                d.product_type,
                d.board_config,
                d.chip_board()
            ),
            "The restore would stop when the tool looks for firmware for this board. Use the IPSW made for this exact board.",
        )
        .with_remedies(rd_kb::remedies!["firmware-right-model"])
        .with_confidence(Confidence::Medium);
    }
    let ipsw_rows: Vec<&Device> = types
        .iter()
        .flat_map(|t| rd_catalog::devices::by_product_type(t))
        .collect();
    let sibling = ipsw_rows.iter().find(|r| {
        device
            .iter()
            .any(|d| base_name(&r.name) == base_name(&d.name))
    });
    let ipsw_desc = if ipsw_rows.is_empty() {
        types.join(", ")
    } else {
        let mut v: Vec<String> = ipsw_rows.iter().map(|r| short(r)).collect();
        v.dedup();
        v.join(", ")
    };
    let evidence = Evidence::new(
        format!("SupportedProductTypes: {}", types.join(", ")),
        format!(
            "your device is {} (board {}, {})",
            first.product_type,
            first.board_config,
            first.chip_board()
        ),
    );
    match sibling {
        Some(s) => Finding::new(
            "firmware.match.wrong_variant",
            Family::WrongFirmware,
            Severity::Fail,
            format!("This IPSW is for {}; your device is {}", short(s), short(first)),
            format!(
                "Both are sold as {}, but they are different boards ({} and {}) and firmware for one will not restore the other. Download the IPSW made for {}.",
                base_name(&first.name),
                s.board_config,
                first.board_config,
                first.product_type
            ),
        ),
        None => Finding::new(
            "firmware.match.wrong_model",
            Family::WrongFirmware,
            Severity::Fail,
            format!(
                "Wrong model: this IPSW is for {ipsw_desc}; your device is {} ({})",
                first.name, first.product_type
            ),
            format!(
                "Firmware only restores the models it lists. Download the IPSW made for {}.",
                first.product_type
            ),
        ),
    }
    .with_evidence(evidence)
    .with_remedies(rd_kb::remedies!["firmware-right-model"])
    .with_confidence(Confidence::High)
    .with_error_codes(["3194", "14"])
}

/// Warns when a standard file name disagrees with the manifest (a renamed or mixed-up file).
pub fn name_finding(ipsw: &Ipsw) -> Option<Finding> {
    let n = ipsw.file_name.as_ref()?;
    let build = ipsw.build()?;
    let types = ipsw.product_types();
    let same_types = n
        .product_types
        .iter()
        .all(|p| types.iter().any(|t| t.eq_ignore_ascii_case(p)));
    if n.build.eq_ignore_ascii_case(build) && same_types {
        return None;
    }
    Some(
        Finding::new(
            "firmware.match.name_mismatch",
            Family::WrongFirmware,
            Severity::Warn,
            format!(
                "The file name says {} {} ({}), the manifest says {} ({})",
                n.product_types.join(","),
                n.version,
                n.build,
                ipsw.version().unwrap_or("?"),
                build
            ),
            "The file was renamed or mixed up with another download; trust the manifest, not the name.",
        )
        .with_confidence(Confidence::High),
    )
}

/// The catalog rows describing this IPSW file: same build, and a product type in common.
pub fn catalog_rows<'a>(cat: &FirmwareCatalog<'a>, ipsw: &Ipsw) -> Vec<Firmware<'a>> {
    let Some(build) = ipsw.build() else {
        return Vec::new();
    };
    let types = ipsw.product_types();
    cat.by_build(build)
        .into_iter()
        .filter(|f| types.iter().any(|t| f.supports(t)))
        .collect()
}

/// Says whether the build is in the catalog (`rows` from [`catalog_rows`]); builds newer than
/// it are handled from the manifest.
pub fn catalog_finding(cat: &FirmwareCatalog<'_>, ipsw: &Ipsw, rows: &[Firmware<'_>]) -> Finding {
    let build = ipsw.build().unwrap_or("?");
    match rows.first() {
        Some(f) => Finding::new(
            "firmware.catalog.known",
            Family::WrongFirmware,
            Severity::Info,
            format!(
                "Build {build} is in the catalog: {} {}{}, released {}",
                f.os,
                f.version,
                if f.beta {
                    " (beta)"
                } else if f.rc {
                    " (RC)"
                } else {
                    ""
                },
                f.released.unwrap_or("on an unknown date")
            ),
            format!("Catalog used: {}.", cat.info),
        ),
        None => Finding::new(
            "firmware.catalog.unknown",
            Family::WrongFirmware,
            Severity::Info,
            format!("Build {build} is not in the catalog"),
            format!(
                "Catalog used: {}. A newer build than the catalog is normal; the facts above come from the manifest itself. Run `restore-doctor catalog update` to refresh it.",
                cat.info
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_into_base_and_variant() {
        assert_eq!(base_name("iPhone 4 (GSM)"), "iPhone 4");
        assert_eq!(base_name("iPhone 4 (GSM, 2012)"), "iPhone 4");
        assert_eq!(base_name("iPad Air"), "iPad Air");
        let d = rd_catalog::devices::by_product_type("iPhone3,3")[0];
        assert_eq!(short(d), "iPhone3,3 (CDMA)");
    }
}
