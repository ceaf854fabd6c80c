//! `host.clock`: the computer's clock against the `Date` of Apple's HTTPS answer (the system
//! status data on www.apple.com, fetched once and shared with `apple.status`). A clock more than
//! a few minutes off is a finding: certificates look expired or not yet valid and signing
//! requests fail — the old "check your date and time" advice, automated.

use crate::data::CheckSpec;
use crate::runner::{Ctx, finding};
use rd_model::{Evidence, Finding, Severity};

/// Beyond this many seconds the clock is called wrong (a warning).
pub const WARN_SKEW_SECS: i64 = 5 * 60;
/// Beyond this many seconds (a day) certificate checks break outright (a failure).
pub const FAIL_SKEW_SECS: i64 = 24 * 60 * 60;

/// How far the local clock is from the server's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClockVerdict {
    /// Within [`WARN_SKEW_SECS`]; the value is local minus server, in seconds.
    InStep(i64),
    /// Off by more: local minus server, in seconds (positive: the computer is ahead).
    Off(i64),
    /// The answer carried no readable `Date`.
    Unknown(String),
}

/// Compares a `Date` header value (RFC 7231 format) with the local time `local_unix` (seconds
/// since the Unix epoch when the answer arrived).
pub fn judge_clock(date_header: Option<&str>, local_unix: i64) -> ClockVerdict {
    let Some(v) = date_header else {
        return ClockVerdict::Unknown("the answer had no Date header".into());
    };
    match rd_net::date::parse_http_date(v) {
        None => ClockVerdict::Unknown(format!("unreadable Date header {v:.60}")),
        Some(server) => {
            let skew = local_unix.saturating_sub(server);
            if skew.abs() > WARN_SKEW_SECS {
                ClockVerdict::Off(skew)
            } else {
                ClockVerdict::InStep(skew)
            }
        }
    }
}

/// A skew in words: "3 h 12 min ahead", "45 s behind".
pub fn describe_skew(skew: i64) -> String {
    let a = skew.unsigned_abs();
    let amount = if a >= 86_400 {
        format!("{} d {} h", a / 86_400, (a % 86_400) / 3600)
    } else if a >= 3600 {
        format!("{} h {} min", a / 3600, (a % 3600) / 60)
    } else if a >= 60 {
        format!("{} min {} s", a / 60, a % 60)
    } else {
        format!("{a} s")
    };
    let way = if skew >= 0 { "ahead" } else { "behind" };
    format!("{amount} {way}")
}

/// Runs the check.
pub async fn check(ctx: &Ctx, spec: &CheckSpec) -> Finding {
    let answer = ctx.apple_answer().await;
    let (resp, local) = match answer.as_ref() {
        Ok(a) => a,
        Err(e) => {
            return finding(
                spec,
                Severity::Info,
                "The clock could not be compared with Apple's: no answer from Apple",
                format!("Fetching {} failed: {e}.", ctx.cfg.status_url),
            );
        }
    };
    let date = resp.header("date");
    let source = Evidence::new(
        format!("{}: Date {}", ctx.cfg.status_url, date.unwrap_or("(none)")),
        format!(
            "this computer's clock then: {}",
            rd_net::date::format_http_date(*local)
        ),
    );
    match judge_clock(date, *local) {
        ClockVerdict::InStep(skew) => finding(
            spec,
            Severity::Ok,
            format!(
                "The computer's clock agrees with Apple's (within {})",
                describe_skew(skew.abs()).replace(" ahead", "")
            ),
            "Apple's servers and this computer agree on the time.",
        ),
        ClockVerdict::Off(skew) => finding(
            spec,
            if skew.abs() > FAIL_SKEW_SECS {
                Severity::Fail
            } else {
                Severity::Warn
            },
            format!(
                "The computer's clock is {} of Apple's",
                describe_skew(skew)
            ),
            "A wrong date or time makes Apple's certificates look expired or not yet valid, so secure connections to Apple and the signing (TSS) request fail. Set the date, time and time zone automatically.",
        ),
        ClockVerdict::Unknown(why) => finding(
            spec,
            Severity::Info,
            "The clock could not be compared with Apple's",
            why,
        ),
    }
    .with_evidence(source)
}

#[cfg(test)]
mod tests {
    use super::*;

    // 2026-11-29 19:00:00 UTC in Unix time.
    const SERVER: i64 = 1_795_978_800;
    const DATE: &str = "Sun, 29 Nov 2026 19:00:00 GMT";

    #[test]
    fn the_date_header_decodes_to_the_expected_instant() {
        assert_eq!(rd_net::date::parse_http_date(DATE), Some(SERVER));
    }

    #[test]
    fn small_skews_are_in_step_and_large_ones_are_named() {
        assert_eq!(judge_clock(Some(DATE), SERVER + 2), ClockVerdict::InStep(2));
        assert_eq!(
            judge_clock(Some(DATE), SERVER - 300),
            ClockVerdict::InStep(-300)
        );
        assert_eq!(
            judge_clock(Some(DATE), SERVER + 301),
            ClockVerdict::Off(301)
        );
        assert_eq!(
            judge_clock(Some(DATE), SERVER - 3 * 86_400),
            ClockVerdict::Off(-3 * 86_400)
        );
        // Obsolete forms a server may still send (RFC 7231 §7.1.1.1).
        assert_eq!(
            judge_clock(Some("Sunday, 29-Nov-26 19:00:00 GMT"), SERVER),
            ClockVerdict::InStep(0)
        );
        assert_eq!(
            judge_clock(Some("Sun Nov 29 19:00:00 2026"), SERVER + 3600),
            ClockVerdict::Off(3600)
        );
        assert!(matches!(
            judge_clock(None, SERVER),
            ClockVerdict::Unknown(_)
        ));
        assert!(matches!(
            judge_clock(Some("2026-11-29T19:00:00Z"), SERVER),
            ClockVerdict::Unknown(_)
        ));
    }

    #[test]
    fn skews_read_naturally() {
        assert_eq!(describe_skew(45), "45 s ahead");
        assert_eq!(describe_skew(-(3 * 3600 + 12 * 60)), "3 h 12 min behind");
        assert_eq!(describe_skew(2 * 86_400 + 3600), "2 d 1 h ahead");
    }
}
