//! `apple.status`: the data behind Apple's public System Status page; current incidents in the
//! services a restore depends on.

use crate::data::CheckSpec;
use crate::runner::{Ctx, finding};
use rd_model::{Evidence, Finding, Severity};

/// One current event on the status page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incident {
    /// Service name.
    pub service: String,
    /// Outage, Issue, Maintenance…
    pub kind: String,
    /// Apple's message (trimmed).
    pub message: String,
    /// Whether the service matters for restores.
    pub relevant: bool,
}

/// Extracts current (not resolved, not completed, not upcoming) events from the status data.
/// Accepts plain JSON or a JSONP wrapper.
pub fn incidents(body: &str, relevant: &[String]) -> Result<Vec<Incident>, String> {
    let start = body.find('{').ok_or("no JSON object in the answer")?;
    let end = body.rfind('}').ok_or("no JSON object in the answer")?;
    // `}` before the first `{` (found by the status_feed fuzz target) is no object either.
    let object = body
        .get(start..=end)
        .filter(|_| start < end)
        .ok_or("no JSON object in the answer")?;
    let v: serde_json::Value =
        serde_json::from_str(object).map_err(|e| format!("not valid status data: {e}"))?;
    let services = v
        .get("services")
        .and_then(|s| s.as_array())
        .ok_or("no 'services' list in the status data")?;
    let mut out = Vec::new();
    for s in services {
        let name = s
            .get("serviceName")
            .and_then(|n| n.as_str())
            .unwrap_or("")
            .to_string();
        for e in s
            .get("events")
            .and_then(|e| e.as_array())
            .into_iter()
            .flatten()
        {
            let status = e
                .get("eventStatus")
                .and_then(|x| x.as_str())
                .unwrap_or("")
                .to_ascii_lowercase();
            let ended = e.get("epochEndDate").is_some_and(|x| !x.is_null()) && status != "ongoing";
            if matches!(
                status.as_str(),
                "resolved" | "completed" | "upcoming" | "scheduled"
            ) || ended
            {
                continue;
            }
            let relevant_hit = relevant
                .iter()
                .any(|r| name.to_ascii_lowercase().contains(&r.to_ascii_lowercase()));
            out.push(Incident {
                service: name.clone(),
                kind: e
                    .get("statusType")
                    .and_then(|x| x.as_str())
                    .unwrap_or("Issue")
                    .to_string(),
                message: e
                    .get("message")
                    .and_then(|x| x.as_str())
                    .unwrap_or("")
                    .trim()
                    .chars()
                    .take(300)
                    .collect(),
                relevant: relevant_hit,
            });
        }
    }
    Ok(out)
}

/// Runs the check.
pub async fn check(ctx: &Ctx, spec: &CheckSpec) -> Finding {
    let answer = ctx.apple_answer().await;
    let resp = match answer.as_ref() {
        Ok((r, _)) => r,
        Err(e) => {
            return finding(
                spec,
                Severity::Warn,
                "Apple's system status could not be read",
                format!(
                    "Fetching {} failed: {e}. Look at Apple's System Status page in a browser.",
                    ctx.cfg.status_url
                ),
            )
            .with_evidence(Evidence::new(e.to_string(), "status data not available"));
        }
    };
    if resp.status != 200 {
        return finding(
            spec,
            Severity::Warn,
            format!("Apple's system status answered HTTP {}", resp.status),
            format!("{} did not return status data.", ctx.cfg.status_url),
        );
    }
    let body = String::from_utf8_lossy(&resp.body);
    let list = match incidents(&body, &ctx.cfg.status_services) {
        Ok(l) => l,
        Err(e) => {
            return finding(
                spec,
                Severity::Warn,
                "Apple's system status data could not be understood",
                e,
            );
        }
    };
    let relevant: Vec<&Incident> = list.iter().filter(|i| i.relevant).collect();
    let mut f = if relevant.is_empty() {
        finding(
            spec,
            Severity::Ok,
            if list.is_empty() {
                "Apple's system status: no current incident".to_string()
            } else {
                format!(
                    "Apple's system status: {} incident(s), none in services a restore uses",
                    list.len()
                )
            },
            format!("Services watched: {}.", ctx.cfg.status_services.join(", ")),
        )
    } else {
        let names: Vec<String> = relevant
            .iter()
            .map(|i| format!("{} ({})", i.service, i.kind))
            .collect();
        finding(
            spec,
            Severity::Warn,
            format!("Apple reports a current incident: {}", names.join(", ")),
            "A service a restore depends on has a problem on Apple's side right now; restores may fail until Apple resolves it, whatever you do locally.",
        )
    };
    for i in &list {
        f = f.with_evidence(Evidence::new(
            format!("{} — {}: {}", i.service, i.kind, i.message),
            if i.relevant {
                "used by restores"
            } else {
                "not used by restores"
            },
        ));
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_current_events_only() {
        let body = r#"jsonCallback({"services":[
          {"serviceName":"iOS Device Activation","events":[{"statusType":"Outage","eventStatus":"ongoing","epochEndDate":null,"message":"Users may be unable to activate."}]},
          {"serviceName":"Apple Music","events":[{"statusType":"Issue","eventStatus":"ongoing","message":"Slow."}]},
          {"serviceName":"macOS Software Update","events":[{"statusType":"Issue","eventStatus":"resolved","epochEndDate":1700000000000,"message":"Fixed."}]},
          {"serviceName":"iCloud Mail","events":[]}]});"#;
        let r = incidents(
            body,
            &["Device Activation".into(), "Software Update".into()],
        )
        .unwrap();
        assert_eq!(r.len(), 2);
        assert!(r[0].relevant && r[0].kind == "Outage");
        assert!(!r[1].relevant);
        assert!(incidents("<html>", &[]).is_err());
        assert!(incidents("}\u{fffd}{u", &[]).is_err());
        assert!(incidents("}{", &[]).is_err());
        assert!(incidents("{\"x\":1}", &[]).is_err());
    }
}
