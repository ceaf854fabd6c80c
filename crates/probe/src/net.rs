//! Low-level network steps (address blocks, name resolution, TCP connect), from the one
//! network layer `rd_net` every online command shares.

pub use rd_net::addr::*;
