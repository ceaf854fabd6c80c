//! `restore-doctor ipsw get`: downloads exactly the right, signed IPSW for a device and
//! verifies it in the same pass.
//!
//! Why it is built this way: the advice "download the right file" is only useful if the file
//! is right — the exact model and board, a build Apple still signs (asked live), intact. So the
//! choice ([`get::plan`]) happens before a byte is fetched, the download ([`fetch::fetch`])
//! resumes instead of starting over (IPSWs are 5–9 GB), and SHA-1 and SHA-256 are computed on
//! the bytes as they are written, so the file is verified when the last byte arrives and is
//! renamed into place only then. All HTTP is in [`http`], all signing questions in [`signing`].

#![warn(missing_docs)]

pub mod fetch;
pub mod get;
pub mod http;
pub mod pick;
pub mod progress;
pub mod signing;

pub use fetch::{Expected, FetchError, FetchOptions, Fetched, fetch, free_space};
pub use get::{Deps, GetError, Manual, Plan, Request, execute, plan};
pub use http::{NetTransport, Transport};
pub use signing::{LiveSigning, SignState, SigningAnswer, SigningOracle};
