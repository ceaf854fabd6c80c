//! The embedded data: diagnosis rules, formats, stages, checkpoint map and the restore protocol
//! tables (`data/*.toml`, `data/restore_protocol.json`), parsed once and validated by tests.

use rd_model::{Confidence, Family};
use regex::Regex;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// What a rule says about the log when it fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    /// Names a cause of a failed restore.
    Failure,
    /// Says the restore failed without saying why.
    Generic,
    /// Says the restore finished.
    Success,
    /// Alarming-looking but normal.
    Noise,
    /// Not a verdict: a fact other rules or the diagnosis build on (a tool's version banner, a
    /// granted signing ticket).
    Fact,
    /// Not a verdict: a setting or step that makes its family a likely cause if the restore
    /// fails without naming one (offered among the candidates, never decisive).
    Hint,
}

/// The facts a `fact` rule records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FactKind {
    /// A restore tool's version banner (parsed with `data/tools.toml`).
    ToolBanner,
    /// Apple's signing server granted the main ticket (APTicket / SHSH).
    TicketGranted,
}

/// One diagnosis rule, as `data/rules.toml` holds it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleDef {
    /// Stable id, e.g. `tss.not_signed`.
    pub id: String,
    /// What the rule says about the log.
    pub kind: RuleKind,
    /// Family of cause.
    pub family: Family,
    /// How sure the rule is on its own.
    pub confidence: Confidence,
    /// Priority among failures (higher wins).
    pub weight: u8,
    /// Literals, one of which must occur in the line (ASCII case ignored).
    pub any: Vec<String>,
    /// Optional regex the cleaned line must also match.
    #[serde(default)]
    pub regex: Option<String>,
    /// Literals that veto the rule on a line.
    #[serde(default)]
    pub unless: Vec<String>,
    /// One-line summary.
    pub title: String,
    /// Why the evidence line matters.
    pub why: String,
    /// What it means.
    pub explanation: String,
    /// Remedies, best first (an id missing from the knowledge base fails to load).
    pub remedies: Vec<rd_kb::RemedyId>,
    /// Restore error numbers this cause shows up as.
    #[serde(default)]
    pub error_codes: Vec<String>,
    /// Stage name when the log shows no better one.
    #[serde(default)]
    pub stage: Option<String>,
    /// What would settle the cause when this rule is all there is.
    #[serde(default)]
    pub settle: Option<String>,
    /// For `fact` rules: which fact the line records.
    #[serde(default)]
    pub fact: Option<FactKind>,
    /// The rule counts only on a line after this fact was recorded (e.g. a component refused
    /// after the main ticket was granted).
    #[serde(default)]
    pub after: Option<FactKind>,
    /// The tool's own final verdict (success or failure). The last such line decides the
    /// outcome; alarming lines before it do not.
    #[serde(default)]
    pub terminal: bool,
    /// When the log shows a tool build older than the firmware it restores, this cause is read
    /// as the tool's (family `restore_tool`).
    #[serde(default)]
    pub tool_age: bool,
    /// A pasted dialog: family, meaning and remedies come from the knowledge base (rd-kb) for
    /// the number the line names.
    #[serde(default)]
    pub kb_dialog: bool,
    /// The family when the log comes from a third-party restore tool (idevicerestore,
    /// futurerestore, …) rather than Apple's: there "the host software" is the tool itself.
    #[serde(default)]
    pub third_party_family: Option<Family>,
    /// The rule is also inferred from the whole log, not only from its literals.
    #[serde(default)]
    pub inferred_from: Option<Inference>,
    /// The rule counts only on a line after the log first reached this stage (an id of
    /// `data/stages.toml`), e.g. a device that reconnects in the wrong mode after its restore
    /// ramdisk was sent.
    #[serde(default)]
    pub after_stage: Option<String>,
    /// For `noise` rules: the line right after this one belongs to it, so a failure rule firing
    /// only there does not count (Python's "Exception in thread …:" before a background
    /// thread's traceback, which does not end the run).
    #[serde(default)]
    pub excuses_next: bool,
}

/// Whole-log inferences a rule can stand for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Inference {
    /// The IPSW file name lists product types that do not include the device's.
    IpswProductMismatch,
    /// The rule's lines count only when the saved blob they name is for another build than the
    /// IPSW the log names (checked by the diagnosis, which sees the whole log).
    BlobBuildMismatch,
    /// The rule's lines count only when the log's device is one the tool has no boot exploit
    /// for (a custom firmware cannot boot there; checked by the diagnosis).
    CustomFirmwareUnbootable,
    /// The rule's lines count only when the target firmware predates BuildManifest.plist
    /// (iPhone OS 1.x/2.x; checked by the diagnosis).
    FirmwarePredatesBuildManifest,
}

/// A rule with its compiled regex and lower-cased vetoes.
#[derive(Debug)]
pub struct Rule {
    /// The definition.
    pub def: RuleDef,
    /// Compiled `regex`.
    pub regex: Option<Regex>,
    /// `unless`, lower-cased.
    pub unless_lower: Vec<String>,
}

/// One log format, as `data/formats.toml` holds it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormatDef {
    /// Stable id, e.g. `idevicerestore`.
    pub id: String,
    /// Human name.
    pub name: String,
    /// Which format names a log that holds several (higher wins).
    pub priority: u8,
    /// Markers unique to the format (score 3).
    pub strong: Vec<String>,
    /// Other markers (score 1).
    pub markers: Vec<String>,
    /// Output of a third-party restore tool (not Apple's own software): a failure it reports
    /// without naming a cause is most often the tool's own.
    #[serde(default)]
    pub third_party: bool,
}

/// A host-side stage, as `data/stages.toml` holds it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageDef {
    /// Stable id, e.g. `tss`.
    pub id: String,
    /// Human name.
    pub name: String,
    /// Literals marking the stage.
    pub any: Vec<String>,
    /// Likely causes when a log fails or stops at this stage without naming one, best first.
    #[serde(default)]
    pub suspect: Vec<SuspectDef>,
    /// Reaching this stage shows that Apple's own restore software ran the restore (so a device
    /// log pasted with it is not a third-party tool's).
    #[serde(default)]
    pub apple_host: bool,
}

/// A likely cause of a failure at a stage, as `data/stages.toml` holds it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SuspectDef {
    /// The family of cause.
    pub family: Family,
    /// Why it is likely at this stage.
    pub why: String,
    /// What would confirm or rule it out.
    pub settle: String,
    /// Measured as the usual cause at this stage: named (at low confidence) when the log shows
    /// only generic failure lines there, or stops there.
    #[serde(default)]
    pub lead: bool,
    /// Remedies when the suspect is named, best first.
    #[serde(default)]
    pub remedies: Vec<rd_kb::RemedyId>,
    /// Restore error numbers users see in Finder/iTunes for this cause at this stage.
    #[serde(default)]
    pub error_codes: Vec<String>,
}

/// A checkpoint-name mapping, as `data/checkpoints.toml` holds it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckpointDef {
    /// Substrings of the checkpoint name.
    pub any: Vec<String>,
    /// Id of the rule explaining a failure of that step.
    pub rule: String,
}

/// How a tool's version maps to a build date (see `data/tools.toml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VersionScheme {
    /// `<tag>-<N>-g<sha>`: N commits after a tag.
    CommitsSinceTag,
    /// A total commit count.
    CommitCount,
    /// The version is a date, `vYY.MM.DD`.
    DateVersion,
    /// The version is a release tag with a known date.
    TagDates,
    /// No date known.
    None,
}

/// A restore tool whose banner the diagnosis reads, as `data/tools.toml` holds it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToolDef {
    /// Stable id, e.g. `idevicerestore`.
    pub id: String,
    /// Name as users know it.
    pub name: String,
    /// Regexes over a banner line, with named groups `version`, `count`, `date`.
    pub patterns: Vec<String>,
    /// How the version maps to a build date.
    pub scheme: VersionScheme,
    /// For `commits_since_tag`: the tag.
    #[serde(default)]
    pub tag: Option<String>,
    /// For `commits_since_tag`: the tag's date (`YYYY-MM-DD`).
    #[serde(default)]
    pub tag_date: Option<String>,
    /// The banner counts only when the log is also recognised as this format.
    #[serde(default)]
    pub format: Option<String>,
    /// For `tag_dates`: (version, `YYYY-MM-DD`) of each release tag.
    #[serde(default)]
    pub tags: Vec<(String, String)>,
    /// (commit count, `YYYY-MM-DD`) pairs from the tool's git history, ascending.
    pub anchors: Vec<(u32, String)>,
    /// Where the newest build is published.
    pub latest: String,
    /// What to try when a newer build does not help.
    pub others: String,
    /// Where the facts were read.
    pub source: String,
    /// Chips (CPID) the tool has a bootrom exploit for, so a custom firmware can boot there.
    #[serde(default)]
    pub custom_boot_cpids: Vec<u32>,
    /// The tool puts the device in pwned DFU mode itself before a custom restore.
    #[serde(default)]
    pub pwns_first: bool,
}

/// A tool definition with its compiled patterns.
#[derive(Debug)]
pub struct Tool {
    /// The definition.
    pub def: ToolDef,
    /// Compiled `patterns`.
    pub patterns: Vec<Regex>,
}

/// The fixed texts of `data/texts.toml`, by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextId {
    /// Only generic failure lines.
    NoCause,
    /// Several likely causes, none settled.
    Candidates,
    /// The log stops before the end.
    Incomplete,
    /// Nothing recognised.
    NotRecognised,
    /// A finished restore after earlier alarms (explanation suffix).
    EarlierFailure,
    /// Secondary findings.
    AlsoSeen,
    /// A pasted dialog looked up in the knowledge base.
    DialogKb,
    /// The tool build is older than the firmware (explanation suffix).
    ToolTooOld,
    /// A cause in the tool itself (explanation suffix).
    ToolCause,
    /// The tool-specific "update the tool" remedy.
    ToolUpdateRemedy,
    /// A third-party tool failed without naming a cause.
    ToolGeneric,
    /// A third-party tool's log stops without naming a cause (explanation suffix).
    ToolIncomplete,
    /// The usual cause of failures at a stage, named when the log names none.
    StageLead,
}

impl TextId {
    /// Every text id, for validation.
    pub const ALL: [TextId; 13] = [
        TextId::NoCause,
        TextId::Candidates,
        TextId::Incomplete,
        TextId::NotRecognised,
        TextId::EarlierFailure,
        TextId::AlsoSeen,
        TextId::DialogKb,
        TextId::ToolTooOld,
        TextId::ToolCause,
        TextId::ToolUpdateRemedy,
        TextId::ToolGeneric,
        TextId::ToolIncomplete,
        TextId::StageLead,
    ];

    /// The key in `texts.toml`.
    pub fn key(self) -> &'static str {
        match self {
            TextId::NoCause => "no_cause",
            TextId::Candidates => "candidates",
            TextId::Incomplete => "incomplete",
            TextId::NotRecognised => "not_recognised",
            TextId::EarlierFailure => "earlier_failure",
            TextId::AlsoSeen => "also_seen",
            TextId::DialogKb => "dialog_kb",
            TextId::ToolTooOld => "tool_too_old",
            TextId::ToolCause => "tool_cause",
            TextId::ToolUpdateRemedy => "tool_update_remedy",
            TextId::ToolGeneric => "tool_generic",
            TextId::ToolIncomplete => "tool_incomplete",
            TextId::StageLead => "stage_lead",
        }
    }
}

/// One fixed text, as `data/texts.toml` holds it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextDef {
    /// One-line summary.
    pub title: String,
    /// What it means (may hold `{placeholders}`).
    pub explanation: String,
    /// What would settle it.
    #[serde(default)]
    pub settle: Option<String>,
    /// Remedies, best first (an id missing from the knowledge base fails to load).
    #[serde(default)]
    pub remedies: Vec<rd_kb::RemedyId>,
}

/// Replaces every `{key}` in `template` by its value.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = template.to_string();
    for (k, v) in values {
        out = out.replace(&format!("{{{k}}}"), v);
    }
    out
}

#[derive(Deserialize)]
struct ToolFile {
    tool: Vec<ToolDef>,
}
#[derive(Deserialize)]
struct TextFile {
    text: BTreeMap<String, TextDef>,
    phrase: BTreeMap<String, String>,
}

/// The short phrases of `data/texts.toml` (`[phrase]`), by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phrase {
    /// A failing checkpoint with a name (`{step}`).
    StepFailed,
    /// A failing checkpoint without a name.
    StepFailedUnnamed,
    /// The device's final status (`{code}`, `{meaning}`).
    FinalStatus,
    /// A TSS answer (`{code}`, `{meaning}`).
    TssStatus,
    /// The tool's version banner.
    Banner,
    /// The last stage of an incomplete log.
    LastStage,
    /// The last recognised line of an incomplete log.
    LastLine,
    /// A stage a candidate cause belongs to (`{stage}`).
    StageReached,
    /// The last repeat of the decisive line (`{why}`, `{count}`).
    Repeated,
    /// An IPSW for other models (`{ipsw}`, `{device}`).
    IpswMismatch,
    /// The tool version the log shows (`{version}`).
    VersionShown,
    /// The log shows no tool version.
    VersionNotShown,
    /// A tool the log does not name.
    UnnamedTool,
    /// What settles a candidate when its rule does not say.
    DefaultSettle,
    /// What settles a tool candidate.
    NewestBuildSettles,
}

impl Phrase {
    /// Every phrase id, for validation.
    pub const ALL: [Phrase; 15] = [
        Phrase::StepFailed,
        Phrase::StepFailedUnnamed,
        Phrase::FinalStatus,
        Phrase::TssStatus,
        Phrase::Banner,
        Phrase::LastStage,
        Phrase::LastLine,
        Phrase::StageReached,
        Phrase::Repeated,
        Phrase::IpswMismatch,
        Phrase::VersionShown,
        Phrase::VersionNotShown,
        Phrase::UnnamedTool,
        Phrase::DefaultSettle,
        Phrase::NewestBuildSettles,
    ];

    /// The key in `texts.toml`'s `[phrase]` table.
    pub fn key(self) -> &'static str {
        match self {
            Phrase::StepFailed => "step_failed",
            Phrase::StepFailedUnnamed => "step_failed_unnamed",
            Phrase::FinalStatus => "final_status",
            Phrase::TssStatus => "tss_status",
            Phrase::Banner => "banner",
            Phrase::LastStage => "last_stage",
            Phrase::LastLine => "last_line",
            Phrase::StageReached => "stage_reached",
            Phrase::Repeated => "repeated",
            Phrase::IpswMismatch => "ipsw_mismatch",
            Phrase::VersionShown => "version_shown",
            Phrase::VersionNotShown => "version_not_shown",
            Phrase::UnnamedTool => "unnamed_tool",
            Phrase::DefaultSettle => "default_settle",
            Phrase::NewestBuildSettles => "newest_build_settles",
        }
    }
}

#[derive(Deserialize)]
struct RuleFile {
    rule: Vec<RuleDef>,
}
#[derive(Deserialize)]
struct FormatFile {
    format: Vec<FormatDef>,
}
#[derive(Deserialize)]
struct StageFile {
    stage: Vec<StageDef>,
    #[serde(default)]
    default_suspect: Vec<SuspectDef>,
}
#[derive(Deserialize)]
struct CheckpointFile {
    checkpoint: Vec<CheckpointDef>,
}

/// The restore protocol tables from `restore_protocol.json` that the parser needs.
#[derive(Debug, Default)]
pub struct Protocol {
    /// Operation number → name.
    pub operations: BTreeMap<u32, String>,
    /// Operation number → macro id.
    pub operation_macros: BTreeMap<u32, String>,
    /// Apple's header names for 0-10 (DFU/recovery-side operations).
    pub early_operations: BTreeMap<u32, String>,
    /// Device final status code → meaning.
    pub status_codes: BTreeMap<String, String>,
    /// idevicerestore return code → meaning.
    pub return_codes: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct ProtocolFile {
    status_codes: BTreeMap<String, serde_json::Value>,
    operations: BTreeMap<String, String>,
    operation_macros: BTreeMap<String, String>,
    amrestore_header_operations: AmrOps,
    return_codes: BTreeMap<String, String>,
}
#[derive(Deserialize)]
struct AmrOps {
    values: BTreeMap<String, String>,
}

fn parse_toml<T: serde::de::DeserializeOwned>(name: &str, text: &str) -> T {
    toml::from_str(text).unwrap_or_else(|e| panic!("embedded {name} is invalid: {e}"))
}

/// Every rule, in file order.
pub fn rules() -> &'static [Rule] {
    static R: OnceLock<Vec<Rule>> = OnceLock::new();
    R.get_or_init(|| {
        let file: RuleFile = parse_toml("rules.toml", include_str!("../data/rules.toml"));
        file.rule
            .into_iter()
            .map(|def| Rule {
                regex: def.regex.as_deref().map(|r| {
                    Regex::new(r).unwrap_or_else(|e| panic!("rule {} regex: {e}", def.id))
                }),
                unless_lower: def.unless.iter().map(|u| u.to_ascii_lowercase()).collect(),
                def,
            })
            .collect()
    })
}

/// The rule with this id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    rules().iter().find(|r| r.def.id == id)
}

/// Every restore tool whose banner is read.
pub fn tools() -> &'static [Tool] {
    static T: OnceLock<Vec<Tool>> = OnceLock::new();
    T.get_or_init(|| {
        parse_toml::<ToolFile>("tools.toml", include_str!("../data/tools.toml"))
            .tool
            .into_iter()
            .map(|def| Tool {
                patterns: def
                    .patterns
                    .iter()
                    .map(|p| {
                        Regex::new(p).unwrap_or_else(|e| panic!("tool {} pattern: {e}", def.id))
                    })
                    .collect(),
                def,
            })
            .collect()
    })
}

fn text_file() -> &'static TextFile {
    static T: OnceLock<TextFile> = OnceLock::new();
    T.get_or_init(|| parse_toml::<TextFile>("texts.toml", include_str!("../data/texts.toml")))
}

/// A fixed text (`data/texts.toml`); the test of the embedded data proves every id exists.
pub fn text(id: TextId) -> &'static TextDef {
    text_file()
        .text
        .get(id.key())
        .unwrap_or_else(|| panic!("texts.toml lacks [text.{}]", id.key()))
}

/// A short phrase (`data/texts.toml`, `[phrase]`) with its `{placeholders}` filled in.
pub fn phrase(id: Phrase, values: &[(&str, &str)]) -> String {
    let p = text_file()
        .phrase
        .get(id.key())
        .unwrap_or_else(|| panic!("texts.toml lacks phrase {}", id.key()));
    fill(p, values)
}

/// Every format, in file order.
pub fn formats() -> &'static [FormatDef] {
    static F: OnceLock<Vec<FormatDef>> = OnceLock::new();
    F.get_or_init(|| {
        parse_toml::<FormatFile>("formats.toml", include_str!("../data/formats.toml")).format
    })
}

fn stage_file() -> &'static StageFile {
    static S: OnceLock<StageFile> = OnceLock::new();
    S.get_or_init(|| parse_toml::<StageFile>("stages.toml", include_str!("../data/stages.toml")))
}

/// Every host-side stage, in restore order.
pub fn stages() -> &'static [StageDef] {
    &stage_file().stage
}

/// Likely causes when a log names neither a cause nor a stage with suspects.
pub fn default_suspects() -> &'static [SuspectDef] {
    &stage_file().default_suspect
}

/// Every checkpoint-name mapping.
pub fn checkpoint_map() -> &'static [CheckpointDef] {
    static C: OnceLock<Vec<CheckpointDef>> = OnceLock::new();
    C.get_or_init(|| {
        parse_toml::<CheckpointFile>("checkpoints.toml", include_str!("../data/checkpoints.toml"))
            .checkpoint
    })
}

/// The restore protocol tables.
pub fn protocol() -> &'static Protocol {
    static P: OnceLock<Protocol> = OnceLock::new();
    P.get_or_init(|| {
        let file: ProtocolFile =
            serde_json::from_str(include_str!("../data/restore_protocol.json"))
                .unwrap_or_else(|e| panic!("embedded restore_protocol.json is invalid: {e}"));
        let num = |m: BTreeMap<String, String>| -> BTreeMap<u32, String> {
            m.into_iter()
                .filter_map(|(k, v)| k.parse::<u32>().ok().map(|k| (k, v)))
                .collect()
        };
        Protocol {
            operations: num(file.operations),
            operation_macros: num(file.operation_macros),
            early_operations: num(file.amrestore_header_operations.values)
                .into_iter()
                .filter(|(k, _)| *k <= 10)
                .map(|(k, v)| (k, humanize_constant(&v)))
                .collect(),
            status_codes: file
                .status_codes
                .into_iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k, s.to_string())))
                .collect(),
            return_codes: file.return_codes,
        }
    })
}

impl Protocol {
    /// Maps an operation number as logged to (adjusted number, name, macro), applying the
    /// protocol-version offset: before protocol 14 every number above 35 is one lower on the wire.
    pub fn operation(
        &self,
        wire: u32,
        protocol_version: Option<u32>,
    ) -> Option<(u32, &str, Option<&str>)> {
        if wire <= 10 {
            return self
                .early_operations
                .get(&wire)
                .map(|n| (wire, n.as_str(), None));
        }
        let adjusted = match protocol_version {
            Some(v) if v < 14 && wire > 35 => wire + 1,
            _ => wire,
        };
        self.operations.get(&adjusted).map(|n| {
            (
                adjusted,
                n.as_str(),
                self.operation_macros.get(&adjusted).map(String::as_str),
            )
        })
    }

    /// Looks an operation up by the name idevicerestore printed (already adjusted).
    pub fn operation_by_name(&self, name: &str) -> Option<(u32, &str, Option<&str>)> {
        self.operations
            .iter()
            .find(|(_, n)| n.eq_ignore_ascii_case(name))
            .map(|(k, n)| {
                (
                    *k,
                    n.as_str(),
                    self.operation_macros.get(k).map(String::as_str),
                )
            })
    }

    /// Meaning of a TSS STATUS code, from the one TSS status table (`rd-tss`).
    pub fn tss_meaning(&self, code: i64) -> Option<&'static str> {
        rd_tss::lookup(code).map(|s| s.meaning.as_str())
    }

    /// Meaning of a device final status code.
    pub fn status_meaning(&self, code: i64) -> Option<&str> {
        let key = if code == -1 {
            "0xFFFFFFFFFFFFFFFF".to_string()
        } else {
            code.to_string()
        };
        self.status_codes.get(&key).map(String::as_str)
    }
}

/// `kAMRestoreOperationSendingBootImage (note)` → `Sending boot image`.
fn humanize_constant(c: &str) -> String {
    let base = c
        .split(" (")
        .next()
        .unwrap_or(c)
        .trim_start_matches("kAMRestoreOperation");
    let mut out = String::new();
    for (i, ch) in base.chars().enumerate() {
        if ch.is_ascii_uppercase() && i > 0 {
            out.push(' ');
            out.push(ch.to_ascii_lowercase());
        } else {
            out.push(ch);
        }
    }
    out
}

/// Checks the embedded data for consistency; returns every problem found (empty when valid).
pub fn validate() -> Vec<String> {
    let mut problems = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for r in rules() {
        let d = &r.def;
        if !seen.insert(d.id.as_str()) {
            problems.push(format!("duplicate rule id {}", d.id));
        }
        if d.any.is_empty() || d.any.iter().any(|a| a.trim().is_empty()) {
            problems.push(format!(
                "rule {} has an empty literal list or literal",
                d.id
            ));
        }
        if d.title.trim().is_empty() || d.why.trim().is_empty() || d.explanation.trim().is_empty() {
            problems.push(format!("rule {} lacks title/why/explanation", d.id));
        }
        match d.kind {
            RuleKind::Failure => {
                if matches!(d.family, Family::Success | Family::Unknown) {
                    problems.push(format!("failure rule {} must name a cause family", d.id));
                }
                if d.remedies.is_empty() {
                    problems.push(format!("failure rule {} has no remedies", d.id));
                }
            }
            RuleKind::Generic => {
                if d.settle.is_none() {
                    problems.push(format!(
                        "generic rule {} must say what would settle it",
                        d.id
                    ));
                }
            }
            RuleKind::Success => {
                if d.family != Family::Success {
                    problems.push(format!("success rule {} must have family success", d.id));
                }
            }
            RuleKind::Noise => {}
            RuleKind::Hint => {
                if matches!(d.family, Family::Success | Family::Unknown) || d.settle.is_none() {
                    problems.push(format!(
                        "hint rule {} must name a cause family and what would settle it",
                        d.id
                    ));
                }
            }
            RuleKind::Fact => {
                if d.fact.is_none() {
                    problems.push(format!("fact rule {} must say which fact it records", d.id));
                }
            }
        }
        if d.fact.is_some() && d.kind != RuleKind::Fact {
            problems.push(format!(
                "rule {} records a fact but is not a fact rule",
                d.id
            ));
        }
        if let Some(f) = d.after
            && !rules().iter().any(|r| r.def.fact == Some(f))
        {
            problems.push(format!("rule {} waits for a fact no rule records", d.id));
        }
        if let Some(st) = &d.after_stage
            && !stages().iter().any(|s| &s.id == st)
        {
            problems.push(format!("rule {} waits for unknown stage {st}", d.id));
        }
        if d.terminal && !matches!(d.kind, RuleKind::Success | RuleKind::Generic) {
            problems.push(format!(
                "terminal rule {} must be a success or generic rule",
                d.id
            ));
        }
    }
    let mut fseen = std::collections::HashSet::new();
    for f in formats() {
        if !fseen.insert(f.id.as_str()) {
            problems.push(format!("duplicate format id {}", f.id));
        }
        if f.strong.is_empty() {
            problems.push(format!("format {} has no strong marker", f.id));
        }
    }
    for c in checkpoint_map() {
        if rule(&c.rule).is_none() {
            problems.push(format!("checkpoint map names unknown rule {}", c.rule));
        }
    }
    let mut sseen = std::collections::HashSet::new();
    for s in stages() {
        if !sseen.insert(s.id.as_str()) || s.any.is_empty() {
            problems.push(format!("stage {} is duplicated or has no markers", s.id));
        }
        if s.suspect.iter().filter(|x| x.lead).count() > 1 {
            problems.push(format!("stage {} has more than one lead suspect", s.id));
        }
    }
    for sus in stages()
        .iter()
        .flat_map(|s| &s.suspect)
        .chain(default_suspects())
    {
        if matches!(sus.family, Family::Success | Family::Unknown) {
            problems.push(format!(
                "a stage suspect names family {}",
                sus.family.as_str()
            ));
        }
    }
    for t in tools() {
        let d = &t.def;
        if d.patterns.is_empty() {
            problems.push(format!("tool {} has no banner pattern", d.id));
        }
        if !d
            .anchors
            .windows(2)
            .all(|w| w[0].0 < w[1].0 && w[0].1 <= w[1].1)
        {
            problems.push(format!("tool {} anchors are not ascending", d.id));
        }
        let dated = matches!(
            d.scheme,
            VersionScheme::CommitsSinceTag | VersionScheme::CommitCount
        );
        if d.scheme == VersionScheme::TagDates && d.tags.is_empty() {
            problems.push(format!("tool {} needs release tags", d.id));
        }
        if dated && d.anchors.is_empty() {
            problems.push(format!("tool {} needs commit anchors", d.id));
        }
        for cpid in &d.custom_boot_cpids {
            if !rd_catalog::devices::devices()
                .iter()
                .any(|x| x.cpid == *cpid)
            {
                problems.push(format!("tool {} names unknown chip {cpid:#x}", d.id));
            }
        }
    }
    for id in TextId::ALL {
        if !text_file().text.contains_key(id.key()) {
            problems.push(format!("texts.toml lacks [text.{}]", id.key()));
        }
    }
    for id in Phrase::ALL {
        if !text_file().phrase.contains_key(id.key()) {
            problems.push(format!("texts.toml lacks phrase {}", id.key()));
        }
    }
    let p = protocol();
    if p.operations.len() < 50 || p.status_codes.len() < 8 {
        problems.push("restore_protocol.json tables look truncated".to_string());
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_apply_the_protocol_version_offset() {
        let p = protocol();
        // Before protocol 14 the device sends every number above 35 one lower.
        let old = p.operation(58, Some(13)).unwrap();
        assert_eq!((old.0, old.1), (59, "Updating SE Firmware"));
        let new = p.operation(58, Some(15)).unwrap();
        assert_eq!(
            (new.0, new.1, new.2),
            (58, "Updating NAND Firmware", Some("UPDATE_NAND_FIRMWARE"))
        );
        // Unknown protocol: the modern numbering; numbers up to 35 never shift.
        assert_eq!(p.operation(19, Some(10)).unwrap().1, "Updating baseband");
        assert_eq!(p.operation(4, None).unwrap().1, "Connection established");
        assert_eq!(p.operation_by_name("updating baseband").unwrap().0, 19);
        assert!(p.operation(45, None).is_none());
    }

    #[test]
    fn status_and_tss_meanings_come_from_the_protocol_table() {
        let p = protocol();
        assert!(p.status_meaning(53).unwrap().contains("FDR"));
        assert!(p.status_meaning(-1).unwrap().contains("Verification"));
        assert!(p.tss_meaning(94).unwrap().contains("does not sign"));
        assert!(!p.tss_meaning(168).unwrap().contains("does not sign"));
        assert!(p.tss_meaning(12345).is_none());
    }
}
