//! The real-log corpus (`corpus/real`, logs people posted publicly, labelled by the threads'
//! outcome): the blind part must not regress, and no labelled log may be called a finished
//! restore when its thread says it failed. No per-log answers are listed here; the figures come
//! from `bench/diagnosis_accuracy.sh`, which prints the full tables.

use rd_logs::accuracy::{self, Part};
use std::path::PathBuf;

/// Blind-part floor and ceiling, set from a measurement (not a wish):
/// 2026-11-30 03:29 UTC, `bench/diagnosis_accuracy.sh --part blind` on the corpus as it stood
/// (91 blind logs, 64 labelled with a cause or success): right 38 (59.4 %), wrong 20, unknown 6,
/// confidently wrong 2 (3.1 %), no failed restore called a success. The rules of the session's
/// start scored 36 (56.2 %) on the same 64. (Earlier: 58.6 % on the 58 scored at 00:01 UTC, 42.9 %
/// on the first 42.) The floor sits just under the measurement (one newly collected blind log
/// answered wrongly still passes, two fail; one more wrong answer among these 64 fails), the
/// ceiling just over it (one more confidently wrong log fails); raise both when it improves.
const BLIND_RIGHT_FLOOR_PCT: f64 = 58.0;
/// See [`BLIND_RIGHT_FLOOR_PCT`].
const BLIND_CONFIDENTLY_WRONG_CEILING_PCT: f64 = 4.0;
/// Scored blind logs the measurement saw; fewer means the corpus lost logs.
const BLIND_SCORED_AT_LEAST: usize = 64;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../corpus/real")
}

#[test]
fn the_blind_part_does_not_regress() {
    let entries = accuracy::load_index(&root()).expect("corpus/real/index is readable");
    let scored = accuracy::score(&root(), &entries, Part::Blind).expect("blind logs are readable");
    let s = accuracy::summarize(&scored);
    assert!(
        s.scored() >= BLIND_SCORED_AT_LEAST,
        "only {} scored blind logs",
        s.scored()
    );
    let right = s.pct(s.right);
    let confidently_wrong = s.pct(s.confidently_wrong);
    assert!(
        right >= BLIND_RIGHT_FLOOR_PCT,
        "blind right fell to {right:.1}% (floor {BLIND_RIGHT_FLOOR_PCT}%)"
    );
    assert!(
        confidently_wrong <= BLIND_CONFIDENTLY_WRONG_CEILING_PCT,
        "blind confidently wrong rose to {confidently_wrong:.1}% (ceiling {BLIND_CONFIDENTLY_WRONG_CEILING_PCT}%)"
    );
}

#[test]
fn a_failed_restore_is_never_called_a_success() {
    let entries = accuracy::load_index(&root()).expect("corpus/real/index is readable");
    for part in [Part::Tuned, Part::Blind] {
        let scored = accuracy::score(&root(), &entries, part).expect("logs are readable");
        let bad: Vec<&str> = scored
            .iter()
            .filter(|s| s.success_for_failure())
            .map(|s| s.entry.file.as_str())
            .collect();
        // Tuned logs are named; blind ones only counted, so they stay unnamed.
        let named = if part == Part::Tuned {
            bad.join(", ")
        } else {
            String::new()
        };
        assert!(
            bad.is_empty(),
            "{} failed restore(s) in the {} part called a success {named}",
            bad.len(),
            part.as_str()
        );
    }
}

/// The brief's calibration targets: an answer given at "high" is right at least this often, one
/// at "medium" at least `MEDIUM_RIGHT_PCT`. The confidences in `data/rules.toml` were set from the
/// tuned part's counts, so this holds them to it; the blind part's hit rates are reported by
/// `bench/diagnosis_accuracy.sh` (and only its overall floor is asserted above).
const HIGH_RIGHT_PCT: f64 = 95.0;
/// See [`HIGH_RIGHT_PCT`].
const MEDIUM_RIGHT_PCT: f64 = 75.0;

#[test]
fn confidence_levels_are_calibrated_on_the_tuned_part() {
    let entries = accuracy::load_index(&root()).expect("corpus/real/index is readable");
    let scored = accuracy::score(&root(), &entries, Part::Tuned).expect("tuned logs are readable");
    let s = accuracy::summarize(&scored);
    for (level, floor) in [
        (rd_logs::Confidence::High, HIGH_RIGHT_PCT),
        (rd_logs::Confidence::Medium, MEDIUM_RIGHT_PCT),
    ] {
        let (given, right) = s.by_confidence.get(&level).copied().unwrap_or((0, 0));
        if given == 0 {
            continue;
        }
        let pct = 100.0 * right as f64 / given as f64;
        assert!(
            pct >= floor,
            "{level:?} was right on {right} of {given} tuned logs ({pct:.1}%, needs {floor}%)"
        );
    }
}

#[test]
fn every_index_entry_has_its_log_and_a_part() {
    let entries = accuracy::load_index(&root()).expect("corpus/real/index is readable");
    assert!(
        entries.len() >= 200,
        "only {} corpus entries",
        entries.len()
    );
    for e in &entries {
        assert!(e.part().is_some(), "entry {} is in neither part", e.id);
        assert!(
            root().join(&e.file).is_file(),
            "entry {} has no log file",
            e.id
        );
    }
    let mut ids: Vec<u32> = entries.iter().map(|e| e.id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), entries.len(), "duplicate corpus ids");
}

/// One line of a log-only reading (`corpus/real/readings/*.jsonl`, see its README).
#[derive(serde::Deserialize)]
struct Reading {
    file: String,
    family: String,
    confidence: String,
    #[serde(default)]
    candidates: Vec<String>,
    evidence: String,
}

#[test]
fn each_reading_covers_its_part_once_and_quotes_its_logs() {
    let entries = accuracy::load_index(&root()).expect("corpus/real/index is readable");
    let families: Vec<&str> = rd_model::Family::ALL.iter().map(|f| f.as_str()).collect();
    let dir = root().join("readings");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("corpus/real/readings exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    assert!(files.len() >= 4, "{files:?}");
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let part = if name.starts_with("blind-") {
            "blind/"
        } else {
            "tuned/"
        };
        let mut want: Vec<String> = entries
            .iter()
            .filter(|e| e.file.starts_with(part) && e.label != rd_model::Family::Unknown)
            .map(|e| format!("corpus/real/{}", e.file))
            .collect();
        want.sort();
        let text = std::fs::read_to_string(&path).unwrap();
        let mut got = Vec::new();
        for line in text.lines() {
            let r: Reading = serde_json::from_str(line).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(
                r.family == "undeterminable" || families.contains(&r.family.as_str()),
                "{name}: {}",
                r.family
            );
            assert!(
                ["high", "medium", "low", "none"].contains(&r.confidence.as_str()),
                "{name}: {}",
                r.confidence
            );
            assert!(
                r.candidates.iter().all(|c| families.contains(&c.as_str())),
                "{name}: {:?}",
                r.candidates
            );
            let log = std::fs::read(root().join("../..").join(&r.file)).unwrap();
            let log = String::from_utf8_lossy(&log);
            // A quote may elide the middle of a long line with "...".
            let quote = r.evidence.trim();
            assert!(
                quote == "none"
                    || quote
                        .split("...")
                        .map(str::trim)
                        .filter(|piece| !piece.is_empty())
                        .all(|piece| log.contains(piece)),
                "{name}: {} does not hold the reading's quote",
                r.file
            );
            got.push(r.file);
        }
        got.sort();
        assert_eq!(got, want, "{name} reads each labelled log of its part once");
    }
}

#[test]
fn the_label_confidence_breakdown_covers_every_scored_log() {
    let entries = accuracy::load_index(&root()).expect("corpus/real/index is readable");
    let scored = accuracy::score(&root(), &entries, Part::Tuned).expect("tuned logs are readable");
    let s = accuracy::summarize(&scored);
    let (n, right) = s
        .by_label_confidence
        .values()
        .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    assert_eq!((n, right), (s.scored(), s.right));
    assert!(s.right + s.label_in_candidates <= s.label_listed && s.label_listed <= s.scored());
    assert!(
        s.by_label_confidence
            .keys()
            .all(|k| ["high", "medium", "low"].contains(&k.as_str())),
        "{:?}",
        s.by_label_confidence.keys()
    );
}
