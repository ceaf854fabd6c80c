//! Robustness: arbitrary bytes never panic, odd encodings and shapes are handled, big logs are
//! streamed, and the embedded data is consistent.

use proptest::prelude::*;
use rd_logs::{LogError, Outcome, diagnose, diagnose_bytes};
use std::io::Read;

const FAILED: &str = "Found device in Recovery mode\nIdentified device as d101ap, iPhone9,3\nTSS server returned: STATUS=94&MESSAGE=This device isn't eligible for the requested build.\nERROR: Unable to get SHSH blobs for this device\n";

#[test]
fn embedded_data_is_consistent() {
    let problems = rd_logs::data::validate();
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(rd_logs::data::rules().len() >= 30);
}

#[test]
fn empty_and_whitespace_inputs_are_reported_as_empty() {
    assert!(matches!(diagnose_bytes(b""), Err(LogError::Empty)));
    assert!(matches!(
        diagnose_bytes(b"  \n\r\n\t\n"),
        Err(LogError::Empty)
    ));
}

#[test]
fn binary_inputs_are_rejected_with_a_reason() {
    let mut zip = b"PK\x03\x04".to_vec();
    zip.extend(std::iter::repeat_n(0u8, 500));
    match diagnose_bytes(&zip) {
        Err(LogError::Binary(why)) => assert!(why.contains("zip")),
        other => panic!("{other:?}"),
    }
    let noise: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8 % 32)
        .collect();
    assert!(matches!(diagnose_bytes(&noise), Err(LogError::Binary(_))));
}

#[test]
fn line_endings_quoting_and_encodings_do_not_change_the_answer() {
    let base = diagnose_bytes(FAILED.as_bytes()).unwrap();
    assert_eq!(base.category.as_str(), "signing");
    let crlf = FAILED.replace('\n', "\r\n");
    let quoted: String = FAILED.lines().map(|l| format!("> **{l}**\n")).collect();
    let tabs: String = FAILED
        .lines()
        .map(|l| format!("\t{}\n", l.replacen(": ", ":\t", 1)))
        .collect();
    let windows: String = FAILED
        .lines()
        .map(|l| format!("[10:00:00.000][77] : {l}\n"))
        .collect();
    let mut latin1 = FAILED.as_bytes().to_vec();
    latin1.extend_from_slice(b"Saved to C:\\Users\\Jos\xe9\\fw.ipsw\n");
    let mut utf16: Vec<u8> = vec![0xFF, 0xFE];
    for u in FAILED.encode_utf16() {
        utf16.extend_from_slice(&u.to_le_bytes());
    }
    for (name, bytes) in [
        ("crlf", crlf.into_bytes()),
        ("quoted", quoted.into_bytes()),
        ("tabs", tabs.into_bytes()),
        ("windows", windows.into_bytes()),
        ("latin1", latin1),
        ("utf16", utf16),
    ] {
        let d = diagnose_bytes(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(d.category, base.category, "{name}");
        assert_eq!(d.outcome, base.outcome, "{name}");
        assert_eq!(
            d.evidence.first().map(|e| e.line),
            base.evidence.first().map(|e| e.line),
            "{name}"
        );
        assert_eq!(
            d.device
                .as_ref()
                .and_then(|x| x.product_type.clone())
                .as_deref(),
            Some("iPhone9,3"),
            "{name}"
        );
    }
}

#[test]
fn a_trailer_or_noise_alone_is_never_success() {
    let trailer = "[Log] Restoring done! Read the message below if any error has occurred:\n";
    let d = diagnose_bytes(trailer.as_bytes()).unwrap();
    assert_ne!(d.outcome, Outcome::Success);
    let fdr = "ERROR: Unable to receive message from FDR 0x1 (-2). 0/4 bytes\n".repeat(20);
    let d = diagnose_bytes(fdr.as_bytes()).unwrap();
    assert_ne!(d.outcome, Outcome::Success);
    assert_ne!(d.category.as_str(), "usb");
    assert_eq!(d.noise.first().map(|n| n.count), Some(20));
}

#[test]
fn a_failure_after_success_is_a_failure() {
    let log = "Status: Restore Finished\nERROR: Unable to send data to ASR. Sent 0 of 65536 bytes.\nERROR: Unable to restore device\n";
    let d = diagnose_bytes(log.as_bytes()).unwrap();
    assert_eq!(d.outcome, Outcome::Failure);
    assert_eq!(d.category.as_str(), "usb");
}

/// A reader that produces a long, realistic log without holding it in memory.
struct Repeat {
    chunk: Vec<u8>,
    left: usize,
    pos: usize,
    tail: Vec<u8>,
    tail_pos: usize,
}

impl Read for Repeat {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            let n = out.len().min(self.tail.len() - self.tail_pos);
            out[..n].copy_from_slice(&self.tail[self.tail_pos..self.tail_pos + n]);
            self.tail_pos += n;
            return Ok(n);
        }
        let n = out.len().min(self.chunk.len() - self.pos);
        out[..n].copy_from_slice(&self.chunk[self.pos..self.pos + n]);
        self.pos += n;
        if self.pos == self.chunk.len() {
            self.pos = 0;
            self.left -= 1;
        }
        Ok(n)
    }
}

#[test]
fn long_logs_are_streamed_and_numbered_correctly() {
    let body = "DEBUG: asr: sending payload chunk\n[=====     ] 50.0%\nFDR 0x600001 waiting for message...\n";
    let repeats = 200_000; // ~18 MB
    let reader = Repeat {
        chunk: body.as_bytes().to_vec(),
        left: repeats,
        pos: 0,
        tail: b"Status: X-Gold Baseband Update Failed. Defective Unit?\nERROR: Unable to restore device\n".to_vec(),
        tail_pos: 0,
    };
    let d = diagnose(reader).unwrap();
    let expected_line = (repeats * 3 + 1) as u64;
    assert_eq!(d.category.as_str(), "hardware");
    assert_eq!(d.evidence[0].line, expected_line);
    assert_eq!(d.lines, expected_line + 1);
    assert!(d.events.checkpoints.len() <= 64);
    assert_eq!(d.noise[0].count, repeats as u64);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        match diagnose_bytes(&bytes) {
            Ok(d) => {
                prop_assert!(d.lines as usize <= bytes.len() + 1);
                prop_assert!(d.evidence.iter().all(|e| e.line >= 1 && e.line <= d.lines.max(1)));
            }
            Err(LogError::Empty | LogError::Binary(_)) => {}
            Err(e) => prop_assert!(false, "unexpected error {e}"),
        }
    }

    #[test]
    fn marker_soup_never_panics(lines in proptest::collection::vec(
        prop_oneof![
            Just("CHECKPOINT FAILURE:(FAILURE:".to_string()),
            Just("Checkpoint FAILURE id: 0x".to_string()),
            Just("Status: ".to_string()),
            Just("STATUS=".to_string()),
            Just("operation ".to_string()),
            Just("Updating baseband (".to_string()),
            Just("_Restore.ipsw".to_string()),
            Just("'CHECKPOINT_RESULT': ".to_string()),
            Just("[exception]:\ncode=".to_string()),
            "[ -~]{0,40}",
            "[0-9x,()=:'\\[\\]{}_ -]{0,20}",
        ], 0..60)) {
        let text = lines.concat().replace("\\n", "\n");
        let _ = diagnose_bytes(text.as_bytes());
        let joined = lines.join("\n");
        let _ = diagnose_bytes(joined.as_bytes());
    }
}
