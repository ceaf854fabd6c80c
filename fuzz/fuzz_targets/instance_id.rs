//! Fuzzes the Windows device instance-id parser (`USB\VID_05AC&PID_12A8\<serial>`): any text is
//! parsed or rejected without panicking, and a parsed id's UDID is read safely.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rd_device::instance_id::InstanceId;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(id) = InstanceId::parse(&text) {
        let _ = id.udid();
        let _ = format!("{id:?}");
    }
});
