//! Requests built from four real BuildManifest.plist files (see `fixtures/SOURCES.md`).
//!
//! The expected component sets below were written from the reference client's rules, not from
//! this crate's output: libimobiledevice/libtatsu@60a39f36d719344360ec2e87563ed43f61f0530f
//! `src/tss.c` `tss_request_add_ap_tags` with the parameters idevicerestore@405fcd1 sets for a
//! restore (production and security mode on, Image4): keep entries with an `Info` dictionary
//! that have `RestoreRequestRules` or are `Trusted`; drop BasebandFirmware, SE,UpdatePayload,
//! BaseSystem, Diags, Ap,ExclaveOS and IsFTAB entries. They were worked out per manifest by
//! reading each entry's `Info`/`Trusted` keys.

use plist::{Dictionary, Value};
use rd_tss::request::{ApParams, Identity, Target, build};
use sha1::{Digest, Sha1};
use std::collections::BTreeSet;
use std::path::PathBuf;

const M19E241: &str = "iPhone10,1,iPhone10,4,iPhone9,1,iPhone9,3_15.4_19E241_BuildManifest.plist";
const M15C114: &str = "iPhone10,3,iPhone10,6_11.2_15C114_BuildManifest.plist";
const M12H321: &str = "iPhone7,2_8.4.1_12H321_BuildManifest.plist";
const M19H12: &str = "iPhone8,1_15.7_19H12_BuildManifest.plist";

fn fixture(name: &str) -> Dictionary {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    let bytes = std::fs::read(&path).unwrap();
    // The file must be the one SOURCES.md names.
    let sources = std::fs::read_to_string(path.with_file_name("SOURCES.md")).unwrap();
    let sha = hex::encode(Sha1::digest(&bytes));
    assert!(
        sources
            .lines()
            .any(|l| l.contains(name) && l.contains(&sha)),
        "{name} is not the file SOURCES.md lists (SHA-1 {sha})"
    );
    plist::from_bytes::<Value>(&bytes)
        .unwrap()
        .into_dictionary()
        .unwrap()
}

/// The Erase identity for a chip and board.
fn identity(manifest: &Dictionary, cpid: u64, bdid: u64) -> Dictionary {
    manifest["BuildIdentities"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_dictionary)
        .find(|d| {
            rd_tss::request::int_of(d.get("ApChipID")) == Some(cpid)
                && rd_tss::request::int_of(d.get("ApBoardID")) == Some(bdid)
                && d["Info"].as_dictionary().unwrap()["RestoreBehavior"].as_string()
                    == Some("Erase")
        })
        .cloned()
        .unwrap()
}

fn request_for(file: &str, cpid: u64, bdid: u64) -> rd_tss::Request {
    let m = fixture(file);
    let id = identity(&m, cpid, bdid);
    build(
        Identity::from_dict(&id).unwrap(),
        &Target {
            ecid: 0x0000_1234_5678_9ABC,
            ..Target::default()
        },
        &ApParams::default(),
    )
    .unwrap()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

/// Shared by the boot chain of every Image4 manifest here.
const BOOT: &[&str] = &[
    "AppleLogo",
    "BatteryCharging0",
    "BatteryCharging1",
    "BatteryFull",
    "BatteryLow0",
    "BatteryLow1",
    "BatteryPlugin",
    "DeviceTree",
    "KernelCache",
    "LLB",
    "RecoveryMode",
    "RestoreDeviceTree",
    "RestoreKernelCache",
    "RestoreLogo",
    "RestoreRamDisk",
    "RestoreSEP",
    "SEP",
    "ftap",
    "ftsp",
    "iBEC",
    "iBSS",
    "iBoot",
    "rfta",
    "rfts",
];

fn with(extra: &[&str]) -> BTreeSet<String> {
    let mut s = set(BOOT);
    s.extend(set(extra));
    s
}

/// Checks every entry's flags and digests, and that no skipped entry slipped in.
fn check_common(r: &rd_tss::Request) {
    for name in r.components() {
        let e = r.plist[&name].as_dictionary().unwrap();
        assert!(!e.contains_key("Info"), "{name} carries Info");
        assert_eq!(e["EPRO"].as_boolean(), Some(true), "{name} EPRO");
        assert_eq!(e["ESEC"].as_boolean(), Some(true), "{name} ESEC");
        assert!(
            !e.contains_key("DPRO") && !e.contains_key("DSEC"),
            "{name} demotion flags"
        );
        let digest = e["Digest"].as_data().unwrap();
        if ["ftap", "ftsp", "rfta", "rfts"].contains(&name.as_str()) {
            assert!(digest.is_empty(), "{name} should carry an empty digest");
        } else {
            assert!(!digest.is_empty(), "{name} digest");
        }
    }
    for skipped in [
        "BasebandFirmware",
        "SE,UpdatePayload",
        "BaseSystem",
        "Diags",
    ] {
        assert!(!r.plist.contains_key(skipped), "{skipped} was sent");
    }
    assert!(r.components().iter().all(|c| !c.starts_with("Savage,")));
    assert_eq!(r.plist["@ApImg4Ticket"].as_boolean(), Some(true));
    assert_eq!(r.plist["SepNonce"].as_data().map(<[u8]>::len), Some(20));
    assert_eq!(
        r.plist["@HostPlatformInfo"]
            .as_string()
            .map(str::len)
            .map(|n| n > 0),
        Some(true)
    );
    assert!(
        r.plist["@VersionInfo"]
            .as_string()
            .unwrap()
            .starts_with("libauthinstall")
    );
    assert_eq!(r.plist["@UUID"].as_string().unwrap().len(), 36);
    assert_eq!(r.plist["ApSecurityDomain"].as_unsigned_integer(), Some(1));
    assert!(
        r.plist["UniqueBuildID"]
            .as_data()
            .is_some_and(|u| !u.is_empty())
    );
}

#[test]
fn ios_15_4_a10_iphone9_3() {
    let r = request_for(M19E241, 0x8010, 0x0C);
    let want = with(&[
        "AOP",
        "AVE",
        "Ap,SystemVolumeCanonicalMetadata",
        "Homer",
        "Liquid",
        "OS",
        "RestoreTrustCache",
        "StaticTrustCache",
        "SystemVolume",
    ]);
    assert_eq!(r.components(), want);
    check_common(&r);
    // A10 takes a 32-byte ApNonce.
    assert_eq!(r.plist["ApNonce"].as_data().map(<[u8]>::len), Some(32));
    assert_eq!(r.plist["ApChipID"].as_unsigned_integer(), Some(0x8010));
    assert_eq!(r.plist["ApBoardID"].as_unsigned_integer(), Some(0x0C));
}

#[test]
fn ios_15_4_a11_iphone10_1_leaves_out_se_update_payload() {
    let m = fixture(M19E241);
    let id = identity(&m, 0x8015, 0x02);
    assert!(
        id["Manifest"]
            .as_dictionary()
            .unwrap()
            .contains_key("SE,UpdatePayload")
    );
    let r = request_for(M19E241, 0x8015, 0x02);
    let want = with(&[
        "AOP",
        "AVE",
        "Ap,SystemVolumeCanonicalMetadata",
        "AudioCodecFirmware",
        "ISP",
        "Liquid",
        "Multitouch",
        "OS",
        "RestoreTrustCache",
        "StaticTrustCache",
        "SystemVolume",
    ]);
    assert_eq!(r.components(), want);
    check_common(&r);
    assert_eq!(r.plist["ApNonce"].as_data().map(<[u8]>::len), Some(32));
}

#[test]
fn ios_11_2_iphone10_3_leaves_out_savage_patches() {
    let m = fixture(M15C114);
    let id = identity(&m, 0x8015, 0x06);
    let savage = id["Manifest"]
        .as_dictionary()
        .unwrap()
        .keys()
        .filter(|k| k.starts_with("Savage,"))
        .count();
    assert_eq!(savage, 8, "the manifest carries the Savage patch entries");
    let r = request_for(M15C114, 0x8015, 0x06);
    let want = with(&["AOP", "AudioCodecFirmware", "Liquid", "Multitouch", "OS"]);
    assert_eq!(r.components(), want);
    check_common(&r);
    assert!(r.plist["PearlCertificationRootPub"].as_data().is_some());
    assert_eq!(r.plist["ApNonce"].as_data().map(<[u8]>::len), Some(32));
}

#[test]
fn ios_8_4_1_a8_iphone7_2() {
    let r = request_for(M12H321, 0x7000, 0x06);
    // OS has neither RestoreRequestRules nor Trusted here, so it is not sent.
    assert_eq!(r.components(), with(&[]));
    check_common(&r);
    assert_eq!(r.plist["ApNonce"].as_data().map(<[u8]>::len), Some(20));
}

#[test]
fn ios_15_7_a9_both_foundries() {
    let want = with(&[
        "AOP",
        "Ap,SystemVolumeCanonicalMetadata",
        "OS",
        "RestoreTrustCache",
        "StaticTrustCache",
        "SystemVolume",
    ]);
    for cpid in [0x8000, 0x8003] {
        let r = request_for(M19H12, cpid, 0x04);
        assert_eq!(r.components(), want, "CPID 0x{cpid:04X}");
        check_common(&r);
        assert_eq!(r.plist["ApNonce"].as_data().map(<[u8]>::len), Some(20));
    }
}

#[test]
fn every_request_round_trips_as_xml() {
    let r = request_for(M19E241, 0x8010, 0x08);
    let xml = r.to_xml().unwrap();
    let back = Value::from_reader_xml(&xml[..]).unwrap();
    assert_eq!(back.as_dictionary().unwrap(), &r.plist);
}

#[test]
fn nonce_lengths_by_chip() {
    use rd_tss::chips::ap_nonce_len;
    for cpid in [0x8010, 0x8011, 0x8012, 0x8015, 0x8020, 0x8101, 0x8150] {
        assert_eq!(ap_nonce_len(cpid), 32, "CPID 0x{cpid:04X}");
    }
    for cpid in [0x8960, 0x7000, 0x7001, 0x8000, 0x8001, 0x8003, 0x8940] {
        assert_eq!(ap_nonce_len(cpid), 20, "CPID 0x{cpid:04X}");
    }
    assert_eq!(rd_tss::chips::sep_nonce_len(), 20);
    assert!(!rd_tss::chips::chip(0x8930).image4);
    assert!(rd_tss::chips::chip(0x8960).image4);
}

#[test]
fn exactly_one_user_agent() {
    let h = rd_tss::headers();
    let ua: Vec<_> = h
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("user-agent"))
        .collect();
    assert_eq!(ua.len(), 1);
    assert_eq!(ua[0].1, "InetURL/1.0");
}
