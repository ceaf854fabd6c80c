//! Fuzzes the IPSW reader: zip directory, entry inflation and the bounded plist/manifest parser.
//! Any input must give a value or an error, never a panic, a hang or an unbounded allocation.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rd_firmware::manifest::{Manifest, RestoreInfo};
use rd_firmware::source::MemSource;

fuzz_target!(|data: &[u8]| {
    let _ = Manifest::parse(data);
    let _ = RestoreInfo::parse(data);
    let src = MemSource::new("fuzz.ipsw", data.to_vec());
    if let Ok(ipsw) = rd_firmware::inspect::inspect(&src) {
        let _ = rd_firmware::integrity::check_local_headers(&src, &ipsw.index);
        for e in ipsw.index.entries.iter().take(8) {
            let _ = rd_firmware::integrity::check_entry_crc(&src, &ipsw.index, e);
        }
    }
});
