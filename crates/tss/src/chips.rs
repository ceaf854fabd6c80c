//! Nonce length and ticket format by application-processor chip (`data/nonces.toml`). A wrong
//! nonce length is a malformed request; A10/A10X/T2 (0x8010-0x8012) take 32 bytes, not 20.

use serde::Deserialize;
use std::sync::OnceLock;

/// What a chip's personalization request needs.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Chip {
    /// The CPID (`ApChipID`); 0 for the default row.
    #[serde(default)]
    pub cpid: u32,
    /// Marketing or silicon name.
    #[serde(default)]
    pub name: String,
    /// Image4 (`@ApImg4Ticket`) rather than Image3 (`@APTicket`).
    pub image4: bool,
    /// ApNonce length in bytes (0: the chip has none).
    pub ap_nonce: usize,
    /// Source keys, explained at the top of the data file.
    pub source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChipFile {
    default: Chip,
    chip: Vec<Chip>,
}

fn file() -> &'static ChipFile {
    static F: OnceLock<ChipFile> = OnceLock::new();
    F.get_or_init(|| {
        toml::from_str(include_str!("../data/nonces.toml"))
            .unwrap_or_else(|e| panic!("embedded data/nonces.toml is invalid: {e}"))
    })
}

/// Every listed chip.
pub fn chips() -> &'static [Chip] {
    &file().chip
}

/// The row for a CPID, or the default (a newer chip) when it is not listed.
pub fn chip(cpid: u64) -> &'static Chip {
    chips()
        .iter()
        .find(|c| u64::from(c.cpid) == cpid)
        .unwrap_or(&file().default)
}

/// The ApNonce length for a CPID.
pub fn ap_nonce_len(cpid: u64) -> usize {
    chip(cpid).ap_nonce
}

/// The SepNonce length (the same on every chip with a SEP).
pub fn sep_nonce_len() -> usize {
    crate::data::request().sep_nonce_len
}

/// Problems with the table (empty when sound).
pub fn validate() -> Vec<String> {
    let mut problems = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for c in chips() {
        if !seen.insert(c.cpid) {
            problems.push(format!("chip 0x{:04X} is listed twice", c.cpid));
        }
        if ![0, 20, 32].contains(&c.ap_nonce) {
            problems.push(format!(
                "chip 0x{:04X}: nonce length {}",
                c.cpid, c.ap_nonce
            ));
        }
        if c.image4 && c.ap_nonce == 0 {
            problems.push(format!("chip 0x{:04X}: Image4 without a nonce", c.cpid));
        }
        if c.source.trim().is_empty() {
            problems.push(format!("chip 0x{:04X}: no source", c.cpid));
        }
    }
    problems
}
