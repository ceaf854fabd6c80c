//! restore-doctor's shareable report.
//!
//! When someone asks for help with a failed restore (a forum, a repair shop, Apple), they need
//! one file that shows everything: how the computer looks (a checkup), what is connected, what
//! the newest restore log says, and what happened on earlier attempts, without the device's
//! identifiers. [`assemble`] gathers those parts through the engine's functions into a
//! [`Bundle`]; [`redact_bundle`] masks ECID, serial number, IMEI and UDID in it; the pure
//! renderers [`render_html`] and [`render_markdown`] turn it into one self-contained file
//! (inline styles, tables, no scripts, fonts or images from elsewhere) that reads the same
//! offline, in a browser and in a mail client. The CLI's `report` command and the web page's
//! download both use these functions.

mod assemble;
mod html;
mod markdown;
mod redact;
mod text;

pub use assemble::{AssembleOptions, CheckupPlan, IpswPlan, assemble, newest_log};
pub use html::render_html;
pub use markdown::render_markdown;
pub use redact::{identifiers, redact_bundle};

use rd_history::{Attempt, Escalation};
use rd_logs::Diagnosis;
use rd_model::{Finding, Report};
use serde::{Deserialize, Serialize};

/// One part of the bundle: gathered, deliberately left out, or not obtainable (and why).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", content = "value", rename_all = "snake_case")]
pub enum Part<T> {
    /// Gathered.
    Done(T),
    /// Left out on purpose (an option said so, or there was nothing to gather), and why.
    Skipped(String),
    /// Could not be gathered, and why (one line).
    Failed(String),
}

impl<T> Part<T> {
    /// The gathered value, if any.
    pub fn done(&self) -> Option<&T> {
        match self {
            Part::Done(v) => Some(v),
            _ => None,
        }
    }
}

/// One connected device, as the report lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceRow {
    /// Marketing name, e.g. `iPhone 8 (GSM)`, or the USB name.
    pub name: String,
    /// Product type, e.g. `iPhone10,4`, when identified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_type: Option<String>,
    /// Mode (`Normal`, `Recovery`, `DFU`).
    pub mode: String,
    /// ECID (masked unless identifiers are kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ecid: Option<String>,
    /// Serial number from the serial string (masked unless identifiers are kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial_number: Option<String>,
    /// IMEI from the serial string (masked unless identifiers are kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imei: Option<String>,
    /// The OS's instance id (holds the UDID in normal mode; masked unless kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<String>,
    /// Link speed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speed: Option<String>,
    /// `bus 1, port 2.1`.
    pub location: String,
    /// Hubs between it and the computer, nearest the computer first.
    #[serde(default)]
    pub hubs: Vec<String>,
    /// Bound driver (Windows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub driver: Option<String>,
}

/// The connected devices and what the USB path looks like.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DevicesPart {
    /// Where the inventory came from (the bus, or a recorded fixture).
    pub source: String,
    /// The devices.
    pub devices: Vec<DeviceRow>,
    /// Findings about the devices and the USB path.
    pub findings: Vec<Finding>,
}

/// The attempt history of the device the report is about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryPart {
    /// The device key (salted ECID hash), never the ECID.
    pub device: String,
    /// Its attempts, oldest first.
    pub attempts: Vec<Attempt>,
    /// The next rung of the ladder, when the latest failure repeats an earlier one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalation: Option<Escalation>,
}

/// Everything one report shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bundle {
    /// `restore-doctor <version>`.
    pub tool: String,
    /// When it was made, e.g. `2026-11-29 19:44 UTC`.
    pub generated: String,
    /// Whether identifiers were masked.
    pub redacted: bool,
    /// The newest (or given) restore log's diagnosis.
    pub log: Part<Diagnosis>,
    /// The device's attempt history.
    pub history: Part<HistoryPart>,
    /// The connected devices.
    pub devices: Part<DevicesPart>,
    /// The computer's checkup.
    pub checkup: Part<Report>,
    /// The IPSW file's check, when one was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipsw: Option<Part<Report>>,
}

/// The file formats a report is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One self-contained HTML page.
    Html,
    /// Markdown (for a forum post or an issue).
    Markdown,
}

impl Format {
    /// The format a file name asks for (`.md`/`.markdown` is Markdown, anything else HTML).
    pub fn for_path(path: &std::path::Path) -> Format {
        match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("md") || e.eq_ignore_ascii_case("markdown") => {
                Format::Markdown
            }
            _ => Format::Html,
        }
    }

    /// The MIME type to serve it as.
    pub fn mime(self) -> &'static str {
        match self {
            Format::Html => "text/html; charset=utf-8",
            Format::Markdown => "text/markdown; charset=utf-8",
        }
    }

    /// A download file name, e.g. `restore-doctor-report.html`.
    pub fn file_name(self) -> &'static str {
        match self {
            Format::Html => "restore-doctor-report.html",
            Format::Markdown => "restore-doctor-report.md",
        }
    }
}

/// Renders `bundle` in `format` (what the web page's download serves).
pub fn render(bundle: &Bundle, format: Format) -> String {
    match format {
        Format::Html => render_html(bundle),
        Format::Markdown => render_markdown(bundle),
    }
}
