//! Turns `data/firmwares.json` (6.5 MB) into the compact line format `src/firmware.rs` reads
//! lazily and without copying, so no command pays for a JSON parse at start-up.

use serde_json::Value;
use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    let src = "data/firmwares.json";
    println!("cargo::rerun-if-changed={src}");
    println!("cargo::rerun-if-changed=build.rs");
    let text = std::fs::read_to_string(src).unwrap_or_else(|e| panic!("reading {src}: {e}"));
    let rows: Vec<Value> =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{src} is not a JSON array: {e}"));
    let mut newest = String::new();
    let mut body = String::with_capacity(text.len() / 2);
    for (i, row) in rows.iter().enumerate() {
        let line = encode(row).unwrap_or_else(|e| panic!("{src} row {i}: {e}"));
        let released = row["released"].as_str().unwrap_or_default();
        if released > newest.as_str() {
            newest = released.to_string();
        }
        body.push_str(&line);
        body.push('\n');
    }
    let header = format!(
        "#rd-firmware-catalog v1\tsource=AppleDB snapshot (embedded)\tdate={newest}\trows={}\n",
        rows.len()
    );
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("firmwares.tsv"), header + &body).expect("writing firmwares.tsv");
}

/// One JSON row as one tab-separated line (field order documented in `src/firmware.rs`).
fn encode(row: &Value) -> Result<String, String> {
    let s = |k: &str| -> Result<String, String> {
        match &row[k] {
            Value::String(v) if !v.contains(['\t', '\n']) => Ok(v.clone()),
            Value::Null => Ok(String::new()),
            other => Err(format!("field {k} is not a clean string: {other}")),
        }
    };
    let list = |k: &str| -> Result<String, String> {
        match &row[k] {
            Value::Null => Ok(String::new()),
            Value::Array(items) => {
                let mut v = Vec::new();
                for it in items {
                    let t = it.as_str().ok_or(format!("{k} holds a non-string"))?;
                    if t.is_empty() || t.contains([' ', '\t', '\n']) {
                        return Err(format!("{k} holds {t:?}"));
                    }
                    v.push(t);
                }
                Ok(v.join(" "))
            }
            other => Err(format!("field {k} is not a list: {other}")),
        }
    };
    let flag = |k: &str| row[k].as_bool().unwrap_or(false);
    let build = s("build")?;
    if build.is_empty() {
        return Err("no build".into());
    }
    let product_types = list("product_types")?;
    if product_types.is_empty() {
        return Err("no product types".into());
    }
    for (k, n) in [("sha1", 40), ("sha256", 64)] {
        let h = s(k)?;
        if !h.is_empty() && (h.len() != n || !h.bytes().all(|b| b.is_ascii_hexdigit())) {
            return Err(format!("{k} is not {n} hex digits"));
        }
    }
    let mut flags = String::new();
    for (k, c) in [("beta", 'b'), ("rc", 'r'), ("url_active", 'a')] {
        if flag(k) {
            flags.push(c);
        }
    }
    let size = match &row["size"] {
        Value::Null => String::new(),
        v => v.as_u64().ok_or("size is not a whole number")?.to_string(),
    };
    let mut line = String::new();
    let fields = [
        s("os")?,
        s("version")?,
        build,
        s("unique_build")?,
        product_types,
        list("board_configs")?,
        s("released")?,
        flags,
        s("ipsw_url")?,
        s("sha1")?.to_ascii_lowercase(),
        s("sha256")?.to_ascii_lowercase(),
        size,
    ];
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            line.push('\t');
        }
        let _ = write!(line, "{f}");
    }
    Ok(line)
}
