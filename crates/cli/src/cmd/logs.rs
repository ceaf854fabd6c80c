//! `restore-doctor logs`: the restore logs on this computer (or on a copied home folder), newest
//! first; also where `log` with no file finds the newest one.

use crate::fail::{CmdResult, EXIT_OK, Fail};
use crate::render::{bold, dim};
use rd_locate::{FoundLog, Layout, Platform};
use std::path::PathBuf;
use std::process::ExitCode;

/// Where to look for restore logs (shared by `logs` and `log`).
#[derive(Debug, Default, Clone, clap::Args)]
pub struct LocateArgs {
    /// The user's home folder to search, as its platform lays it out (default: yours)
    #[arg(long, value_name = "DIR")]
    pub home: Option<PathBuf>,

    /// Whose folder layout the home has: macos, windows or linux (default: this computer's)
    #[arg(long, value_name = "PLATFORM")]
    pub platform: Option<Platform>,

    /// The root that system-wide log folders hang from (default: / with your own home, none
    /// with --home)
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
}

impl LocateArgs {
    /// The layout these options describe.
    pub fn layout(&self) -> Result<Layout, Fail> {
        let platform = self.platform.unwrap_or_else(Platform::current);
        let (home, default_root) = match &self.home {
            Some(h) => {
                if !h.is_dir() {
                    return Err(Fail::usage(format!(
                        "--home '{}' is not a folder",
                        h.display()
                    )));
                }
                // Another machine's home: its system folders are only searched with --root.
                (h.clone(), h.join(".no-system-root"))
            }
            None => (
                dirs::home_dir()
                    .ok_or_else(|| Fail::usage("cannot tell your home folder; pass --home DIR"))?,
                PathBuf::from("/"),
            ),
        };
        Ok(Layout {
            home,
            root: self.root.clone().unwrap_or(default_root),
            platform,
        })
    }
}

/// Arguments of `logs`.
#[derive(Debug, Default, clap::Args)]
pub struct Args {
    /// Where to look
    #[command(flatten)]
    pub locate: LocateArgs,

    /// Print the list as JSON
    #[arg(long)]
    pub json: bool,
}

/// Runs `logs`.
pub fn run(args: Args, cx: &super::Context) -> CmdResult {
    let layout = args.locate.layout()?;
    let listing = rd_engine::logs::logs_blocking(&layout);
    if args.json {
        cx.render.print_json(&listing);
        return Ok(ExitCode::from(EXIT_OK));
    }
    let (found, terminal) = (&listing.logs, &listing.terminal_only);
    let (b, g) = (bold(), dim());
    let mut out = String::new();
    if found.is_empty() {
        out.push_str(&format!(
            "No restore logs found in the {} folders under {}.\n",
            layout.platform.as_str(),
            layout.home.display()
        ));
    } else {
        out.push_str(&format!(
            "{b}{} restore log{} found{b:#}, newest first:\n",
            found.len(),
            if found.len() == 1 { "" } else { "s" }
        ));
        for f in found {
            let device = f.device.as_deref().unwrap_or("device not named");
            out.push_str(&format!(
                "  {}  {g}{} · {} · {} bytes · {}{g:#}\n",
                f.path.display(),
                age(f.modified_unix),
                f.tool,
                f.size,
                device
            ));
        }
        out.push_str("Diagnose the newest with: restore-doctor log\n");
    }
    out.push_str(&format!(
        "{g}Tools that print to the terminal keep no log file; save their output, e.g.:{g:#}\n"
    ));
    for t in terminal {
        out.push_str(&format!("{g}  {}: {}{g:#}\n", t.tool, t.keep));
    }
    cx.render.emit(&out);
    Ok(ExitCode::from(EXIT_OK))
}

/// The newest restore log the options point at, or one clear line saying none was found.
pub fn newest(locate: &LocateArgs) -> Result<FoundLog, Fail> {
    Ok(rd_engine::logs::newest_blocking(&locate.layout()?)?)
}

/// "3 h ago"-style age of a Unix time.
fn age(unix: u64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let secs = now.saturating_sub(unix);
    match secs {
        s if s < 120 => "just now".to_string(),
        s if s < 2 * 3600 => format!("{} min ago", s / 60),
        s if s < 2 * 86400 => format!("{} h ago", s / 3600),
        s => format!("{} days ago", s / 86400),
    }
}
