//! The standard IPSW file name, `<ProductTypes>_<version>_<build>_Restore.ipsw`.

/// What a standard IPSW file name says.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct IpswName {
    /// Product types, e.g. `["iPhone10,3", "iPhone10,6"]`.
    pub product_types: Vec<String>,
    /// Version, e.g. `16.7.10`.
    pub version: String,
    /// Build, e.g. `20H350`.
    pub build: String,
}

/// Parses a file name or URL path ending in `_Restore.ipsw`; `None` when it is not that shape.
pub fn parse(name: &str) -> Option<IpswName> {
    let base = name.split(['?', '#']).next()?.rsplit(['/', '\\']).next()?;
    let lower = base.to_ascii_lowercase();
    let stem = &base[..lower.strip_suffix("_restore.ipsw")?.len()];
    let (rest, build) = stem.rsplit_once('_')?;
    let (types, version) = rest.rsplit_once('_')?;
    let valid_build = build.len() >= 3
        && build.chars().all(|c| c.is_ascii_alphanumeric())
        && build.chars().next()?.is_ascii_digit();
    let valid_version =
        !version.is_empty() && version.chars().all(|c| c.is_ascii_digit() || c == '.');
    if !valid_build || !valid_version {
        return None;
    }
    let product_types = split_product_types(types)?;
    Some(IpswName {
        product_types,
        version: version.to_string(),
        build: build.to_string(),
    })
}

/// Splits `iPhone10,3,iPhone10,6` into product types; `None` if any piece is malformed.
fn split_product_types(s: &str) -> Option<Vec<String>> {
    let parts: Vec<&str> = s.split(',').collect();
    if parts.len() < 2 || !parts.len().is_multiple_of(2) {
        return None;
    }
    let mut out = Vec::new();
    for pair in parts.chunks(2) {
        let (head, minor) = (pair[0], pair[1]);
        let split = head.find(|c: char| c.is_ascii_digit())?;
        let (letters, major) = head.split_at(split);
        let ok = !letters.is_empty()
            && letters.chars().all(|c| c.is_ascii_alphabetic())
            && major.chars().all(|c| c.is_ascii_digit())
            && !minor.is_empty()
            && minor.chars().all(|c| c.is_ascii_digit());
        if !ok {
            return None;
        }
        out.push(format!("{head},{minor}"));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_single_and_multi_device_names() {
        let n = parse("/tmp/iPhone3,1_7.1.2_11D257_Restore.ipsw").unwrap();
        assert_eq!(n.product_types, ["iPhone3,1"]);
        assert_eq!((n.version.as_str(), n.build.as_str()), ("7.1.2", "11D257"));
        let n = parse("https://x/y/iPhone10,3,iPhone10,6_16.7.10_20H350_Restore.ipsw?x=1").unwrap();
        assert_eq!(n.product_types, ["iPhone10,3", "iPhone10,6"]);
    }

    #[test]
    fn rejects_other_names() {
        for bad in [
            "firmware.ipsw",
            "iPhone3,1_7.1.2_Restore.ipsw",
            "iPhone3_7.1.2_11D257_Restore.ipsw",
            "iPhone3,1_seven_11D257_Restore.ipsw",
            "_7.1_11D257_Restore.ipsw",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    proptest! {
        #[test]
        fn round_trips(pts in proptest::collection::vec(("[A-Z][a-z]{2,5}", 1u32..30, 1u32..9), 1..4), v in "[0-9]{1,2}(\\.[0-9]){1,2}", b in "[0-9]{2}[A-Z][0-9]{1,4}[a-z]?") {
            let types: Vec<String> = pts.iter().map(|(n, a, c)| format!("{n}{a},{c}")).collect();
            let name = format!("{}_{v}_{b}_Restore.ipsw", types.join(","));
            let got = parse(&name).unwrap();
            prop_assert_eq!(got.product_types, types);
            prop_assert_eq!(got.version, v);
            prop_assert_eq!(got.build, b);
        }

        #[test]
        fn never_panics(s in "\\PC{0,80}") {
            let _ = parse(&s);
        }
    }
}
