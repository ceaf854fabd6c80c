//! Fuzzes the restore-log reader end to end: sniffing, streaming scan, line cleaning, typed
//! extraction and diagnosis must never panic or hang on any input, and the answer must stay
//! self-consistent.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rd_logs::{Family, LogError, Outcome};

fuzz_target!(|data: &[u8]| {
    match rd_logs::diagnose_bytes(data) {
        Ok(d) => {
            for e in &d.evidence {
                assert!(
                    e.line >= 1 && e.line <= d.lines.max(1),
                    "evidence outside the input"
                );
            }
            if d.outcome == Outcome::Success {
                assert_eq!(d.category, Family::Success);
            }
            if d.category == Family::Unknown {
                assert_eq!(d.confidence, rd_logs::Confidence::Low);
            }
        }
        Err(LogError::Empty | LogError::Binary(_)) => {}
        Err(e) => panic!("unexpected error: {e}"),
    }
    // The per-line pieces on their own.
    let text = String::from_utf8_lossy(data);
    for line in text.lines().take(64) {
        let c = rd_logs::clean_line(line);
        let _ = rd_logs::extract::checkpoint(&c.text);
        let _ = rd_logs::extract::target_facts(&c.text);
        let _ = rd_logs::extract::device_facts(&c.text);
        let _ = rd_logs::extract::tool_code(&c.text);
        let _ = rd_logs::extract::mode(&c.text);
    }
});
