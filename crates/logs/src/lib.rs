//! restore-doctor logs (work in progress; see the crate's issue).
