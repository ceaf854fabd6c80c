//! Naming the device a log is about from its first part, without diagnosing it: the listing
//! must stay fast with hundreds of logs, so only a bounded head of each file is read.

use std::io::Read;
use std::path::Path;

/// How much of each file is read to find the device.
const HEAD: u64 = 64 * 1024;

/// The product type (e.g. `iPhone10,3`) named in the first part of the file at `path`.
pub(crate) fn sniff_file(path: &Path) -> Option<String> {
    let file = std::fs::File::open(path).ok()?;
    let mut head = Vec::new();
    file.take(HEAD).read_to_end(&mut head).ok()?;
    sniff_device(&String::from_utf8_lossy(&head))
}

/// The first Apple product type (`iPhone10,3`, `iPad7,5`, `iPod9,1`, `AppleTV5,3`, `Watch6,1`)
/// that `text` names.
pub fn sniff_device(text: &str) -> Option<String> {
    const FAMILIES: [&str; 5] = ["iPhone", "iPad", "iPod", "AppleTV", "Watch"];
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let rest = &text[i..];
        if let Some(fam) = FAMILIES.iter().find(|f| rest.starts_with(**f)) {
            let after = &rest[fam.len()..];
            if let Some(n) = product_numbers(after) {
                // Not part of a longer word ("xiPhone1,2" is not a product type).
                let before_ok = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
                if before_ok {
                    return Some(format!("{fam}{}", &after[..n]));
                }
            }
        }
        i += rest.chars().next().map_or(1, char::len_utf8);
    }
    None
}

/// Length of a `major,minor` number pair at the start of `s`, if there is one.
fn product_numbers(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let major = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if major == 0 || major > 3 || b.get(major) != Some(&b',') {
        return None;
    }
    let minor = b[major + 1..]
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .count();
    if minor == 0 || minor > 3 {
        return None;
    }
    let end = major + 1 + minor;
    // "iPhone10,3x" or "iPhone10,34567" is not a product type.
    if b.get(end).is_some_and(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    Some(end)
}
