//! A firmware older than the restore tool supports: idevicerestore and the tools built on it
//! read a firmware's BuildManifest.plist, which IPSWs carry only from iPhone OS 3.0 on; an older
//! IPSW (1.x, 2.x) has none, so "Unable to extract BuildManifest … might be corrupt" there is the
//! tool's missing support for that firmware generation, not a damaged file (the archive listing
//! in idevicerestore#249 shows an intact 2.2.1 IPSW). Version awareness, read from the target
//! version the log names.

use crate::analyzer::Analyzer;

/// The first iPhone OS major version whose IPSWs carry a BuildManifest.plist.
const FIRST_WITH_BUILD_MANIFEST: u32 = 3;

/// Whether the log's target firmware predates BuildManifest.plist.
pub(crate) fn predates_build_manifest(a: &Analyzer) -> bool {
    a.target
        .version
        .as_deref()
        .and_then(|v| v.split('.').next())
        .and_then(|m| m.parse::<u32>().ok())
        .is_some_and(|major| major < FIRST_WITH_BUILD_MANIFEST)
}
