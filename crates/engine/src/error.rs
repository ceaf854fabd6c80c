//! Why a command produced no report: each variant is one clear line for the user, and tells
//! every surface how to answer (CLI exit status, HTTP status).

/// Why a command produced no report.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    /// Bad usage or unusable input: a missing file, an empty log, an unknown device name
    /// (CLI exit 2, HTTP 400).
    #[error("{0}")]
    Usage(String),
    /// The question has no answer, e.g. an unknown error code (CLI exit 1, HTTP 404).
    #[error("{0}")]
    NotFound(String),
    /// The work stopped unexpectedly (CLI exit 2, HTTP 500).
    #[error("{0}")]
    Failed(String),
}
