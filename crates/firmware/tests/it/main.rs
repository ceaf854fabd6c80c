//! All of firmware's integration tests in one binary (one link instead of 3).

mod ipsw;
mod preflight;
mod signing;
