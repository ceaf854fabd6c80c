//! Discovery on home folders laid out as macOS and Windows lay them out, filled with real
//! restore logs from the corpus (`corpus/real`, each with its source in `corpus/real/index`).

use rd_locate::{
    Layout, Platform, discover, locations, log_folders, newest, sniff_device, terminal_only,
};
use std::collections::HashSet;
use std::fs;
use std::path::Path;

use rd_testkit::place_corpus_log as place;

/// A corpus log that names a product type in its first part.
fn log_with_device() -> (String, String) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpus/real/tuned");
    let mut names: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().into_string().unwrap())
        .collect();
    names.sort();
    for name in names {
        let text = String::from_utf8_lossy(&fs::read(dir.join(&name)).unwrap()).into_owned();
        if let Some(dev) = sniff_device(&text[..text.len().min(64 * 1024)]) {
            return (name, dev);
        }
    }
    panic!("no corpus log names a device");
}

#[test]
fn windows_home_lists_itunes_and_apple_devices_logs_newest_first() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let (with_dev, dev) = log_with_device();
    place(
        "301.log",
        &h.join("AppData/Roaming/Apple Computer/iTunes/iPhone Updater Logs/iPhoneUpdater 1.log"),
        48,
    );
    place(&with_dev, &h.join("AppData/Local/Packages/AppleInc.AppleDevices_nzyj5cx40ttqa/LocalCache/Roaming/Apple Computer/Logs/restore.log"), 1);
    place(
        "302.log",
        &h.join("AppData/Roaming/Apple Computer/Logs/AppleMobileDeviceService.txt"),
        5,
    );
    // Not logs, or too deep: ignored.
    fs::write(h.join("AppData/Roaming/Apple Computer/Logs/crash.ips"), "x").unwrap();
    place(
        "302.log",
        &h.join("AppData/Roaming/Apple Computer/Logs/a/b/c/deep.log"),
        0,
    );

    let layout = Layout {
        home: h.to_path_buf(),
        root: h.join("no-root"),
        platform: Platform::Windows,
    };
    let found = discover(&layout);
    let names: Vec<_> = found
        .iter()
        .map(|f| f.path.file_name().unwrap().to_str().unwrap().to_string())
        .collect();
    assert_eq!(
        names,
        [
            "restore.log",
            "AppleMobileDeviceService.txt",
            "iPhoneUpdater 1.log"
        ]
    );
    assert_eq!(found[0].tool, "apple-devices");
    assert_eq!(found[0].device.as_deref(), Some(dev.as_str()));
    assert_eq!(found[2].tool, "itunes");
    assert!(
        found
            .windows(2)
            .all(|w| w[0].modified_unix >= w[1].modified_unix)
    );
    assert_eq!(newest(&layout).unwrap().path, found[0].path);
    // The same home read as macOS finds nothing: the layouts differ.
    let mac = Layout {
        platform: Platform::Macos,
        ..layout
    };
    assert!(discover(&mac).is_empty());
}

#[test]
fn macos_home_and_system_folders() {
    let home = tempfile::tempdir().unwrap();
    let root = tempfile::tempdir().unwrap();
    place(
        "301.log",
        &home
            .path()
            .join("Library/Logs/iPhone Updater Logs/iPhoneUpdater 3.log"),
        10,
    );
    place(
        "302.log",
        &home
            .path()
            .join("Library/Logs/iPad Updater Logs/iPadUpdater 1.log"),
        20,
    );
    place(
        "304.log",
        &root
            .path()
            .join("Library/Logs/MobileDevice/Restore Logs/Restore-2026-11-29.log"),
        2,
    );
    place(
        "305.log",
        &home
            .path()
            .join("FutureRestoreGUI/logs/FRLog_2026-11-29.txt"),
        30,
    );
    let layout = Layout {
        home: home.path().into(),
        root: root.path().into(),
        platform: Platform::Macos,
    };
    let found = discover(&layout);
    let locs: Vec<_> = found.iter().map(|f| f.location).collect();
    assert_eq!(
        locs,
        [
            "macos.mobiledevice_restore",
            "macos.iphone_updater",
            "macos.ipad_updater",
            "macos.futurerestore_gui"
        ]
    );
    assert_eq!(found[3].tool, "futurerestore");
    let folders = log_folders(&layout);
    assert_eq!(folders.len(), 4, "{folders:?}");
}

#[test]
fn an_empty_or_missing_home_lists_nothing() {
    let layout = Layout {
        home: "/nonexistent/home".into(),
        root: "/nonexistent".into(),
        platform: Platform::Windows,
    };
    assert!(discover(&layout).is_empty());
    assert!(newest(&layout).is_none());
}

#[test]
fn the_table_is_complete_and_sourced() {
    let mut ids = HashSet::new();
    for l in locations() {
        assert!(ids.insert(l.id), "duplicate id {}", l.id);
        assert!(
            l.id.starts_with(l.platform.as_str()),
            "{} is filed under {}",
            l.id,
            l.platform.as_str()
        );
        assert!(!l.source.trim().is_empty(), "{} has no source", l.id);
        assert!(!l.path.contains('\\'), "{}: use / in paths", l.id);
        assert!(l.depth <= 3, "{}: too deep", l.id);
    }
    for p in [Platform::Macos, Platform::Windows, Platform::Linux] {
        assert!(
            locations().iter().any(|l| l.platform == p),
            "no folder for {}",
            p.as_str()
        );
    }
    let tools: HashSet<_> = terminal_only().iter().map(|t| t.tool).collect();
    for t in [
        "idevicerestore",
        "futurerestore",
        "legacy-ios-kit",
        "3utools",
    ] {
        assert!(
            tools.contains(t),
            "{t} missing: say where its log is or how to keep it"
        );
    }
}

#[test]
fn product_types_are_found_only_as_whole_words() {
    assert_eq!(
        sniff_device("Identified device as d22ap, iPhone10,3").as_deref(),
        Some("iPhone10,3")
    );
    assert_eq!(
        sniff_device("ProductType: iPad7,5\n").as_deref(),
        Some("iPad7,5")
    );
    assert_eq!(sniff_device("xiPhone1,2 iPhone1,2345 iPhone,3"), None);
    assert_eq!(sniff_device("Watch6,1"), Some("Watch6,1".into()));
    assert_eq!(sniff_device("ünïcödé iPod9,1").as_deref(), Some("iPod9,1"));
    assert_eq!(sniff_device(""), None);
}
