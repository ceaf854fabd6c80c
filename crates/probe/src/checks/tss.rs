//! `apple.tss`: Apple's signing server answers a well-formed personalization request. The
//! request is for a made-up device (ECID 0), so a refusal (`STATUS=94`) is the expected answer:
//! it proves the server is reachable and speaking TSS.

use crate::data::CheckSpec;
use crate::http::{self, Url};
use crate::runner::{Ctx, finding};
use rd_model::{Evidence, Finding, Severity};

/// A minimal TSS request: host info, a made-up ECID, chip and board of an iPhone X (A11,
/// CPID 0x8015, BDID 0x06), a zero nonce and build identity, asking for an AP ticket.
pub fn request_body() -> String {
    let zeros = "AAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>@HostPlatformInfo</key><string>mac</string>
	<key>@VersionInfo</key><string>libauthinstall-973.40.2</string>
	<key>@ApImg4Ticket</key><true/>
	<key>ApBoardID</key><integer>6</integer>
	<key>ApChipID</key><integer>32789</integer>
	<key>ApECID</key><integer>0</integer>
	<key>ApNonce</key><data>{zeros}</data>
	<key>ApProductionMode</key><true/>
	<key>ApSecurityDomain</key><integer>1</integer>
	<key>ApSecurityMode</key><true/>
	<key>SepNonce</key><data>{zeros}</data>
	<key>UniqueBuildID</key><data>{zeros}</data>
</dict>
</plist>
"#
    )
}

/// Reads `STATUS=n&MESSAGE=…` from a TSS answer.
pub fn parse_status(body: &str) -> Option<(i64, String)> {
    let status_part = body
        .split('&')
        .find_map(|p| p.trim().strip_prefix("STATUS="))?;
    let status = status_part.trim().parse().ok()?;
    let message = body
        .split('&')
        .find_map(|p| p.trim().strip_prefix("MESSAGE="))
        .map(|m| m.trim().chars().take(200).collect())
        .unwrap_or_default();
    Some((status, message))
}

/// Runs the check.
pub async fn check(ctx: &Ctx, spec: &CheckSpec) -> Finding {
    let url = match Url::parse(&ctx.cfg.tss_url) {
        Ok(u) => u,
        Err(e) => {
            return finding(
                spec,
                Severity::Warn,
                "The TSS URL is not valid",
                format!("{}: {e}", ctx.cfg.tss_url),
            );
        }
    };
    let stores = ctx.stores().await;
    let reach = ctx.reach(&stores);
    let body = request_body();
    let headers = [
        ("Content-Type", "text/xml; charset=\"utf-8\""),
        ("User-Agent", "InetURL/1.0"),
        ("Cache-Control", "no-cache"),
    ];
    let started = std::time::Instant::now();
    let resp = match http::request(&reach, "POST", &url, &headers, body.as_bytes()).await {
        Ok(r) => r,
        Err(e) => {
            return finding(spec, Severity::Fail, format!("Apple's signing server cannot be reached: {e}"), format!("The personalization request to {} failed, so any restore stops at signing (typically error 3194 or 3004).", ctx.cfg.tss_url))
                .with_evidence(Evidence::new(format!("POST {}: {e}", ctx.cfg.tss_url), "no TSS answer"));
        }
    };
    let text = String::from_utf8_lossy(&resp.body);
    let took = crate::net::ms(started.elapsed());
    match parse_status(&text) {
        Some((status, message)) => finding(
            spec,
            Severity::Ok,
            format!("Apple's signing server answers (STATUS={status}, {took})"),
            if status == 0 {
                "The TSS server answered the request.".to_string()
            } else {
                format!("The TSS server answered the made-up test request with STATUS={status} ('{message}'); refusing a made-up device is expected and proves the server is reachable and speaks TSS.")
            },
        )
        .with_evidence(Evidence::new(format!("HTTP {} STATUS={status} MESSAGE={message}", resp.status), "a genuine TSS answer")),
        None => finding(
            spec,
            Severity::Fail,
            format!("Something other than Apple's signing server answered (HTTP {})", resp.status),
            format!("{} answered without a TSS STATUS field; a proxy, captive portal or a redirect in the hosts file is answering in Apple's place.", ctx.cfg.tss_url),
        )
        .with_evidence(Evidence::new(text.chars().take(160).collect::<String>(), "not a TSS answer")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_lines() {
        assert_eq!(
            parse_status("STATUS=94&MESSAGE=This device isn't eligible for the requested build."),
            Some((
                94,
                "This device isn't eligible for the requested build.".into()
            ))
        );
        assert_eq!(
            parse_status("STATUS=0&MESSAGE=SUCCESS&REQUEST_STRING=<plist>").map(|s| s.0),
            Some(0)
        );
        assert_eq!(parse_status("<html>blocked</html>"), None);
        assert!(request_body().contains("<key>ApECID</key><integer>0</integer>"));
    }
}
