//! The report as one self-contained HTML page: tables and inline styles only (mail clients drop
//! `<style>` blocks and scripts), no scripts, fonts, images or links to elsewhere.

use crate::text::{self, missing};
use crate::{Bundle, DevicesPart, HistoryPart, Part};
use rd_logs::Diagnosis;
use rd_model::{Finding, Report, Severity};
use std::fmt::Write;

const FONT: &str = "font-family:Arial,Helvetica,sans-serif;";
const TABLE: &str = "border-collapse:collapse;width:100%;margin:6px 0 14px 0;";
const TH: &str = "text-align:left;border-bottom:2px solid #999;padding:4px 8px;font-size:13px;";
const TD: &str = "border-bottom:1px solid #ddd;padding:4px 8px;vertical-align:top;font-size:13px;";
const H2: &str =
    "font-size:18px;margin:22px 0 6px 0;border-bottom:1px solid #ccc;padding-bottom:3px;";
const NOTE: &str = "color:#666;font-size:13px;";
const PRE: &str = "font-family:Consolas,Menlo,monospace;font-size:12px;white-space:pre-wrap;word-break:break-all;margin:0;";

/// Renders the bundle as one HTML page (pure).
pub fn render_html(b: &Bundle) -> String {
    let mut o = String::with_capacity(16 * 1024);
    o.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
    o.push_str("<meta name=\"viewport\" content=\"width=device-width\">");
    let _ = write!(
        o,
        "<title>restore-doctor report, {}</title>",
        esc(&b.generated)
    );
    let _ = write!(
        o,
        "</head>\n<body style=\"{FONT}color:#222;background:#fff;margin:0;padding:16px;\">\n<table role=\"presentation\" style=\"width:100%;max-width:900px;margin:0 auto;border-collapse:collapse;\"><tr><td style=\"{FONT}\">\n"
    );
    let _ = write!(
        o,
        "<h1 style=\"font-size:22px;margin:0 0 4px 0;\">restore-doctor report</h1>\n<p style=\"{NOTE}margin:0 0 12px 0;\">{} · made {} · {}</p>\n",
        esc(&b.tool),
        esc(&b.generated),
        if b.redacted {
            "device identifiers (ECID, serial number, IMEI, UDID) are masked"
        } else {
            "<b style=\"color:#b00;\">contains device identifiers (ECID, serial number, IMEI, UDID): share with care</b>"
        }
    );
    at_a_glance(&mut o, b);
    log_section(&mut o, &b.log);
    history_section(&mut o, &b.history);
    devices_section(&mut o, &b.devices);
    report_section(&mut o, "checkup", text::CHECKUP, &b.checkup);
    if let Some(ipsw) = &b.ipsw {
        report_section(&mut o, "ipsw", text::IPSW, ipsw);
    }
    let _ = write!(
        o,
        "<p style=\"{NOTE}margin-top:24px;\">Made by restore-doctor, which diagnoses failed iPhone, iPad and iPod touch restores. Every finding names its evidence; nothing here was sent anywhere.</p>\n</td></tr></table>\n</body></html>\n"
    );
    o
}

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn h2(o: &mut String, id: &str, title: &str) {
    let _ = writeln!(o, "<h2 id=\"{id}\" style=\"{H2}\">{}</h2>", esc(title));
}

fn note(o: &mut String, text: &str) {
    let _ = writeln!(o, "<p style=\"{NOTE}\">{}</p>", esc(text));
}

fn colour(s: Severity) -> &'static str {
    match s {
        Severity::Ok => "#1a7f37",
        Severity::Info => "#0550ae",
        Severity::Warn => "#9a6700",
        Severity::Fail => "#cf222e",
    }
}

/// A two-column table of label/value rows.
fn facts(o: &mut String, rows: &[(&str, String)]) {
    let _ = write!(o, "<table style=\"{TABLE}\">");
    for (k, v) in rows {
        let _ = write!(
            o,
            "<tr><td style=\"{TD}width:160px;color:#555;\">{}</td><td style=\"{TD}\">{}</td></tr>",
            esc(k),
            esc(v)
        );
    }
    o.push_str("</table>\n");
}

fn at_a_glance(o: &mut String, b: &Bundle) {
    let lines = text::at_a_glance(b);
    if lines.is_empty() {
        return;
    }
    let _ = write!(
        o,
        "<table style=\"{TABLE}background:#f6f8fa;border:1px solid #d0d7de;\"><tr><td style=\"padding:8px 12px;font-size:14px;\"><b>At a glance</b><ul style=\"margin:6px 0 0 0;padding-left:20px;\">"
    );
    for (i, l) in lines.iter().enumerate() {
        let style = if i == 0 && b.history.done().is_some_and(|h| h.escalation.is_some()) {
            "color:#cf222e;font-weight:bold;"
        } else {
            ""
        };
        let _ = write!(o, "<li style=\"{style}\">{}</li>", esc(l));
    }
    o.push_str("</ul></td></tr></table>\n");
}

fn finding(o: &mut String, f: &Finding) {
    let c = colour(f.severity);
    let conf = f
        .confidence
        .map(|c| format!(", {} confidence", c.as_str()))
        .unwrap_or_default();
    let _ = write!(
        o,
        "<table style=\"{TABLE}border-left:4px solid {c};\"><tr><td style=\"padding:4px 10px;font-size:13px;\"><b style=\"color:{c};\">{} {}</b> <span style=\"{NOTE}\">[{}{conf}] {}</span>",
        esc(f.severity.mark()),
        esc(&f.title),
        esc(f.family.label()),
        esc(&f.id)
    );
    if !f.explanation.is_empty() {
        let _ = write!(o, "<p style=\"margin:4px 0;\">{}</p>", esc(&f.explanation));
    }
    if !f.evidence.is_empty() {
        o.push_str("<div style=\"margin:4px 0;\"><b>Evidence</b>");
        for e in &f.evidence {
            let loc = match (&e.source, e.line) {
                (Some(s), Some(l)) => format!("{s}:{l}: "),
                (None, Some(l)) => format!("line {l}: "),
                (Some(s), None) => format!("{s}: "),
                (None, None) => String::new(),
            };
            let _ = write!(
                o,
                "<pre style=\"{PRE}background:#f6f8fa;padding:3px 6px;margin:2px 0;\">{}{}</pre>",
                esc(&loc),
                esc(e.text.trim_end())
            );
            if !e.why.is_empty() {
                let _ = write!(
                    o,
                    "<div style=\"{NOTE}margin-left:12px;\">→ {}</div>",
                    esc(&e.why)
                );
            }
        }
        o.push_str("</div>");
    }
    if !f.remedies.is_empty() {
        o.push_str("<div style=\"margin:4px 0;\"><b>What to do</b><ol style=\"margin:2px 0;padding-left:22px;\">");
        for r in &f.remedies {
            let _ = write!(o, "<li>{}</li>", esc(&r.text));
        }
        o.push_str("</ol></div>");
    }
    if !f.error_codes.is_empty() {
        let _ = write!(
            o,
            "<div style=\"{NOTE}\">Shows up as restore error(s): {}</div>",
            esc(&f.error_codes.join(", "))
        );
    }
    o.push_str("</td></tr></table>\n");
}

fn log_section(o: &mut String, part: &Part<Diagnosis>) {
    h2(o, "log", text::LOG);
    let Some(d) = part.done() else {
        return note(o, &missing(part).unwrap_or_default());
    };
    let mut rows = vec![
        ("File", d.file.clone().unwrap_or_else(|| "-".into())),
        ("Format", d.formats.join(", ")),
        (
            "Outcome",
            format!(
                "{} — {} ({} confidence)",
                text::outcome(d),
                d.category.label(),
                d.confidence.as_str()
            ),
        ),
    ];
    if let Some(s) = &d.failed_stage {
        rows.push(("Stage", s.name.clone()));
    }
    if let Some(dev) = text::device(d) {
        rows.push(("Device", dev));
    }
    if let Some(fw) = text::firmware(d) {
        rows.push(("Firmware", fw));
    }
    if !d.error_codes.is_empty() {
        rows.push(("Error numbers", d.error_codes.join(", ")));
    }
    rows.push(("Lines read", d.lines.to_string()));
    facts(o, &rows);
    for f in &d.findings {
        finding(o, f);
    }
}

fn history_section(o: &mut String, part: &Part<HistoryPart>) {
    h2(o, "history", text::HISTORY);
    let Some(h) = part.done() else {
        return note(o, &missing(part).unwrap_or_default());
    };
    if let Some(e) = &h.escalation {
        finding(o, &e.as_finding());
    }
    let _ = writeln!(
        o,
        "<p style=\"{NOTE}\">Device {} (a salted hash of its ECID, meaningful only on this computer).</p>",
        esc(&h.device)
    );
    let _ = write!(
        o,
        "<table style=\"{TABLE}\"><tr><th style=\"{TH}\">When</th><th style=\"{TH}\">Tool</th><th style=\"{TH}\">Result</th><th style=\"{TH}\">Errors</th><th style=\"{TH}\">Checkup before</th></tr>"
    );
    for a in &h.attempts {
        let _ = write!(
            o,
            "<tr><td style=\"{TD}\">{}</td><td style=\"{TD}\">{}</td><td style=\"{TD}\">{}</td><td style=\"{TD}\">{}</td><td style=\"{TD}\">{}</td></tr>",
            esc(&rd_history::time::format_utc(a.at)),
            esc(a.tool.as_deref().unwrap_or("-")),
            esc(&text::attempt_result(a)),
            esc(&a.error_codes.join(", ")),
            esc(&a.checkup.as_ref().map_or("-".into(), |c| c.summary()))
        );
    }
    o.push_str("</table>\n");
}

fn devices_section(o: &mut String, part: &Part<DevicesPart>) {
    h2(o, "devices", text::DEVICES);
    let Some(d) = part.done() else {
        return note(o, &missing(part).unwrap_or_default());
    };
    note(o, &format!("Read from: {}", d.source));
    if d.devices.is_empty() {
        note(o, "No iPhone, iPad or iPod touch is connected.");
    } else {
        let _ = write!(
            o,
            "<table style=\"{TABLE}\"><tr><th style=\"{TH}\">Device</th><th style=\"{TH}\">Mode</th><th style=\"{TH}\">ECID</th><th style=\"{TH}\">Serial / IMEI</th><th style=\"{TH}\">Speed</th><th style=\"{TH}\">Where</th></tr>"
        );
        for r in &d.devices {
            let name = match &r.product_type {
                Some(p) => format!("{} ({p})", r.name),
                None => r.name.clone(),
            };
            let ids: Vec<&str> = [r.serial_number.as_deref(), r.imei.as_deref()]
                .into_iter()
                .flatten()
                .collect();
            let mut place = r.location.clone();
            if !r.hubs.is_empty() {
                place.push_str(&format!(" via {}", r.hubs.join(" → ")));
            }
            let _ = write!(
                o,
                "<tr><td style=\"{TD}\">{}</td><td style=\"{TD}\">{}</td><td style=\"{TD}\">{}</td><td style=\"{TD}\">{}</td><td style=\"{TD}\">{}</td><td style=\"{TD}\">{}</td></tr>",
                esc(&name),
                esc(&r.mode),
                esc(r.ecid.as_deref().unwrap_or("-")),
                esc(&if ids.is_empty() {
                    "-".to_string()
                } else {
                    ids.join(" / ")
                }),
                esc(r.speed.as_deref().unwrap_or("-")),
                esc(&place)
            );
        }
        o.push_str("</table>\n");
    }
    for f in d.findings.iter().filter(|f| f.severity > Severity::Ok) {
        finding(o, f);
    }
}

fn report_section(o: &mut String, id: &str, title: &str, part: &Part<Report>) {
    h2(o, id, title);
    let Some(r) = part.done() else {
        return note(o, &missing(part).unwrap_or_default());
    };
    let _ = write!(
        o,
        "<table style=\"{TABLE}\"><tr><th style=\"{TH}\">Result</th><th style=\"{TH}\">Check</th><th style=\"{TH}\">Family</th></tr>"
    );
    for f in &r.findings {
        let c = colour(f.severity);
        let _ = write!(
            o,
            "<tr><td style=\"{TD}color:{c};font-weight:bold;\">{} {}</td><td style=\"{TD}\">{}</td><td style=\"{TD}\">{}</td></tr>",
            esc(f.severity.mark()),
            esc(text::severity(f.severity)),
            esc(&f.title),
            esc(f.family.label())
        );
    }
    o.push_str("</table>\n");
    for f in r.findings.iter().filter(|f| f.severity >= Severity::Warn) {
        finding(o, f);
    }
}

#[cfg(test)]
mod tests {
    use super::esc;

    #[test]
    fn escapes_markup() {
        assert_eq!(esc("<b>&\"'"), "&lt;b&gt;&amp;&quot;&#39;");
    }
}
