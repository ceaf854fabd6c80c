//! Fuzzes the hosts-file reader (decoding, parsing, Apple-entry detection, the `--fix` rewrite):
//! any bytes must be handled without panicking, and the rewrite never adds an Apple entry.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rd_probe::hosts;

fuzz_target!(|data: &[u8]| {
    let text = hosts::decode(data);
    let _ = hosts::parse(&text);
    let domains = vec!["apple.com".to_string(), "cdn-apple.com".to_string()];
    let before = hosts::apple_entries(&text, &domains).len();
    let (fixed, _changes) = hosts::fixed_text(&text, &domains);
    let after = hosts::apple_entries(&fixed, &domains).len();
    assert!(after <= before, "the fix added Apple entries ({before} -> {after})");
});
