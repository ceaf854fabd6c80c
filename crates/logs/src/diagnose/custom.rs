//! A custom (unsigned) firmware restored with idevicerestore's `-c` on a device it has no boot
//! exploit for. Without Apple's signature the device boots an unsigned boot chain only through a
//! bootrom exploit; idevicerestore carries one for a few chips only (`custom_boot_cpids` in
//! `data/tools.toml`). On anything newer a custom IPSW cannot boot at all (the libimobiledevice
//! maintainer's answer in idevicerestore#167), so such a restore fails whatever else the log
//! shows: a signing matter, not the tool's or the USB's. Wrappers that put the device in pwned
//! DFU first (`pwns_first` in the same file: Legacy-iOS-Kit, futurerestore) are not this case.

use crate::analyzer::Analyzer;
use crate::data;

/// The restore tool whose custom restores are judged here.
const CUSTOM_RESTORER: &str = "idevicerestore";

/// Whether the log's device is one idevicerestore cannot boot a custom firmware on.
pub(crate) fn cannot_boot(a: &Analyzer) -> bool {
    let formats = super::formats(a).1;
    if data::tools()
        .iter()
        .any(|t| t.def.pwns_first && formats.contains(&t.def.id))
    {
        return false;
    }
    let Some(restorer) = crate::tool::def(CUSTOM_RESTORER) else {
        return false;
    };
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
    cpid.is_some_and(|c| !restorer.def.custom_boot_cpids.contains(&c))
}
