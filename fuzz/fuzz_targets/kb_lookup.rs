//! Fuzz `rd_kb::lookup` with arbitrary UTF-8: it must never panic, and whatever it finds must
//! turn into a finding with remedies.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let found = rd_kb::lookup(text);
    match found.finding() {
        Some(finding) => assert!(!finding.remedies.is_empty()),
        None => assert!(!found.not_found_message().is_empty()),
    }
});
