//! Fuzzes the reader of Apple's system status feed (JSON or JSONP): never panics, and an
//! incident is relevant only when its service matches a watched name.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rd_probe::checks::status::incidents;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let watched = vec!["Software Update".to_string(), "Device Activation".to_string()];
    if let Ok(list) = incidents(&text, &watched) {
        for i in list {
            let name = i.service.to_ascii_lowercase();
            let hit = watched.iter().any(|w| name.contains(&w.to_ascii_lowercase()));
            assert_eq!(i.relevant, hit);
            assert!(i.message.chars().count() <= 300);
        }
    }
});
