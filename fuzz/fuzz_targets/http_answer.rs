//! Fuzzes what the network layer reads from servers: HTTP/1.1 answers (status line, headers,
//! identity and chunked bodies), HTTP dates, URLs (redirect targets) and proxy settings.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rd_net::http::{Url, dechunk, parse_response};

fuzz_target!(|data: &[u8]| {
    if let Ok(r) = parse_response(data) {
        assert!(r.body.len() <= data.len());
        if let Some(d) = r.header("date") {
            let _ = rd_net::date::parse_http_date(d);
        }
        if let Some(loc) = r.header("location")
            && let Ok(base) = Url::parse("https://gs.apple.com/TSS/controller?action=2")
        {
            let _ = base.join(loc);
        }
    }
    if let Ok(body) = dechunk(data) {
        assert!(body.len() <= data.len());
    }
    let text = String::from_utf8_lossy(data);
    if let Ok(u) = Url::parse(&text) {
        assert_eq!(Url::parse(&u.to_string()).as_ref(), Ok(&u));
    }
    if let Some(t) = rd_net::date::parse_http_date(&text)
        && (0..=253_402_300_799).contains(&t)
    {
        assert_eq!(rd_net::date::parse_http_date(&rd_net::date::format_http_date(t)), Some(t));
    }
    let vars = [("HTTPS_PROXY".to_string(), text.to_string())].into_iter().collect();
    let p = rd_net::ProxyConfig::from_vars(&vars);
    let _ = p.route("gs.apple.com", true);
});
