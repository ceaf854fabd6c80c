//! Substring search in one short line, the operation the per-line work repeats most (the rules'
//! `unless` vetoes, the mode parser's keywords, the extractors' anchors, all on lines of ~60
//! bytes). Building a searcher per call (`str::contains`, `memmem::find`) costs more than such
//! a line; a byte-at-a-time loop is one compare and branch per byte. Here eight start positions
//! are tested at once: one 8-byte word holds the bytes where the needle would start, another
//! the bytes where it would end, and a position is a candidate only when both its first and its
//! last byte match (a zero-byte test on each word XOR the broadcast byte); candidates are then
//! compared in full, so the answer is exactly the first occurrence.

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;
/// Haystacks at least this long go to memchr's vector search for the first byte instead.
const LONG: usize = 256;

/// The high bit of every byte of `x` that is zero (and possibly of a byte above a zero byte:
/// callers confirm every candidate, so only the absence of misses matters).
fn zero_bytes(x: u64) -> u64 {
    x.wrapping_sub(ONES) & !x & HIGH
}

fn word(b: &[u8]) -> u64 {
    u64::from_le_bytes(b[..8].try_into().expect("8 bytes"))
}

/// Byte offset of the first occurrence of `needle` in `hay` (`Some(0)` for an empty needle).
pub(crate) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let Some((&first, rest)) = needle.split_first() else {
        return Some(0);
    };
    let last_start = hay.len().checked_sub(needle.len())?;
    if hay.len() >= LONG {
        return find_long(hay, first, rest, last_start);
    }
    let k = needle.len() - 1;
    let (f, l) = (ONES * u64::from(first), ONES * u64::from(needle[k]));
    let mut i = 0;
    while i + k + 8 <= hay.len() {
        let mut m = zero_bytes(word(&hay[i..]) ^ f) & zero_bytes(word(&hay[i + k..]) ^ l);
        while m != 0 {
            let at = i + (m.trailing_zeros() / 8) as usize;
            // The zero-byte test may flag a byte that does not match: compare all of it.
            if hay[at..at + needle.len()] == *needle {
                return Some(at);
            }
            m &= m - 1;
        }
        i += 8;
    }
    (i..=last_start).find(|&at| hay[at] == first && hay[at + 1..at + needle.len()] == *rest)
}

/// [`find`] on a long haystack: memchr for the first byte, then the rest compared.
fn find_long(hay: &[u8], first: u8, rest: &[u8], last_start: usize) -> Option<usize> {
    let mut i = 0;
    while i <= last_start {
        let at = i + memchr::memchr(first, &hay[i..=last_start])?;
        if hay[at + 1..at + 1 + rest.len()] == *rest {
            return Some(at);
        }
        i = at + 1;
    }
    None
}

/// The adjacent byte pairs of one short line, as a 128-bit set. A needle whose pairs are not all
/// in the set is not in the line, which one bit test per pair tells (most needles fail at their
/// first pair); only the rest are searched. Code that looks for many needles in one line (the
/// mode parser's 16 phrases) builds the set once and saves most searches: on the dense
/// benchmark the mode parser and the short-line searches took ~20 % less time together. The
/// set is one `u128` (a line of ~50 bytes sets about a third of its bits).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct LinePairs(u128);

/// The set bit of the pair `a`, `b`.
fn pair_bit(a: u8, b: u8) -> u32 {
    (u32::from(a) << 8 | u32::from(b)).wrapping_mul(0x9E37_79B1) >> 25
}

impl LinePairs {
    /// The pairs of `hay`.
    pub(crate) fn of(hay: &[u8]) -> LinePairs {
        let mut set = 0u128;
        for w in hay.windows(2) {
            set |= 1 << pair_bit(w[0], w[1]);
        }
        LinePairs(set)
    }

    /// Whether `needle` may occur in the line (false: it does not; needles shorter than two
    /// bytes always may).
    pub(crate) fn may_hold(&self, needle: &[u8]) -> bool {
        needle
            .windows(2)
            .all(|w| self.0 >> pair_bit(w[0], w[1]) & 1 != 0)
    }

    /// [`find`] in `hay`, the line these pairs are of.
    pub(crate) fn find(&self, hay: &[u8], needle: &[u8]) -> Option<usize> {
        if self.may_hold(needle) {
            find(hay, needle)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{LinePairs, find};
    use proptest::prelude::*;

    fn plain(hay: &[u8], needle: &[u8]) -> Option<usize> {
        if needle.is_empty() {
            return Some(0);
        }
        hay.windows(needle.len()).position(|w| w == needle)
    }

    #[test]
    fn edges() {
        assert_eq!(find(b"", b""), Some(0));
        assert_eq!(find(b"abc", b""), Some(0));
        assert_eq!(find(b"", b"a"), None);
        assert_eq!(find(b"abc", b"abcd"), None);
        assert_eq!(find(b"abc", b"abc"), Some(0));
        assert_eq!(find(b"xxxxxxxxxxxxabc", b"abc"), Some(12));
        assert_eq!(find(b"aaaaaaaaaaaaaaaaab", b"ab"), Some(16));
        // A zero byte next to a 0x01 byte (the zero-byte test's false positive) is confirmed.
        assert_eq!(
            find(b"\x00\x01\x00\x01zzzzzzzzz\x01\x01", b"\x01\x01"),
            Some(13)
        );
    }

    proptest! {
        #[test]
        fn same_as_plain(
            hay in proptest::collection::vec(prop_oneof![Just(b'a'), Just(b'b'), Just(0u8), Just(1u8), Just(0x80u8), any::<u8>()], 0..300),
            needle in proptest::collection::vec(prop_oneof![Just(b'a'), Just(b'b'), Just(0u8), Just(1u8)], 0..12),
        ) {
            prop_assert_eq!(find(&hay, &needle), plain(&hay, &needle));
            prop_assert_eq!(LinePairs::of(&hay).find(&hay, &needle), plain(&hay, &needle));
        }
    }
}
