//! The embedded request framing (`data/request.toml`), parsed once.

use serde::Deserialize;
use std::sync::OnceLock;

/// How requests are framed.
#[derive(Debug, Deserialize)]
pub(crate) struct RequestData {
    pub user_agent: String,
    pub content_type: String,
    pub cache_control: String,
    pub version_info: String,
    pub version_info_windows: String,
    pub host_platform: String,
    pub host_platform_windows: String,
    pub locality: String,
    pub skip_components: Vec<String>,
    pub ap_string_keys: Vec<String>,
    pub sep_nonce_len: usize,
}

/// The parsed `data/request.toml`.
pub(crate) fn request() -> &'static RequestData {
    static R: OnceLock<RequestData> = OnceLock::new();
    R.get_or_init(|| {
        toml::from_str(include_str!("../data/request.toml"))
            .unwrap_or_else(|e| panic!("embedded data/request.toml is invalid: {e}"))
    })
}
