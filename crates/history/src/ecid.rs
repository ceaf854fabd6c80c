//! Finding a device's ECID in restore-log text, so attempts from different logs of the same
//! device land under the same (hashed) key. The ECID itself is only held in memory: the store
//! keeps a salted hash of it ([`crate::Store::device_key`]).
//!
//! Restore tools print it in a few shapes: `ECID: 0x0012345678901234` and `Found ECID
//! 5124095576030430` (idevicerestore, in hex or decimal depending on version), the iBoot serial
//! string `… ECID:001A2B3C4D5E6F26 …` (always hex, no prefix), and futurerestore's `ecid = …`.
//! Masked values (`****`, `ECID_HERE`) are not ECIDs and are skipped.

/// How far into a log the ECID is looked for (tools print it in their first lines).
pub const SCAN_LIMIT: usize = 4 * 1024 * 1024;

/// The first ECID a log file names, read from its first [`SCAN_LIMIT`] bytes.
pub fn ecid_in_file(path: &std::path::Path) -> Option<u64> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .ok()?
        .take(SCAN_LIMIT as u64)
        .read_to_end(&mut bytes)
        .ok()?;
    ecid_in_text(&String::from_utf8_lossy(&bytes))
}

/// The first ECID named in `text`, as a number.
pub fn ecid_in_text(text: &str) -> Option<u64> {
    text.lines().find_map(ecid_in_line)
}

/// The ECID a line names, if it names one.
pub fn ecid_in_line(line: &str) -> Option<u64> {
    let lower = line.to_ascii_lowercase();
    let mut from = 0;
    while let Some(pos) = lower[from..].find("ecid") {
        let at = from + pos;
        from = at + 4;
        let before_ok = at == 0 || !lower.as_bytes()[at - 1].is_ascii_alphanumeric();
        if !before_ok {
            continue;
        }
        if let Some(v) = value_after(&line[at + 4..]) {
            return Some(v);
        }
    }
    None
}

/// Parses the value after an `ECID` key: separators, then `0x` hex, bare hex (with a letter,
/// or 16 digits as the serial string writes it) or decimal.
fn value_after(rest: &str) -> Option<u64> {
    let tight = rest.starts_with(':') && !rest[1..].starts_with(' ');
    let trimmed = rest.trim_start_matches([' ', '\t', ':', '=', '"', '\'', '#']);
    if trimmed.len() == rest.len() {
        // No separator at all: `ECIDs`, `ECID_HERE`, …
        return None;
    }
    let token: &str = trimmed
        .split(|c: char| !c.is_ascii_alphanumeric())
        .next()
        .unwrap_or("");
    let value = if let Some(hex) = token
        .strip_prefix("0x")
        .or_else(|| token.strip_prefix("0X"))
    {
        parse_hex(hex)?
    } else if token.bytes().all(|b| b.is_ascii_digit()) {
        if tight && token.len() == 16 {
            // The iBoot serial string: `ECID:001A2B3C4D5E6F26` is hex even without letters.
            parse_hex(token)?
        } else {
            token.parse::<u64>().ok()?
        }
    } else {
        parse_hex(token)?
    };
    // Real ECIDs are large; a tiny number is a counter or a placeholder, not a chip id.
    (value > 0xFFFF).then_some(value)
}

fn parse_hex(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 16 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u64::from_str_radix(s, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_shapes_tools_print() {
        // From crates/logs/tests/fixtures/idr_tss_not_signed.log (idevicerestore's layout).
        assert_eq!(
            ecid_in_line("ECID: 0x0012345678901234"),
            Some(0x0012_3456_7890_1234)
        );
        // The iBoot serial string as crates/device/tests/fixtures/two_hubs_dfu.json records it.
        assert_eq!(
            ecid_in_line("CPID:8015 CPRV:11 BDID:0A ECID:001A2B3C4D5E6F26 IBFL:3C"),
            Some(0x001A_2B3C_4D5E_6F26)
        );
        assert_eq!(
            ecid_in_line("Found ECID 5124095576030430"),
            Some(5_124_095_576_030_430)
        );
        assert_eq!(ecid_in_line("ecid = 0xABCDEF12345"), Some(0xABC_DEF1_2345));
    }

    #[test]
    fn skips_masked_values_and_other_words() {
        // Masked forms seen in corpus/real/tuned (e.g. 100.log, 217.log, 332.log).
        for line in [
            "ECID: ****",
            "ECID: **********",
            "[TSSC] manually specified ecid to use, parsed \"ECID_HERE\" to dec:ECID_HERE",
            "* ECID: ....",
            "ECID in APTicket does not match",
            "ECIDs: none",
            "ECID: 0",
        ] {
            assert_eq!(ecid_in_line(line), None, "{line}");
        }
    }

    #[test]
    fn first_ecid_in_a_log_wins() {
        let text = "idevicerestore 1.0.0\nFound device in Recovery mode\nECID: 0x0012345678901234\nECID: 0x0099999999999999\n";
        assert_eq!(ecid_in_text(text), Some(0x0012_3456_7890_1234));
    }
}
