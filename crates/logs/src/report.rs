//! The diagnosis of one restore log, as `restore-doctor log --json` prints it.

use rd_model::{Confidence, Family, Finding, Remedy};
use serde::{Deserialize, Serialize};

/// How the restore in the log ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The restore finished.
    Success,
    /// The restore failed.
    Failure,
    /// The log shows a restore under way but not how it ended (cut off, partial paste).
    Incomplete,
    /// Nothing in the log could be recognised as a restore.
    Unknown,
}

impl Outcome {
    /// The snake_case id used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
            Outcome::Incomplete => "incomplete",
            Outcome::Unknown => "unknown",
        }
    }
}

/// The restore step a failure happened in (or the last step reached).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stage {
    /// Human name, e.g. `Updating baseband` or `restore_images`.
    pub name: String,
    /// Stable id when the log gives one: a checkpoint id (`0x0624`), an operation macro
    /// (`UPDATE_BASEBAND`) or a host-side stage key (`tss`).
    pub id: Option<String>,
}

/// The device the log is about.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceInfo {
    /// Product type, e.g. `iPhone9,3`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_type: Option<String>,
    /// Board config, e.g. `d101ap`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub board: Option<String>,
    /// Marketing name from the device table, e.g. `iPhone 7 (GSM)`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Mode the device was first seen in (`Recovery`, `DFU`, `Normal`, `Restore`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// iOS version the device ran before the restore, when logged.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// 1-based line the identity came from.
    pub line: u64,
}

/// The firmware being installed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetInfo {
    /// Version, e.g. `15.7.9`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Build, e.g. `19H365`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub build: Option<String>,
    /// Product types named by the IPSW file name, when one was logged.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub ipsw_product_types: Vec<String>,
    /// The IPSW file name, when logged.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ipsw: Option<String>,
}

/// One quoted log line behind the diagnosis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceLine {
    /// 1-based line number in the input.
    pub line: u64,
    /// The line as found (markdown quoting removed, trimmed, at most 300 characters).
    pub text: String,
    /// Why the line matters.
    pub why: String,
}

/// Lines that look alarming but were discounted as normal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoiseNote {
    /// Rule id, e.g. `noise.fdr_chatter`.
    pub id: String,
    /// What the lines are.
    pub title: String,
    /// Why they were discounted.
    pub why: String,
    /// How many lines.
    pub count: u64,
    /// First line.
    pub first_line: u64,
    /// Last line.
    pub last_line: u64,
    /// The first such line.
    pub example: String,
}

/// Where an observed code comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CodeKind {
    /// A TSS server `STATUS=`.
    TssStatus,
    /// The device's final status.
    DeviceStatus,
    /// A tool's return / error code.
    ToolReturn,
    /// A failing checkpoint's result.
    CheckpointResult,
    /// An `AMRError` of Apple's restore library.
    AmrError,
    /// The code of a futurerestore exception block.
    Exception,
    /// An ASR error (`error = N`).
    AsrError,
}

/// A code seen in the log, with what it means.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObservedCode {
    /// Where the code comes from.
    pub kind: CodeKind,
    /// The code as logged.
    pub code: String,
    /// What it means, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meaning: Option<String>,
    /// 1-based line.
    pub line: u64,
}

/// What a checkpoint line reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckpointState {
    /// The step started.
    Begin,
    /// The step ended.
    End,
    /// A note about the step.
    Notice,
    /// The device retries the step by itself.
    Retry,
    /// A warning.
    Warning,
    /// The step failed.
    Failure,
}

impl CheckpointState {
    /// The snake_case id used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckpointState::Begin => "begin",
            CheckpointState::End => "end",
            CheckpointState::Notice => "notice",
            CheckpointState::Retry => "retry",
            CheckpointState::Warning => "warning",
            CheckpointState::Failure => "failure",
        }
    }
}

impl CodeKind {
    /// The snake_case id used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            CodeKind::TssStatus => "tss_status",
            CodeKind::DeviceStatus => "device_status",
            CodeKind::ToolReturn => "tool_return",
            CodeKind::CheckpointResult => "checkpoint_result",
            CodeKind::AmrError => "amr_error",
            CodeKind::Exception => "exception",
            CodeKind::AsrError => "asr_error",
        }
    }
}

/// A checkpoint as reported by the device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckpointEvent {
    /// 1-based line.
    pub line: u64,
    /// Checkpoint id as hex (`0x0624`) when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Checkpoint name, e.g. `restore_images`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Phase (`RESTORED`, `FIRMWARE`, ...) when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
    /// What the line reports.
    pub state: CheckpointState,
    /// Result code when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<i64>,
    /// The device's message (`[0]D(...)`) when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// A restore operation the device reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperationEvent {
    /// 1-based line where it first appeared (in a run of the same operation).
    pub line: u64,
    /// The number as logged (on the wire).
    pub number: u32,
    /// The number after the protocol-version adjustment.
    pub adjusted: u32,
    /// Name, e.g. `Updating baseband`.
    pub name: String,
    /// Macro id, e.g. `UPDATE_BASEBAND`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// A summary of the typed events extracted from the log (bounded in size).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EventSummary {
    /// Mode transitions in order (consecutive repeats folded).
    pub modes: Vec<String>,
    /// Restore operations in order (consecutive repeats folded; at most the last 64).
    pub operations: Vec<OperationEvent>,
    /// Checkpoints (at most the last 64, plus every failure).
    pub checkpoints: Vec<CheckpointEvent>,
    /// restored protocol version, when logged.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol_version: Option<u32>,
    /// TSS request attempts seen.
    pub tss_requests: u64,
    /// ASR (filesystem transfer) started.
    pub asr_started: bool,
    /// Highest ASR / transfer progress percentage seen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asr_progress: Option<f32>,
    /// USB / usbmux error lines.
    pub usb_errors: u64,
    /// FDR / reverse-proxy lines.
    pub fdr_lines: u64,
    /// Line where an embedded device log starts (`Log is available:`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_log_line: Option<u64>,
    /// The last step reached.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_step: Option<Stage>,
}

/// The restore tool build the log shows (from its version banner).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolInfo {
    /// Tool id from `data/tools.toml`, e.g. `idevicerestore`.
    pub id: String,
    /// Name as users know it.
    pub name: String,
    /// Version as the banner shows it.
    pub version: String,
    /// Earliest date (`YYYY-MM-DD`) the build can be from, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub built_after: Option<String>,
    /// Latest date the build can be from, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub built_before: Option<String>,
    /// Release date of the target firmware, from the embedded catalog.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub firmware_released: Option<String>,
    /// When the firmware is newer than the embedded catalog: the catalog's date (it was
    /// released after it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub firmware_released_after: Option<String>,
    /// Whether the build is older than the firmware it restores (unset when either date is
    /// unknown).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub older_than_firmware: Option<bool>,
    /// 1-based line of the banner.
    pub line: u64,
}

/// A likely cause offered when the log does not settle one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CandidateCause {
    /// The family of cause.
    pub family: Family,
    /// The rule behind it, when one fired.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// Why it is a candidate, in plain words.
    pub why: String,
    /// The lines that point at it.
    pub evidence: Vec<EvidenceLine>,
    /// What would confirm or rule it out.
    pub settle: String,
}

/// The diagnosis of one log. The first fields are the stable JSON contract.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Diagnosis {
    /// The input (path or `-`), set by the caller.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// The main format id, e.g. `idevicerestore`, or `unknown`.
    pub format: String,
    /// How the restore ended.
    pub outcome: Outcome,
    /// The family of cause (`success` for a finished restore).
    pub category: Family,
    /// How sure the category is.
    pub confidence: Confidence,
    /// Where it failed (or the last step reached when it did not finish).
    pub failed_stage: Option<Stage>,
    /// Restore error numbers (as iTunes/Finder show them) this cause shows up as.
    pub error_codes: Vec<String>,
    /// The device, when the log names it.
    pub device: Option<DeviceInfo>,
    /// The firmware, when the log names it.
    pub target: Option<TargetInfo>,
    /// Quoted lines behind the diagnosis, decisive line first.
    pub evidence: Vec<EvidenceLine>,
    /// What to do, best first.
    pub remedies: Vec<Remedy>,
    /// Every format found (the main one first), e.g. an embedded device log.
    pub formats: Vec<String>,
    /// One-line summary.
    pub title: String,
    /// What it means, in plain words.
    pub explanation: String,
    /// When unsure: what would settle the cause.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub settle: Option<String>,
    /// Id of the decisive rule, when one decided.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// When the cause is not settled (low confidence or `unknown`): the two or three likely
    /// causes, each with its evidence and what would settle it. Best first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub candidates: Vec<CandidateCause>,
    /// The restore tool build the log shows, when its banner is there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool: Option<ToolInfo>,
    /// Codes seen in the log (TSS statuses, device statuses, tool return codes).
    pub observed_codes: Vec<ObservedCode>,
    /// Alarming-looking lines that were discounted as normal.
    pub noise: Vec<NoiseNote>,
    /// Typed events extracted from the log.
    pub events: EventSummary,
    /// The same diagnosis in the shared finding model (main finding first, then other signals).
    pub findings: Vec<Finding>,
    /// Lines read.
    pub lines: u64,
    /// Bytes read.
    pub bytes: u64,
}
