//! Fuzzes the reading of ipsw.me's JSON (`/device/{id}` and `/devices`) and the catalog rebuild
//! from it: any answer is either read or rejected, and merging never loses a device.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rd_firmware::catalog_update::merge;
use rd_firmware::ipswme::ApiDevice;

fuzz_target!(|data: &[u8]| {
    if let Ok(dev) = serde_json::from_slice::<ApiDevice>(data) {
        let rows = merge(&dev.firmwares);
        for f in &dev.firmwares {
            assert!(rows.iter().any(|r| r.product_types.contains(&f.identifier)));
        }
    }
    let _ = serde_json::from_slice::<Vec<ApiDevice>>(data);
});
