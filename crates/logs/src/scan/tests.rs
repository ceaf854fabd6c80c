//! Scanner tests: line numbering across chunks, bounded memory on overlong lines, and — the main
//! guard of the fast path — that the 4-gram search with parallel chunks reports exactly the marker
//! lines and triggers that a plain per-line reference search finds, on random log-like text and on
//! the real logs in the repository.

use super::*;

fn collect(input: &[u8]) -> (Vec<(u64, String)>, ScanStats) {
    let mut got = Vec::new();
    let stats = scan(input, Matcher::get(), |n, l| {
        got.push((n, String::from_utf8_lossy(l).into_owned()))
    })
    .unwrap();
    (got, stats)
}

#[test]
fn finds_marker_lines_with_numbers() {
    let text =
        b"hello\nnothing here\nERROR: Unable to restore device\r\nplain\nStatus: Restore Finished";
    let (got, stats) = collect(text);
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].0, 3);
    assert_eq!(got[0].1, "ERROR: Unable to restore device\r");
    assert_eq!(got[1].0, 5);
    assert_eq!(stats.lines, 5);
    assert_eq!(stats.bytes, text.len() as u64);
}

#[test]
fn line_numbers_survive_chunk_boundaries() {
    let mut text = Vec::new();
    let filler = b"just some ordinary text without markers\n";
    let mut expected = Vec::new();
    let mut line = 1u64;
    while text.len() < 3 * CHUNK {
        if line.is_multiple_of(5000) {
            text.extend_from_slice(b"Status: Fail\n");
            expected.push(line);
        } else {
            text.extend_from_slice(filler);
        }
        line += 1;
    }
    let (got, stats) = collect(&text);
    let lines: Vec<u64> = got.iter().map(|g| g.0).collect();
    assert_eq!(lines, expected);
    assert_eq!(stats.lines, line - 1);
}

#[test]
fn overlong_lines_do_not_grow_memory() {
    let mut text = vec![b'a'; 3 * MAX_LINE];
    text.extend_from_slice(b" Status: Fail\n");
    let (got, _) = collect(&text);
    assert_eq!(got.len(), 1);
    assert!(got[0].1.len() <= MAX_LINE + 32);
}

/// A marker line as reported: its number, its bytes and its triggers.
type Reported = (u64, Vec<u8>, Vec<Trigger>);

/// The straightforward reference: split at `\n`, look for every literal in every line with a
/// plain case-insensitive comparison at each position, order the occurrences by end (longest
/// first on a tie) and list their triggers without repeats.
fn reference(input: &[u8]) -> Vec<Reported> {
    let m = Matcher::get();
    let lits: Vec<Vec<u8>> = Matcher::collect()
        .into_iter()
        .map(|(k, _)| k.into_bytes())
        .collect();
    let finders: Vec<memchr::memmem::Finder> =
        lits.iter().map(memchr::memmem::Finder::new).collect();
    let mut out = Vec::new();
    let body = input.strip_suffix(b"\n").unwrap_or(input);
    if input.is_empty() {
        return out;
    }
    for (i, line) in body.split(|&b| b == b'\n').enumerate() {
        let lower = line.to_ascii_lowercase();
        let mut occ: Vec<(usize, usize, usize)> = Vec::new();
        for (li, f) in finders.iter().enumerate() {
            let mut from = 0;
            while let Some(p) = f.find(&lower[from..]) {
                occ.push((from + p + lits[li].len(), lits[li].len(), li));
                from += p + 1;
            }
        }
        occ.sort_by_key(|&(end, len, _)| (end, std::cmp::Reverse(len)));
        let mut trig = Vec::new();
        for (_, _, li) in occ {
            m.push_lit_triggers(li, &mut trig, 0);
        }
        if !trig.is_empty() {
            out.push((i as u64 + 1, line.to_vec(), trig));
        }
    }
    out
}

/// What the real scanner reports: (line number, line, triggers) for every marker line.
fn fast(input: &[u8]) -> (Vec<Reported>, ScanStats) {
    let mut got = Vec::new();
    let stats = scan_lines(input, Matcher::get(), |n, l, t| {
        got.push((n, l.to_vec(), t.to_vec()))
    })
    .unwrap();
    (got, stats)
}

fn assert_same(input: &[u8]) {
    let (got, stats) = fast(input);
    let want = reference(input);
    assert_eq!(stats.candidate_lines, want.len() as u64);
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(g, w, "line {}: {:?}", w.0, String::from_utf8_lossy(&w.1));
        // And the automaton the analyzer uses lists the same triggers in the same order.
        let mut t = Vec::new();
        Matcher::get().triggers_in(&g.1, &mut t);
        assert_eq!(t, g.2, "line {}", g.0);
    }
    assert_eq!(got.len(), want.len());
}

/// The repository's real logs: the corpus's tuned part (never the blind part) and the fixtures.
fn real_logs() -> Vec<Vec<u8>> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in [
        root.join("tests/fixtures"),
        root.join("../../corpus/real/tuned"),
    ] {
        let Ok(rd) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "log") {
                files.push(std::fs::read(&p).unwrap());
            }
        }
    }
    files
}

/// A line repeating a marker lists a bounded number of its occurrences (one per
/// `REPEAT_SPAN` bytes), not all of them, and is reported with the same triggers as the plain
/// reference search: memory stays bounded on such lines.
#[test]
fn repeated_markers_in_a_line_are_listed_boundedly() {
    let m = Matcher::get();
    for unit in ["%", "fdr", "error:", "* Device: "] {
        let mut text = unit.repeat(30_000 / unit.len()).into_bytes();
        text.extend_from_slice(b"\nplain line\n");
        text.extend(unit.repeat(100).into_bytes());
        let (mut hits, mut scratch) = (Vec::new(), grams::Scratch::default());
        m.grams.find_all(&text, &mut hits, &mut scratch);
        let lit_hits = hits.len();
        assert!(
            lit_hits <= 2 * (text.len() / 64 + 4),
            "{unit}: {lit_hits} hits listed"
        );
        assert_same(&text);
    }
}

#[test]
fn literals_hold_no_newline() {
    assert!(
        Matcher::literals()
            .iter()
            .all(|l| !l.contains('\n') && !l.is_empty())
    );
}

#[test]
fn fast_search_matches_the_reference_on_real_logs() {
    let logs = real_logs();
    assert!(logs.len() >= 20, "expected the fixtures at least");
    for log in &logs {
        assert_same(log);
    }
}

#[test]
fn parallel_chunks_match_the_reference_on_several_megabytes_of_real_logs() {
    let logs = real_logs().concat();
    let mut big = Vec::new();
    while big.len() < 2 * CHUNK + CHUNK / 3 {
        big.extend_from_slice(&logs);
        big.push(b'\n');
    }
    assert_same(&big);
}

/// The diagnosis reads prepared lines on the scan threads and applies them in order: a log put
/// after more than two chunks of marker-free lines (so its lines are prepared on worker threads,
/// in a chunk of their own) must be diagnosed as when it is read alone, with every evidence line
/// moved by the filler's length.
#[test]
fn diagnosis_is_the_same_when_the_log_is_prepared_on_worker_threads() {
    let filler_line = b"qqq zzz 0123 vvv kkk jjj xxq\n";
    let mut filler = Vec::new();
    while filler.len() < 2 * CHUNK + CHUNK / 2 {
        filler.extend_from_slice(filler_line);
    }
    let shift = (filler.len() / filler_line.len()) as u64;
    let logs = real_logs();
    assert!(logs.len() >= 20);
    for log in &logs {
        let alone = crate::diagnose_bytes(log).unwrap();
        let late = crate::diagnose_bytes(&[filler.as_slice(), log].concat()).unwrap();
        let lines = |d: &crate::Diagnosis| -> Vec<(u64, String)> {
            d.evidence
                .iter()
                .map(|e| (e.line, e.text.clone()))
                .collect()
        };
        let moved: Vec<(u64, String)> = lines(&alone)
            .into_iter()
            .map(|(n, t)| (n + shift, t))
            .collect();
        let head = String::from_utf8_lossy(&log[..log.len().min(80)]).into_owned();
        assert_eq!(lines(&late), moved, "{head}");
        assert_eq!(
            (
                late.category,
                late.confidence,
                late.outcome,
                &late.rule,
                &late.format
            ),
            (
                alone.category,
                alone.confidence,
                alone.outcome,
                &alone.rule,
                &alone.format
            ),
            "{head}"
        );
        assert_eq!(late.error_codes, alone.error_codes, "{head}");
    }
}

mod random {
    use super::*;
    use proptest::prelude::*;

    /// A piece of a log line: a marker (case scrambled), a near-miss of one, or filler.
    fn piece() -> impl Strategy<Value = Vec<u8>> {
        let lits = Matcher::literals();
        let n = lits.len();
        prop_oneof![
            (0..n, any::<u64>()).prop_map(move |(i, flips)| {
                let lits = Matcher::literals();
                lits[i]
                    .bytes()
                    .enumerate()
                    .map(|(k, b)| {
                        if flips >> (k % 64) & 1 == 1 {
                            b.to_ascii_uppercase()
                        } else {
                            b
                        }
                    })
                    .collect()
            }),
            (0..n, any::<usize>()).prop_map(|(i, cut)| {
                let lits = Matcher::literals();
                let l = lits[i].as_bytes();
                let keep = cut % l.len();
                l[..keep].to_vec()
            }),
            "[a-zA-Z0-9 :=()\\[\\]%<>./_-]{0,12}".prop_map(String::into_bytes),
            prop::collection::vec(
                prop_oneof![
                    Just(b'\r'),
                    Just(b'\t'),
                    Just(0xC3u8),
                    Just(0xA9u8),
                    Just(b' ')
                ],
                0..3
            ),
        ]
    }

    fn log_text() -> impl Strategy<Value = Vec<u8>> {
        prop::collection::vec(prop::collection::vec(piece(), 0..6), 0..40).prop_map(|lines| {
            let mut out = Vec::new();
            for (i, l) in lines.iter().enumerate() {
                if i > 0 {
                    out.push(b'\n');
                }
                out.extend(l.concat());
            }
            out
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        #[test]
        fn fast_search_matches_the_reference_on_random_log_text(text in log_text()) {
            assert_same(&text);
        }

        /// Keys chosen for a sample of the text find the same literal occurrences as the
        /// default keys (on the text itself, and on other text).
        #[test]
        fn tuned_keys_find_the_same_literals(sample in log_text(), other in log_text()) {
            let m = Matcher::get();
            let tuned = grams::Grams::tuned(&m.patterns, &grams::WindowCounts::of(&sample));
            for text in [&sample, &other] {
                let found = |g: &grams::Grams| {
                    let (mut hits, mut scratch) = (Vec::new(), grams::Scratch::default());
                    g.find_all(text, &mut hits, &mut scratch);
                    let mut v: Vec<_> = hits.iter().map(|h| (h.start, h.end, h.lit)).collect();
                    v.sort_unstable();
                    v
                };
                prop_assert_eq!(found(&tuned), found(&m.grams));
            }
        }
    }
}
