//! All of host's integration tests in one binary (one link instead of 3).

mod fixtures;
mod parsers_never_panic;
mod registry;
