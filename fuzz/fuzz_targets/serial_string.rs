//! Fuzzes the iBoot/SecureROM serial-string parser, the Windows instance-id parser and the
//! UDID reader: any input must parse (or be rejected) without panicking, and nothing the
//! serial parser sees may be lost.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rd_device::instance_id::InstanceId;
use rd_device::serial::{Separators, SerialInfo, parse_udid};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for seps in [Separators::Spaces, Separators::SpacesAndUnderscores] {
        let info = SerialInfo::parse_with(&text, seps);
        // Unknown tags are kept with the exact tag text (upper-cased) they had.
        for t in &info.unknown {
            assert!(text.to_ascii_uppercase().contains(&t.tag));
        }
        if text.trim().is_empty() {
            assert!(info.is_empty());
        }
    }
    if let Ok(id) = InstanceId::parse(&text) {
        let _ = id.udid();
    }
    let _ = parse_udid(&text);
});
