//! Error numbers: parsing every form users paste, and one canonical value per code.
//!
//! MobileDevice errors (`0xE8000000`–`0xE8FFFFFF`) show up as hex, as the unsigned decimal
//! (`3892314133`) and as the signed 32-bit decimal (`-402653163`); all three map to the same
//! canonical value, the unsigned one. Every other number is its own value.

/// Lowest MobileDevice error value.
pub const MOBILEDEVICE_LOW: i64 = 0xE800_0000;
/// Highest MobileDevice error value.
pub const MOBILEDEVICE_HIGH: i64 = 0xE8FF_FFFF;

const TWO_POW_32: i64 = 1 << 32;

/// The canonical value of a number: signed 32-bit forms of MobileDevice codes become unsigned.
pub fn canonical(value: i64) -> i64 {
    if value < 0 && (MOBILEDEVICE_LOW..=MOBILEDEVICE_HIGH).contains(&(value + TWO_POW_32)) {
        value + TWO_POW_32
    } else {
        value
    }
}

/// How a canonical value is written: `0xE8000015` for MobileDevice codes, decimal otherwise.
pub fn display(value: i64) -> String {
    if (MOBILEDEVICE_LOW..=MOBILEDEVICE_HIGH).contains(&value) {
        format!("0x{value:08X}")
    } else {
        value.to_string()
    }
}

/// Parses a token that is exactly one number: `4013`, `-1`, `+12`, `0xE8000015`, `E8000015`,
/// `3892314133`, `-402653163`. Returns the canonical value, or `None` if it is not a number.
pub fn parse_exact(token: &str) -> Option<i64> {
    let t = token.trim();
    let (negative, digits) = match t.as_bytes().first()? {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty() {
        return None;
    }
    let hex = digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"));
    if let Some(hex) = hex {
        if negative {
            return None;
        }
        return parse_hex(hex);
    }
    if digits.bytes().all(|b| b.is_ascii_digit()) {
        // Longer than any 32-bit value: not an error number.
        if digits.len() > 10 {
            return None;
        }
        let v: i64 = digits.parse().ok()?;
        let v = if negative { -v } else { v };
        if v < i64::from(i32::MIN) || v > i64::from(u32::MAX) {
            return None;
        }
        return Some(canonical(v));
    }
    // A bare MobileDevice code without `0x`: exactly 8 hex digits starting with E8.
    if !negative && digits.len() == 8 && digits.as_bytes()[..2].eq_ignore_ascii_case(b"e8") {
        return parse_hex(digits);
    }
    None
}

/// Hex digits (no prefix) of at most 32 bits: MobileDevice codes stay unsigned, other values above
/// `i32::MAX` are read as the signed 32-bit number they encode (`0xFFFFFFFF` is `-1`).
fn parse_hex(hex: &str) -> Option<i64> {
    if hex.is_empty() || hex.len() > 8 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let v = i64::from(u32::from_str_radix(hex, 16).ok()?);
    if (MOBILEDEVICE_LOW..=MOBILEDEVICE_HIGH).contains(&v) {
        Some(v)
    } else if v > i64::from(i32::MAX) {
        Some(v - TWO_POW_32)
    } else {
        Some(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobiledevice_forms_agree() {
        let want = 0xE800_0015;
        assert_eq!(parse_exact("0xE8000015"), Some(want));
        assert_eq!(parse_exact("0xe8000015"), Some(want));
        assert_eq!(parse_exact("E8000015"), Some(want));
        assert_eq!(parse_exact("3892314133"), Some(want));
        assert_eq!(parse_exact("-402653163"), Some(want));
        assert_eq!(display(want), "0xE8000015");
    }

    #[test]
    fn plain_numbers() {
        assert_eq!(parse_exact("4013"), Some(4013));
        assert_eq!(parse_exact("-1"), Some(-1));
        assert_eq!(parse_exact("+53"), Some(53));
        assert_eq!(parse_exact("0xFFFFFFFF"), Some(-1));
        assert_eq!(display(-9800), "-9800");
    }

    #[test]
    fn rejects_non_numbers() {
        for s in [
            "",
            "-",
            "0x",
            "-0x10",
            "12a",
            "99999999999",
            "0x123456789",
            "E8",
            "e800001",
            "abc",
            "4294967296",
            "\u{e9}\u{e9}\u{e9}\u{e9}",
            "e\u{e9}00001",
        ] {
            assert_eq!(parse_exact(s), None, "{s:?}");
        }
    }
}
