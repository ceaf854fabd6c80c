//! Fuzz `rd_tss::parse` with arbitrary bytes: it must never panic, a `STATUS` other than 0 is
//! never "signed", and what it keeps of a body stays bounded.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rd_tss::{Parsed, Verdict};

fuzz_target!(|data: &[u8]| {
    let parsed = rd_tss::parse(data);
    let verdict = parsed.verdict();
    match &parsed {
        Parsed::Reply(r) => {
            assert!(r.message.chars().count() <= 300);
            if r.status != 0 {
                assert_ne!(verdict, Verdict::Signed);
            }
        }
        Parsed::NotTss { excerpt, .. } => {
            assert!(excerpt.chars().count() <= 160);
            assert!(matches!(verdict, Verdict::NotTss(_)));
        }
    }
});
