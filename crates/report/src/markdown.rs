//! The report as Markdown, for a forum post, an issue or a chat: the same sections and words
//! as the HTML page.

use crate::text::{self, missing};
use crate::{Bundle, DevicesPart, HistoryPart, Part};
use rd_logs::Diagnosis;
use rd_model::{Finding, Report, Severity};
use std::fmt::Write;

/// Renders the bundle as Markdown (pure).
pub fn render_markdown(b: &Bundle) -> String {
    let mut o = String::with_capacity(8 * 1024);
    let _ = writeln!(o, "# restore-doctor report\n");
    let _ = writeln!(
        o,
        "_{} · made {} · {}_\n",
        inline(&b.tool),
        inline(&b.generated),
        if b.redacted {
            "device identifiers (ECID, serial number, IMEI, UDID) are masked"
        } else {
            "**contains device identifiers (ECID, serial number, IMEI, UDID): share with care**"
        }
    );
    let glance = text::at_a_glance(b);
    if !glance.is_empty() {
        let _ = writeln!(o, "**At a glance**\n");
        for l in glance {
            let _ = writeln!(o, "- {}", inline(&l));
        }
        o.push('\n');
    }
    log_section(&mut o, &b.log);
    history_section(&mut o, &b.history);
    devices_section(&mut o, &b.devices);
    report_section(&mut o, text::CHECKUP, &b.checkup);
    if let Some(ipsw) = &b.ipsw {
        report_section(&mut o, text::IPSW, ipsw);
    }
    o
}

/// Escapes text for running Markdown (and HTML that Markdown lets through).
fn inline(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '|' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Text for a fenced code block: a fence longer than any backtick run inside.
fn fenced(o: &mut String, text: &str) {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    let _ = writeln!(o, "{fence}\n{}\n{fence}", text.trim_end());
}

fn h2(o: &mut String, title: &str) {
    let _ = writeln!(o, "## {title}\n");
}

fn note(o: &mut String, text: &str) {
    let _ = writeln!(o, "_{}_\n", inline(text));
}

fn table(o: &mut String, head: &[&str], rows: &[Vec<String>]) {
    let _ = writeln!(o, "| {} |", head.join(" | "));
    let _ = writeln!(o, "|{}", " --- |".repeat(head.len()));
    for r in rows {
        let cells: Vec<String> = r.iter().map(|c| inline(c)).collect();
        let _ = writeln!(o, "| {} |", cells.join(" | "));
    }
    o.push('\n');
}

fn finding(o: &mut String, f: &Finding) {
    let conf = f
        .confidence
        .map(|c| format!(", {} confidence", c.as_str()))
        .unwrap_or_default();
    let _ = writeln!(
        o,
        "### {} {}\n\n_[{}{conf}] {}_\n",
        f.severity.mark(),
        inline(&f.title),
        inline(f.family.label()),
        inline(&f.id)
    );
    if !f.explanation.is_empty() {
        let _ = writeln!(o, "{}\n", inline(&f.explanation));
    }
    if !f.evidence.is_empty() {
        let _ = writeln!(o, "**Evidence**\n");
        let mut lines = String::new();
        for e in &f.evidence {
            let loc = match (&e.source, e.line) {
                (Some(s), Some(l)) => format!("{s}:{l}: "),
                (None, Some(l)) => format!("line {l}: "),
                (Some(s), None) => format!("{s}: "),
                (None, None) => String::new(),
            };
            let _ = writeln!(lines, "{loc}{}", e.text.trim_end());
            if !e.why.is_empty() {
                let _ = writeln!(lines, "  → {}", e.why);
            }
        }
        fenced(o, &lines);
        o.push('\n');
    }
    if !f.remedies.is_empty() {
        let _ = writeln!(o, "**What to do**\n");
        for (i, r) in f.remedies.iter().enumerate() {
            let _ = writeln!(o, "{}. {}", i + 1, inline(&r.text));
        }
        o.push('\n');
    }
    if !f.error_codes.is_empty() {
        let _ = writeln!(
            o,
            "_Shows up as restore error(s): {}_\n",
            f.error_codes.join(", ")
        );
    }
}

fn log_section(o: &mut String, part: &Part<Diagnosis>) {
    h2(o, text::LOG);
    let Some(d) = part.done() else {
        return note(o, &missing(part).unwrap_or_default());
    };
    let mut rows = vec![
        vec!["File".into(), d.file.clone().unwrap_or_else(|| "-".into())],
        vec!["Format".into(), d.formats.join(", ")],
        vec![
            "Outcome".into(),
            format!(
                "{} — {} ({} confidence)",
                text::outcome(d),
                d.category.label(),
                d.confidence.as_str()
            ),
        ],
    ];
    if let Some(s) = &d.failed_stage {
        rows.push(vec!["Stage".into(), s.name.clone()]);
    }
    if let Some(dev) = text::device(d) {
        rows.push(vec!["Device".into(), dev]);
    }
    if let Some(fw) = text::firmware(d) {
        rows.push(vec!["Firmware".into(), fw]);
    }
    if !d.error_codes.is_empty() {
        rows.push(vec!["Error numbers".into(), d.error_codes.join(", ")]);
    }
    table(o, &["", ""], &rows);
    for f in &d.findings {
        finding(o, f);
    }
}

fn history_section(o: &mut String, part: &Part<HistoryPart>) {
    h2(o, text::HISTORY);
    let Some(h) = part.done() else {
        return note(o, &missing(part).unwrap_or_default());
    };
    if let Some(e) = &h.escalation {
        finding(o, &e.as_finding());
    }
    note(
        o,
        &format!(
            "Device {} (a salted hash of its ECID, meaningful only on this computer).",
            h.device
        ),
    );
    let rows: Vec<Vec<String>> = h
        .attempts
        .iter()
        .map(|a| {
            vec![
                rd_history::time::format_utc(a.at),
                a.tool.clone().unwrap_or_else(|| "-".into()),
                text::attempt_result(a),
                a.error_codes.join(", "),
                a.checkup.as_ref().map_or("-".into(), |c| c.summary()),
            ]
        })
        .collect();
    table(
        o,
        &["When", "Tool", "Result", "Errors", "Checkup before"],
        &rows,
    );
}

fn devices_section(o: &mut String, part: &Part<DevicesPart>) {
    h2(o, text::DEVICES);
    let Some(d) = part.done() else {
        return note(o, &missing(part).unwrap_or_default());
    };
    note(o, &format!("Read from: {}", d.source));
    if d.devices.is_empty() {
        note(o, "No iPhone, iPad or iPod touch is connected.");
    } else {
        let rows: Vec<Vec<String>> = d
            .devices
            .iter()
            .map(|r| {
                let ids: Vec<&str> = [r.serial_number.as_deref(), r.imei.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect();
                let mut place = r.location.clone();
                if !r.hubs.is_empty() {
                    place.push_str(&format!(" via {}", r.hubs.join(" → ")));
                }
                vec![
                    match &r.product_type {
                        Some(p) => format!("{} ({p})", r.name),
                        None => r.name.clone(),
                    },
                    r.mode.clone(),
                    r.ecid.clone().unwrap_or_else(|| "-".into()),
                    if ids.is_empty() {
                        "-".into()
                    } else {
                        ids.join(" / ")
                    },
                    r.speed.clone().unwrap_or_else(|| "-".into()),
                    place,
                ]
            })
            .collect();
        table(
            o,
            &["Device", "Mode", "ECID", "Serial / IMEI", "Speed", "Where"],
            &rows,
        );
    }
    for f in d.findings.iter().filter(|f| f.severity > Severity::Ok) {
        finding(o, f);
    }
}

fn report_section(o: &mut String, title: &str, part: &Part<Report>) {
    h2(o, title);
    let Some(r) = part.done() else {
        return note(o, &missing(part).unwrap_or_default());
    };
    let rows: Vec<Vec<String>> = r
        .findings
        .iter()
        .map(|f| {
            vec![
                format!("{} {}", f.severity.mark(), text::severity(f.severity)),
                f.title.clone(),
                f.family.label().to_string(),
            ]
        })
        .collect();
    table(o, &["Result", "Check", "Family"], &rows);
    for f in r.findings.iter().filter(|f| f.severity >= Severity::Warn) {
        finding(o, f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_fences() {
        assert_eq!(inline("a|b <x> *y*"), "a\\|b &lt;x&gt; \\*y\\*");
        let mut o = String::new();
        fenced(&mut o, "has ``` inside");
        assert!(o.starts_with("````\n"), "{o}");
    }
}
