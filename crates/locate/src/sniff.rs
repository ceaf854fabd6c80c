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
/// that `text` names. The log reader's own parser finds the candidates; a number pair longer
/// than three digits on either side (`iPhone1,2345`) is not a product type.
pub fn sniff_device(text: &str) -> Option<String> {
    rd_logs::extract::product_types(text)
        .into_iter()
        .find(|p| plausible_numbers(p))
}

/// True when the `major,minor` pair at the end of a product type has 1–3 digits on each side.
fn plausible_numbers(product_type: &str) -> bool {
    let digits = product_type.trim_start_matches(|c: char| c.is_ascii_alphabetic());
    digits.split_once(',').is_some_and(|(major, minor)| {
        (1..=3).contains(&major.len()) && (1..=3).contains(&minor.len())
    })
}
