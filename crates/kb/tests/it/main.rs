//! All of kb's integration tests in one binary (one link instead of 2).

mod data;
mod lookup;
