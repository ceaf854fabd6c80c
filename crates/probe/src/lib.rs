//! restore-doctor probe (work in progress; see the crate's issue).
