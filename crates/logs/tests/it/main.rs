//! All of logs's integration tests in one binary (one link instead of 3).

mod corpus;
mod fixtures;
mod principles;
mod robust;
mod source_messages;
