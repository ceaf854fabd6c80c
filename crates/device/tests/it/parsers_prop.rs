//! Property tests: the serial-string and instance-id parsers never panic, keep what they do not
//! understand, and read back what was written.

use proptest::prelude::*;
use rd_device::instance_id::InstanceId;
use rd_device::serial::{Separators, SerialInfo, parse_udid};

fn known() -> impl Strategy<Value = (u32, u32, u64, u32)> {
    (0u32..=0xFFFF, 0u32..=0xFF, any::<u64>(), 0u32..=0xFF)
}

proptest! {
    #[test]
    fn arbitrary_text_never_panics(s in ".{0,300}") {
        let _ = SerialInfo::parse(&s);
        let _ = SerialInfo::parse_with(&s, Separators::SpacesAndUnderscores);
        let _ = InstanceId::parse(&s);
        let _ = parse_udid(&s);
    }

    #[test]
    fn arbitrary_bytes_as_lossy_text_never_panic(b in proptest::collection::vec(any::<u8>(), 0..300)) {
        let s = String::from_utf8_lossy(&b);
        let _ = SerialInfo::parse(&s);
        let _ = InstanceId::parse(&format!("USB\\VID_05AC&PID_1227\\{s}"));
    }

    #[test]
    fn written_fields_read_back((cpid, bdid, ecid, ibfl) in known(), tag in "[A-Z]{5,6}", value in "[a-z0-9]{1,8}") {
        let line = format!("CPID:{cpid:04X} CPRV:11 BDID:{bdid:02X} ECID:{ecid:016X} IBFL:{ibfl:02X} {tag}:{value} SRTG:[iBoot-1.2 3]");
        let s = SerialInfo::parse(&line);
        prop_assert_eq!(s.cpid, Some(cpid));
        prop_assert_eq!(s.bdid, Some(bdid));
        prop_assert_eq!(s.ecid, Some(ecid));
        prop_assert_eq!(s.ibfl, Some(ibfl));
        prop_assert_eq!(s.srtg.as_deref(), Some("iBoot-1.2 3"));
        // The unknown tag is kept, not dropped.
        prop_assert_eq!(s.unknown.len(), 1);
        prop_assert_eq!(&s.unknown[0].tag, &tag);
        prop_assert_eq!(&s.unknown[0].value, &value);
    }

    #[test]
    fn instance_ids_in_any_spelling_agree((cpid, bdid, ecid, _) in known(), lower in any::<bool>(), underscores in any::<bool>(), pid in 0x1280u16..=0x1283) {
        let sep = if underscores { "_" } else { " " };
        let id = format!(
            "USB\\VID_05AC&PID_{pid:04X}\\CPID:{cpid:04X}{sep}CPRV:11{sep}BDID:{bdid:02X}{sep}ECID:{ecid:016X}{sep}SRTG:[IBOOT-7429.0.0.0.1]"
        );
        let id = if lower { id.to_ascii_lowercase() } else { id };
        let parsed = InstanceId::parse(&id).unwrap();
        prop_assert_eq!(parsed.product_id, pid);
        let s = parsed.serial.unwrap();
        prop_assert_eq!((s.cpid, s.bdid, s.ecid), (Some(cpid), Some(bdid), Some(ecid)));
        prop_assert!(s.unknown.is_empty() && s.invalid.is_empty() && s.loose.is_empty());
    }

    #[test]
    fn every_token_is_accounted_for(tokens in proptest::collection::vec("[A-Za-z]{1,5}:[0-9A-F]{1,4}|[a-z]{1,6}", 0..12)) {
        let s = SerialInfo::parse(&tokens.join(" "));
        let known = [s.cpid.is_some(), s.cprv.is_some(), s.cpfm.is_some(), s.scep.is_some(), s.bdid.is_some(), s.ecid.is_some(), s.ibfl.is_some(), s.nonc.is_some(), s.snon.is_some()]
            .iter()
            .filter(|b| **b)
            .count();
        prop_assert_eq!(known + s.unknown.len() + s.invalid.len() + s.loose.len(), tokens.len());
    }
}
