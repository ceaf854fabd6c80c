//! `restore-doctor log`: diagnose restore logs (failed stage, cause, evidence, remedies); the
//! reading and diagnosing is `rd_engine::log`, this is arguments and output.

use crate::fail::{CmdResult, EXIT_OK, Fail};
use crate::render::{RenderOptions, bold, dim};
use rd_logs::{Diagnosis, Outcome};
use std::io::Write;
use std::process::ExitCode;

/// Arguments of `log`.
#[derive(Debug, Default, clap::Args)]
pub struct Args {
    /// Log files to diagnose; `-` reads standard input; none: the newest restore log on this
    /// computer (see `restore-doctor logs`)
    #[arg(value_name = "FILE|-")]
    pub files: Vec<String>,

    /// Where to look for the newest log when no file is given
    #[command(flatten)]
    pub locate: super::logs::LocateArgs,

    /// Print the diagnosis as JSON (an array when several files are given)
    #[arg(long)]
    pub json: bool,

    /// Also list the typed events found (modes, operations, checkpoints)
    #[arg(long)]
    pub events: bool,
}

/// Runs `log`.
pub fn run(mut args: Args, cx: &super::Context) -> CmdResult {
    if args.files.is_empty() {
        let newest = super::logs::newest(&args.locate)?;
        eprintln!(
            "Reading the newest restore log found: {} ({})",
            newest.path.display(),
            newest.tool
        );
        args.files.push(newest.path.display().to_string());
    }
    if args.files.iter().filter(|f| f.as_str() == "-").count() > 1 {
        return Err(Fail::usage("standard input ('-') can be given only once"));
    }
    let mut results = Vec::with_capacity(args.files.len());
    for path in &args.files {
        results.push(diagnose_one(path)?);
    }
    results
        .iter_mut()
        .for_each(|d| super::history::after_log(d, cx));
    if args.json {
        if results.len() == 1 {
            cx.render.print_json(&results[0]);
        } else {
            cx.render.print_json(&results);
        }
    } else {
        let mut out = Vec::new();
        for (i, d) in results.iter().enumerate() {
            if i > 0 {
                let _ = writeln!(out);
            }
            let _ = write_text(&mut out, d, args.events, &cx.render);
        }
        cx.render.emit(&String::from_utf8_lossy(&out));
    }
    Ok(ExitCode::from(EXIT_OK))
}

/// One log through the engine (`rd_engine::log`); `-` is standard input.
fn diagnose_one(path: &str) -> Result<Diagnosis, Fail> {
    if path == "-" {
        let mut d = rd_engine::log::diagnose_reader(std::io::stdin().lock(), "standard input")?;
        d.file = Some(path.to_string());
        Ok(d)
    } else {
        Ok(rd_engine::log::diagnose_path(std::path::Path::new(path))?)
    }
}

fn write_text(
    out: &mut impl Write,
    d: &Diagnosis,
    events: bool,
    render: &RenderOptions,
) -> std::io::Result<()> {
    let b = bold();
    let g = dim();
    let file = d.file.as_deref().unwrap_or("-");
    let plural = if d.lines == 1 { "" } else { "s" };
    writeln!(out, "{b}{file}{b:#}  {g}({} line{plural}){g:#}", d.lines)?;
    let formats = if d.formats.len() > 1 {
        format!("{} (also: {})", d.format, d.formats[1..].join(", "))
    } else {
        d.format.clone()
    };
    writeln!(out, "  Format:   {formats}")?;
    let outcome = match d.outcome {
        Outcome::Success => "restore finished",
        Outcome::Failure => "restore failed",
        Outcome::Incomplete => "log ends before the restore ended",
        Outcome::Unknown => "not recognised",
    };
    writeln!(
        out,
        "  Outcome:  {outcome} — {} ({} confidence)",
        d.category.label(),
        d.confidence.as_str()
    )?;
    if let Some(s) = &d.failed_stage {
        let label = if d.outcome == Outcome::Failure {
            "Failed at"
        } else {
            "Last step"
        };
        let id =
            s.id.as_deref()
                .map(|i| format!(" {g}[{i}]{g:#}"))
                .unwrap_or_default();
        writeln!(out, "  {label}: {}{id}", s.name)?;
    }
    if let Some(dev) = &d.device {
        let mut parts: Vec<String> = Vec::new();
        if let Some(n) = &dev.name {
            parts.push(n.clone());
        }
        let ids: Vec<&str> = [dev.product_type.as_deref(), dev.board.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        if !ids.is_empty() {
            parts.push(format!("({})", ids.join(", ")));
        }
        if let Some(m) = &dev.mode {
            parts.push(format!("in {m} mode"));
        }
        writeln!(out, "  Device:   {}", parts.join(" "))?;
    }
    if let Some(t) = &d.target {
        let v = [
            t.version.as_deref(),
            t.build.as_deref().map(|b| b.to_string()).as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
        let v = if v.is_empty() {
            t.ipsw.clone().unwrap_or_default()
        } else {
            v
        };
        writeln!(out, "  Firmware: {v}")?;
    }
    if let Some(t) = &d.tool {
        let released = match (&t.firmware_released, &t.firmware_released_after) {
            (Some(r), _) => format!("released {r}"),
            (None, Some(a)) => format!("released after {a}"),
            (None, None) => "release date unknown".to_string(),
        };
        let age = match t.older_than_firmware {
            Some(true) => format!(" {g}(older than the firmware, {released}){g:#}"),
            _ => t
                .built_after
                .as_deref()
                .map(|b| format!(" {g}(built {b} or later){g:#}"))
                .unwrap_or_default(),
        };
        writeln!(out, "  Tool:     {} {}{age}", t.name, t.version)?;
    }
    writeln!(out)?;
    if let Some(main) = d.findings.first() {
        render.write_finding(out, main)?;
    }
    if !d.candidates.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "  {b}Likely causes{b:#} {g}(the log does not settle it; best first){g:#}"
        )?;
        for (i, c) in d.candidates.iter().enumerate() {
            writeln!(out, "    {}. {} — {}", i + 1, c.family.label(), c.why)?;
            if let Some(e) = c.evidence.first() {
                writeln!(out, "       {g}line {}: {}{g:#}", e.line, e.text)?;
            }
            writeln!(out, "       {g}would settle it: {}{g:#}", c.settle)?;
        }
    }
    let also: Vec<_> = d
        .findings
        .iter()
        .skip(1)
        .filter(|f| f.severity != rd_model::Severity::Info)
        .collect();
    if !also.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "  {b}Other signals{b:#} {g}(weaker; check them if the first fix does not help){g:#}"
        )?;
        for f in also {
            let line = f
                .evidence
                .first()
                .and_then(|e| e.line)
                .map(|l| format!("line {l}: "))
                .unwrap_or_default();
            let text = f.evidence.first().map(|e| e.text.as_str()).unwrap_or("");
            writeln!(
                out,
                "    {} {g}[{}]{g:#}",
                f.title.trim_start_matches("Also seen: "),
                f.family.as_str()
            )?;
            writeln!(out, "      {g}{line}{text}{g:#}")?;
        }
    }
    if !d.noise.is_empty() {
        writeln!(out)?;
        writeln!(out, "  {b}Discounted as normal{b:#}")?;
        for n in &d.noise {
            let range = if n.first_line == n.last_line {
                format!("line {}", n.first_line)
            } else {
                format!("lines {}–{}", n.first_line, n.last_line)
            };
            writeln!(
                out,
                "    {}× {} {g}({range}): {}{g:#}",
                n.count, n.title, n.why
            )?;
        }
    }
    if events {
        writeln!(out)?;
        writeln!(out, "  {b}Events{b:#}")?;
        if !d.events.modes.is_empty() {
            writeln!(out, "    modes: {}", d.events.modes.join(" → "))?;
        }
        for op in &d.events.operations {
            writeln!(
                out,
                "    line {}: operation {} {}",
                op.line, op.number, op.name
            )?;
        }
        for c in &d.events.checkpoints {
            writeln!(
                out,
                "    line {}: checkpoint {} {} {}",
                c.line,
                c.id.as_deref().unwrap_or("?"),
                c.name.as_deref().unwrap_or(""),
                c.state.as_str()
            )?;
        }
        for c in &d.observed_codes {
            writeln!(
                out,
                "    line {}: {} {}{}",
                c.line,
                c.kind.as_str(),
                c.code,
                c.meaning
                    .as_deref()
                    .map(|m| format!(" ({m})"))
                    .unwrap_or_default()
            )?;
        }
    }
    Ok(())
}
