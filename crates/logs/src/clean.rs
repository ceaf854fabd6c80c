//! Turning one raw log line into clean text: markdown quoting and bold removed, CR and tabs
//! handled, and the timestamp/thread prefixes of the various tools stripped (and recorded, since
//! the prefix shape helps tell formats apart).

/// The kind of line prefix that was stripped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Prefix {
    /// No prefix.
    None,
    /// `[HH:MM:SS.mmm][thread] : ` (Windows builds of idevicerestore/futurerestore).
    WindowsThread,
    /// `YYYY-MM-DD HH:MM:SS.mmm [pid:tid]: ` (AppleMobileDevice / iTunes on Windows).
    DatePidTid,
    /// `YYYY-MM-DD HH:MM:SS ` followed by other text (pymobiledevice3 tools, generic).
    Date,
    /// `[HH:MM:SS.mmmm] ` (iTunes / macOS restore log lines).
    BracketTime,
    /// `[HH:MM:SS.mmmm-GMT]{a>b} ` (device-side restore log).
    DeviceLog,
    /// `HH:MM:SS.mmm:  ` with two spaces (3uTools).
    TimeColon2,
    /// `HH:MM:SS.mmm: ` with one space (iMazing).
    TimeColon1,
    /// `HH:MM:SS ` (libimobiledevice debug and others).
    Time,
}

/// A cleaned line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cleaned {
    /// The message text without quoting, markup or prefixes.
    pub text: String,
    /// The line as shown to the user in evidence (quoting/markup removed, prefix kept).
    pub display: String,
    /// The first prefix stripped.
    pub prefix: Prefix,
    /// Whether markdown quoting or bold was removed.
    pub markdown: bool,
}

/// Longest evidence text kept, in characters.
pub const MAX_DISPLAY: usize = 300;

/// Cleans one line (already decoded; may still hold `\r`).
pub fn clean_line(raw: &str) -> Cleaned {
    let mut buf = String::new();
    let span = clean_into(raw, &mut buf);
    Cleaned {
        text: buf[span.text_start..].to_string(),
        display: display(&buf).into_owned(),
        prefix: span.prefix,
        markdown: span.markdown,
    }
}

/// Where [`clean_into`] put a cleaned line: the line as displayed (quoting and markup removed,
/// prefix kept, not yet shortened) is `out[start..]`, the message text `out[text_start..]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CleanSpan {
    /// Start of the cleaned line in the buffer.
    pub start: usize,
    /// Start of the message text (after the stripped prefixes).
    pub text_start: usize,
    /// The first prefix stripped.
    pub prefix: Prefix,
    /// Whether markdown quoting or bold was removed.
    pub markdown: bool,
}

/// Cleans one line like [`clean_line`], appending the cleaned line to `out` instead of
/// allocating (most lines need no rewriting, only trimming, and go through without a copy
/// other than the append).
pub(crate) fn clean_into(raw: &str, out: &mut String) -> CleanSpan {
    if needs_rewrite(raw.as_bytes()) {
        clean_general(raw, out)
    } else {
        clean_trim_only(raw, out)
    }
}

/// [`clean_into`] for a line without CR, tab, `*` or `_`: only trimming, quoting and backticks
/// to remove.
fn clean_trim_only(raw: &str, out: &mut String) -> CleanSpan {
    let start = out.len();
    let mut s = raw.trim_end_matches(['\n', ' ']).trim_start();
    let mut markdown = false;
    while let Some(rest) = s.strip_prefix('>') {
        s = rest.trim_start();
        markdown = true;
    }
    if s.starts_with('`') || s.ends_with('`') {
        s = s.trim_matches('`');
    }
    out.push_str(s.trim());
    finish(out, start, markdown)
}

/// [`clean_into`] for any line.
fn clean_general(raw: &str, out: &mut String) -> CleanSpan {
    let start = out.len();
    let mut markdown = false;
    // CR: progress bars rewrite one line with '\r'; keep the last non-empty segment.
    let mut s: &str = raw.trim_end_matches(['\r', '\n', ' ', '\t']);
    if s.contains('\r') {
        s = s
            .rsplit('\r')
            .find(|seg| !seg.trim().is_empty())
            .unwrap_or("");
    }
    let mut s = s.trim_start();
    // Markdown block quotes, possibly nested ("> > ").
    while let Some(rest) = s.strip_prefix('>') {
        s = rest.trim_start();
        markdown = true;
    }
    let b = s.as_bytes();
    if has_double(b, b'*') || has_double(b, b'_') {
        markdown = true;
        push_unmarked(s, out);
    } else {
        let t = if s.starts_with('`') || s.ends_with('`') {
            s.trim_matches('`')
        } else {
            s
        };
        push_untabbed(t.trim(), out);
    }
    finish(out, start, markdown)
}

/// Whether a line holds a byte that makes cleaning more than trimming (`\r`, tab, `*`, `_`),
/// tested eight bytes at a time.
fn needs_rewrite(b: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // A byte of `x` is zero: the classic "has zero byte" test (exact for "any").
    let has_zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH != 0;
    let hit = |w: u64| {
        has_zero(w ^ (ONES * u64::from(b'\r')))
            || has_zero(w ^ (ONES * u64::from(b'\t')))
            || has_zero(w ^ (ONES * u64::from(b'*')))
            || has_zero(w ^ (ONES * u64::from(b'_')))
    };
    let mut words = b.chunks_exact(8);
    for w in &mut words {
        let w = u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]);
        if hit(w) {
            return true;
        }
    }
    words
        .remainder()
        .iter()
        .any(|&c| matches!(c, b'\r' | b'\t' | b'*' | b'_'))
}

/// Strips the prefixes of the cleaned line `out[start..]` and says where its parts are.
fn finish(out: &str, start: usize, markdown: bool) -> CleanSpan {
    let clean = &out[start..];
    let (text, prefix) = strip_prefixes(clean);
    CleanSpan {
        start,
        // The prefixes are stripped from the front only: the text is a suffix of the line.
        text_start: start + clean.len() - text.len(),
        prefix,
        markdown,
    }
}

/// Whether `c` occurs twice in a row in `b`.
fn has_double(b: &[u8], c: u8) -> bool {
    let mut i = 0;
    while let Some(p) = memchr::memchr(c, &b[i..]) {
        let at = i + p;
        if b.get(at + 1) == Some(&c) {
            return true;
        }
        i = at + 1;
    }
    false
}

/// Appends `s` with tabs turned into spaces.
fn push_untabbed(s: &str, out: &mut String) {
    if memchr::memchr(b'\t', s.as_bytes()).is_some() {
        out.extend(s.chars().map(|c| if c == '\t' { ' ' } else { c }));
    } else {
        out.push_str(s);
    }
}

/// Appends what `s.replace("**", "").replace("__", "")` leaves, with backticks around it and
/// then whitespace trimmed and tabs turned into spaces, without allocating (`replace` builds a
/// searcher and a string per call; this copies the runs between the pairs). The `**` pairs go
/// first, into a reused buffer, so that a `__` made by their removal (`_**_`) goes too. Tabs
/// turn into spaces before the trimming, which gives the same text: the trims remove tabs and
/// spaces alike.
fn push_unmarked(s: &str, out: &mut String) {
    thread_local! {
        static UNSTARRED: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
    }
    let start = out.len();
    UNSTARRED.with_borrow_mut(|unstarred| {
        unstarred.clear();
        remove_pairs(s, b'*', &mut |run| unstarred.push_str(run));
        remove_pairs(unstarred, b'_', &mut |run| push_untabbed(run, out));
    });
    let all = &out[start..];
    let mut kept = all;
    if kept.starts_with('`') || kept.ends_with('`') {
        kept = kept.trim_matches('`');
    }
    let kept = kept.trim();
    // `kept` is a slice of `all`: its offsets are where it starts and ends in it.
    let from = kept.as_ptr() as usize - all.as_ptr() as usize;
    let to = from + kept.len();
    out.truncate(start + to);
    out.replace_range(start..start + from, "");
}

/// Hands `push` the runs of `s` between the pairs `cc` that `s.replace("cc", "")` removes
/// (found left to right, not overlapping).
fn remove_pairs(s: &str, c: u8, push: &mut impl FnMut(&str)) {
    let b = s.as_bytes();
    let (mut run, mut i) = (0, 0);
    while let Some(p) = memchr::memchr(c, &b[i..]) {
        let at = i + p;
        if b.get(at + 1) == Some(&c) {
            push(&s[run..at]);
            run = at + 2;
            i = at + 2;
        } else {
            i = at + 1;
        }
    }
    push(&s[run..]);
}

/// The evidence text of a cleaned line: at most `MAX_DISPLAY` characters, `…` when shortened.
pub(crate) fn display(clean: &str) -> std::borrow::Cow<'_, str> {
    if clean.len() <= MAX_DISPLAY || clean.chars().count() <= MAX_DISPLAY {
        return std::borrow::Cow::Borrowed(clean);
    }
    let mut out: String = clean.chars().take(MAX_DISPLAY).collect();
    out.push('…');
    std::borrow::Cow::Owned(out)
}

/// Strips up to three stacked prefixes; returns the rest and the first prefix kind.
pub fn strip_prefixes(s: &str) -> (&str, Prefix) {
    let mut first = Prefix::None;
    let mut cur = s;
    for _ in 0..3 {
        let (rest, kind) = strip_one(cur);
        if kind == Prefix::None {
            break;
        }
        if first == Prefix::None {
            first = kind;
        }
        cur = rest;
    }
    (cur, first)
}

fn strip_one(s: &str) -> (&str, Prefix) {
    let b = s.as_bytes();
    if b.first() == Some(&b'[') {
        if let Some(t) = time_at(b, 1) {
            // Closing bracket of the time, allowing a zone suffix like "-GMT".
            let close = match b[t..].iter().position(|&c| c == b']') {
                Some(p) if p <= 8 => t + p,
                _ => return (s, Prefix::None),
            };
            let zone = &s[t..close];
            let mut i = close + 1;
            // Device log: "{3>5} ".
            if b.get(i) == Some(&b'{')
                && let Some(p) = b[i..].iter().position(|&c| c == b'}')
            {
                i += p + 1;
                return (s[i..].trim_start(), Prefix::DeviceLog);
            }
            if zone.contains("GMT") || zone.contains("UTC") {
                return (s[i..].trim_start(), Prefix::DeviceLog);
            }
            // Windows: "[thread] : ".
            if b.get(i) == Some(&b'[')
                && let Some(p) = b[i..].iter().position(|&c| c == b']')
            {
                let mut j = i + p + 1;
                while j < b.len() && (b[j] == b' ' || b[j] == b':') {
                    j += 1;
                }
                return (&s[j..], Prefix::WindowsThread);
            }
            return (s[i..].trim_start(), Prefix::BracketTime);
        }
        return (s, Prefix::None);
    }
    if let Some(d) = date_at(b, 0) {
        let mut i = d;
        while i < b.len() && (b[i] == b' ' || b[i] == b'T') {
            i += 1;
        }
        if let Some(t) = time_at(b, i) {
            let mut j = t;
            // Optional zone / offset such as "Z" or "+0100".
            while j < b.len() && (b[j] == b'Z' || b[j] == b'+' || b[j].is_ascii_digit()) {
                j += 1;
            }
            let rest = s[j..].trim_start();
            let rb = rest.as_bytes();
            if rb.first() == Some(&b'[')
                && let Some(p) = rb.iter().position(|&c| c == b']')
            {
                let inner = &rest[1..p];
                if inner.contains(':') && inner.bytes().all(|c| c.is_ascii_digit() || c == b':') {
                    let after = rest[p + 1..].trim_start_matches(':').trim_start();
                    return (after, Prefix::DatePidTid);
                }
            }
            return (rest.trim_start_matches(':').trim_start(), Prefix::Date);
        }
        return (s, Prefix::None);
    }
    if let Some(t) = time_at(b, 0) {
        if b.get(t) == Some(&b':') {
            let two = b.get(t + 1) == Some(&b' ') && b.get(t + 2) == Some(&b' ');
            let rest = s[t + 1..].trim_start();
            return (
                rest,
                if two {
                    Prefix::TimeColon2
                } else {
                    Prefix::TimeColon1
                },
            );
        }
        if b.get(t) == Some(&b' ') {
            return (s[t..].trim_start(), Prefix::Time);
        }
    }
    (s, Prefix::None)
}

/// `H:MM:SS` or `HH:MM:SS`, optionally `.fraction`, starting at `i`; returns the end index.
fn time_at(b: &[u8], i: usize) -> Option<usize> {
    let d = |k: usize| b.get(k).is_some_and(u8::is_ascii_digit);
    let mut j = i;
    if !d(j) {
        return None;
    }
    j += 1;
    if d(j) {
        j += 1;
    }
    for _ in 0..2 {
        if b.get(j) != Some(&b':') || !d(j + 1) || !d(j + 2) {
            return None;
        }
        j += 3;
    }
    if b.get(j) == Some(&b'.') && d(j + 1) {
        j += 1;
        while d(j) {
            j += 1;
        }
    }
    Some(j)
}

/// `YYYY-MM-DD` (or with `/`) at `i`; returns the end index.
fn date_at(b: &[u8], i: usize) -> Option<usize> {
    let d = |k: usize| b.get(k).is_some_and(u8::is_ascii_digit);
    if (0..4).all(|k| d(i + k))
        && matches!(b.get(i + 4), Some(b'-') | Some(b'/'))
        && d(i + 5)
        && d(i + 6)
        && b.get(i + 7) == b.get(i + 4)
        && d(i + 8)
        && d(i + 9)
    {
        Some(i + 10)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_each_prefix_shape() {
        let cases = [
            (
                "[12:01:02.345][1234] : Sending iBEC",
                "Sending iBEC",
                Prefix::WindowsThread,
            ),
            (
                "2019-03-15 13:49:58.641 [13992:3548]: iTunes: iTunes 12.9.3.3",
                "iTunes: iTunes 12.9.3.3",
                Prefix::DatePidTid,
            ),
            (
                "[13:50:10.0912] requested restore behavior: Erase",
                "requested restore behavior: Erase",
                Prefix::BracketTime,
            ),
            (
                "[09:10:30.0916-GMT]{3>5} CHECKPOINT BEGIN: RESTORED:[0x0624] restore_images",
                "CHECKPOINT BEGIN: RESTORED:[0x0624] restore_images",
                Prefix::DeviceLog,
            ),
            (
                "10:11:12.123:  Start flash",
                "Start flash",
                Prefix::TimeColon2,
            ),
            (
                "10:11:12.123: <Restore Device 012ACCF0>: operation 58 progress -1",
                "<Restore Device 012ACCF0>: operation 58 progress -1",
                Prefix::TimeColon1,
            ),
            (
                "13:37:22 property_list_service.c:127 internal_plist_send(): x",
                "property_list_service.c:127 internal_plist_send(): x",
                Prefix::Time,
            ),
            (
                "Waiting for NAND (28)",
                "Waiting for NAND (28)",
                Prefix::None,
            ),
        ];
        for (raw, text, prefix) in cases {
            let c = clean_line(raw);
            assert_eq!(c.text, text, "{raw}");
            assert_eq!(c.prefix, prefix, "{raw}");
        }
    }

    #[test]
    fn removes_markdown_and_keeps_last_cr_segment() {
        let c = clean_line("> > **ERROR: Unable to restore device**\r\n");
        assert_eq!(c.text, "ERROR: Unable to restore device");
        assert!(c.markdown);
        let c = clean_line("[==    ] 20.0%\r[=====  ] 50.0%\r");
        assert_eq!(c.text, "[=====  ] 50.0%");
        let c = clean_line("\tStatus:\tFail");
        assert_eq!(c.text, "Status: Fail");
    }

    /// The cleaning as it was written first (allocating), kept as the reference.
    fn reference(raw: &str) -> Cleaned {
        let mut markdown = false;
        let mut s: &str = raw.trim_end_matches(['\r', '\n', ' ', '\t']);
        if s.contains('\r') {
            s = s
                .rsplit('\r')
                .find(|seg| !seg.trim().is_empty())
                .unwrap_or("");
        }
        let mut s = s.trim_start();
        while let Some(rest) = s.strip_prefix('>') {
            s = rest.trim_start();
            markdown = true;
        }
        let mut owned: String = if s.contains("**") || s.contains("__") {
            markdown = true;
            s.replace("**", "").replace("__", "")
        } else {
            s.to_string()
        };
        if owned.starts_with('`') || owned.ends_with('`') {
            owned = owned.trim_matches('`').to_string();
        }
        if owned.contains('\t') {
            owned = owned.replace('\t', " ");
        }
        let shown = owned.trim();
        let display = if shown.chars().count() <= MAX_DISPLAY {
            shown.to_string()
        } else {
            let mut d: String = shown.chars().take(MAX_DISPLAY).collect();
            d.push('…');
            d
        };
        let (text, prefix) = strip_prefixes(owned.trim());
        Cleaned {
            text: text.to_string(),
            display,
            prefix,
            markdown,
        }
    }

    mod random {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2000))]
            #[test]
            fn cleaning_matches_the_reference(
                raw in "[ >`*_\t\r\na-z0-9:.\\[\\]{}-]{0,40}|[ >`a-z0-9:.\\[\\]{}-]{0,40}|(> )?\\[?[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{3})?\\]?:? {1,2}[a-z *_`]{0,20}",
            ) {
                prop_assert_eq!(clean_line(&raw), reference(&raw));
                // Both ways of cleaning agree wherever the short one applies.
                let (mut a, mut b) = (String::from("x"), String::from("x"));
                let general = clean_general(&raw, &mut a);
                if !needs_rewrite(raw.as_bytes()) {
                    prop_assert_eq!(clean_trim_only(&raw, &mut b), general);
                    prop_assert_eq!(a, b);
                }
            }

            #[test]
            fn rewrite_test_is_exact(raw in prop::collection::vec(any::<u8>(), 0..40)) {
                let naive = raw.iter().any(|&c| matches!(c, b'\r' | b'\t' | b'*' | b'_'));
                prop_assert_eq!(needs_rewrite(&raw), naive);
            }
        }
    }

    #[test]
    fn long_lines_are_truncated_for_display() {
        let c = clean_line(&"x".repeat(1000));
        assert!(c.display.chars().count() <= MAX_DISPLAY + 1);
        assert_eq!(c.text.len(), 1000);
    }
}
