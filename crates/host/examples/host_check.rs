//! Prints the host-software findings of this computer, or of a folder of captures:
//! `cargo run -p rd-host --example host_check -- [--platform windows|macos|linux] [DIR]`.
//! Also prints how long gathering took (this computer only).

use rd_host::{HostInputs, Platform};
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut platform = Platform::current();
    let mut dir = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "--platform" {
            match it.next().map(|p| p.parse::<Platform>()) {
                Some(Ok(p)) => platform = p,
                Some(Err(e)) => return eprintln!("{e}"),
                None => return eprintln!("--platform needs a value"),
            }
        } else {
            dir = Some(std::path::PathBuf::from(a));
        }
    }
    let inputs = match dir {
        Some(d) => match HostInputs::from_dir(platform, &d) {
            Ok(i) => i,
            Err(e) => return eprintln!("cannot read {}: {e}", d.display()),
        },
        None => {
            let start = Instant::now();
            let i = rd_host::gather(platform, Duration::from_millis(1500));
            eprintln!(
                "gathered {} captures in {} ms",
                i.captures.len(),
                start.elapsed().as_millis()
            );
            i
        }
    };
    for f in rd_host::check(&inputs) {
        println!("{} {:<40} {}", f.severity.mark(), f.id, f.title);
        for e in &f.evidence {
            println!("      - {}", e.text);
        }
    }
}
