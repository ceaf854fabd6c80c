//! Apple's signing server (TSS): the one place restore-doctor builds a personalization request,
//! reads an answer and says what a `STATUS` means. `signed`, `ipsw`, the checkup's `apple.tss`
//! probe and the log reader all use it, so they cannot disagree.
//!
//! Why it exists: a request that differs from the ones Apple's own clients send draws wrong
//! answers (extra entries can make Apple answer `STATUS=94`, "not eligible", for a build it
//! signs), and a status read the wrong way (168, "An internal error occurred", read as "not
//! signed") makes people give up on a build they could install.
//!
//! The request rules were worked out from public reference clients (facts only, no code):
//! - libimobiledevice/libtatsu@60a39f36d719344360ec2e87563ed43f61f0530f `src/tss.c`
//!   (`tss_request_new`, `tss_parameters_add_from_manifest`, `tss_request_add_common_tags`,
//!   `tss_request_add_ap_tags`, `tss_request_add_ap_img4_tags`, `tss_request_add_ap_img3_tags`,
//!   `tss_entry_apply_restore_request_rules`, `tss_request_send`);
//! - libimobiledevice/idevicerestore@405fcd17948ea4bd2571c76abd4451e8412b6260 `src/idevicerestore.c`
//!   (`get_tss_response`: the parameters of a normal restore — production and security mode on,
//!   Image4 by chip);
//! - tihmstar/tsschecker@d3140ead31b56ec474e09d8c5d7bff0ed94203ed `tsschecker/TssRequest.cpp`,
//!   `tsschecker/tsschecker.cpp` and 1Conan/tsschecker@5774e5a72d985b518c276495e29bcc7f645702b9
//!   `tsschecker/tsschecker.c` (nonce lengths by chip, `@Locality`);
//! - blacktop/ipsw@d3402ccd0ed1ec381b23762fc322f65193ba37f6 `pkg/tss/tss.go` (`@UUID` as an
//!   upper-case UUID, random nonces, the answer format).
//!
//! Knowledge is data: `data/status.toml` (status meanings), `data/nonces.toml` (nonce length and
//! ticket format by chip) and `data/request.toml` (headers, client strings, skipped entries),
//! embedded at build time and checked by tests.

pub mod answer;
pub mod chips;
mod data;
pub mod request;
pub mod rules;
pub mod status;

pub use answer::{NotTss, Parsed, Reply, Verdict, parse};
pub use request::{ApParams, Request, Target, build};
pub use status::{StatusInfo, lookup};

/// Apple's signing endpoint.
pub const DEFAULT_URL: &str = "https://gs.apple.com/TSS/controller?action=2";

/// The HTTP headers a request is sent with (besides Host and Content-Length), as reference
/// clients send them. Exactly one of them is the User-Agent.
pub fn headers() -> [(&'static str, &'static str); 3] {
    let r = data::request();
    [
        ("User-Agent", r.user_agent.as_str()),
        ("Content-Type", r.content_type.as_str()),
        ("Cache-Control", r.cache_control.as_str()),
    ]
}
