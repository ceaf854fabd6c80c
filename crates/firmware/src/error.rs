//! The one error type of this crate: every variant reads as one clear line.

/// Why an IPSW, a URL or a server answer could not be used.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file could not be opened or read.
    #[error("cannot read {path}: {reason}")]
    Io {
        /// File path.
        path: String,
        /// The OS's reason.
        reason: String,
    },
    /// No zip end-of-central-directory record: not a zip at all.
    #[error("{0} is not a zip archive, so not an IPSW (no zip end record found)")]
    NotZip(String),
    /// The zip's structure points outside the file or contradicts itself.
    #[error("{what} is damaged or truncated: {detail}")]
    Corrupt {
        /// File or URL.
        what: String,
        /// What exactly is wrong.
        detail: String,
    },
    /// The zip holds no BuildManifest.plist.
    #[error("{0} has no BuildManifest.plist, so it is not a restore IPSW")]
    NoManifest(String),
    /// A plist could not be parsed or is hostile.
    #[error("{name} is not a readable property list: {detail}")]
    BadPlist {
        /// Entry name.
        name: String,
        /// Parser's or limit's reason.
        detail: String,
    },
    /// A size field exceeds what this tool will allocate.
    #[error("{what} claims {size} bytes, more than the {limit}-byte limit; refusing to read it")]
    TooLarge {
        /// What was too large.
        what: String,
        /// Size claimed.
        size: u64,
        /// Limit.
        limit: u64,
    },
    /// A network request failed (timeout, refused, TLS, DNS).
    #[error("{url}: {reason}")]
    Http {
        /// Request URL.
        url: String,
        /// Why it failed.
        reason: String,
    },
    /// The server ignores byte ranges, so the IPSW cannot be read remotely without downloading.
    #[error(
        "{0} does not support HTTP range requests; download the IPSW and pass the file instead"
    )]
    NoRanges(String),
    /// A server's answer was not what its API promises.
    #[error("{url} answered something unexpected: {detail}")]
    BadAnswer {
        /// Request URL.
        url: String,
        /// What was wrong.
        detail: String,
    },
    /// The entry uses a compression method or encryption this reader does not handle.
    #[error("{name} uses {detail}, which IPSWs never use; the file is not a genuine IPSW")]
    Unsupported {
        /// Entry name.
        name: String,
        /// Method or flag.
        detail: String,
    },
}

/// Result type of this crate.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// A damaged-structure error.
    pub fn corrupt(what: &str, detail: impl Into<String>) -> Self {
        Error::Corrupt {
            what: what.to_string(),
            detail: detail.into(),
        }
    }
}
