//! Accuracy of the log diagnosis on the labelled real-log corpus (`corpus/real`).
//!
//! `diagnosis_accuracy [--root DIR] [--part tuned|blind|both] [--per-log]` prints, for each part:
//! right / wrong / unknown, confidently wrong, per-family precision and recall, the confusion
//! matrix and the hit rate per confidence level, plus per-rule hit rates (tuned part only).
//! `--per-log` lists each TUNED log's label and answer; blind logs are only ever reported in
//! aggregate (no rule may be written from them). `--explain ID` prints the diagnosis of one tuned
//! log (outcome, family, confidence, rule, evidence, candidates); it refuses blind logs.
//! `--cv [--per-log]` runs the leave-one-thread-out cross-validation of the learned fallback on
//! the tuned logs the rules do not settle: right / wrong / unknown before and after, per basis
//! and per label (`CV_MIN_THREADS=1,2,3` compares vocabulary cut-offs).

use rd_logs::accuracy::{self, Part, Verdict};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../corpus/real");
    let mut parts = vec![Part::Tuned, Part::Blind];
    let mut per_log = false;
    let mut cross = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--root" => match args.next() {
                Some(r) => root = PathBuf::from(r),
                None => return usage("--root needs a folder"),
            },
            "--part" => match args.next().as_deref() {
                Some("tuned") => parts = vec![Part::Tuned],
                Some("blind") => parts = vec![Part::Blind],
                Some("both") => parts = vec![Part::Tuned, Part::Blind],
                _ => return usage("--part takes tuned, blind or both"),
            },
            "--per-log" => per_log = true,
            "--cv" => cross = true,
            "--explain" => match args.next().and_then(|x| x.parse::<u32>().ok()) {
                Some(id) => return explain(&root, id),
                None => return usage("--explain needs a log id"),
            },
            other => return usage(&format!("unknown argument {other}")),
        }
    }
    if cross {
        return cv(&root, per_log);
    }
    let entries = match accuracy::load_index(&root) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("diagnosis_accuracy: {e}");
            return ExitCode::from(2);
        }
    };
    for part in parts {
        let scored = match accuracy::score(&root, &entries, part) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("diagnosis_accuracy: {e}");
                return ExitCode::from(2);
            }
        };
        let summary = accuracy::summarize(&scored);
        print!("{}", accuracy::render(part, &summary));
        if part == Part::Tuned {
            print_rules(&scored);
            if per_log {
                print_logs(&scored);
            }
        }
        println!();
    }
    ExitCode::SUCCESS
}

/// Per decisive rule: how often its answer was right (tuned part only: these figures set the
/// rules' confidences).
fn print_rules(scored: &[accuracy::Scored]) {
    let mut by_rule: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
    for s in scored {
        let v = s.verdict();
        if v == Verdict::Unlabelled {
            continue;
        }
        let e = by_rule
            .entry(s.rule.clone().unwrap_or_else(|| "-".into()))
            .or_default();
        e.0 += 1;
        match v {
            Verdict::Right => e.1 += 1,
            Verdict::Wrong => e.2 += 1,
            _ => {}
        }
    }
    println!("per decisive rule (tuned): decided, right, wrong");
    for (rule, (n, r, w)) in by_rule {
        println!("  {rule:<28} {n:>3} {r:>3} {w:>3}");
    }
}

fn print_logs(scored: &[accuracy::Scored]) {
    println!("per log (tuned only):");
    for s in scored {
        let mark = match s.verdict() {
            Verdict::Right => "ok   ",
            Verdict::Wrong => "WRONG",
            Verdict::Unknown => "unk  ",
            Verdict::Unlabelled => "-    ",
        };
        let cands: Vec<&str> = s.candidates.iter().map(|f| f.as_str()).collect();
        println!(
            "  {mark} {:<16} label={:<17} got={:<17} {:<6} rule={} cands=[{}] tool={}{}{}",
            s.entry.file,
            s.entry.label.as_str(),
            s.got.as_str(),
            s.confidence.as_str(),
            s.rule.as_deref().unwrap_or("-"),
            cands.join(","),
            s.entry.tool,
            if s.entry.partial { " partial" } else { "" },
            match &s.tool {
                Some((v, old)) => format!(" banner={v} older={old:?}"),
                None => String::new(),
            }
        );
    }
}

/// Leave-one-thread-out cross-validation of the learned fallback on the tuned logs the rules do
/// not settle (the blind part is never read).
fn cv(root: &std::path::Path, per_log: bool) -> ExitCode {
    let tail: usize = std::env::var("CV_TAIL")
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    let cases = match accuracy::load_index(root)
        .and_then(|e| accuracy::fallback_cases_with_tail(root, &e, tail))
    {
        Ok(c) => c,
        Err(e) => {
            eprintln!("diagnosis_accuracy: {e}");
            return ExitCode::from(2);
        }
    };
    let env = |k: &str, d: &str| std::env::var(k).unwrap_or_else(|_| d.to_string());
    let min_threads: Vec<u32> = env("CV_MIN_THREADS", "2")
        .split(',')
        .filter_map(|x| x.parse().ok())
        .collect();
    for m in min_threads {
        let s = accuracy::CvSettings {
            min_threads: m,
            train_all: env("CV_TRAIN", "open") == "all",
            low_settled: env("CV_LOW", "no") == "yes",
            bernoulli: env("CV_MODEL", "multinomial") == "bernoulli",
            min_p: env("CV_MIN_P", "0").parse().unwrap_or(0.0),
            groups: env("CV_GROUPS", "")
                .split(',')
                .filter(|g| !g.is_empty())
                .map(str::to_string)
                .collect(),
        };
        let rows = accuracy::cross_validate(&cases, &s);
        println!("== leave-one-thread-out CV of the fallback (tuned part), {s:?}");
        print!("{}", accuracy::render_cv(&rows));
        if per_log {
            for r in rows.iter().filter(|r| r.before != r.after) {
                println!(
                    "  {:<16} label={:<17} before={:<17} after={:<17} basis={}",
                    r.entry.file,
                    r.entry.label.as_str(),
                    r.before.as_str(),
                    r.after.as_str(),
                    r.basis
                );
            }
        }
    }
    ExitCode::SUCCESS
}

/// Prints the diagnosis of one TUNED log, for reading why it was answered that way.
fn explain(root: &std::path::Path, id: u32) -> ExitCode {
    let entries = match accuracy::load_index(root) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("diagnosis_accuracy: {e}");
            return ExitCode::from(2);
        }
    };
    let Some(e) = entries.iter().find(|e| e.id == id) else {
        return usage("no such log id");
    };
    if e.part() != Some(Part::Tuned) {
        return usage("only tuned logs can be explained (blind logs are measured in aggregate)");
    }
    let bytes = match std::fs::read(root.join(&e.file)) {
        Ok(b) => b,
        Err(err) => {
            eprintln!("diagnosis_accuracy: {err}");
            return ExitCode::from(2);
        }
    };
    let d = match rd_logs::diagnose_bytes(&bytes) {
        Ok(d) => d,
        Err(err) => {
            eprintln!("diagnosis_accuracy: {err}");
            return ExitCode::from(2);
        }
    };
    println!("{} label={} tool={}", e.file, e.label.as_str(), e.tool);
    println!(
        "outcome={:?} family={} confidence={} rule={:?} formats={:?}",
        d.outcome,
        d.category.as_str(),
        d.confidence.as_str(),
        d.rule,
        d.formats
    );
    println!("title: {}", d.title);
    println!("explanation: {}", d.explanation);
    println!("stage: {:?}", d.failed_stage.as_ref().map(|s| &s.name));
    println!("codes: {:?}", d.error_codes);
    if let Some(t) = &d.tool {
        println!(
            "tool: {} {} built {:?}..{:?} firmware released {:?} (after {:?}) older={:?}",
            t.name,
            t.version,
            t.built_after,
            t.built_before,
            t.firmware_released,
            t.firmware_released_after,
            t.older_than_firmware
        );
    }
    for ev in &d.evidence {
        println!("  ev {:>5}: {} -- {}", ev.line, ev.text, ev.why);
    }
    for c in &d.candidates {
        println!(
            "  cand {} ({:?}): {} / settle: {}",
            c.family.as_str(),
            c.rule,
            c.why,
            c.settle
        );
        for ev in &c.evidence {
            println!("       {:>5}: {}", ev.line, ev.text);
        }
    }
    for r in &d.remedies {
        println!("  remedy {}: {}", r.id, r.text);
    }
    ExitCode::SUCCESS
}

fn usage(why: &str) -> ExitCode {
    eprintln!("diagnosis_accuracy: {why}");
    eprintln!("usage: diagnosis_accuracy [--root DIR] [--part tuned|blind|both] [--per-log]");
    ExitCode::from(2)
}
