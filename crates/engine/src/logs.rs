//! `logs`: the restore logs found on this computer (or a copied home folder), newest first,
//! with the tools that keep no log file; and the newest one, for `log` with no file. The CLI
//! prints this document for `logs --json` and the web page serves it from `/api/logs`.

use crate::EngineError;
use rd_locate::{FoundLog, Layout};
use serde::Serialize;

/// The `logs --json` document.
#[derive(Debug, Clone, Serialize)]
pub struct LogsListing {
    /// Whose folder layout was searched (`macos`, `windows`, `linux`).
    pub platform: &'static str,
    /// The home folder searched.
    pub home: String,
    /// The logs found, newest first.
    pub logs: Vec<FoundLog>,
    /// Tools that print to the terminal and keep no log file, with how to keep their output.
    pub terminal_only: Vec<TerminalTool>,
}

/// A tool that keeps no log file.
#[derive(Debug, Clone, Serialize)]
pub struct TerminalTool {
    /// The tool.
    pub tool: &'static str,
    /// How to keep its output.
    pub keep: &'static str,
}

/// Searches `layout`'s log folders (blocking: walks folders).
pub fn logs_blocking(layout: &Layout) -> LogsListing {
    LogsListing {
        platform: layout.platform.as_str(),
        home: layout.home.display().to_string(),
        logs: rd_locate::discover(layout),
        terminal_only: rd_locate::terminal_only()
            .iter()
            .map(|t| TerminalTool {
                tool: t.tool,
                keep: t.keep,
            })
            .collect(),
    }
}

/// The newest restore log under `layout`, or a usage error saying none was found (blocking).
pub fn newest_blocking(layout: &Layout) -> Result<FoundLog, EngineError> {
    rd_locate::newest(layout).ok_or_else(|| {
        EngineError::Usage(format!(
            "no restore log found in the {} log folders under {}; pass the log file (see `restore-doctor logs`)",
            layout.platform.as_str(),
            layout.home.display()
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_home_lists_no_logs_but_the_terminal_tools_and_has_no_newest() {
        let home = tempfile::tempdir().unwrap();
        let layout = Layout {
            home: home.path().to_path_buf(),
            root: home.path().join(".no-system-root"),
            platform: rd_locate::Platform::Linux,
        };
        let listing = logs_blocking(&layout);
        assert!(listing.logs.is_empty());
        assert_eq!(listing.platform, "linux");
        assert!(!listing.terminal_only.is_empty());
        let err = newest_blocking(&layout).unwrap_err().to_string();
        assert!(err.contains("no restore log found"), "{err}");
    }
}
