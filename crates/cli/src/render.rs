//! Text and JSON rendering of the finding model, shared by every command.

use anstyle::{AnsiColor, Style};
use rd_model::{Finding, Report, Severity};
use serde::Serialize;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

static REDACT: AtomicBool = AtomicBool::new(false);

/// Turns on redaction of ECID, serial numbers, IMEI and UDIDs in everything printed through
/// this module (`--redact`, for output meant to be shared).
pub fn set_redact(on: bool) {
    REDACT.store(on, Ordering::Relaxed);
}

/// Applies redaction when `--redact` is on.
pub fn shareable(text: String) -> String {
    if REDACT.load(Ordering::Relaxed) {
        rd_model::redact::redact(&text)
    } else {
        text
    }
}

/// Prints text on stdout (colour per anstream's choice), redacted when `--redact` is on.
pub fn emit(text: &str) {
    let mut out = anstream::stdout().lock();
    let _ = out.write_all(shareable(text.to_string()).as_bytes());
}

/// Style for a severity's mark and title.
pub fn severity_style(sev: Severity) -> Style {
    let color = match sev {
        Severity::Ok => AnsiColor::Green,
        Severity::Info => AnsiColor::Cyan,
        Severity::Warn => AnsiColor::Yellow,
        Severity::Fail => AnsiColor::Red,
    };
    Style::new().fg_color(Some(color.into())).bold()
}

/// Dim style for secondary text.
pub fn dim() -> Style {
    Style::new().dimmed()
}

/// Bold style for headings.
pub fn bold() -> Style {
    Style::new().bold()
}

/// Prints any serializable value as pretty JSON on stdout, with a trailing newline.
pub fn print_json<T: Serialize>(value: &T) {
    let text = serde_json::to_string_pretty(value)
        .unwrap_or_else(|e| format!("{{\"error\": \"could not serialize output: {e}\"}}"));
    emit(&(text + "\n"));
}

/// Wraps `text` to `width` columns, each line prefixed by `indent`.
pub fn wrap(text: &str, indent: &str, width: usize) -> String {
    let mut out = String::new();
    for para in text.split('\n') {
        let mut line = String::new();
        for word in para.split_whitespace() {
            if !line.is_empty() && indent.len() + line.len() + 1 + word.len() > width {
                out.push_str(indent);
                out.push_str(&line);
                out.push('\n');
                line.clear();
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        out.push_str(indent);
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// Terminal width for wrapping (COLUMNS, else 100), clamped to a readable range.
pub fn width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse::<usize>().ok())
        .unwrap_or(100)
        .clamp(60, 120)
}

/// Writes one finding in full: mark, title, family, explanation, evidence, remedies, codes.
pub fn write_finding(out: &mut impl Write, f: &Finding) -> std::io::Result<()> {
    let w = width();
    let sev = severity_style(f.severity);
    let conf = f
        .confidence
        .map(|c| format!(", {} confidence", c.as_str()))
        .unwrap_or_default();
    writeln!(
        out,
        "{sev}{} {}{sev:#}  {d}[{}{conf}]{d:#}",
        f.severity.mark(),
        f.title,
        f.family.label(),
        d = dim()
    )?;
    if !f.explanation.is_empty() {
        write!(out, "{}", wrap(&f.explanation, "    ", w))?;
    }
    if !f.evidence.is_empty() {
        writeln!(out, "  {b}Evidence{b:#}", b = bold())?;
        for e in &f.evidence {
            let loc = match (&e.source, e.line) {
                (Some(s), Some(l)) => format!("{s}:{l}: "),
                (None, Some(l)) => format!("line {l}: "),
                (Some(s), None) => format!("{s}: "),
                (None, None) => String::new(),
            };
            writeln!(out, "    {d}{loc}{d:#}{}", e.text.trim_end(), d = dim())?;
            if !e.why.is_empty() {
                writeln!(out, "      {d}→ {}{d:#}", e.why, d = dim())?;
            }
        }
    }
    if !f.remedies.is_empty() {
        writeln!(out, "  {b}What to do{b:#}", b = bold())?;
        for (i, r) in f.remedies.iter().enumerate() {
            let prefix = format!("    {}. ", i + 1);
            let body = wrap(&r.text, &" ".repeat(prefix.len()), w);
            write!(out, "{prefix}{}", body.trim_start())?;
            if let Some(check) = &r.check {
                let command = rd_kb::check(check)
                    .map(rd_kb::CheckDef::command)
                    .unwrap_or_else(|| format!("restore-doctor checkup --only {check}"));
                writeln!(
                    out,
                    "{}{d}verify: {command}{d:#}",
                    " ".repeat(prefix.len()),
                    d = dim()
                )?;
            }
        }
    }
    if !f.error_codes.is_empty() {
        writeln!(
            out,
            "  {d}Shows up as restore error(s): {}{d:#}",
            f.error_codes.join(", "),
            d = dim()
        )?;
    }
    Ok(())
}

/// Writes a whole report: each finding in full, separated by blank lines, then a summary line.
pub fn write_report(out: &mut impl Write, report: &Report) -> std::io::Result<()> {
    for (i, f) in report.findings.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        write_finding(out, f)?;
    }
    Ok(())
}

/// Prints a report as text on stdout (colour per anstream's choice).
pub fn print_report(report: &Report) {
    let mut buf = Vec::new();
    let _ = write_report(&mut buf, report);
    emit(&String::from_utf8_lossy(&buf));
}

#[cfg(test)]
mod tests {
    use super::*;
    use rd_model::{Evidence, Family, Remedy};

    #[test]
    fn wrap_respects_width_and_indent() {
        let s = wrap("aaa bbb ccc ddd", "  ", 9);
        for line in s.lines() {
            assert!(line.len() <= 9, "{line:?}");
            assert!(line.starts_with("  "));
        }
        assert_eq!(s.split_whitespace().count(), 4);
    }

    #[test]
    fn finding_text_has_all_parts() {
        let f = Finding::new(
            "x",
            Family::Usb,
            Severity::Fail,
            "Lost the device",
            "It went away.",
        )
        .with_evidence(Evidence::new("ERROR: gone", "device vanished").at_line(42))
        .with_remedies([Remedy {
            id: "r".into(),
            text: "Use another port".into(),
            check: Some("usb.hub".into()),
        }])
        .with_error_codes(["4013"]);
        let mut buf = Vec::new();
        write_finding(&mut buf, &f).unwrap();
        let s = String::from_utf8(buf).unwrap();
        assert!(s.contains("Lost the device"));
        assert!(s.contains("line 42: "));
        assert!(s.contains("ERROR: gone"));
        assert!(s.contains("1. Use another port"));
        assert!(s.contains("--only usb.hub"));
        assert!(s.contains("4013"));
    }
}
