//! The firmware catalog: every iOS/iPadOS restore IPSW with its hashes, in a compact line format.
//!
//! `build.rs` turns `data/firmwares.json` (AppleDB facts, frozen at 2025-02-10) into one
//! tab-separated line per IPSW; it is parsed lazily, without copying strings, the first time a
//! firmware command asks. `restore-doctor catalog update` writes the same format into the user's
//! cache directory, so both catalogs share one reader.
//!
//! Line format (tab-separated): os, version, build, unique_build, product types (space-separated),
//! board configs (space-separated), released (YYYY-MM-DD), flags (`b` beta, `r` RC, `a` URL
//! active), URL, SHA-1, SHA-256, size. Empty field = unknown. A first line starting with `#`
//! carries `key=value` metadata (`source`, `date`, `rows`).

use std::fmt;
use std::sync::OnceLock;

const EMBEDDED: &str = include_str!(concat!(env!("OUT_DIR"), "/firmwares.tsv"));

/// Magic that starts the metadata line of a catalog file.
pub const MAGIC: &str = "#rd-firmware-catalog v1";

/// Bytes a catalog file may have before it is refused (the embedded one is about 4 MB).
pub const MAX_CATALOG_BYTES: u64 = 64 * 1024 * 1024;

/// One restore IPSW in the catalog. Strings borrow from the catalog text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Firmware<'a> {
    /// `iOS`, `iPadOS` or `iPhoneOS`.
    pub os: &'a str,
    /// Version as published, e.g. `18.3.1` or `6.0 GM`.
    pub version: &'a str,
    /// Build number, e.g. `22D72`.
    pub build: &'a str,
    /// Distinct build label of a GM/RC row sharing its build with the final release.
    pub unique_build: Option<&'a str>,
    product_types: &'a str,
    board_configs: &'a str,
    /// Release date `YYYY-MM-DD`, when known.
    pub released: Option<&'a str>,
    /// A beta build.
    pub beta: bool,
    /// A release candidate / GM build.
    pub rc: bool,
    /// Whether the download link was still live when the catalog was made.
    pub url_active: bool,
    /// Download URL.
    pub url: Option<&'a str>,
    /// SHA-1 of the whole IPSW, lower-case hex.
    pub sha1: Option<&'a str>,
    /// SHA-256 of the whole IPSW, lower-case hex.
    pub sha256: Option<&'a str>,
    /// Size in bytes.
    pub size: Option<u64>,
}

impl<'a> Firmware<'a> {
    /// Product types the IPSW is made for.
    pub fn product_types(&self) -> impl Iterator<Item = &'a str> + use<'a> {
        self.product_types.split(' ').filter(|s| !s.is_empty())
    }

    /// Board configs the IPSW is restricted to (empty when not restricted).
    pub fn board_configs(&self) -> impl Iterator<Item = &'a str> + use<'a> {
        self.board_configs.split(' ').filter(|s| !s.is_empty())
    }

    /// Whether the IPSW lists this product type (case-insensitive).
    pub fn supports(&self, product_type: &str) -> bool {
        self.product_types()
            .any(|p| p.eq_ignore_ascii_case(product_type.trim()))
    }

    /// This entry's values, owned.
    pub fn to_record(&self) -> FirmwareRecord {
        FirmwareRecord {
            os: self.os.into(),
            version: self.version.into(),
            build: self.build.into(),
            product_types: self.product_types().map(str::to_string).collect(),
            released: self.released.map(str::to_string),
            beta: self.beta,
            rc: self.rc,
            url: self.url.map(str::to_string),
            sha1: self.sha1.map(str::to_string),
            sha256: self.sha256.map(str::to_string),
            size: self.size,
        }
    }

    /// Renders this entry as one catalog line (the inverse of parsing).
    pub fn to_line(&self) -> String {
        let mut flags = String::new();
        for (on, c) in [(self.beta, 'b'), (self.rc, 'r'), (self.url_active, 'a')] {
            if on {
                flags.push(c);
            }
        }
        [
            self.os.to_string(),
            self.version.to_string(),
            self.build.to_string(),
            self.unique_build.unwrap_or_default().to_string(),
            self.product_types.to_string(),
            self.board_configs.to_string(),
            self.released.unwrap_or_default().to_string(),
            flags,
            self.url.unwrap_or_default().to_string(),
            self.sha1.unwrap_or_default().to_string(),
            self.sha256.unwrap_or_default().to_string(),
            self.size.map(|s| s.to_string()).unwrap_or_default(),
        ]
        .join("\t")
    }
}

/// Owned values of one catalog entry: written as a new line by `catalog update`, and the JSON
/// row `catalog find` prints.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct FirmwareRecord {
    /// OS name.
    pub os: String,
    /// Version.
    pub version: String,
    /// Build.
    pub build: String,
    /// Product types.
    pub product_types: Vec<String>,
    /// Release date `YYYY-MM-DD`.
    pub released: Option<String>,
    /// Beta build.
    pub beta: bool,
    /// RC/GM build.
    pub rc: bool,
    /// Download URL.
    pub url: Option<String>,
    /// SHA-1 hex.
    pub sha1: Option<String>,
    /// SHA-256 hex.
    pub sha256: Option<String>,
    /// Size in bytes.
    pub size: Option<u64>,
}

fn clean(s: &str) -> String {
    s.replace(['\t', '\n', '\r'], " ").trim().to_string()
}

impl FirmwareRecord {
    /// Renders the record as one catalog line.
    pub fn to_line(&self) -> String {
        let pts: Vec<String> = self
            .product_types
            .iter()
            .map(|p| clean(p).replace(' ', ""))
            .filter(|p| !p.is_empty())
            .collect();
        let mut flags = String::new();
        if self.beta {
            flags.push('b');
        }
        if self.rc {
            flags.push('r');
        }
        if self.url.is_some() {
            flags.push('a');
        }
        let hex = |h: &Option<String>| {
            h.as_deref()
                .map(|v| clean(v).to_ascii_lowercase())
                .unwrap_or_default()
        };
        [
            clean(&self.os),
            clean(&self.version),
            clean(&self.build),
            String::new(),
            pts.join(" "),
            String::new(),
            self.released.as_deref().map(clean).unwrap_or_default(),
            flags,
            self.url.as_deref().map(clean).unwrap_or_default(),
            hex(&self.sha1),
            hex(&self.sha256),
            self.size.map(|s| s.to_string()).unwrap_or_default(),
        ]
        .join("\t")
    }
}

/// Where a catalog came from, as every answer names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogInfo {
    /// Who made it, e.g. `AppleDB snapshot (embedded)` or `ipsw.me (updated)`.
    pub source: String,
    /// The newest release date in it, or the date it was fetched.
    pub date: String,
    /// Rows it holds.
    pub rows: usize,
    /// File it was read from, for an updated catalog.
    pub path: Option<String>,
}

impl fmt::Display for CatalogInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} of {}, {} IPSWs", self.source, self.date, self.rows)?;
        if let Some(p) = &self.path {
            write!(f, " ({p})")?;
        }
        Ok(())
    }
}

/// Why a catalog file could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogError(pub String);

impl fmt::Display for CatalogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CatalogError {}

/// A catalog: its origin and its rows. Lookups by build or hash scan the text for the key and
/// parse only the matching lines; the full row list is parsed once, on first need.
#[derive(Debug, Clone)]
pub struct FirmwareCatalog<'a> {
    /// Where it came from.
    pub info: CatalogInfo,
    body: &'a str,
    all: OnceLock<Vec<Firmware<'a>>>,
}

impl<'a> FirmwareCatalog<'a> {
    /// Reads the metadata line; rows are parsed when asked for. Use [`Self::parse`] to check
    /// every row of untrusted text.
    pub fn open(text: &'a str) -> Result<Self, CatalogError> {
        let (head, body) = text.split_once('\n').unwrap_or((text, ""));
        if !head.starts_with(MAGIC) {
            return Err(CatalogError("not a restore-doctor firmware catalog".into()));
        }
        let meta = |key: &str| {
            head.split('\t')
                .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
                .map(str::to_string)
        };
        let rows = meta("rows")
            .and_then(|r| r.parse().ok())
            .unwrap_or_else(|| body.lines().filter(|l| !l.is_empty()).count());
        let info = CatalogInfo {
            source: meta("source").unwrap_or_else(|| "unknown source".into()),
            date: meta("date").unwrap_or_else(|| "unknown date".into()),
            rows,
            path: None,
        };
        Ok(FirmwareCatalog {
            info,
            body,
            all: OnceLock::new(),
        })
    }

    /// Opens the text and checks every row (for catalog files read from disk).
    pub fn parse(text: &'a str) -> Result<Self, CatalogError> {
        let mut cat = Self::open(text)?;
        let mut entries = Vec::with_capacity(cat.info.rows.min(1_000_000));
        for (n, line) in cat.body.lines().enumerate() {
            if line.is_empty() {
                continue;
            }
            entries.push(
                parse_line(line)
                    .ok_or_else(|| CatalogError(format!("catalog line {} is malformed", n + 2)))?,
            );
        }
        cat.info.rows = entries.len();
        cat.all = OnceLock::from(entries);
        Ok(cat)
    }

    /// Every row, oldest first (malformed lines are skipped).
    pub fn entries(&self) -> &[Firmware<'a>] {
        self.all
            .get_or_init(|| self.body.lines().filter_map(parse_line).collect())
    }

    /// Rows on lines containing `needle` (found by substring search, then parsed).
    fn rows_containing(&self, needle: &str) -> Vec<Firmware<'a>> {
        let body = self.body;
        let mut out = Vec::new();
        let mut last_start = usize::MAX;
        for at in memchr::memmem::find_iter(body.as_bytes(), needle.as_bytes()) {
            let start = memchr::memrchr(b'\n', &body.as_bytes()[..at]).map_or(0, |i| i + 1);
            if start == last_start {
                continue;
            }
            last_start = start;
            let end = memchr::memchr(b'\n', &body.as_bytes()[at..]).map_or(body.len(), |i| at + i);
            out.extend(parse_line(&body[start..end]));
        }
        out
    }

    /// Rows with this build number (or unique build label), case-insensitively.
    pub fn by_build(&self, build: &str) -> Vec<Firmware<'a>> {
        let b = build.trim();
        if b.is_empty() || b.contains(['\t', '\n']) {
            return Vec::new();
        }
        let mut rows = self.rows_containing(&format!("\t{b}\t"));
        let upper = b.to_ascii_uppercase();
        if upper != b {
            rows.extend(self.rows_containing(&format!("\t{upper}\t")));
        }
        rows.retain(|f| f.build.eq_ignore_ascii_case(b) || f.unique_build == Some(b));
        rows
    }

    /// Rows whose SHA-1 or SHA-256 equals this hex digest.
    pub fn by_hash(&self, hex: &str) -> Vec<Firmware<'a>> {
        let h = hex.trim().to_ascii_lowercase();
        if h.len() < 40 || !h.bytes().all(|c| c.is_ascii_hexdigit()) {
            return Vec::new();
        }
        let mut rows = self.rows_containing(&h);
        rows.retain(|f| f.sha1 == Some(h.as_str()) || f.sha256 == Some(h.as_str()));
        rows
    }

    /// Rows for a product type, oldest first.
    pub fn for_product_type(&self, product_type: &str) -> Vec<&Firmware<'a>> {
        self.entries()
            .iter()
            .filter(|f| f.supports(product_type))
            .collect()
    }

    /// The row for this build and product type, if the catalog has one.
    pub fn find(&self, build: &str, product_type: &str) -> Option<Firmware<'a>> {
        self.by_build(build)
            .into_iter()
            .find(|f| f.supports(product_type))
    }
}

fn opt(s: &str) -> Option<&str> {
    (!s.is_empty()).then_some(s)
}

fn parse_line(line: &str) -> Option<Firmware<'_>> {
    let mut it = line.split('\t');
    let mut next = || it.next();
    let os = next()?;
    let version = next()?;
    let build = next()?;
    let unique_build = opt(next()?);
    let product_types = next()?;
    let board_configs = next()?;
    let released = opt(next()?);
    let flags = next()?;
    let url = opt(next()?);
    let sha1 = opt(next()?);
    let sha256 = opt(next()?);
    let size = match next()? {
        "" => None,
        s => Some(s.parse().ok()?),
    };
    if build.is_empty() || product_types.is_empty() || next().is_some() {
        return None;
    }
    Some(Firmware {
        os,
        version,
        build,
        unique_build,
        product_types,
        board_configs,
        released,
        beta: flags.contains('b'),
        rc: flags.contains('r'),
        url_active: flags.contains('a'),
        url,
        sha1,
        sha256,
        size,
    })
}

/// The catalog embedded at build time (parsed on first use, without copying).
pub fn embedded() -> &'static FirmwareCatalog<'static> {
    static CATALOG: OnceLock<FirmwareCatalog<'static>> = OnceLock::new();
    CATALOG.get_or_init(|| {
        FirmwareCatalog::open(EMBEDDED).expect("build.rs writes a valid embedded catalog")
    })
}

/// The metadata line for a catalog file written now.
pub fn header_line(source: &str, date: &str, rows: usize) -> String {
    format!(
        "{MAGIC}\tsource={}\tdate={}\trows={rows}",
        clean(source),
        clean(date)
    )
}

/// Compares dotted versions numerically (`9.3.5` < `10.0`); labels after a space are ignored.
pub fn compare_versions(a: &str, b: &str) -> std::cmp::Ordering {
    let nums = |v: &str| -> Vec<u32> {
        v.split_whitespace()
            .next()
            .unwrap_or("")
            .split('.')
            .map(|p| p.parse().unwrap_or(0))
            .collect()
    };
    let (x, y) = (nums(a), nums(b));
    let n = x.len().max(y.len());
    for i in 0..n {
        let o = x.get(i).unwrap_or(&0).cmp(y.get(i).unwrap_or(&0));
        if o.is_ne() {
            return o;
        }
    }
    std::cmp::Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn embedded_catalog_has_every_row_and_its_date() {
        let c = embedded();
        let json: Vec<serde_json::Value> =
            serde_json::from_str(include_str!("../data/firmwares.json")).unwrap();
        assert_eq!(c.entries().len(), json.len());
        assert_eq!(c.info.date, "2025-02-10");
        // Spot-check every 97th row against the JSON, field by field.
        for (row, fw) in json.iter().zip(c.entries()).step_by(97) {
            assert_eq!(fw.build, row["build"].as_str().unwrap());
            assert_eq!(fw.version, row["version"].as_str().unwrap());
            assert_eq!(fw.sha1, row["sha1"].as_str());
            assert_eq!(fw.sha256, row["sha256"].as_str());
            assert_eq!(fw.size, row["size"].as_u64());
            let pts: Vec<_> = fw.product_types().collect();
            let want: Vec<_> = row["product_types"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap())
                .collect();
            assert_eq!(pts, want);
        }
    }

    #[test]
    fn finds_the_iphone4_gsm_ios7_build() {
        let c = embedded();
        let fw = c.find("11D257", "iPhone3,1").expect("7.1.2 for iPhone3,1");
        assert_eq!(fw.version, "7.1.2");
        assert!(!fw.supports("iPhone3,3"));
        assert!(c.find("11D257", "iPhone3,3").is_some());
        let by_hash = c.by_hash(fw.sha1.unwrap());
        assert!(by_hash.iter().any(|f| f.build == "11D257"));
    }

    #[test]
    fn lines_round_trip() {
        for fw in embedded().entries().iter().step_by(53) {
            let line = fw.to_line();
            assert_eq!(parse_line(&line).as_ref(), Some(fw));
        }
    }

    #[test]
    fn lookups_agree_with_a_full_scan() {
        let c = embedded();
        for build in ["11D257", "22D72", "1A543a", "16h81", "nope"] {
            let fast: Vec<_> = c.by_build(build);
            let slow: Vec<_> = c
                .entries()
                .iter()
                .filter(|f| f.build.eq_ignore_ascii_case(build) || f.unique_build == Some(build))
                .cloned()
                .collect();
            assert_eq!(fast.len(), slow.len(), "{build}");
            for f in &slow {
                assert!(fast.contains(f), "{build}");
            }
        }
        let any = c
            .entries()
            .iter()
            .rev()
            .find(|f| f.sha256.is_some())
            .unwrap();
        let h = any.sha256.unwrap();
        assert!(c.by_hash(&h.to_ascii_uppercase()).contains(any));
        assert!(c.by_hash("zz").is_empty());
    }

    #[test]
    fn rejects_foreign_and_malformed_text() {
        assert!(FirmwareCatalog::parse("hello").is_err());
        let bad = format!("{}\nnot\tenough\tfields\n", header_line("x", "y", 1));
        assert!(FirmwareCatalog::parse(&bad).is_err());
    }

    #[test]
    fn versions_compare_numerically() {
        use std::cmp::Ordering::*;
        assert_eq!(compare_versions("9.3.5", "10.0"), Less);
        assert_eq!(compare_versions("10.0", "10"), Equal);
        assert_eq!(compare_versions("6.0 GM", "6.0"), Equal);
        assert_eq!(compare_versions("18.3.1", "18.3"), Greater);
    }

    proptest! {
        #[test]
        fn records_round_trip(build in "[0-9]{2}[A-Z][0-9]{1,4}[a-z]?", version in "[0-9]{1,2}\\.[0-9]", size in proptest::option::of(0u64..u64::MAX), pts in proptest::collection::vec("[A-Za-z]{4,6}[0-9]{1,2},[0-9]", 1..4)) {
            let rec = FirmwareRecord { os: "iOS".into(), version: version.clone(), build: build.clone(), product_types: pts.clone(), size, ..Default::default() };
            let text = format!("{}\n{}\n", header_line("test", "2026-01-01", 1), rec.to_line());
            let cat = FirmwareCatalog::parse(&text).unwrap();
            let fw = &cat.entries()[0];
            prop_assert_eq!(fw.build, build.as_str());
            prop_assert_eq!(fw.version, version.as_str());
            prop_assert_eq!(fw.size, size);
            prop_assert_eq!(fw.product_types().collect::<Vec<_>>(), pts.iter().map(String::as_str).collect::<Vec<_>>());
        }
    }
}
