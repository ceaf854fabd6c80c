//! All of logs's integration tests in one binary (one link instead of one per file).

mod corpus;
mod fallback;
mod fixtures;
mod principles;
mod robust;
mod source_messages;
mod support;
