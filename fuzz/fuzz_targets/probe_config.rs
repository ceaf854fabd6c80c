//! Fuzzes the checkup's TOML config reader: any text is either a valid configuration (which then
//! renders back to TOML that reads the same) or one clear error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(cfg) = rd_probe::Config::from_toml(&text, Path::new("fuzz.toml")) {
        let _ = cfg.net_config(std::time::Duration::from_secs(1));
        let back = rd_probe::Config::from_toml(&cfg.to_toml(), Path::new("back.toml"))
            .expect("a valid config renders to valid TOML");
        assert_eq!(back.connect_to, cfg.connect_to);
    }
});
