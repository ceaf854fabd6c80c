//! The learned fallback's measurement (`diagnosis_accuracy --cv`): it reads the tuned part
//! only, every medium/high answer counts as settled (no fallback may touch it), and the
//! cross-validation never answers a log with a model that saw its thread.

use rd_logs::Family;
use rd_logs::accuracy::{self, CvSettings, Entry, FallbackCase};
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../corpus/real")
}

fn settings(min_threads: u32) -> CvSettings {
    CvSettings {
        min_threads,
        train_all: false,
        min_p: 0.0,
        low_settled: false,
        bernoulli: false,
        groups: Vec::new(),
    }
}

#[test]
fn every_medium_or_high_answer_is_settled() {
    let entries = accuracy::load_index(&root()).expect("corpus/real/index is readable");
    let cases = accuracy::fallback_cases(&root(), &entries).expect("tuned logs are readable");
    assert!(cases.len() > 100, "only {} tuned logs", cases.len());
    for c in &cases {
        assert!(
            c.low || c.settled,
            "{}: a medium/high answer on basis {}",
            c.entry.file,
            c.basis
        );
    }
    assert!(cases.iter().any(|c| !c.settled), "no unsettled log at all");
}

#[test]
fn blind_logs_are_never_read() {
    let dir = std::env::temp_dir().join(format!("rd-fallback-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("index")).unwrap();
    std::fs::create_dir_all(dir.join("tuned")).unwrap();
    let fixture = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/3u_usb_drop.log");
    std::fs::copy(fixture, dir.join("tuned/1.log")).unwrap();
    // The blind entry's file does not exist: reading it would fail the call.
    std::fs::write(
        dir.join("index/a.toml"),
        "[[log]]\nid = 1\nfile = \"tuned/1.log\"\nlabel = \"usb\"\nsource = \"s1\"\n\n\
         [[log]]\nid = 2\nfile = \"blind/2.log\"\nlabel = \"usb\"\nsource = \"s2\"\n",
    )
    .unwrap();
    let entries = accuracy::load_index(&dir).unwrap();
    let cases = accuracy::fallback_cases(&dir, &entries);
    std::fs::remove_dir_all(&dir).ok();
    let cases = cases.expect("the missing blind log is not read");
    assert_eq!(cases.len(), 1);
    assert_eq!(cases[0].entry.id, 1);
}

fn case(id: u32, thread: &str, label: Family, features: &[&str]) -> FallbackCase {
    FallbackCase {
        entry: Entry {
            id,
            file: format!("tuned/{id}.log"),
            tool: String::new(),
            label,
            label_confidence: String::new(),
            partial: false,
            source: thread.to_string(),
        },
        today: Family::Unknown,
        basis: "incomplete",
        settled: false,
        low: true,
        features: features.iter().map(|s| s.to_string()).collect(),
        no_success: false,
    }
}

#[test]
fn cross_validation_holds_out_the_whole_thread() {
    // Thread "a" has two success logs sharing a word no other thread has; every other log is
    // the tool's. Trained with thread "a" held out, the word is unknown, so the answer for
    // thread "a" is the prior (restore_tool); had the thread leaked into training, it would be
    // success.
    let mut cases = vec![
        case(1, "a", Family::Success, &["w:finished", "o:incomplete"]),
        case(2, "a", Family::Success, &["w:finished", "o:incomplete"]),
    ];
    cases.push(case(20, "b", Family::Success, &["o:incomplete"]));
    for i in 0..4 {
        cases.push(case(
            10 + i,
            &format!("t{i}"),
            Family::RestoreTool,
            &["o:incomplete"],
        ));
    }
    let rows = accuracy::cross_validate(&cases, &settings(1));
    let a: Vec<_> = rows.iter().filter(|r| r.entry.source == "a").collect();
    assert_eq!(a.len(), 2);
    for r in a {
        assert_eq!(r.after, Family::RestoreTool, "log {}", r.entry.id);
        assert_eq!(r.before, Family::Unknown);
    }
    let table = accuracy::render_cv(&rows);
    assert!(table.contains("ALL"), "{table}");
}
