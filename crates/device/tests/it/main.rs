//! All of device's integration tests in one binary (one link instead of 2).

mod fixtures;
mod parsers_prop;
