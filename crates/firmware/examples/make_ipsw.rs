//! Makes synthetic IPSWs for the benchmarks (`bench/hash.sh`, `bench/manifest.sh`):
//!
//! `make_ipsw sparse OUT GIB` — a sparse zip64 IPSW: a GIB-sized hole, then the manifests.
//! `make_ipsw random OUT MIB` — an IPSW whose first entry is MIB of pseudo-random bytes.

use rd_testkit as support;

use support::*;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: make_ipsw sparse|random OUT SIZE";
    let (Some(mode), Some(out), Some(size)) = (args.get(1), args.get(2), args.get(3)) else {
        eprintln!("{usage}");
        std::process::exit(2);
    };
    let Ok(size) = size.parse::<u64>() else {
        eprintln!("{usage}");
        std::process::exit(2);
    };
    let out = std::path::Path::new(out);
    let ids = [board(0x8015, 0x06, "d22ap"), board(0x8015, 0x0E, "d221ap")].concat();
    let types = ["iPhone10,3", "iPhone10,6"];
    match mode.as_str() {
        "sparse" => sparse_zip64(out, size << 30, "16.7.10", "20H350", &types, &ids),
        "random" => {
            let mut data = vec![0u8; (size << 20) as usize];
            let mut x = 0x9E37_79B9_7F4A_7C15u64;
            for chunk in data.chunks_mut(8) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let b = x.to_le_bytes();
                chunk.copy_from_slice(&b[..chunk.len()]);
            }
            let mut z = ZipWriter::create(out, true);
            z.add("RootFS.dmg", &data, Method::Stored)
                .add(
                    "BuildManifest.plist",
                    build_manifest("16.7.10", "20H350", &types, &ids).as_bytes(),
                    Method::Deflate,
                )
                .add(
                    "Restore.plist",
                    restore_plist("16.7.10", "20H350", &types, &ids).as_bytes(),
                    Method::Stored,
                );
            z.finish();
        }
        _ => {
            eprintln!("{usage}");
            std::process::exit(2);
        }
    }
}
