//! Typed event parsers. Each takes a cleaned line (see [`crate::clean`]) and returns a value
//! only when the line really has that shape. The public parsers lower-case the line themselves;
//! the analyzer, which runs them on every marker line of logs where most lines are marker lines,
//! uses the `*_in` forms that take the line's lower-cased copy made once for all of them.

use crate::report::{CheckpointEvent, CheckpointState, CodeKind};
use crate::scan::LinePairs;

/// Whether `needle` occurs in `hay` (substring search without the setup cost of `str::contains`
/// on short lines).
pub(crate) fn has(hay: &str, needle: &str) -> bool {
    find(hay, needle).is_some()
}

/// Byte offset of the first `needle` in `hay` (eight start positions tested at a time; lines and
/// needles are short, so this beats building a searcher per call).
pub(crate) fn find(hay: &str, needle: &str) -> Option<usize> {
    crate::scan::find_in_line(hay.as_bytes(), needle.as_bytes())
}

/// Product-type families as they appear in identifiers (`iPhone9,3`).
const PRODUCT_FAMILIES: [&str; 7] = [
    "iPhone",
    "iPad",
    "iPod",
    "AppleTV",
    "Watch",
    "AudioAccessory",
    "iBridge",
];

/// Every product type (`iPhone9,3`) in `s`, in order.
pub fn product_types(s: &str) -> Vec<String> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let mut advanced = false;
        for fam in PRODUCT_FAMILIES {
            if s[i..].starts_with(fam) && (i == 0 || !b[i - 1].is_ascii_alphabetic()) {
                let mut j = i + fam.len();
                let d1 = j;
                while j < b.len() && b[j].is_ascii_digit() {
                    j += 1;
                }
                if j > d1 && j < b.len() && b[j] == b',' {
                    let d2 = j + 1;
                    let mut k = d2;
                    while k < b.len() && b[k].is_ascii_digit() {
                        k += 1;
                    }
                    if k > d2 {
                        out.push(s[i..k].to_string());
                        i = k;
                        advanced = true;
                        break;
                    }
                }
            }
        }
        if !advanced {
            i += s[i..].chars().next().map_or(1, char::len_utf8);
        }
    }
    out
}

/// The first board config (`d101ap`, `n71map`, `j71bap`) in `s`, lower-cased.
pub fn board(s: &str) -> Option<String> {
    for tok in s.split(|c: char| !c.is_ascii_alphanumeric()) {
        let b = tok.as_bytes();
        if b.len() < 4 || b.len() > 9 || !b[b.len() - 2..].eq_ignore_ascii_case(b"ap") {
            continue;
        }
        let letters = b.iter().take_while(|c| c.is_ascii_alphabetic()).count();
        let digits = b[letters..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        let tail = &b[letters + digits..];
        if (1..=2).contains(&letters)
            && (1..=3).contains(&digits)
            && tail.len() <= 5
            && tail.iter().all(u8::is_ascii_alphabetic)
        {
            return Some(tok.to_ascii_lowercase());
        }
    }
    None
}

/// A signed decimal or `0x` hex integer at the start of `s` (after spaces).
pub fn int_at(s: &str) -> Option<i64> {
    let s = s.trim_start();
    let (neg, rest) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s),
    };
    let v = if let Some(h) = rest.strip_prefix("0x").or_else(|| rest.strip_prefix("0X")) {
        let end = h.find(|c: char| !c.is_ascii_hexdigit()).unwrap_or(h.len());
        if end == 0 || end > 16 {
            return None;
        }
        u64::from_str_radix(&h[..end], 16).ok().map(|v| v as i64)?
    } else {
        let end = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if end == 0 || end > 18 {
            return None;
        }
        rest[..end].parse::<i64>().ok()?
    };
    Some(if neg { -v } else { v })
}

/// The integer following the first occurrence of `key` (ASCII case ignored), skipping `=`, `:`
/// and spaces.
pub fn int_after(s: &str, key: &str) -> Option<i64> {
    int_after_in(s, &s.to_ascii_lowercase(), key)
}

/// [`int_after`] given `s` lower-cased.
pub(crate) fn int_after_in(s: &str, lower: &str, key: &str) -> Option<i64> {
    let pos = if key.bytes().any(|c| c.is_ascii_uppercase()) {
        find(lower, &key.to_ascii_lowercase())?
    } else {
        find(lower, key)?
    };
    let rest = s[pos + key.len()..].trim_start_matches([' ', '=', ':']);
    int_at(rest)
}

/// A version like `15.7.9` at the start of `s`.
fn version_at(s: &str) -> Option<String> {
    let s = s.trim_start();
    let end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let v = s[..end].trim_end_matches('.');
    (v.contains('.') && v.starts_with(|c: char| c.is_ascii_digit())).then(|| v.to_string())
}

/// A build like `19H12` / `22D72a` at the start of `s`.
fn build_at(s: &str) -> Option<String> {
    let s = s.trim_start();
    let end = s
        .find(|c: char| !c.is_ascii_alphanumeric())
        .unwrap_or(s.len());
    let t = &s[..end];
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    let letter = t.as_bytes().get(digits).is_some_and(u8::is_ascii_uppercase);
    ((1..=2).contains(&digits) && letter && t.len() >= 4 && t.len() <= 9).then(|| t.to_string())
}

/// Whether `s` is exactly an Apple build number (`19H12`, `22D72a`), nothing before or after.
pub(crate) fn is_build(s: &str) -> bool {
    build_at(s).is_some_and(|b| b.len() == s.len())
}

/// Where the file name that ends at `end` starts in `text`: after the last path separator,
/// space, quote or `=` before it (log and command lines name files in each of these ways).
pub(crate) fn file_name_start(text: &str, end: usize) -> usize {
    text[..end]
        .rfind(['/', '\\', ' ', '"', '\'', '='])
        .map_or(0, |i| i + 1)
}

/// What a device-identity line tells.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct DeviceFacts {
    /// Product type.
    pub product_type: Option<String>,
    /// Board config.
    pub board: Option<String>,
    /// iOS version the device runs.
    pub version: Option<String>,
}

/// Parses device identity from lines such as `Identified device as d101ap, iPhone9,3`,
/// `Found device iPhone8,1 n71map`, `* Device: iPhone 7 (iPhone9,3 - d101ap) in Recovery mode`,
/// `ProductType: iPhone9,3`, `Board Config: b238aap`, `Device Product Version: 16.0`.
pub fn device_facts(text: &str) -> Option<DeviceFacts> {
    device_facts_in(text, &text.to_ascii_lowercase())
}

/// [`device_facts`] given the line's lower-cased copy.
pub(crate) fn device_facts_in(text: &str, lower: &str) -> Option<DeviceFacts> {
    if let Some(p) = find(lower, "device product version") {
        let rest = text[p + 22..].trim_start_matches([' ', ':']);
        return version_at(rest).map(|v| DeviceFacts {
            version: Some(v),
            ..Default::default()
        });
    }
    let keyed = [
        "identified device as",
        "found device",
        "producttype",
        "product type",
        "board config",
        "hardwaremodel",
        "* device:",
    ];
    if !keyed.iter().any(|k| has(lower, k)) {
        return None;
    }
    let facts = DeviceFacts {
        product_type: product_types(text).into_iter().next(),
        board: board(text),
        version: None,
    };
    (facts.product_type.is_some() || facts.board.is_some()).then_some(facts)
}

/// What a firmware line tells.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct TargetFacts {
    /// Version.
    pub version: Option<String>,
    /// Build.
    pub build: Option<String>,
    /// IPSW file name.
    pub ipsw: Option<String>,
    /// Product types in the IPSW file name.
    pub product_types: Vec<String>,
}

/// Parses target firmware facts: `IPSW Product Version: 15.7`, `IPSW Product Build: 19H12 Major: 19`,
/// `Product Version: 12.4`, `Software payload version: 16D57`, `…/iPhone9,3_15.7_19H12_Restore.ipsw`.
pub fn target_facts(text: &str) -> Option<TargetFacts> {
    target_facts_in(text, &text.to_ascii_lowercase())
}

/// [`target_facts`] given the line's lower-cased copy.
pub(crate) fn target_facts_in(text: &str, lower: &str) -> Option<TargetFacts> {
    let mut f = TargetFacts::default();
    if let Some(p) = find(lower, "_restore.ipsw") {
        let end = p + "_restore.ipsw".len();
        let name = &text[file_name_start(text, p)..end];
        f.ipsw = Some(name.to_string());
        // `<ProductTypes>_<version>_<build>_Restore.ipsw`, or the newer
        // `iPhone_4.0_64bit_10.3.3_14G60_Restore.ipsw` that names no product type.
        let parts: Vec<&str> = name.split('_').collect();
        f.product_types = product_types(parts[0]);
        if let Some(b) = parts.iter().rposition(|p| is_build(p)) {
            f.build = Some(parts[b].to_string());
            if b > 0 {
                let v = parts[b - 1];
                f.version = version_at(v).or_else(|| {
                    (!v.is_empty() && v.bytes().all(|c| c.is_ascii_digit())).then(|| v.to_string())
                });
            }
        }
        return Some(f);
    }
    if lower.starts_with("device ") || has(lower, "device product") {
        return None;
    }
    for key in ["product version", "target version", "restoring to ios"] {
        if let Some(p) = find(lower, key) {
            f.version = version_at(text[p + key.len()..].trim_start_matches([' ', ':']));
        }
    }
    for key in ["product build", "software payload version"] {
        if let Some(p) = find(lower, key) {
            f.build = build_at(text[p + key.len()..].trim_start_matches([' ', ':']));
        }
    }
    if f.version.is_none()
        && let Some(p) = find(lower, " build ")
    {
        f.build = f.build.or_else(|| build_at(&text[p + 7..]));
    }
    (f.version.is_some() || f.build.is_some()).then_some(f)
}

/// A device mode named by the line (`Recovery`, `DFU`, `Restore`, `Normal`, `WTF`), or a state
/// change target (`Changing state from 'A' to 'B'` gives `B`).
pub fn mode(text: &str) -> Option<String> {
    mode_in(text, &text.to_ascii_lowercase()).map(|m| m.as_str().to_string())
}

/// A device mode as [`mode`] reads it, without copying it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ModeName<'a> {
    /// One of the canonical mode names.
    Known(&'static str),
    /// The target of a state change, as the line names it.
    Named(&'a str),
}

impl<'a> ModeName<'a> {
    /// The mode's name.
    pub(crate) fn as_str(&self) -> &'a str {
        match *self {
            ModeName::Known(s) => s,
            ModeName::Named(s) => s,
        }
    }
}

/// [`mode`] given the line's lower-cased copy.
///
/// This runs on every line that says " mode" and looks for up to 14 phrases in it: the line's
/// byte pairs ([`LinePairs`]) rule most of them out without a search.
pub(crate) fn mode_in<'a>(text: &'a str, lower: &str) -> Option<ModeName<'a>> {
    let pairs = LinePairs::of(lower.as_bytes());
    let find = |needle: &str| pairs.find(lower.as_bytes(), needle.as_bytes());
    let has = |needle: &str| find(needle).is_some();
    if let Some(p) = find("changing state from") {
        let rest = &text[p..];
        let to = self::find(&lower[p..], " to ")?;
        let target = rest[to + 4..].trim().trim_matches(['\'', '"', '.']);
        return (!target.is_empty()).then_some(ModeName::Named(target));
    }
    for key in ["found a device with mode:", "starting state:"] {
        if let Some(p) = find(key) {
            let v = text[p + key.len()..].split_whitespace().next()?;
            return canonical_mode(v).map(ModeName::Known);
        }
    }
    if lower.starts_with("put ") || has("please") || has("needs to be") || has("need to put") {
        return None;
    }
    let p = find(" mode")?;
    let before = lower[..p].trim_end();
    let word = before.rsplit(|c: char| !c.is_ascii_alphanumeric()).next()?;
    let cand = canonical_mode(word)?;
    MODE_REPORTS
        .iter()
        .any(|r| has(r))
        .then_some(ModeName::Known(cand))
}

/// Words of a line that reports where the device is or goes (a mode line counts only with one).
const MODE_REPORTS: [&str; 9] = [
    "found device in",
    "in ",
    "entering",
    "enter ",
    "now in",
    "to enter",
    "into",
    "device is",
    "succeeded",
];

fn canonical_mode(w: &str) -> Option<&'static str> {
    const MODES: [(&str, &str); 8] = [
        ("recovery", "Recovery"),
        ("dfu", "DFU"),
        ("restore", "Restore"),
        ("normal", "Normal"),
        ("wtf", "WTF"),
        ("kis", "KIS"),
        ("pwned", "pwned DFU"),
        ("pwndfu", "pwned DFU"),
    ];
    let w = w.trim_matches(['\'', '"', '.', ',']);
    MODES
        .iter()
        .find(|(k, _)| w.eq_ignore_ascii_case(k))
        .map(|(_, m)| *m)
}

/// `Updating baseband (19)` → (`Updating baseband`, 19).
pub fn operation_by_name(text: &str) -> Option<(&str, u32)> {
    let t = text.trim_end();
    let t = t.strip_suffix(')')?;
    let open = t.rfind(" (")?;
    let num: u32 = t[open + 2..].parse().ok()?;
    let name = t[..open].trim();
    let name = name.rsplit(": ").next().unwrap_or(name).trim();
    (!name.is_empty()).then_some((name, num))
}

/// `<Restore Device 0x…>: operation 59 progress 0` → (59, Some(0)).
pub fn operation_by_number(text: &str) -> Option<(u32, Option<i64>)> {
    operation_by_number_in(text, &text.to_ascii_lowercase())
}

/// [`operation_by_number`] given the line's lower-cased copy.
pub(crate) fn operation_by_number_in(text: &str, lower: &str) -> Option<(u32, Option<i64>)> {
    let p = find(lower, "operation ")?;
    let rest = &text[p + 10..];
    let end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    if end == 0 {
        return None;
    }
    let n: u32 = rest[..end].parse().ok()?;
    let progress = int_after(&rest[end..], "progress");
    Some((n, progress))
}

fn hex_id(v: i64) -> String {
    format!("0x{v:04X}")
}

/// Parses a checkpoint line in any known shape (device log, idevicerestore new/old, iTunes,
/// pymobiledevice3). `line` is left 0 for the caller to fill in.
pub fn checkpoint(text: &str) -> Option<CheckpointEvent> {
    checkpoint_in(text, &text.to_ascii_lowercase())
}

/// [`checkpoint`] given the line's lower-cased copy.
pub(crate) fn checkpoint_in(text: &str, lower: &str) -> Option<CheckpointEvent> {
    let mut ev = CheckpointEvent {
        line: 0,
        id: None,
        name: None,
        phase: None,
        state: CheckpointState::Notice,
        result: None,
        message: None,
    };
    if let Some(p) = find(text, "CHECKPOINT ") {
        // Device log: CHECKPOINT FAILURE:(FAILURE:14) RESTORED:[0x0624] restore_images [0]D(...)
        let rest = &text[p + 11..];
        let colon = rest.find(':')?;
        let state = rest[..colon].trim();
        ev.state = match state {
            "BEGIN" => CheckpointState::Begin,
            "END" => CheckpointState::End,
            "NOTICE" => CheckpointState::Notice,
            "FAILURE" => CheckpointState::Failure,
            "WARNING" => CheckpointState::Warning,
            s if s.contains("RETRY") => CheckpointState::Retry,
            _ => return None,
        };
        let mut after = rest[colon + 1..].trim_start();
        if let Some(r) = after.strip_prefix('(') {
            let close = r.find(')')?;
            // ":" holds no letter: the text serves as its own lower-cased copy.
            ev.result = int_after_in(&r[..close], &r[..close], ":");
            after = r[close + 1..].trim_start();
        }
        if let Some(b) = find(after, ":[") {
            ev.phase = Some(after[..b].trim().to_string()).filter(|s| !s.is_empty());
            let r = &after[b + 2..];
            let close = r.find(']')?;
            ev.id = int_at(&r[..close]).map(hex_id);
            after = r[close + 1..].trim_start();
        }
        let mut parts = after.splitn(2, ' ');
        ev.name = parts.next().filter(|s| !s.is_empty()).map(str::to_string);
        ev.message = parts
            .next()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty());
        return Some(ev);
    }
    if let Some(p) = find(lower, "checkpoint ") {
        let rest = &text[p + 11..];
        let rl = &lower[p + 11..];
        // Old idevicerestore: "Checkpoint 1608 complete with code 0".
        if let Some(id) = int_at(rest)
            && has(rl, "complete")
        {
            ev.id = Some(hex_id(id));
            ev.result = int_after_in(rest, rl, "code");
            ev.state = if ev.result.unwrap_or(0) == 0 {
                CheckpointState::End
            } else {
                CheckpointState::Failure
            };
            return Some(ev);
        }
        ev.state = if rl.starts_with("started") {
            CheckpointState::Begin
        } else if rl.starts_with("completed") || has(lower, "completed checkpoint") {
            CheckpointState::End
        } else if rl.starts_with("failure") {
            CheckpointState::Failure
        } else if rl.starts_with("warning") {
            CheckpointState::Warning
        } else {
            return None;
        };
        ev.id = int_after_in(text, lower, "id:").map(hex_id);
        if let Some(o) = find(text, " (")
            && let Some(c) = text[o..].find(')')
        {
            let name = &text[o + 2..o + c];
            if !name.contains(' ') && !name.is_empty() {
                ev.name = Some(name.to_string());
            }
        }
        ev.result = int_after_in(text, lower, "result=");
        if let Some(m) =
            find(text, "result=").and_then(|r| find(&text[r..], ": ").map(|c| r + c + 2))
        {
            ev.message = Some(text[m..].trim().to_string()).filter(|s| !s.is_empty());
        }
        if ev.state == CheckpointState::End && ev.result.is_some_and(|r| r != 0) {
            ev.state = CheckpointState::Failure;
        }
        return Some(ev);
    }
    if has(lower, "completed checkpoint") {
        ev.state = CheckpointState::End;
        ev.id = int_after_in(text, lower, "id:").map(hex_id);
        return Some(ev);
    }
    if has(lower, "'checkpoint_") {
        // pymobiledevice3: {'CHECKPOINT_RESULT': 0, 'CHECKPOINT_NAME': 'x', 'CHECKPOINT_ID': 1625, ...}
        ev.result = int_after_in(text, lower, "'CHECKPOINT_RESULT':");
        ev.id = int_after_in(text, lower, "'CHECKPOINT_ID':").map(hex_id);
        if let Some(p) = find(text, "'CHECKPOINT_NAME':") {
            let r = text[p + 18..].trim_start().trim_start_matches('\'');
            ev.name = r
                .split('\'')
                .next()
                .map(str::to_string)
                .filter(|s| !s.is_empty());
        }
        let complete = has(lower, "'checkpoint_complete': true");
        ev.state = match ev.result {
            Some(r) if r != 0 => CheckpointState::Failure,
            _ if complete => CheckpointState::End,
            _ => CheckpointState::Begin,
        };
        return Some(ev);
    }
    None
}

/// Device final status: `Status: Disk Failure` → 6, `Unhandled status message (77)` → 77.
pub fn device_status(text: &str) -> Option<(i64, String)> {
    let t = text.trim();
    if let Some(rest) = t
        .strip_prefix("Status: ")
        .or_else(|| t.strip_prefix("Status:"))
    {
        let r = rest.trim().trim_end_matches('.');
        let rl = r.to_ascii_lowercase();
        let code = if rl.starts_with("restore finished") {
            0
        } else if rl.starts_with("verification error") {
            -1
        } else if rl.starts_with("disk failure") {
            6
        } else if rl.starts_with("failed to mount") {
            27
        } else if rl.starts_with("failed to load sep") {
            51
        } else if rl.starts_with("failed to recover fdr") {
            53
        } else if rl.contains("baseband update failed") {
            1015
        } else if rl == "fail" {
            14
        } else {
            return None;
        };
        return Some((code, r.to_string()));
    }
    let lower = t.to_ascii_lowercase();
    if let Some(p) = lower.find("unhandled status message") {
        let code = int_at(t[p + 24..].trim_start().trim_start_matches('('))?;
        return Some((code, format!("Unhandled status message ({code})")));
    }
    None
}

/// TSS answer: (`STATUS`, `MESSAGE`) from `TSS server returned: STATUS=94&MESSAGE=…` or
/// `TSS request failed (status=94, message=…)`.
pub fn tss_status(text: &str) -> Option<(i64, Option<String>)> {
    tss_status_in(text, &text.to_ascii_lowercase())
}

/// [`tss_status`] given the line's lower-cased copy.
pub(crate) fn tss_status_in(text: &str, lower: &str) -> Option<(i64, Option<String>)> {
    if !(has(lower, "tss") || has(lower, "message=")) {
        return None;
    }
    let code = int_after_in(text, lower, "status=")?;
    let message = find(lower, "message=").map(|p| {
        let r = &text[p + 8..];
        let end = r.find(['&', ')']).unwrap_or(r.len());
        r[..end].trim().trim_end_matches(',').to_string()
    });
    Some((code, message.filter(|m| !m.is_empty())))
}

/// A tool return or exception code and its kind.
pub fn tool_code(text: &str) -> Option<(CodeKind, i64)> {
    tool_code_in(text, &text.to_ascii_lowercase())
}

/// [`tool_code`] given the line's lower-cased copy.
pub(crate) fn tool_code_in(text: &str, lower: &str) -> Option<(CodeKind, i64)> {
    for (key, kind) in [
        ("errorcode=", CodeKind::ToolReturn),
        ("error code=", CodeKind::ToolReturn),
        ("fail code=", CodeKind::ToolReturn),
        ("restore completed, status:", CodeKind::ToolReturn),
        ("failed with error:", CodeKind::ToolReturn),
        ("failed with error", CodeKind::ToolReturn),
        ("error = ", CodeKind::AsrError),
    ] {
        if has(lower, key)
            && let Some(v) = int_after_in(text, lower, key)
        {
            return Some((kind, v));
        }
    }
    if lower.trim_start().starts_with("code=") {
        return int_after_in(text, lower, "code=").map(|v| (CodeKind::Exception, v));
    }
    None
}

/// A progress percentage from a progress bar line (`[=====   ] 50.0%`).
pub fn percent(text: &str) -> Option<f32> {
    let t = text.trim();
    if !t.starts_with('[') {
        return None;
    }
    let p = t.rfind('%')?;
    let before = &t[..p];
    let start = before
        .char_indices()
        .rev()
        .find(|(_, c)| !(c.is_ascii_digit() || *c == '.'))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let v: f32 = before[start..].parse().ok()?;
    (0.0..=100.0).contains(&v).then_some(v)
}

/// restored protocol version: `Connected to com.apple.mobile.restored, version 15`.
pub fn protocol_version(text: &str) -> Option<u32> {
    protocol_version_in(text, &text.to_ascii_lowercase())
}

/// [`protocol_version`] given the line's lower-cased copy.
pub(crate) fn protocol_version_in(text: &str, lower: &str) -> Option<u32> {
    let key = if has(lower, "restored, version") {
        "restored, version"
    } else {
        "protocolversion"
    };
    let rest = &text[find(lower, key)? + key.len()..];
    let rest = rest.trim_start_matches(|c: char| !c.is_ascii_digit());
    int_at(rest)
        .and_then(|v| u32::try_from(v).ok())
        .filter(|v| *v < 1000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// `mode_in` with its checks in their plain order (the reference for the reordered one).
    fn mode_in_plain<'a>(text: &'a str, lower: &str) -> Option<ModeName<'a>> {
        if let Some(p) = find(lower, "changing state from") {
            let rest = &text[p..];
            let to = find(&lower[p..], " to ")?;
            let target = rest[to + 4..].trim().trim_matches(['\'', '"', '.']);
            return (!target.is_empty()).then_some(ModeName::Named(target));
        }
        for key in ["found a device with mode:", "starting state:"] {
            if let Some(p) = find(lower, key) {
                let v = text[p + key.len()..].split_whitespace().next()?;
                return canonical_mode(v).map(ModeName::Known);
            }
        }
        if lower.starts_with("put ")
            || has(lower, "please")
            || has(lower, "needs to be")
            || has(lower, "need to put")
        {
            return None;
        }
        let p = find(lower, " mode")?;
        let before = lower[..p].trim_end();
        let word = before.rsplit(|c: char| !c.is_ascii_alphanumeric()).next()?;
        let cand = canonical_mode(word)?;
        MODE_REPORTS
            .iter()
            .any(|r| has(lower, r))
            .then_some(ModeName::Known(cand))
    }

    /// Pieces of mode lines: every key, veto and report of `mode_in`, and mode words.
    const MODE_PIECES: &[&str] = &[
        "Changing state from",
        " to ",
        "Found a device with mode:",
        "Starting State:",
        "Put ",
        "please",
        "needs to be",
        "need to put",
        " mode",
        " Mode",
        "Recovery",
        "DFU",
        "restore",
        "pwned",
        "found device in",
        "in ",
        "entering",
        "enter ",
        "now in",
        "into",
        "device is",
        "succeeded",
        "state",
        " ",
        "'",
        ".",
        "x",
    ];

    proptest! {
        #[test]
        fn mode_in_same_as_plain_order(pieces in proptest::collection::vec(0..MODE_PIECES.len(), 0..12)) {
            let text: String = pieces.iter().map(|&i| MODE_PIECES[i]).collect();
            let lower = text.to_ascii_lowercase();
            prop_assert_eq!(mode_in(&text, &lower), mode_in_plain(&text, &lower));
        }
    }

    #[test]
    fn identity_lines() {
        let f = device_facts("Identified device as d101ap, iPhone9,3").unwrap();
        assert_eq!(f.product_type.as_deref(), Some("iPhone9,3"));
        assert_eq!(f.board.as_deref(), Some("d101ap"));
        let f = device_facts("Found device iPhone8,1 n71map").unwrap();
        assert_eq!(
            (f.product_type.as_deref(), f.board.as_deref()),
            (Some("iPhone8,1"), Some("n71map"))
        );
        let f =
            device_facts("* Device: iPhone 7 (GSM) (iPhone9,3 - d101ap) in Recovery mode").unwrap();
        assert_eq!(f.product_type.as_deref(), Some("iPhone9,3"));
        assert_eq!(
            device_facts("Device Product Version: 16.0")
                .unwrap()
                .version
                .as_deref(),
            Some("16.0")
        );
        assert!(device_facts("Sending iBEC").is_none());
    }

    #[test]
    fn target_lines() {
        let t = target_facts("IPSW Product Version: 15.7.9").unwrap();
        assert_eq!(t.version.as_deref(), Some("15.7.9"));
        let t = target_facts("IPSW Product Build: 19H365 Major: 19").unwrap();
        assert_eq!(t.build.as_deref(), Some("19H365"));
        let t = target_facts(
            "Checking iDevice firmware C:\\fw\\iPhone9,1,iPhone9,3_15.7_19H12_Restore.ipsw",
        )
        .unwrap();
        assert_eq!(t.product_types, ["iPhone9,1", "iPhone9,3"]);
        assert_eq!(
            (t.version.as_deref(), t.build.as_deref()),
            (Some("15.7"), Some("19H12"))
        );
        assert!(target_facts("Device Product Version: 16.0").is_none());
        let t = target_facts("./iPhone_4.0_64bit_10.3.3_14G60_Restore.ipsw").unwrap();
        assert!(t.product_types.is_empty());
        assert_eq!(
            (t.version.as_deref(), t.build.as_deref()),
            (Some("10.3.3"), Some("14G60"))
        );
    }

    #[test]
    fn checkpoints_in_every_shape() {
        let c = checkpoint("CHECKPOINT FAILURE:(FAILURE:14) RESTORED:[0x0624] restore_images [0]D(failed to restore image)").unwrap();
        assert_eq!(
            (
                c.state.as_str(),
                c.result,
                c.id.as_deref(),
                c.name.as_deref(),
                c.phase.as_deref()
            ),
            (
                "failure",
                Some(14),
                Some("0x0624"),
                Some("restore_images"),
                Some("RESTORED")
            )
        );
        assert_eq!(c.message.as_deref(), Some("[0]D(failed to restore image)"));
        let c = checkpoint("Checkpoint completed id: 0x60D (wait_for_storage) result=0").unwrap();
        assert_eq!(
            (
                c.state.as_str(),
                c.id.as_deref(),
                c.name.as_deref(),
                c.result
            ),
            ("end", Some("0x060D"), Some("wait_for_storage"), Some(0))
        );
        let c = checkpoint("Checkpoint FAILURE id: 0x648 result=0: [0]D(failed to install splat)")
            .unwrap();
        assert_eq!(
            (c.state.as_str(), c.message.as_deref()),
            ("failure", Some("[0]D(failed to install splat)"))
        );
        let c = checkpoint("Checkpoint 1608 complete with code 0").unwrap();
        assert_eq!((c.state.as_str(), c.id.as_deref()), ("end", Some("0x0648")));
        let c = checkpoint("CHECKPOINT IMMED_RETRY:(FAILURE:-1) FIRMWARE:[0x1303] update_baseband")
            .unwrap();
        assert_eq!((c.state.as_str(), c.result), ("retry", Some(-1)));
        let c = checkpoint("checkpoint: {'CHECKPOINT_COMPLETE': True, 'CHECKPOINT_RESULT': 5, 'CHECKPOINT_NAME': 'update_baseband', 'CHECKPOINT_ID': 1625, 'MsgType': 'CheckpointMsg'}").unwrap();
        assert_eq!(
            (c.state.as_str(), c.name.as_deref(), c.id.as_deref()),
            ("failure", Some("update_baseband"), Some("0x0659"))
        );
    }

    #[test]
    fn statuses_and_codes() {
        assert_eq!(device_status("Status: Disk Failure").unwrap().0, 6);
        assert_eq!(
            device_status("Unhandled status message (77)").unwrap().0,
            77
        );
        assert!(device_status("ASR STATUS: fail").is_none());
        assert_eq!(tss_status("TSS server returned: STATUS=94&MESSAGE=This device isn't eligible for the requested build.").unwrap().0, 94);
        assert_eq!(
            tss_status("ERROR: TSS request failed (status=128, message=Internal error)").unwrap(),
            (128, Some("Internal error".into()))
        );
        assert_eq!(
            tool_code("Failed with errorcode=-11"),
            Some((CodeKind::ToolReturn, -11))
        );
        assert_eq!(
            tool_code("code=92995652"),
            Some((CodeKind::Exception, 92995652))
        );
        assert_eq!(
            operation_by_name("Updating baseband (19)"),
            Some(("Updating baseband", 19))
        );
        assert_eq!(
            operation_by_number("<Restore Device 0000025762236D20>: operation 59 progress 0"),
            Some((59, Some(0)))
        );
        assert_eq!(percent("[=====     ] 50.0%"), Some(50.0));
        assert_eq!(percent("[=====] \u{FFFD}0%"), Some(0.0));
        assert_eq!(
            protocol_version("Connected to com.apple.mobile.restored, version 15"),
            Some(15)
        );
        assert_eq!(
            mode("Found device in Recovery mode").as_deref(),
            Some("Recovery")
        );
        assert_eq!(
            mode("Changing state from '(null)' to 'Restoring'").as_deref(),
            Some("Restoring")
        );
        assert_eq!(mode("Put the device in DFU mode"), None);
    }
}
