//! The network layer's embedded data: Apple's private-PKI hosts and the products known to
//! intercept HTTPS.

use serde::Deserialize;
use std::sync::OnceLock;

/// A host Apple serves from its own PKI (`data/apple_pki.toml`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplePkiHost {
    /// DNS name, lower case.
    pub name: String,
    /// What it is for.
    pub purpose: String,
    /// Where the fact comes from.
    pub source: String,
}

/// A product known to intercept HTTPS (`data/interception.toml`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InterceptionProduct {
    /// Product name as users know it.
    pub name: String,
    /// antivirus, firewall, proxy, cloud proxy, debugging proxy, adware.
    pub kind: String,
    /// Substrings of certificate names that identify it (case-insensitive).
    pub patterns: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PkiFile {
    host: Vec<ApplePkiHost>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProductFile {
    product: Vec<InterceptionProduct>,
}

/// Hosts verified against Apple's roots only.
pub fn apple_pki_hosts() -> &'static [ApplePkiHost] {
    static F: OnceLock<Vec<ApplePkiHost>> = OnceLock::new();
    F.get_or_init(|| {
        toml::from_str::<PkiFile>(include_str!("../data/apple_pki.toml"))
            .expect("apple_pki.toml is validated by tests")
            .host
    })
}

/// Products known to intercept HTTPS.
pub fn interception_products() -> &'static [InterceptionProduct] {
    static F: OnceLock<Vec<InterceptionProduct>> = OnceLock::new();
    F.get_or_init(|| {
        toml::from_str::<ProductFile>(include_str!("../data/interception.toml"))
            .expect("interception.toml is validated by tests")
            .product
    })
}

/// The product whose certificate names contain one of its patterns, if any.
pub fn product_for_names<'a>(
    names: impl IntoIterator<Item = &'a str> + Clone,
) -> Option<&'static InterceptionProduct> {
    interception_products().iter().find(|p| {
        p.patterns.iter().any(|pat| {
            let pat = pat.to_ascii_lowercase();
            names
                .clone()
                .into_iter()
                .any(|n| n.to_ascii_lowercase().contains(&pat))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_parses_and_is_sourced() {
        assert!(apple_pki_hosts().iter().any(|h| h.name == "gs.apple.com"));
        for h in apple_pki_hosts() {
            assert!(!h.source.is_empty() && h.name == h.name.to_ascii_lowercase());
        }
        assert!(interception_products().len() > 10);
    }

    #[test]
    fn products_cover_the_usual_suspects() {
        for (issuer, want) in [
            (
                "Kaspersky Anti-Virus Personal Root Certificate",
                "Kaspersky",
            ),
            ("ESET SSL Filter CA", "ESET"),
            ("Avast Web/Mail Shield Root", "Avast"),
            ("Zscaler Root CA", "Zscaler"),
            ("DO_NOT_TRUST_FiddlerRoot", "Fiddler"),
            ("mitmproxy", "mitmproxy"),
            ("Charles Proxy CA (1 Jan 2024, host)", "Charles"),
        ] {
            let p = product_for_names([issuer]).unwrap_or_else(|| panic!("{issuer}"));
            assert!(p.name.contains(want), "{issuer} -> {}", p.name);
        }
        assert!(product_for_names(["DigiCert Global Root G2", "Apple Inc."]).is_none());
    }
}
