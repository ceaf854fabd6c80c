//! A custom (unsigned) firmware restored with idevicerestore's `-c` on a device it has no boot
//! exploit for. Without Apple's signature the device boots an unsigned boot chain only through a
//! bootrom exploit; idevicerestore carries limera1n, which covers the A4 generation and older
//! (CPIDs 0x8920, 0x8922, 0x8930, see its limera1n.c). On anything newer a custom IPSW cannot
//! boot at all (the libimobiledevice maintainer's answer in idevicerestore#167), so such a restore
//! fails whatever else the log shows: a signing matter, not the tool's or the USB's. Wrappers that
//! put the device in pwned DFU first (Legacy-iOS-Kit, futurerestore) are not this case.

use crate::analyzer::Analyzer;

/// Chips idevicerestore can run limera1n on (3GS, iPod touch 3, A4).
const LIMERA1N_CPIDS: [u32; 3] = [0x8920, 0x8922, 0x8930];

/// Formats of wrappers that pwn the device before a custom restore.
const PWNING_WRAPPERS: [&str; 2] = ["legacy-ios-kit", "futurerestore"];

/// Whether the log's device is one idevicerestore cannot boot a custom firmware on.
pub(crate) fn cannot_boot(a: &Analyzer) -> bool {
    let formats = super::formats(a).1;
    if PWNING_WRAPPERS
        .iter()
        .any(|w| formats.iter().any(|f| f == w))
    {
        return false;
    }
    let Some(device) = &a.device else {
        return false;
    };
    let cpid = match (&device.product_type, &device.board) {
        (Some(pt), _) => rd_catalog::devices::by_product_type(pt)
            .first()
            .map(|d| d.cpid),
        (None, Some(b)) => rd_catalog::devices::by_board(b).map(|d| d.cpid),
        (None, None) => None,
    };
    cpid.is_some_and(|c| !LIMERA1N_CPIDS.contains(&c))
}
