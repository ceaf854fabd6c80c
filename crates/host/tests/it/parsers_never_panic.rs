//! Every parser and the whole check take any bytes without panicking (captures come from other
//! people's computers and programs; a surprise must give "not understood", never a crash).

use proptest::prelude::*;
use rd_host::parse::{decode_text, linux, macos, version, windows};
use rd_host::{HostInputs, Platform, check, names};

fn lines() -> impl Strategy<Value = String> {
    // Text made of the fragments the parsers look for, in any order and shape.
    let frag = prop_oneof![
        Just(
            "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\{X}\n"
                .to_string()
        ),
        Just("    DisplayName    REG_SZ    iTunes\n".to_string()),
        Just("    DisplayVersion    REG_SZ    ".to_string()),
        Just("[HKEY_X]\n\"DisplayName\"=\"".to_string()),
        Just("STATE              : ".to_string()),
        Just("Published Name:  oem1.inf\n".to_string()),
        Just("Instance ID:   USB\\VID_05AC&PID_".to_string()),
        Just("Driver Name: ".to_string()),
        Just("AppleInc.iTunes_".to_string()),
        Just("ProductVersion:\t".to_string()),
        Just("package-id: ".to_string()),
        Just("Active: ".to_string()),
        Just("Version: v".to_string()),
        Just("(\"".to_string()),
        Just("-g".to_string()),
        "[0-9.]{0,12}",
        "[ -~]{0,20}",
        "\\PC{0,8}",
        Just("\n".to_string()),
    ];
    proptest::collection::vec(frag, 0..40).prop_map(|v| v.concat())
}

proptest! {
    #[test]
    fn parsers_take_anything(text in lines(), bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = decode_text(&bytes);
        let _ = windows::installed_programs(&windows::parse_registry(&text));
        let _ = windows::parse_sc_query(&text);
        let _ = windows::parse_drivers(&text);
        for d in windows::parse_devices(&text) {
            let _ = d.is_apple_mobile();
        }
        let _ = windows::store_packages(&text);
        let _ = macos::parse_sw_vers(&text);
        let _ = macos::parse_pkgutil(&text);
        let _ = macos::parse_info_plist(&bytes);
        let _ = linux::parse_systemctl(&text);
        let _ = linux::parse_dpkg_query(&text);
        let _ = linux::apple_rule_lines(&text);
        let _ = version::parse_build(&text);
        let _ = version::store_itunes_version(&text);
    }

    #[test]
    fn check_takes_anything(text in lines()) {
        for p in [Platform::Windows, Platform::Macos, Platform::Linux] {
            let mut i = HostInputs::new(p, "proptest");
            for n in [names::REG_UNINSTALL, names::APPX_PACKAGES, names::SC_AMDS, names::PNP_DRIVERS,
                      names::PNP_DEVICES, names::SW_VERS, names::PKGUTIL_MD, names::SYSTEMCTL_USBMUXD,
                      names::DPKG_QUERY, names::TARGET_IOS, "tool_futurerestore.txt", "udev/a.rules"] {
                i.captures.insert(n.to_string(), text.clone().into_bytes());
            }
            i.target_ios = Some(text.lines().next().unwrap_or("").to_string());
            let f = check(&i);
            prop_assert!(!f.is_empty());
            prop_assert_eq!(f[0].severity, f[1..].iter().map(|x| x.severity).max().unwrap());
        }
    }
}
