//! `apple.tss`: Apple's signing server answers a well-formed personalization request. The
//! request comes from `rd-tss` (the one TSS module, shaped like Apple's clients' requests) for a
//! made-up device, so a refusal (`STATUS=94`) is the expected answer: it proves the server is
//! reachable and speaks TSS. The status is shown with its meaning from the shared table.

use crate::data::CheckSpec;
use crate::http::{self, Url};
use crate::runner::{Ctx, finding};
use plist::{Dictionary, Value};
use rd_model::{Evidence, Finding, Severity};
use rd_tss::request::{ApParams, Identity, Target};
use rd_tss::{Parsed, Verdict};

/// The made-up device asked about: an iPhone X (A11, CPID 0x8015, BDID 0x06), ECID 0, a
/// made-up build identity without components.
fn made_up_identity() -> Dictionary {
    let mut d = Dictionary::new();
    d.insert("ApChipID".into(), Value::String("0x8015".into()));
    d.insert("ApBoardID".into(), Value::String("0x06".into()));
    d.insert("ApSecurityDomain".into(), Value::String("0x01".into()));
    d.insert("UniqueBuildID".into(), Value::Data(vec![0; 20]));
    d
}

/// The request body: rd-tss's AP-ticket request for the made-up device (fresh `@UUID` and
/// random nonces of the chip's length).
pub fn request_body() -> Result<Vec<u8>, rd_tss::request::BuildError> {
    let keys = made_up_identity();
    let manifest = Dictionary::new();
    rd_tss::build(
        Identity {
            keys: &keys,
            manifest: &manifest,
        },
        &Target::default(),
        &ApParams::default(),
    )?
    .to_xml()
}

/// Runs the check.
pub async fn check(ctx: &Ctx, spec: &CheckSpec) -> Finding {
    // Nothing is sent when the checkup is going to show this check as skipped (offline).
    if let Some(reason) = ctx.internet().await.offline_reason() {
        return finding(
            spec,
            Severity::Info,
            format!("Apple's signing server: skipped ({reason})"),
            format!("Not checked: {reason}; no request was sent."),
        );
    }
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
    let body = match request_body() {
        Ok(b) => b,
        Err(e) => {
            return finding(
                spec,
                Severity::Warn,
                "No signing request could be built",
                e.to_string(),
            );
        }
    };
    let stores = ctx.stores().await;
    let reach = ctx.reach(&stores);
    let headers = rd_tss::headers();
    let started = std::time::Instant::now();
    let resp = match http::request(&reach, "POST", &url, &headers, &body).await {
        Ok(r) => r,
        Err(e) => {
            return finding(spec, Severity::Fail, format!("Apple's signing server cannot be reached: {e}"), format!("The personalization request to {} failed, so any restore stops at signing (typically error 3194 or 3004).", ctx.cfg.tss_url))
                .with_evidence(Evidence::new(format!("POST {}: {e}", ctx.cfg.tss_url), "no TSS answer"));
        }
    };
    let took = crate::net::ms(started.elapsed());
    let parsed = rd_tss::parse(&resp.body);
    match &parsed {
        Parsed::Reply(r) => {
            let meaning = rd_tss::status::meaning_of(r.status);
            let explanation = match parsed.verdict() {
                Verdict::Signed | Verdict::Incomplete => {
                    "The TSS server answered the request.".to_string()
                }
                _ => format!(
                    "The TSS server answered the made-up test request with STATUS={} ('{}'); refusing a made-up device is expected and proves the server is reachable and speaks TSS. What the status means: {meaning}",
                    r.status, r.message
                ),
            };
            finding(
                spec,
                Severity::Ok,
                format!("Apple's signing server answers (STATUS={}, {took})", r.status),
                explanation,
            )
            .with_evidence(Evidence::new(
                format!("HTTP {} STATUS={} MESSAGE={}", resp.status, r.status, r.message),
                "a genuine TSS answer",
            ))
        }
        Parsed::NotTss { why, excerpt } => finding(
            spec,
            Severity::Fail,
            format!("Something other than Apple's signing server answered (HTTP {})", resp.status),
            format!(
                "{} answered without a TSS STATUS field ({}); a proxy, captive portal or a redirect in the hosts file is answering in Apple's place.",
                ctx.cfg.tss_url,
                match why {
                    rd_tss::NotTss::Empty => "an empty answer",
                    rd_tss::NotTss::Html => "an HTML page",
                    rd_tss::NotTss::Garbage => "text that is not TSS",
                    rd_tss::NotTss::TooLarge => "an oversized answer",
                }
            ),
        )
        .with_evidence(Evidence::new(excerpt.clone(), "not a TSS answer")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_is_rd_tss_shaped() {
        let body = request_body().unwrap();
        let v = Value::from_reader_xml(&body[..]).unwrap();
        let d = v.as_dictionary().unwrap();
        assert_eq!(d["ApChipID"].as_unsigned_integer(), Some(0x8015));
        assert_eq!(d["ApECID"].as_unsigned_integer(), Some(0));
        // A11 takes a 32-byte ApNonce.
        assert_eq!(d["ApNonce"].as_data().map(<[u8]>::len), Some(32));
        assert_eq!(d["@UUID"].as_string().map(str::len), Some(36));
        let other = request_body().unwrap();
        assert_ne!(body, other, "fresh UUID and nonces each time");
    }

    #[test]
    fn one_user_agent_header() {
        let n = rd_tss::headers()
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("user-agent"))
            .count();
        assert_eq!(n, 1);
    }
}
