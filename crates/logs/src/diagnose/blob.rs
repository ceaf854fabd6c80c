//! A saved blob for another build than the firmware file: tsschecker and blobsaver name a blob
//! `<ECID>_<model>_<board>_<version>-<build>[_<nonce>].shsh2`, and an IPSW names its build too
//! (`<models>_<version>_<build>_Restore.ipsw`). A blob of one build cannot restore another, so
//! when a log names both and they differ, the blob is the cause whatever the tool says later.
//! The comparison needs the whole log (the IPSW may be named after the blob), so the diagnosis
//! makes it, not the line scan.

use crate::analyzer::Analyzer;
use crate::extract::{file_name_start, is_build, target_facts};

/// The build a saved blob's file name names: `…_10.2.1-14D27.shsh2` gives `14D27`.
pub(crate) fn blob_build(text: &str) -> Option<&str> {
    let lower = text.to_ascii_lowercase();
    let end = lower.find(".shsh")?;
    let name = &text[file_name_start(text, end)..end];
    // `<version>-<build>` is the last `_`-separated part with a dash, or the one before a nonce.
    name.split('_').rev().find_map(|part| {
        let (version, build) = part.split_once('-')?;
        let version_ok = version.contains('.')
            && version
                .split('.')
                .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        (version_ok && is_build(build)).then_some(build)
    })
}

/// The builds of every IPSW file name on the line (a command line can name two: futurerestore's
/// `-i`/`--latest` firmware beside the target).
fn ipsw_builds(text: &str) -> Vec<String> {
    const END: &str = "_restore.ipsw";
    let lower = text.to_ascii_lowercase();
    lower
        .match_indices(END)
        .filter_map(|(p, _)| target_facts(&text[file_name_start(text, p)..p + END.len()])?.build)
        .collect()
}

/// How a line naming a saved blob compares with the IPSW.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BlobCheck {
    /// The line names no blob build, or no IPSW is known to compare with.
    Unknown,
    /// The blob's build is the IPSW's (or one of the IPSWs on its line).
    Same,
    /// Another build than every IPSW named on the same line (a command line giving both).
    OtherOnLine,
    /// Another build than the IPSW the log names elsewhere.
    OtherInLog,
}

/// Compares the saved blob `text` names with every IPSW on the same line, else with the one
/// the log names elsewhere.
pub(crate) fn check(text: &str, a: &Analyzer) -> BlobCheck {
    let Some(blob) = blob_build(text) else {
        return BlobCheck::Unknown;
    };
    let on_line = ipsw_builds(text);
    let (ipsws, other) = if on_line.is_empty() {
        let elsewhere: Vec<String> = a
            .target
            .ipsw
            .as_deref()
            .and_then(|n| target_facts(n)?.build)
            .into_iter()
            .collect();
        (elsewhere, BlobCheck::OtherInLog)
    } else {
        (on_line, BlobCheck::OtherOnLine)
    };
    if ipsws.is_empty() {
        BlobCheck::Unknown
    } else if ipsws.iter().any(|b| b.eq_ignore_ascii_case(blob)) {
        BlobCheck::Same
    } else {
        other
    }
}

/// Whether the first and the last line naming a saved blob show it is for another build than
/// the IPSW, at least one of them on a line that names both (a command line): a blob named
/// alone may be one a wrapper keeps for another purpose (a base build for a custom IPSW).
pub(crate) fn other_build(first: &str, last: &str, a: &Analyzer) -> bool {
    let (f, l) = (check(first, a), check(last, a));
    let other = |c: BlobCheck| matches!(c, BlobCheck::OtherOnLine | BlobCheck::OtherInLog);
    other(f) && other(l) && (f == BlobCheck::OtherOnLine || l == BlobCheck::OtherOnLine)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_build_from_blob_names() {
        // Shapes from corpus/real/tuned/232.log (futurerestore) and 607.log (FutureRestore GUI).
        assert_eq!(
            blob_build("./futurerestore_macos -t ****_iPhone7,1_n56ap_10.2.1-14D27.shsh2 -b x"),
            Some("14D27")
        );
        assert_eq!(
            blob_build(
                "reading ticket /Users/x/****_iPad11,3_j217ap_14.5.1-18E212_3a88b7c3.shsh2 done"
            ),
            Some("18E212")
        );
        assert_eq!(blob_build("saved/shsh/123-iPhone3,1-7.1.2.shsh"), None);
        assert_eq!(blob_build("no blob here"), None);
        // corpus/real/tuned/536.log: the target IPSW is the second one on the command line.
        let both = "./futurerestore -t x_iPhone8,4_n69uap_11.3.1-15E302_6a9b.shsh2 -i /D/iPhone_4.0_64bit_12.0_16A366_Restore.ipsw iPhone_4.0_64bit_11.3.1_15E302_Restore.ipsw";
        assert_eq!(ipsw_builds(both), ["16A366", "15E302"]);
        assert!(is_build("19A5260n") && is_build("8A293") && !is_build("A12") && !is_build("19"));
    }
}
