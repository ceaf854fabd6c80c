//! All of tss's integration tests in one binary (one link instead of 3).

mod answers;
mod data;
mod real_manifests;
