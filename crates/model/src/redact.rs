//! Redaction of device identifiers (ECID, serial number, IMEI, UDID, nonces) for shareable output.

/// Masks identifiers that tie output to one person's device, keeping the text's shape.
///
/// Handles `ECID: 0x…`/`ECID:…` fields, iBoot serial-string tags (`ECID:`, `SRNM:[…]`,
/// `IMEI:[…]`, `NONC:`, `SNON:`), 40-hex UDIDs, 25-char new-style UDIDs, and `serial`/`IMEI`
/// key–value pairs. Values are replaced by `<redacted>`; everything else is left as it is.
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&redact_line(line));
    }
    out
}

const KEYS: [&str; 9] = [
    "ecid",
    "srnm",
    "imei",
    "nonc",
    "snon",
    "serial",
    "serialnumber",
    "udid",
    "uniquechipid",
];

fn redact_line(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if let Some((key_end, val_start, val_end)) = key_value_at(line, i) {
            out.push_str(&line[i..val_start]);
            out.push_str("<redacted>");
            let _ = key_end;
            i = val_end;
            continue;
        }
        if let Some(end) = long_hex_at(line, i) {
            out.push_str("<redacted>");
            i = end;
            continue;
        }
        let ch = line[i..].chars().next().unwrap_or(' ');
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

/// True when a word can start at `i`: the line starts there, the byte before is not a letter or
/// digit, or it is the `m` that ends an ANSI colour sequence (`ESC [ 0 ; 1 m`).
fn word_starts_at(bytes: &[u8], i: usize) -> bool {
    if i == 0 || !bytes[i - 1].is_ascii_alphanumeric() {
        return true;
    }
    if bytes[i - 1] != b'm' {
        return false;
    }
    let mut k = i - 1;
    while k > 0 && (bytes[k - 1].is_ascii_digit() || bytes[k - 1] == b';') {
        k -= 1;
    }
    k >= 2 && bytes[k - 1] == b'[' && bytes[k - 2] == 0x1b
}

/// If a redactable key starts at `i` (on a word boundary), returns (key end, value start, value end).
fn key_value_at(line: &str, i: usize) -> Option<(usize, usize, usize)> {
    let bytes = line.as_bytes();
    if !word_starts_at(bytes, i) {
        return None;
    }
    let rest = &line[i..];
    let lower: String = rest
        .chars()
        .take(16)
        .collect::<String>()
        .to_ascii_lowercase();
    let key = KEYS
        .iter()
        .filter(|k| lower.starts_with(*k))
        .max_by_key(|k| k.len())?;
    let mut j = i + key.len();
    // allow "Number", " number" suffix spelled out: "Serial Number"
    if key == &"serial" {
        let tail = line[j..].to_ascii_lowercase();
        if tail.starts_with(" number") {
            j += " number".len();
        } else if tail.starts_with("number") {
            j += "number".len();
        }
    }
    if j < bytes.len() && bytes[j].is_ascii_alphanumeric() {
        return None;
    }
    let key_end = j;
    // separators: spaces, ':', '=', quotes
    while j < bytes.len() && matches!(bytes[j], b' ' | b'\t' | b':' | b'=' | b'"' | b'\'') {
        j += 1;
    }
    if j == key_end {
        return None;
    }
    let bracket = j < bytes.len() && bytes[j] == b'[';
    let val_start = if bracket { j + 1 } else { j };
    let mut k = val_start;
    while k < bytes.len() && (bytes[k].is_ascii_alphanumeric() || bytes[k] == b'-') {
        k += 1;
    }
    // A value must look like an identifier: at least 4 characters with a digit.
    let value = &line[val_start..k];
    if value.len() < 4 || !value.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((key_end, val_start, k))
}

/// A bare UDID starting at `i`: 40 hex digits (old style), 24 hex digits, or `8-16` hex digits
/// joined by a dash (new style, e.g. `00008030-001A2B3C4D5E6F26`). Returns where it ends.
fn long_hex_at(line: &str, i: usize) -> Option<usize> {
    let bytes = line.as_bytes();
    if !word_starts_at(bytes, i) {
        return None;
    }
    let hex_run = |from: usize| {
        let mut j = from;
        while j < bytes.len() && bytes[j].is_ascii_hexdigit() {
            j += 1;
        }
        j
    };
    let ends_word = |j: usize| j == bytes.len() || !bytes[j].is_ascii_alphanumeric();
    let j = hex_run(i);
    let run = j - i;
    let has_digit = bytes[i..j].iter().any(u8::is_ascii_digit);
    if (run == 40 || run == 24) && has_digit && ends_word(j) {
        return Some(j);
    }
    if run == 8 && j < bytes.len() && bytes[j] == b'-' {
        let k = hex_run(j + 1);
        if k - (j + 1) == 16 && ends_word(k) {
            return Some(k);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::redact;
    use proptest::prelude::*;

    #[test]
    fn masks_ecid_forms() {
        assert_eq!(redact("ECID: 0x001A2B3C4D5E6F"), "ECID: <redacted>");
        assert_eq!(redact("Found ECID=6A2B3C4D5E6F"), "Found ECID=<redacted>");
        assert_eq!(
            redact("CPID:8015 CPRV:11 BDID:0A ECID:001A2B3C4D5E6F26 SRNM:[F2LXXXXXXX1] IBFL:3C"),
            "CPID:8015 CPRV:11 BDID:0A ECID:<redacted> SRNM:[<redacted>] IBFL:3C"
        );
    }

    #[test]
    fn masks_serial_imei_udid() {
        assert_eq!(
            redact("Serial Number: F2LX12345678"),
            "Serial Number: <redacted>"
        );
        assert_eq!(redact("IMEI: 356789012345678"), "IMEI: <redacted>");
        let udid = "0123456789abcdef0123456789abcdef01234567";
        assert_eq!(
            redact(&format!("device {udid} found")),
            "device <redacted> found"
        );
    }

    #[test]
    fn masks_new_style_udids() {
        assert_eq!(
            redact("USB\\VID_05AC&PID_12A8\\00008030001A2B3C4D5E6F26"),
            "USB\\VID_05AC&PID_12A8\\<redacted>"
        );
        assert_eq!(
            redact("udid 00008030-001A2B3C4D5E6F26 ok"),
            "udid <redacted> ok"
        );
        assert_eq!(redact("id=00008030-001A2B3C4D5E6F26."), "id=<redacted>.");
    }

    #[test]
    fn sees_keys_right_after_colour_codes() {
        assert_eq!(
            redact("    \u{1b}[2m\u{1b}[0mECID 0x001A2B3C4D5E6F26"),
            "    \u{1b}[2m\u{1b}[0mECID <redacted>"
        );
        // An ordinary word ending in 'm' is still a word.
        assert_eq!(redact("formECID 0x001A2B3C"), "formECID 0x001A2B3C");
    }

    #[test]
    fn leaves_ordinary_text_alone() {
        let s = "Sending iBEC (1234 bytes)...\nUpdating baseband (19)\nserial port ok";
        assert_eq!(redact(s), s);
    }

    proptest! {
        #[test]
        fn never_panics_and_keeps_line_count(s in "\\PC{0,300}") {
            let r = redact(&s);
            prop_assert_eq!(r.split('\n').count(), s.split('\n').count());
        }
    }
}
