//! macOS captures: `sw_vers`, `pkgutil --pkg-info`, and the MobileDevice framework's Info.plist
//! (XML or binary).

/// What `sw_vers` prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SwVers {
    /// `macOS` (11 and later) or `Mac OS X`.
    pub product_name: String,
    /// e.g. `14.4.1`.
    pub product_version: String,
    /// e.g. `23E224`.
    pub build: Option<String>,
}

/// `Key:<tab or spaces>Value` lines (sw_vers, pkgutil) into pairs.
fn pairs(text: &str) -> impl Iterator<Item = (&str, &str)> {
    text.lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim(), v.trim()))
}

/// Reads `sw_vers` output; also accepts the bare version `sw_vers -productVersion` prints.
pub fn parse_sw_vers(text: &str) -> Option<SwVers> {
    let mut name = None;
    let mut version = None;
    let mut build = None;
    for (k, v) in pairs(text) {
        match k {
            "ProductName" => name = Some(v.to_string()),
            "ProductVersion" => version = Some(v.to_string()),
            "BuildVersion" => build = Some(v.to_string()),
            _ => {}
        }
    }
    if version.is_none() {
        let t = text.trim();
        if !t.contains('\n') && super::version::dotted(t).is_some() {
            version = Some(t.to_string());
        }
    }
    let product_version = version.filter(|v| super::version::dotted(v).is_some())?;
    Some(SwVers {
        product_name: name.unwrap_or_else(|| "macOS".into()),
        product_version,
        build,
    })
}

/// What `pkgutil --pkg-info` prints for one package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PkgInfo {
    /// `package-id`.
    pub package_id: String,
    /// `version`.
    pub version: String,
    /// `install-time`, seconds since 1970.
    pub install_time: Option<i64>,
}

/// Reads `pkgutil --pkg-info ID` output (`package-id:`, `version:`, `install-time:`).
pub fn parse_pkgutil(text: &str) -> Option<PkgInfo> {
    let mut id = None;
    let mut version = None;
    let mut time = None;
    for (k, v) in pairs(text) {
        match k {
            "package-id" => id = Some(v.to_string()),
            "version" => version = Some(v.to_string()),
            "install-time" => time = v.parse().ok(),
            _ => {}
        }
    }
    Some(PkgInfo {
        package_id: id?,
        version: version?,
        install_time: time,
    })
}

/// Version keys of a bundle's Info.plist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleInfo {
    /// `CFBundleIdentifier`.
    pub identifier: Option<String>,
    /// `CFBundleShortVersionString`.
    pub short_version: Option<String>,
    /// `CFBundleVersion`.
    pub bundle_version: Option<String>,
}

/// Reads an Info.plist (XML or binary); `None` when it is not a dictionary plist.
pub fn parse_info_plist(bytes: &[u8]) -> Option<BundleInfo> {
    let value = plist::Value::from_reader(std::io::Cursor::new(bytes)).ok()?;
    let dict = value.as_dictionary()?;
    let s = |k: &str| dict.get(k).and_then(|v| v.as_string()).map(str::to_string);
    Some(BundleInfo {
        identifier: s("CFBundleIdentifier"),
        short_version: s("CFBundleShortVersionString"),
        bundle_version: s("CFBundleVersion"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sw_vers_forms() {
        let v = parse_sw_vers(
            "ProductName:\tMac OS X\nProductVersion:\t10.13\nBuildVersion:\t17A405\n",
        )
        .unwrap();
        assert_eq!(
            (v.product_name.as_str(), v.product_version.as_str()),
            ("Mac OS X", "10.13")
        );
        assert_eq!(parse_sw_vers("14.4.1\n").unwrap().product_version, "14.4.1");
        assert_eq!(parse_sw_vers("command not found"), None);
    }

    #[test]
    fn pkgutil_and_plist() {
        let p = parse_pkgutil("package-id: com.apple.pkg.MobileDevice\nversion: 4.0.0.0.1.1\nvolume: /\nlocation: /\ninstall-time: 1700000000\n").unwrap();
        assert_eq!(
            (p.version.as_str(), p.install_time),
            ("4.0.0.0.1.1", Some(1700000000))
        );
        assert_eq!(
            parse_pkgutil("No receipt for 'com.apple.pkg.MobileDevice' found at '/'."),
            None
        );
        let xml = br#"<?xml version="1.0" encoding="UTF-8"?><plist version="1.0"><dict><key>CFBundleShortVersionString</key><string>1.0</string><key>CFBundleVersion</key><string>1643.100.58</string></dict></plist>"#;
        let b = parse_info_plist(xml).unwrap();
        assert_eq!(b.bundle_version.as_deref(), Some("1643.100.58"));
        assert_eq!(parse_info_plist(b"not a plist"), None);
    }
}
