//! The embedded location table (`data/locations.toml`), parsed once and checked by tests.

use crate::Platform;
use serde::Deserialize;
use std::sync::OnceLock;

/// What a location's path is relative to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Base {
    /// The user's home folder.
    Home,
    /// Windows `%APPDATA%` (home/AppData/Roaming).
    Appdata,
    /// Windows `%LOCALAPPDATA%` (home/AppData/Local).
    Localappdata,
    /// The file-system root (system-wide folders).
    Root,
}

/// One folder where restore logs are written.
#[derive(Debug, Clone)]
pub struct Location {
    /// Stable id, e.g. `windows.apple_devices`.
    pub id: &'static str,
    /// Whose layout it belongs to.
    pub platform: Platform,
    /// What `path` is relative to.
    pub base: Base,
    /// Relative path with `/` separators; a component may hold one `*`.
    pub path: &'static str,
    /// Who writes logs there.
    pub tool: &'static str,
    /// Folder levels below it to look in.
    pub depth: u8,
    /// Where the fact comes from.
    pub source: &'static str,
}

/// A tool that prints to the terminal and keeps no log file of its own.
#[derive(Debug, Clone)]
pub struct TerminalOnly {
    /// The tool.
    pub tool: &'static str,
    /// How to keep its output.
    pub keep: &'static str,
    /// Where the fact comes from.
    pub source: &'static str,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    location: Vec<RawLocation>,
    terminal_only: Vec<RawTerminal>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLocation {
    id: String,
    platform: String,
    base: Base,
    path: String,
    tool: String,
    depth: u8,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTerminal {
    tool: String,
    keep: String,
    source: String,
}

struct Table {
    locations: Vec<Location>,
    terminal: Vec<TerminalOnly>,
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        // The file is part of the binary and checked by tests; a broken table is a build defect.
        let file: File = toml::from_str(include_str!("../data/locations.toml"))
            .expect("data/locations.toml is valid (checked by tests)");
        let locations = file
            .location
            .into_iter()
            .map(|r| Location {
                id: leak(r.id),
                platform: r
                    .platform
                    .parse()
                    .expect("known platform (checked by tests)"),
                base: r.base,
                path: leak(r.path),
                tool: leak(r.tool),
                depth: r.depth,
                source: leak(r.source),
            })
            .collect();
        let terminal = file
            .terminal_only
            .into_iter()
            .map(|r| TerminalOnly {
                tool: leak(r.tool),
                keep: leak(r.keep),
                source: leak(r.source),
            })
            .collect();
        Table {
            locations,
            terminal,
        }
    })
}

/// Every known restore-log folder.
pub fn locations() -> &'static [Location] {
    &table().locations
}

/// Tools that keep no log file, and how to keep their output.
pub fn terminal_only() -> &'static [TerminalOnly] {
    &table().terminal
}
