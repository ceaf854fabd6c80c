//! Text and JSON rendering of the finding model, shared by every command. How to render
//! (redaction, width) is a [`RenderOptions`] value built from the parsed arguments and passed
//! to each command, not global state, so a test or a second caller can render differently.

use anstyle::{AnsiColor, Style};
use rd_model::{Finding, Report, Severity};
use serde::Serialize;
use std::io::Write;

/// Whether device identifiers are masked in what is printed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Redaction {
    /// Print everything as it is.
    #[default]
    Off,
    /// Mask ECID, serial numbers, IMEI and UDIDs (`--redact`, for output meant to be shared).
    Identifiers,
}

/// How output is rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RenderOptions {
    /// Identifier masking.
    pub redaction: Redaction,
    /// Columns text is wrapped to.
    pub width: usize,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions::new(false, None)
    }
}

impl RenderOptions {
    /// From `--redact` and the terminal width (`COLUMNS`, else 100), clamped to a readable
    /// range.
    pub fn new(redact: bool, columns: Option<usize>) -> RenderOptions {
        RenderOptions {
            redaction: if redact {
                Redaction::Identifiers
            } else {
                Redaction::Off
            },
            width: columns.unwrap_or(100).clamp(60, 120),
        }
    }

    /// Applies the redaction.
    pub fn shareable(&self, text: String) -> String {
        match self.redaction {
            Redaction::Identifiers => rd_model::redact::redact(&text),
            Redaction::Off => text,
        }
    }

    /// Prints text on stdout (colour per anstream's choice), redacted as asked.
    pub fn emit(&self, text: &str) {
        let mut out = anstream::stdout().lock();
        let _ = out.write_all(self.shareable(text.to_string()).as_bytes());
    }

    /// Prints any serializable value as pretty JSON on stdout, with a trailing newline.
    pub fn print_json<T: Serialize>(&self, value: &T) {
        let text = serde_json::to_string_pretty(value)
            .unwrap_or_else(|e| format!("{{\"error\": \"could not serialize output: {e}\"}}"));
        self.emit(&(text + "\n"));
    }

    /// Writes one finding in full, wrapped to the width.
    pub fn write_finding(&self, out: &mut impl Write, f: &Finding) -> std::io::Result<()> {
        write_finding(out, f, self.width)
    }

    /// Writes a whole report: each finding in full, separated by blank lines.
    pub fn write_report(&self, out: &mut impl Write, report: &Report) -> std::io::Result<()> {
        for (i, f) in report.findings.iter().enumerate() {
            if i > 0 {
                writeln!(out)?;
            }
            self.write_finding(out, f)?;
        }
        Ok(())
    }

    /// Prints a report as text on stdout (colour per anstream's choice).
    pub fn print_report(&self, report: &Report) {
        let mut buf = Vec::new();
        let _ = self.write_report(&mut buf, report);
        self.emit(&String::from_utf8_lossy(&buf));
    }
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

/// Writes one finding in full, wrapped to `w` columns: mark, title, family, explanation,
/// evidence, remedies, codes.
fn write_finding(out: &mut impl Write, f: &Finding, w: usize) -> std::io::Result<()> {
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
        RenderOptions::default()
            .write_finding(&mut buf, &f)
            .unwrap();
        let s = String::from_utf8(buf).unwrap();
        assert!(s.contains("Lost the device"));
        assert!(s.contains("line 42: "));
        assert!(s.contains("ERROR: gone"));
        assert!(s.contains("1. Use another port"));
        assert!(s.contains("--only usb.hub"));
        assert!(s.contains("4013"));
    }

    #[test]
    fn redaction_is_the_option_given() {
        let text = "ECID: 0x1A2B3C4D5E6F7\n".to_string();
        assert_eq!(
            RenderOptions::new(false, None).shareable(text.clone()),
            text
        );
        let masked = RenderOptions::new(true, None).shareable(text.clone());
        assert_ne!(masked, text);
        assert!(!masked.contains("1A2B3C4D5E6F7"), "{masked}");
        assert_eq!(RenderOptions::new(false, Some(500)).width, 120);
        assert_eq!(RenderOptions::new(false, Some(10)).width, 60);
    }
}
