//! Benchmark driver: `log_scan FILE` diagnoses FILE (the same code path as `restore-doctor log`)
//! and prints bytes, lines, marker lines and the verdict; `log_scan --markers` prints the marker
//! literal set, one per line, so a peer tool (`rg -F -i -f`) can search for the same strings;
//! `log_scan --json FILE...` prints each file's whole diagnosis as one JSON line (to compare the
//! diagnoses before and after a change to the reader).

use std::io::Write;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("--markers") => {
            let mut out = std::io::stdout().lock();
            for m in rd_logs::scan::Matcher::literals() {
                let _ = writeln!(out, "{m}");
            }
        }
        Some("--count") if args.len() == 2 => {
            let file = open(&args[1]);
            match rd_logs::count_marker_lines(file) {
                Ok(s) => println!(
                    "bytes={} lines={} marker_lines={}",
                    s.bytes, s.lines, s.candidate_lines
                ),
                Err(e) => fail(&e.to_string()),
            }
        }
        Some("--json") => {
            let mut out = std::io::stdout().lock();
            for path in &args[1..] {
                let json = match rd_logs::diagnose(open(path)) {
                    Ok(d) => serde_json::to_string(&d).unwrap_or_else(|e| e.to_string()),
                    Err(e) => format!("error: {e}"),
                };
                let _ = writeln!(out, "{path}\t{json}");
            }
        }
        Some(path) if args.len() == 1 => {
            let file = open(path);
            match rd_logs::diagnose(std::io::BufReader::with_capacity(1 << 16, file)) {
                Ok(d) => println!(
                    "bytes={} lines={} format={} outcome={} category={} evidence_line={}",
                    d.bytes,
                    d.lines,
                    d.format,
                    d.outcome.as_str(),
                    d.category.as_str(),
                    d.evidence.first().map_or(0, |e| e.line)
                ),
                Err(e) => fail(&e.to_string()),
            }
        }
        _ => fail("usage: log_scan FILE | --count FILE | --json FILE... | --markers"),
    }
}

fn open(path: &str) -> std::fs::File {
    std::fs::File::open(path).unwrap_or_else(|e| fail(&format!("cannot open {path}: {e}")))
}

fn fail(msg: &str) -> ! {
    eprintln!("log_scan: {msg}");
    std::process::exit(2)
}
