//! All of probe's integration tests in one binary (one link instead of 2).

mod support;
mod checkup;
mod tss_probe;
