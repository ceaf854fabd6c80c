//! restore-doctor device (work in progress; see the crate's issue).
