//! Compiles the error knowledge base (`data/errors.toml`, `data/mobiledevice.toml`,
//! `data/ranges.toml`) into static Rust data, so the binary answers without parsing TOML at start-up.
//! Unknown fields, families, kinds, confidences or remedy sets stop the build with a clear message.
//!
//! It also turns the remedy and check catalogs (`data/remedies.toml`, `data/checks.toml`) into the
//! `RemedyId` and `CheckId` enums and the `remedy_id!` / `check_id!` macros, so that an id that is
//! not in the data fails the build of whichever crate names it, instead of vanishing at run time.
//! Every remedy id the data itself uses (error entries, ranges, remedy sets, checkup rows) and every
//! check a remedy names is validated here too.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ErrorFile {
    error: Vec<RawEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    id: String,
    code: String,
    kind: String,
    family: String,
    title: String,
    meaning: String,
    confidence: String,
    #[serde(default)]
    apple_section: Option<String>,
    sources: Vec<String>,
    remedies: Vec<String>,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    range: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MobileDeviceFile {
    sources: Vec<String>,
    codes: Vec<RawMobileDevice>,
    sets: BTreeMap<String, Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMobileDevice {
    code: String,
    name: String,
    family: String,
    confidence: String,
    set: String,
    title: String,
    meaning: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RangeFile {
    range: Vec<RawRange>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRange {
    id: String,
    low: i64,
    high: i64,
    family: String,
    confidence: String,
    title: String,
    note: String,
    basis: String,
    remedies: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RemedyFile {
    remedy: Vec<RawRemedy>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRemedy {
    id: String,
    text: String,
    #[serde(default)]
    check: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckFile {
    check: Vec<RawCheck>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCheck {
    id: String,
    area: String,
    title: String,
    verifies: String,
    #[serde(default)]
    verify_with: Option<String>,
    #[serde(default)]
    checkup: Option<RawCheckup>,
    #[serde(default)]
    host: Option<RawHost>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHost {
    platform: String,
    reads: Vec<String>,
    #[serde(default)]
    family: Option<String>,
    #[serde(default)]
    remedies: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCheckup {
    family: String,
    timeout_ms: u64,
    /// Required in the row; only the library reads its value.
    #[allow(dead_code)]
    network: bool,
    remedies: Vec<String>,
    error_codes: Vec<String>,
}

const PLATFORMS: [&str; 4] = ["windows", "macos", "linux", "any"];

const AREAS: [&str; 5] = ["host", "network", "usb", "device", "firmware"];

const FAMILIES: [&str; 10] = [
    "network",
    "signing",
    "security_software",
    "usb",
    "hardware",
    "software_version",
    "wrong_firmware",
    "device_state",
    "restore_tool",
    "unknown",
];

fn read<T: for<'de> Deserialize<'de>>(name: &str) -> T {
    let path = Path::new("data").join(name);
    println!("cargo:rerun-if-changed={}", path.display());
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `snake_case` id → the enum variant path, checked against the allowed ids.
fn variant(kind: &str, id: &str, allowed: &[&str], at: &str) -> String {
    assert!(
        allowed.contains(&id),
        "{at}: unknown {kind} '{id}' (expected one of: {})",
        allowed.join(", ")
    );
    let camel: String = id
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect();
    format!("{kind}::{camel}")
}

fn family(id: &str, at: &str) -> String {
    variant("Family", id, &FAMILIES, at)
}

fn confidence(id: &str, at: &str) -> String {
    variant("Confidence", id, &["high", "medium", "low"], at)
}

fn strs(items: &[String]) -> String {
    let inner: Vec<String> = items.iter().map(|s| format!("{s:?}")).collect();
    format!("&[{}]", inner.join(", "))
}

/// Remedy ids as a slice of `RemedyId` variants (ids are validated before this runs).
fn rids(items: &[String]) -> String {
    let inner: Vec<String> = items
        .iter()
        .map(|s| format!("RemedyId::{}", camel(s)))
        .collect();
    format!("&[{}]", inner.join(", "))
}

fn opt(item: &Option<String>) -> String {
    match item {
        Some(s) => format!("Some({s:?})"),
        None => "None".to_string(),
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `dfu-mode` / `net.apple_hosts` → `DfuMode` / `NetAppleHosts`.
fn camel(id: &str) -> String {
    id.split(['-', '.', '_'])
        .map(capitalized)
        .collect::<String>()
}

/// Panics unless every id in `ids` is a known remedy.
fn known_remedies(ids: &[String], remedies: &BTreeMap<String, usize>, at: &str) {
    for id in ids {
        assert!(
            remedies.contains_key(id),
            "{at}: unknown remedy '{id}' (not in data/remedies.toml)"
        );
    }
    let mut seen = std::collections::BTreeSet::new();
    for id in ids {
        assert!(seen.insert(id), "{at}: remedy '{id}' listed twice");
    }
}

/// Validates the remedy and check catalogs against each other; returns id → position maps.
fn catalogs(
    remedies: &RemedyFile,
    checks: &CheckFile,
) -> (BTreeMap<String, usize>, BTreeMap<String, usize>) {
    let mut check_ids = BTreeMap::new();
    let mut variants = BTreeMap::new();
    for (i, c) in checks.check.iter().enumerate() {
        let at = format!("checks.toml check {}", c.id);
        assert!(
            check_ids.insert(c.id.clone(), i).is_none(),
            "{at}: duplicate id"
        );
        let (prefix, rest) = c.id.split_once('.').unwrap_or(("", ""));
        assert!(
            !prefix.is_empty()
                && !rest.is_empty()
                && c.id
                    .chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch == '.' || ch == '_'),
            "{at}: a check id is area.name in lower case"
        );
        assert!(
            variants.insert(camel(&c.id), c.id.clone()).is_none(),
            "{at}: two ids give one name"
        );
        assert!(
            AREAS.contains(&c.area.as_str()),
            "{at}: unknown area '{}'",
            c.area
        );
        assert!(
            !c.title.trim().is_empty() && !c.verifies.trim().is_empty(),
            "{at}: empty text"
        );
        if let Some(cmd) = &c.verify_with {
            assert!(
                cmd.starts_with("restore-doctor "),
                "{at}: verify_with is a restore-doctor command"
            );
            assert!(
                c.checkup.is_none(),
                "{at}: a checkup check is verified by checkup, not verify_with"
            );
        }
    }
    let mut remedy_ids = BTreeMap::new();
    let mut variants = BTreeMap::new();
    for (i, r) in remedies.remedy.iter().enumerate() {
        let at = format!("remedies.toml remedy {}", r.id);
        assert!(
            remedy_ids.insert(r.id.clone(), i).is_none(),
            "{at}: duplicate id"
        );
        assert!(
            !r.id.is_empty()
                && r.id
                    .chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-'),
            "{at}: a remedy id is lower-case words joined by '-'"
        );
        assert!(
            variants.insert(camel(&r.id), r.id.clone()).is_none(),
            "{at}: two ids give one name"
        );
        assert!(!r.text.trim().is_empty(), "{at}: empty text");
        if let Some(check) = &r.check {
            assert!(
                check_ids.contains_key(check),
                "{at}: unknown check '{check}' (not in data/checks.toml)"
            );
        }
    }
    for c in &checks.check {
        if let Some(run) = &c.checkup {
            let at = format!("checks.toml check {} (checkup)", c.id);
            family(&run.family, &at);
            known_remedies(&run.remedies, &remedy_ids, &at);
            assert!(
                run.timeout_ms > 0 && run.timeout_ms <= 10_000,
                "{at}: timeout_ms out of 1..=10000"
            );
            for code in &run.error_codes {
                assert!(
                    !code.is_empty()
                        && code
                            .trim_start_matches('-')
                            .chars()
                            .all(|ch| ch.is_ascii_digit()),
                    "{at}: error code '{code}' is not a number"
                );
            }
        }
    }
    for c in &checks.check {
        if let Some(host) = &c.host {
            host_part(c, host, checks, &remedy_ids);
        }
    }
    (remedy_ids, check_ids)
}

/// Validates a `[check.host]` part: platform, what it reads, and the family and remedies it
/// carries itself unless the row's `[check.checkup]` part has them; a part the checkup does not
/// run on its own is verified by the checkup check that runs the host checks.
fn host_part(c: &RawCheck, host: &RawHost, checks: &CheckFile, remedies: &BTreeMap<String, usize>) {
    let at = format!("checks.toml check {} (host)", c.id);
    assert!(
        c.area == "host" && c.id.starts_with("host."),
        "{at}: a host-software check is area host with an id host.*"
    );
    assert!(
        PLATFORMS.contains(&host.platform.as_str()),
        "{at}: unknown platform '{}' (expected one of: {})",
        host.platform,
        PLATFORMS.join(", ")
    );
    assert!(
        !host.reads.is_empty() && host.reads.iter().all(|r| !r.trim().is_empty()),
        "{at}: reads names what the check reads"
    );
    match &c.checkup {
        Some(_) => assert!(
            host.family.is_none() && host.remedies.is_none(),
            "{at}: family and remedies come from [check.checkup]; do not repeat them"
        ),
        None => {
            let fam = host
                .family
                .as_deref()
                .unwrap_or_else(|| panic!("{at}: family is required"));
            family(fam, &at);
            let ids = host
                .remedies
                .as_deref()
                .unwrap_or_else(|| panic!("{at}: remedies are required"));
            assert!(!ids.is_empty(), "{at}: remedies are required");
            known_remedies(ids, remedies, &at);
            let runner = c
                .verify_with
                .as_deref()
                .and_then(|v| v.strip_prefix("restore-doctor checkup --only "))
                .unwrap_or_else(|| {
                    panic!("{at}: verify_with names the checkup check that runs it")
                });
            assert!(
                checks
                    .check
                    .iter()
                    .any(|r| r.id == runner && r.checkup.is_some() && r.host.is_some()),
                "{at}: verify_with names '{runner}', which is not a checkup check with a [check.host] part"
            );
        }
    }
}

/// One id enum: variants in data order, `ALL`, `as_str`, `parse`.
fn id_enum(out: &mut String, name: &str, file: &str, ids: &[&str]) {
    let _ = writeln!(
        out,
        "/// An id from `data/{file}`: one variant per row, in data order. Name one in code with \
         the matching macro (an id not in the data fails the build).\n\
         #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]\n\
         pub enum {name} {{"
    );
    for id in ids {
        let _ = writeln!(out, "    /// `{id}`.\n    {},", camel(id));
    }
    let _ = writeln!(out, "}}\n\nimpl {name} {{");
    let _ = writeln!(
        out,
        "    /// Every id, in data order.\n    pub const ALL: &'static [{name}] = &["
    );
    for id in ids {
        let _ = writeln!(out, "        {name}::{},", camel(id));
    }
    let _ = writeln!(
        out,
        "    ];\n\n    /// The id as the data writes it.\n    pub const fn as_str(self) -> &'static str {{\n        match self {{"
    );
    for id in ids {
        let _ = writeln!(out, "            {name}::{} => {id:?},", camel(id));
    }
    let _ = writeln!(
        out,
        "        }}\n    }}\n\n    /// The id with this spelling, if the data has it (for ids read from other data files).\n    pub fn parse(id: &str) -> Option<{name}> {{\n        match id {{"
    );
    for id in ids {
        let _ = writeln!(out, "            {id:?} => Some({name}::{}),", camel(id));
    }
    let _ = writeln!(out, "            _ => None,\n        }}\n    }}\n}}\n");
}

/// One `macro_rules!` that maps each id literal to its variant and anything else to a build error.
fn id_macro(out: &mut String, mac: &str, name: &str, file: &str, ids: &[&str]) {
    let _ = writeln!(
        out,
        "/// `{mac}!(\"id\")`: the [`{name}`] of an id in `data/{file}`; any other id fails the build.\n\
         #[macro_export]\nmacro_rules! {mac} {{"
    );
    for id in ids {
        let _ = writeln!(out, "    ({id:?}) => {{ $crate::{name}::{} }};", camel(id));
    }
    let _ = writeln!(
        out,
        "    ($other:literal) => {{ ::core::compile_error!(::core::concat!(\"unknown {kind} id \", \
         ::core::stringify!($other), \" (not in crates/kb/data/{file})\")) }};\n    \
         ($($other:tt)*) => {{ ::core::compile_error!(\"{mac}! takes one string literal, an id from crates/kb/data/{file}\") }};\n}}\n",
        kind = if name == "RemedyId" {
            "remedy"
        } else {
            "check"
        }
    );
}

fn main() {
    let errors: ErrorFile = read("errors.toml");
    let md: MobileDeviceFile = read("mobiledevice.toml");
    let ranges: RangeFile = read("ranges.toml");
    let remedy_file: RemedyFile = read("remedies.toml");
    let check_file: CheckFile = read("checks.toml");
    let (remedy_ids, _) = catalogs(&remedy_file, &check_file);
    for e in &errors.error {
        known_remedies(
            &e.remedies,
            &remedy_ids,
            &format!("errors.toml entry {}", e.id),
        );
    }
    for (name, set) in &md.sets {
        known_remedies(set, &remedy_ids, &format!("mobiledevice.toml set {name}"));
    }
    for r in &ranges.range {
        known_remedies(
            &r.remedies,
            &remedy_ids,
            &format!("ranges.toml range {}", r.id),
        );
    }
    write_ids(&remedy_file, &check_file);

    let mut out = String::from("// Generated by build.rs from data/*.toml. Do not edit.\n\n");
    out.push_str("pub(crate) static ENTRIES: &[ErrorEntry] = &[\n");
    for e in &errors.error {
        let at = format!("errors.toml entry {}", e.id);
        let kind = variant("Kind", &e.kind, &["number", "range", "message"], &at);
        let _ = writeln!(
            out,
            "    ErrorEntry {{ id: {:?}, code: {:?}, kind: {kind}, family: {}, title: {:?}, \
             meaning: {:?}, confidence: {}, apple_section: {}, sources: {}, remedies: {}, \
             aliases: {}, range: {}, constant: None }},",
            e.id,
            e.code,
            family(&e.family, &at),
            e.title,
            e.meaning,
            confidence(&e.confidence, &at),
            opt(&e.apple_section),
            strs(&e.sources),
            rids(&e.remedies),
            strs(&e.aliases),
            opt(&e.range),
        );
    }
    for row in &md.codes {
        let at = format!("mobiledevice.toml code {}", row.code);
        let remedies = md
            .sets
            .get(&row.set)
            .unwrap_or_else(|| panic!("{at}: unknown remedy set '{}'", row.set));
        let _ = writeln!(
            out,
            "    ErrorEntry {{ id: {:?}, code: {:?}, kind: Kind::Number, family: {}, title: {:?}, \
             meaning: {:?}, confidence: {}, apple_section: None, sources: {}, remedies: {}, \
             aliases: &[], range: None, constant: Some({:?}) }},",
            row.code.to_ascii_lowercase(),
            row.code,
            family(&row.family, &at),
            format!("{} (MobileDevice)", capitalized(&row.title)),
            row.meaning,
            confidence(&row.confidence, &at),
            strs(&md.sources),
            rids(remedies),
            row.name,
        );
    }
    out.push_str("];\n\npub(crate) static RANGES: &[RangeRule] = &[\n");
    for r in &ranges.range {
        let at = format!("ranges.toml range {}", r.id);
        let _ = writeln!(
            out,
            "    RangeRule {{ id: {:?}, low: {}, high: {}, family: {}, confidence: {}, \
             title: {:?}, note: {:?}, basis: {:?}, remedies: {} }},",
            r.id,
            r.low,
            r.high,
            family(&r.family, &at),
            confidence(&r.confidence, &at),
            r.title,
            r.note,
            r.basis,
            rids(&r.remedies),
        );
    }
    out.push_str("];\n");

    let dest =
        Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR is set by cargo")).join("kb_data.rs");
    std::fs::write(&dest, out).unwrap_or_else(|e| panic!("{}: {e}", dest.display()));
}

/// Writes `kb_ids.rs` (the enums) and `kb_id_macros.rs` (the macros) into `OUT_DIR`.
fn write_ids(remedies: &RemedyFile, checks: &CheckFile) {
    let remedy_ids: Vec<&str> = remedies.remedy.iter().map(|r| r.id.as_str()).collect();
    let check_ids: Vec<&str> = checks.check.iter().map(|c| c.id.as_str()).collect();
    let mut ids = String::from(
        "// Generated by build.rs from data/remedies.toml and data/checks.toml. Do not edit.\n\n",
    );
    id_enum(&mut ids, "RemedyId", "remedies.toml", &remedy_ids);
    id_enum(&mut ids, "CheckId", "checks.toml", &check_ids);
    let mut macros = String::from(
        "// Generated by build.rs from data/remedies.toml and data/checks.toml. Do not edit.\n\n",
    );
    id_macro(
        &mut macros,
        "remedy_id",
        "RemedyId",
        "remedies.toml",
        &remedy_ids,
    );
    id_macro(
        &mut macros,
        "check_id",
        "CheckId",
        "checks.toml",
        &check_ids,
    );
    let dir = std::env::var("OUT_DIR").expect("OUT_DIR is set by cargo");
    for (name, text) in [("kb_ids.rs", ids), ("kb_id_macros.rs", macros)] {
        let dest = Path::new(&dir).join(name);
        std::fs::write(&dest, text).unwrap_or_else(|e| panic!("{}: {e}", dest.display()));
    }
}
