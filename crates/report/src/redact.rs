//! Redaction of a whole bundle: every text in it goes through the finding model's redaction
//! (`rd_model::redact`, which knows the `ECID:`/`SRNM:`/`IMEI:`/UDID shapes), and then every
//! identifier we know this report contains (the connected devices' ECID, serial number, IMEI,
//! UDID and nonces, the log's ECID, in each spelling) is masked wherever it appears, so an
//! identifier written in a shape the general rules do not know still never reaches the file.

use crate::{Bundle, Part};
use rd_device::identify::AppleDevice;
use serde_json::Value;

const MASK: &str = "<redacted>";
/// Shorter strings are not masked by value (they would hit ordinary numbers).
const MIN_LEN: usize = 6;

/// Every spelling of an ECID that tools print: 16-digit and short hex, either case, decimal.
pub(crate) fn ecid_forms(ecid: u64) -> Vec<String> {
    let mut v = vec![
        format!("{ecid:016X}"),
        format!("{ecid:X}"),
        format!("{ecid:016x}"),
        format!("{ecid:x}"),
        ecid.to_string(),
    ];
    v.sort();
    v.dedup();
    v
}

/// The identifiers the connected devices show, in every spelling worth masking.
pub fn identifiers(devices: &[AppleDevice]) -> Vec<String> {
    let mut out = Vec::new();
    for d in devices {
        if let Some(e) = d.ecid_value() {
            out.extend(ecid_forms(e));
        }
        if let Some(s) = &d.serial {
            if let Some(e) = s.ecid {
                out.extend(ecid_forms(e));
            }
            for v in [&s.srnm, &s.imei, &s.nonc, &s.snon].into_iter().flatten() {
                out.push(v.clone());
            }
        }
        if let Some(id) = &d.instance_id {
            // `USB\VID_05AC&PID_12A8\00008030001A2B3C4D5E6F26`: the last part is the UDID.
            if let Some(last) = id.rsplit(['\\', '/']).next() {
                out.push(last.to_string());
            }
        }
    }
    out.retain(|s| s.len() >= MIN_LEN);
    out.sort();
    out.dedup();
    out
}

/// A copy of `bundle` with identifiers masked (also the ones in `known`), and the log's path
/// reduced to its file name (a path often holds the user's name).
pub fn redact_bundle(bundle: &Bundle, known: &[String]) -> Bundle {
    let mut known: Vec<String> = known
        .iter()
        .filter(|k| k.len() >= MIN_LEN)
        .map(|k| k.to_ascii_lowercase())
        .collect();
    // Longest first, so a long spelling is masked whole before a shorter one inside it.
    known.sort_by_key(|k| std::cmp::Reverse(k.len()));
    let mut b = bundle.clone();
    if let Part::Done(d) = &mut b.log {
        d.file = d.file.as_deref().map(file_name_only);
    }
    b.redacted = true;
    let Ok(mut value) = serde_json::to_value(&b) else {
        return unredactable(bundle);
    };
    walk(&mut value, &known);
    serde_json::from_value(value).unwrap_or_else(|_| unredactable(bundle))
}

fn file_name_only(path: &str) -> String {
    path.rsplit(['/', '\\']).next().unwrap_or(path).to_string()
}

fn walk(v: &mut Value, known: &[String]) {
    match v {
        Value::String(s) => *s = mask(s, known),
        Value::Array(a) => a.iter_mut().for_each(|x| walk(x, known)),
        Value::Object(o) => o.values_mut().for_each(|x| walk(x, known)),
        _ => {}
    }
}

/// Masks one text: the general rules, then each known identifier (ASCII case-insensitive).
fn mask(text: &str, known: &[String]) -> String {
    let mut s = rd_model::redact::redact(text);
    for k in known {
        s = replace_ignoring_case(&s, k);
    }
    s
}

fn replace_ignoring_case(text: &str, lower_needle: &str) -> String {
    let lower = text.to_ascii_lowercase();
    if !lower.contains(lower_needle) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    while let Some(pos) = lower[at..].find(lower_needle) {
        out.push_str(&text[at..at + pos]);
        out.push_str(MASK);
        at += pos + lower_needle.len();
    }
    out.push_str(&text[at..]);
    out
}

/// When the bundle cannot be redacted, nothing of it is shown.
fn unredactable(bundle: &Bundle) -> Bundle {
    let why = || "left out: it could not be redacted".to_string();
    Bundle {
        tool: bundle.tool.clone(),
        generated: bundle.generated.clone(),
        redacted: true,
        log: Part::Failed(why()),
        history: Part::Failed(why()),
        devices: Part::Failed(why()),
        checkup: Part::Failed(why()),
        ipsw: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_identifiers_are_masked_in_any_case_and_shape() {
        let known: Vec<String> = ecid_forms(0x001A_2B3C_4D5E_6F26)
            .into_iter()
            .map(|s| s.to_ascii_lowercase())
            .collect();
        let mut known = known;
        known.sort_by_key(|k| std::cmp::Reverse(k.len()));
        let text = "chip 1a2b3c4d5e6f26 / 001A2B3C4D5E6F26 / 7365887390543654";
        let out = mask(text, &known);
        assert_eq!(out, "chip <redacted> / <redacted> / <redacted>");
        assert_eq!(
            file_name_only("C:\\Users\\ann\\Desktop\\restore.log"),
            "restore.log"
        );
    }
}
