//! The fast marker search: a 4-gram filter instead of one big automaton.
//!
//! The marker set has ~650 case-insensitive literals. As an Aho-Corasick DFA that is a 4 MB table
//! walked one dependent step per byte (~0.3 GB/s here), and it is too large and case-insensitive
//! for the SIMD (Teddy) prefilter. Instead the text is looked at through 4-byte windows at even
//! positions only: each window is folded to lower case, hashed, and one bit of a 128 Kbit table
//! (16 KiB, stays in L1) is tested. Windows are independent of each other, so the CPU overlaps
//! them instead of waiting on a chain of table loads, and one 8-byte load serves two windows.
//!
//! Every literal is keyed so that one of its keys lands on an even position wherever it occurs:
//! a literal of 5+ bytes by one window of its own at an even offset and one at an odd offset
//! (of each parity the window held by the fewest other literals, then of the rarest bytes, so
//! that a key seen in the text has few literals to confirm); one of 4 bytes by itself and by
//! every window of "any byte + its first three"; one of 3 bytes by "itself + any byte" and
//! "any byte + itself" (plus a check of the text's last bytes); one of 1 byte with memchr; one
//! of 2 bytes (none today) with a tiny Aho-Corasick automaton. A set bit is confirmed in a key
//! table, then the literal's first 8 bytes and the whole literal are compared (ASCII case
//! ignored). Matches come out grouped by line, because each literal lies inside one line (no
//! literal holds a newline) and windows go left to right.
//!
//! Which two windows key a literal decides how often the text leads to a literal that is not
//! there: ` dev` (for `* device:`) is everywhere in restore logs, `ice:` is rare. The built-in
//! keys can only guess from the literals themselves; a log longer than one chunk gets keys
//! chosen from its own first 256 KiB ([`Grams::tuned`], `drive.rs`): on the dense benchmark
//! 6-10 % less CPU. The literals found are the same with any keys (tested).

use aho_corasick::{AhoCorasick, MatchKind};
use std::collections::{BTreeMap, HashMap};

/// Bits of the filter hash.
const HASH_BITS: u32 = 17;
/// 64-bit words of the filter (one bit per hash value).
const FILTER_WORDS: usize = 1 << (HASH_BITS - 6);

/// One full literal occurrence: where it starts and which literal it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    /// Position of the literal's key window, or of the literal when the window starts one byte
    /// before it; always inside the literal's line and non-decreasing along the search.
    pub key_at: u32,
    /// Start of the literal.
    pub start: u32,
    /// End of the literal (exclusive).
    pub end: u32,
    /// Index of the literal.
    pub lit: u32,
}

/// Working space of [`Grams::find_all`], reused from chunk to chunk.
#[derive(Debug, Default)]
pub struct Scratch {
    /// Occurrences of the literals shorter than 4 bytes.
    short: Vec<Hit>,
    /// Positions of the windows whose filter bit is set.
    candidates: Vec<u32>,
    /// Per literal, the start of its last occurrence listed (`u32::MAX`: none yet).
    last_start: Vec<u32>,
}

/// A literal behind a key window: where the key sits in it and its first 8 bytes, folded.
#[derive(Debug, Clone, Copy)]
struct Entry {
    lit: u32,
    /// Where the key window starts relative to the literal (-1: one byte before it).
    offset: i32,
    head: u64,
    head_mask: u64,
}

impl Entry {
    fn new(lit: u32, offset: i32, bytes: &[u8]) -> Entry {
        let (head, head_mask) = head_of(bytes);
        Entry {
            lit,
            offset,
            head,
            head_mask,
        }
    }
}

/// Every value a byte can have after folding (`|0x20` sets that bit).
const FOLDED_BYTES: [u8; 128] = {
    let mut out = [0u8; 128];
    let mut k = 0;
    while k < 128 {
        out[k] = ((k as u8) & 0x1F) | (((k as u8) & 0x60) << 1) | 0x20;
        k += 1;
    }
    out
};

/// A slot of the key table: a folded key window and its entries.
#[derive(Debug, Clone, Copy, Default)]
struct Slot {
    folded: u32,
    first: u32,
    count: u32,
}

/// Most candidate windows listed before they are confirmed (a normal 2 MiB chunk of dense
/// log text has ~80 k).
const MAX_CANDIDATES: usize = 1 << 17;
/// A marker found this close after its last listed occurrence, on the same line, is not listed
/// again.
const REPEAT_SPAN: usize = 64;

/// Whether an occurrence at `at` repeats one listed at `last` (not after it): near, and no
/// newline between.
fn is_repeat(hay: &[u8], last: usize, at: usize) -> bool {
    at - last < REPEAT_SPAN && memchr::memchr(b'\n', &hay[last..at]).is_none()
}

/// Slots in the key table (a power of two, well above the number of distinct keys).
const SLOTS: usize = 8192;

/// The compiled 4-gram filter over a literal set.
pub struct Grams {
    filter: Box<[u64; FILTER_WORDS]>,
    /// Open-addressed key table (`count == 0` is empty), probed from `hash % SLOTS`.
    slots: Vec<Slot>,
    /// Entries, grouped by key.
    entries: Vec<Entry>,
    /// Lower-cased literals.
    lits: Vec<Vec<u8>>,
    /// Literals of one byte: (byte lower, byte upper, literal).
    singles: Vec<(u8, u8, u32)>,
    /// Literals of two or three bytes, with their literal indexes.
    shorts: Option<(AhoCorasick, Vec<u32>)>,
    /// Literals of three bytes (keyed by every window they start).
    threes: Vec<u32>,
}

/// `|0x20` on every byte: lower-cases ASCII letters. Other bytes may change too, identically in
/// keys and text, so equal-ignoring-case windows always fold to the same value.
fn fold(w: [u8; 4]) -> u32 {
    u32::from_le_bytes(w) | 0x2020_2020
}

fn fold_slice(w: &[u8]) -> u32 {
    fold([w[0], w[1], w[2], w[3]])
}

/// The first 8 bytes of a literal, folded like the text, and the mask of the bytes it has.
fn head_of(lit: &[u8]) -> (u64, u64) {
    let mut head = [0u8; 8];
    let mut mask = [0u8; 8];
    for (k, &b) in lit.iter().take(8).enumerate() {
        head[k] = b | 0x20;
        mask[k] = 0xFF;
    }
    let mask = u64::from_le_bytes(mask);
    (u64::from_le_bytes(head) & mask, mask)
}

fn hash(folded: u32) -> u32 {
    folded.wrapping_mul(0x9E37_79B1) >> (32 - HASH_BITS)
}

/// How common a byte is in log text (higher is more common); a heuristic for choosing keys.
fn commonness(b: u8) -> u32 {
    const LETTERS: &[u8] = b"etaoinsrhldcumfpgwybvkxjqz";
    let l = b.to_ascii_lowercase();
    match l {
        b' ' => 260,
        b'a'..=b'z' => {
            let i = LETTERS.iter().position(|&c| c == l).unwrap_or(25) as u32;
            250 - 8 * i
        }
        b'0'..=b'9' => 220,
        b'\t' | b'.' | b',' | b':' | b'/' | b'-' | b'_' | b'=' => 180,
        0x80.. => 60,
        _ => 120,
    }
}

/// How often each filter hash value occurs among the 4-byte windows of a sample of the text.
pub struct WindowCounts(Vec<u32>);

impl WindowCounts {
    /// Counts the windows at every position of `sample`.
    pub fn of(sample: &[u8]) -> WindowCounts {
        let mut counts = vec![0u32; 1 << HASH_BITS];
        for w in sample.windows(4) {
            let c = &mut counts[hash(fold_slice(w)) as usize];
            *c = c.saturating_add(1);
        }
        WindowCounts(counts)
    }

    fn get(&self, folded: u32) -> u32 {
        self.0[hash(folded) as usize]
    }
}

impl Grams {
    /// Builds the filter; `lits` must be non-empty, lower-cased and free of newlines.
    pub fn new(lits: &[String]) -> Grams {
        Grams::build(lits, None)
    }

    /// Builds the filter with keys chosen for text like `counts`' sample: each literal of 5+
    /// bytes is keyed by its windows (one per parity) least seen there (weighted by how many
    /// literals share them), so that fewer windows of the text lead to literals that are not
    /// there. The literals found are the same whatever the keys; only the work changes.
    pub fn tuned(lits: &[String], counts: &WindowCounts) -> Grams {
        Grams::build(lits, Some(counts))
    }

    fn build(lits: &[String], counts: Option<&WindowCounts>) -> Grams {
        // How many literals hold each window: the key of a literal is its window held by the
        // fewest other literals (then the one of the rarest bytes), so that a key seen in the
        // text rarely has many literals to confirm.
        let mut held_by: HashMap<u32, u32> = HashMap::new();
        for lit in lits {
            let mut seen: Vec<u32> = lit.as_bytes().windows(4).map(fold_slice).collect();
            seen.sort_unstable();
            seen.dedup();
            for w in seen {
                *held_by.entry(w).or_default() += 1;
            }
        }
        let mut by_key: BTreeMap<u32, Vec<Entry>> = BTreeMap::new();
        let mut singles = Vec::new();
        let mut short_lits = Vec::new();
        let mut short_ids = Vec::new();
        let mut threes = Vec::new();
        let mut add = |folded: u32, e: Entry| by_key.entry(folded).or_default().push(e);
        for (i, lit) in lits.iter().enumerate() {
            let b = lit.as_bytes();
            let i = i as u32;
            match b.len() {
                0 => {}
                1 => singles.push((b[0].to_ascii_lowercase(), b[0].to_ascii_uppercase(), i)),
                2 => {
                    short_lits.push(lit.clone());
                    short_ids.push(i);
                }
                3 => {
                    // At an even position: the windows it starts (any next byte); at an odd
                    // one: the windows it ends (any byte before). An occurrence at the very end
                    // of the text at an even position has neither (see `find_all`).
                    for other in FOLDED_BYTES {
                        let entry = Entry::new(i, 0, b);
                        add(fold_slice(&[b[0], b[1], b[2], other]), entry);
                        add(fold_slice(&[other, b[0], b[1], b[2]]), Entry::new(i, -1, b));
                    }
                    threes.push(i);
                }
                4 => {
                    // At an even position: itself; at an odd one: the windows of any byte
                    // before and its first three bytes.
                    add(fold_slice(b), Entry::new(i, 0, b));
                    for other in FOLDED_BYTES {
                        add(fold_slice(&[other, b[0], b[1], b[2]]), Entry::new(i, -1, b));
                    }
                }
                _ => {
                    // One window at an even offset in the literal and one at an odd offset:
                    // wherever the literal occurs, one of the two starts at an even position.
                    // Each is the best of its parity, so a literal need not be keyed by a
                    // window next to its best one (`* device:` by `* de` and `ice:`, not by
                    // the ` dev` beside `* de`).
                    let score = |o: usize| {
                        let w = &b[o..o + 4];
                        let rarity: u32 = w.iter().map(|&c| commonness(c)).sum();
                        let held = held_by[&fold_slice(w)];
                        // Seen in the sample: each sighting costs a look at every literal
                        // behind the key.
                        let seen = counts.map_or(0, |n| u64::from(n.get(fold_slice(w))));
                        (seen * u64::from(1 + held), held, rarity)
                    };
                    for parity in [0, 1] {
                        let o = (parity..=b.len() - 4)
                            .step_by(2)
                            .min_by_key(|&o| score(o))
                            .expect("a literal of 5+ bytes has windows at offsets 0 and 1");
                        add(fold_slice(&b[o..o + 4]), Entry::new(i, o as i32, b));
                    }
                }
            }
        }
        let mut filter = Box::new([0u64; FILTER_WORDS]);
        let mut slots = vec![Slot::default(); SLOTS];
        let mut entries = Vec::new();
        assert!(
            by_key.len() < SLOTS / 2,
            "too many marker keys for the key table"
        );
        for (folded, list) in by_key {
            let h = hash(folded);
            filter[(h >> 6) as usize] |= 1 << (h & 63);
            let mut at = h as usize % SLOTS;
            while slots[at].count != 0 {
                at = (at + 1) % SLOTS;
            }
            slots[at] = Slot {
                folded,
                first: entries.len() as u32,
                count: list.len() as u32,
            };
            entries.extend(list);
        }
        let shorts = (!short_lits.is_empty()).then(|| {
            let ac = AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::Standard)
                .build(&short_lits)
                .expect("short markers compile");
            (ac, short_ids)
        });
        Grams {
            filter,
            slots,
            entries,
            lits: lits.iter().map(|l| l.as_bytes().to_vec()).collect(),
            singles,
            shorts,
            threes,
        }
    }

    /// Appends every literal occurrence in `hay` to `out`, ordered by `key_at` (so grouped by
    /// line). In two passes: the filter loop first collects every candidate window of the chunk,
    /// then the candidates are confirmed; each pass keeps its own code and tables warm instead of
    /// switching between them at every candidate.
    pub fn find_all(&self, hay: &[u8], out: &mut Vec<Hit>, scratch: &mut Scratch) {
        out.clear();
        scratch.short.clear();
        scratch.last_start.clear();
        scratch.last_start.resize(self.lits.len(), u32::MAX);
        self.find_short(hay, &mut scratch.short);
        let mut short = scratch.short.iter().copied().peekable();
        let mut from = 0;
        while from < hay.len() {
            scratch.candidates.clear();
            from = self.candidates(hay, from, &mut scratch.candidates);
            for &at in &scratch.candidates {
                let at = at as usize;
                while let Some(s) = short.next_if(|s| (s.key_at as usize) < at) {
                    out.push(s);
                }
                let folded = fold_slice(&hay[at..at + 4]);
                self.confirm(hay, at, hash(folded), folded, out, &mut scratch.last_start);
            }
        }
        // A 3-byte literal ending the text at an even position has no window to be found by.
        if let Some(tail) = hay.len().checked_sub(3).filter(|t| t % 2 == 0) {
            while let Some(s) = short.next_if(|s| (s.key_at as usize) < tail) {
                out.push(s);
            }
            for &lit in &self.threes {
                if hay[tail..].eq_ignore_ascii_case(&self.lits[lit as usize]) {
                    out.push(Hit {
                        key_at: tail as u32,
                        start: tail as u32,
                        end: hay.len() as u32,
                        lit,
                    });
                }
            }
        }
        out.extend(short);
    }

    /// Appends every even position from `from` (even) on whose 4-byte window has its filter bit
    /// set, until the list holds `MAX_CANDIDATES` (a chunk of nothing but key windows would
    /// otherwise list a million); returns where it stopped (`hay.len()` at the end). The hot
    /// loop: one 8-byte load serves the windows at two even positions.
    fn candidates(&self, hay: &[u8], from: usize, out: &mut Vec<u32>) -> usize {
        let filter: &[u64; FILTER_WORDS] = &self.filter;
        let set = |folded: u32| {
            let h = hash(folded);
            filter[(h >> 6) as usize] >> (h & 63) & 1 != 0
        };
        let mut i = from;
        while let Some(eight) = hay.get(i..i + 8) {
            let w = u64::from_le_bytes(eight.try_into().expect("8 bytes")) | 0x2020_2020_2020_2020;
            if set(w as u32) {
                out.push(i as u32);
            }
            if set((w >> 16) as u32) {
                out.push(i as u32 + 2);
                if out.len() >= MAX_CANDIDATES {
                    return i + 4;
                }
            }
            i += 4;
        }
        while let Some(four) = hay.get(i..i + 4) {
            if set(fold_slice(four)) {
                out.push(i as u32);
            }
            i += 2;
        }
        hay.len()
    }

    /// Looks the window at `i` up in the key table and confirms its literals around it.
    /// A literal found again soon after its last listed occurrence, on the same line, is not
    /// listed: it adds nothing to the line's triggers (the earlier one ends first), and a line
    /// repeating a marker would otherwise list every repetition.
    fn confirm(
        &self,
        hay: &[u8],
        i: usize,
        h: u32,
        folded: u32,
        out: &mut Vec<Hit>,
        last_start: &mut [u32],
    ) {
        let mut at = h as usize % SLOTS;
        let slot = loop {
            let s = self.slots[at];
            if s.count == 0 {
                return; // a filter collision, not a key
            }
            if s.folded == folded {
                break s;
            }
            at = (at + 1) % SLOTS;
        };
        let list = &self.entries[slot.first as usize..(slot.first + slot.count) as usize];
        for e in list {
            let Some(start) = i.checked_add_signed(-(e.offset as isize)) else {
                continue;
            };
            if let Some(h8) = hay.get(start..start + 8) {
                let text = u64::from_le_bytes(h8.try_into().expect("8 bytes"));
                if (text | 0x2020_2020_2020_2020) & e.head_mask != e.head {
                    continue;
                }
            }
            let lit = &self.lits[e.lit as usize];
            let end = start + lit.len();
            if end <= hay.len() && hay[start..end].eq_ignore_ascii_case(lit) {
                let last = &mut last_start[e.lit as usize];
                if *last as usize <= start && is_repeat(hay, *last as usize, start) {
                    continue;
                }
                *last = start as u32;
                out.push(Hit {
                    key_at: i.max(start) as u32,
                    start: start as u32,
                    end: end as u32,
                    lit: e.lit,
                });
            }
        }
    }

    /// Occurrences of the literals shorter than 4 bytes, sorted by position.
    fn find_short(&self, hay: &[u8], out: &mut Vec<Hit>) {
        for &(lo, up, lit) in &self.singles {
            let hit = |p: usize| Hit {
                key_at: p as u32,
                start: p as u32,
                end: p as u32 + 1,
                lit,
            };
            // The same for one-byte markers (a line of nothing but `%` would otherwise list one
            // hit per byte).
            let mut last: Option<usize> = None;
            let mut keep = |p: usize| {
                let repeat = last.is_some_and(|l| is_repeat(hay, l, p));
                if !repeat {
                    last = Some(p);
                }
                !repeat
            };
            if lo == up {
                out.extend(memchr::memchr_iter(lo, hay).filter(|&p| keep(p)).map(hit));
            } else {
                out.extend(
                    memchr::memchr2_iter(lo, up, hay)
                        .filter(|&p| keep(p))
                        .map(hit),
                );
            }
        }
        if let Some((ac, ids)) = &self.shorts {
            for m in ac.find_overlapping_iter(hay) {
                out.push(Hit {
                    key_at: m.start() as u32,
                    start: m.start() as u32,
                    end: m.end() as u32,
                    lit: ids[m.pattern().as_usize()],
                });
            }
        }
        out.sort_unstable_by_key(|h| (h.key_at, h.lit));
    }
}
