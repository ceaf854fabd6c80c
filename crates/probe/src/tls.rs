//! TLS trust and chain judgement, from the one network layer `rd_net`: Apple's roots built in
//! (used alone for Apple's private-PKI hosts such as gs.apple.com), Mozilla's roots and the OS
//! store for the rest.

pub use rd_net::trust::*;
