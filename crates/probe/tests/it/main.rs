//! All of probe's integration tests in one binary (one link instead of 2).

mod checkup;
mod support;
mod tss_probe;
