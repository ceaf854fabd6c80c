//! The one way a command fails: a single clear line and an exit status.

use std::fmt;
use std::process::ExitCode;

/// Exit status: everything fine (or a diagnosis was produced).
pub const EXIT_OK: u8 = 0;
/// Exit status: the answer is bad news (unknown code, failing check).
pub const EXIT_FINDING_FAIL: u8 = 1;
/// Exit status: bad usage or unusable input (missing file, not an IPSW…).
pub const EXIT_USAGE: u8 = 2;
/// Exit status: only warnings.
pub const EXIT_FINDING_WARN: u8 = 3;

/// A command's failure: what went wrong in one line, and the exit status.
#[derive(Debug)]
pub struct Fail {
    /// Exit status to return.
    pub code: u8,
    /// The one line shown to the user.
    pub message: String,
}

impl Fail {
    /// Bad usage or unusable input (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Fail {
            code: EXIT_USAGE,
            message: message.into(),
        }
    }

    /// The question had no answer (exit 1), e.g. an unknown error code.
    pub fn not_found(message: impl Into<String>) -> Self {
        Fail {
            code: EXIT_FINDING_FAIL,
            message: message.into(),
        }
    }

    /// Prints `restore-doctor: <message>` on stderr, as one line.
    pub fn print(&self) {
        let one_line = self.message.replace(['\n', '\r'], " ");
        anstream::eprintln!("restore-doctor: {one_line}");
    }

    /// The process exit status.
    pub fn exit_code(&self) -> std::process::ExitCode {
        ExitCode::from(self.code)
    }
}

impl fmt::Display for Fail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Result type of every command.
pub type CmdResult = Result<ExitCode, Fail>;

/// Exit status for a set of findings: 0 when nothing is worse than info, 3 for warnings, 1 for
/// failures.
pub fn exit_for(worst: rd_model::Severity) -> ExitCode {
    ExitCode::from(match worst {
        rd_model::Severity::Ok | rd_model::Severity::Info => EXIT_OK,
        rd_model::Severity::Warn => EXIT_FINDING_WARN,
        rd_model::Severity::Fail => EXIT_FINDING_FAIL,
    })
}
