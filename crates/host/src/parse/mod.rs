//! Parsers for the raw captures: each turns one command's output or one file into plain values.
//! They never decide anything; the checks do. All compile and are tested on every platform.

pub mod linux;
pub mod macos;
pub mod version;
pub mod windows;

/// Text from captured bytes: UTF-16LE when it starts with that byte-order mark (`reg export`
/// writes it), else UTF-8 (lossy), with a UTF-8 byte-order mark and carriage returns removed.
pub fn decode_text(bytes: &[u8]) -> String {
    let text = if bytes.starts_with(&[0xFF, 0xFE]) {
        let units: Vec<u16> = bytes[2..]
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        String::from_utf16_lossy(&units)
    } else {
        String::from_utf8_lossy(bytes).into_owned()
    };
    text.trim_start_matches('\u{feff}').replace('\r', "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_utf16_exports_and_crlf() {
        let mut b = vec![0xFF, 0xFE];
        for u in "Windows Registry Editor\r\n".encode_utf16() {
            b.extend_from_slice(&u.to_le_bytes());
        }
        assert_eq!(decode_text(&b), "Windows Registry Editor\n");
        assert_eq!(decode_text(b"\xEF\xBB\xBFa\r\nb"), "a\nb");
    }
}
