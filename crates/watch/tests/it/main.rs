//! All of watch's integration tests in one binary (one link instead of 4).

mod history;
mod recorded;
mod spawned;
mod timeline;
