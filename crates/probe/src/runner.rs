//! Runs the selected checks concurrently, each under its own budget, sharing the probes several
//! checks need (internet state, Apple host connections, trust stores), and reports progress.

use crate::checks;
use crate::config::Config;
use crate::data::{self, CheckSpec};
use crate::net::Lookup;
use crate::tls::TrustStores;
use rd_model::{Evidence, Finding, Severity};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::OnceCell;

/// The outcome of one check: its finding (one per check), and whether it was skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckResult {
    /// Check id, e.g. `net.dns`.
    pub id: String,
    /// The finding (id `checkup.<check id>`, or `checkup.<check id>.skipped`).
    pub finding: Finding,
    /// True when the check did not run (no internet), with the reason in the finding.
    pub skipped: bool,
    /// How long it took.
    pub elapsed: Duration,
}

/// Progress of a run, for live display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A check started.
    Started {
        /// Check id.
        id: String,
    },
    /// A check finished.
    Finished {
        /// Check id.
        id: String,
        /// Its severity.
        severity: Severity,
        /// Whether it was skipped.
        skipped: bool,
    },
}

/// An unknown check id in `--only` / `--skip`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown check id '{0}' (valid ids: {valid})", valid = data::check_ids().join(", "))]
pub struct UnknownCheck(pub String);

/// The checks to run, in summary order, from `--only` and `--skip` lists.
pub fn select(only: &[String], skip: &[String]) -> Result<Vec<&'static str>, UnknownCheck> {
    let all = data::check_ids();
    for id in only.iter().chain(skip) {
        if !all.contains(&id.as_str()) {
            return Err(UnknownCheck(id.clone()));
        }
    }
    Ok(all
        .into_iter()
        .filter(|id| only.is_empty() || only.iter().any(|o| o == id))
        .filter(|id| !skip.iter().any(|s| s == id))
        .collect())
}

/// State shared by the checks of one run.
pub struct Ctx {
    /// The configuration.
    pub cfg: Config,
    proxy: rd_net::ProxyConfig,
    stores: OnceCell<Arc<TrustStores>>,
    internet: OnceCell<Arc<checks::internet::InternetState>>,
    hosts: OnceCell<Arc<Vec<checks::apple_hosts::HostProbe>>>,
    apple_answer: OnceCell<Arc<AppleAnswer>>,
}

/// Apple's HTTPS answer for the status data, with the local time (Unix seconds) it arrived at;
/// shared by `apple.status` and `host.clock`.
pub type AppleAnswer = Result<(crate::http::Response, i64), crate::http::HttpError>;

impl Ctx {
    /// A context for one run.
    pub fn new(cfg: Config) -> Arc<Ctx> {
        Arc::new(Ctx {
            proxy: cfg.proxy.routes(),
            cfg,
            stores: OnceCell::new(),
            internet: OnceCell::new(),
            hosts: OnceCell::new(),
            apple_answer: OnceCell::new(),
        })
    }

    /// The trust stores (loaded once, off the async threads).
    pub async fn stores(&self) -> Arc<TrustStores> {
        self.stores
            .get_or_init(|| async {
                let tls = self.cfg.tls.trust();
                let loaded = tokio::task::spawn_blocking(move || TrustStores::load(&tls)).await;
                Arc::new(loaded.unwrap_or_else(|_| {
                    TrustStores::load(&rd_net::TrustConfig {
                        os_store: false,
                        ..Default::default()
                    })
                }))
            })
            .await
            .clone()
    }

    /// How to reach a host with this run's resolver, overrides, proxy, timeouts and the given
    /// stores.
    pub fn reach<'a>(&'a self, stores: &'a Arc<TrustStores>) -> crate::http::Reach<'a> {
        crate::http::Reach {
            lookup: self.lookup(),
            connect_to: &self.cfg.connect_to,
            stores,
            proxy: &self.proxy,
            step: self.cfg.step_timeout(),
        }
    }

    /// The system resolver as configured.
    pub fn lookup(&self) -> Lookup {
        Lookup::from_setting(&self.cfg.dns.system_resolver)
    }

    /// The internet state (probed once).
    pub async fn internet(&self) -> Arc<checks::internet::InternetState> {
        self.internet
            .get_or_init(|| async { Arc::new(checks::internet::probe(self).await) })
            .await
            .clone()
    }

    /// Resolves only when there is no internet at all (for skipping network checks).
    pub async fn offline(&self) -> String {
        let state = self.internet().await;
        match state.offline_reason() {
            Some(r) => r,
            None => std::future::pending().await,
        }
    }

    /// Apple's answer for the status data (fetched once).
    pub async fn apple_answer(&self) -> Arc<AppleAnswer> {
        self.apple_answer
            .get_or_init(|| async {
                let stores = self.stores().await;
                let reach = self.reach(&stores);
                let answer = match crate::http::Url::parse(&self.cfg.status_url) {
                    Err(e) => Err(crate::http::HttpError::Answer(e)),
                    Ok(url) => crate::http::request(
                        &reach,
                        "GET",
                        &url,
                        &[("Accept", "application/json")],
                        b"",
                    )
                    .await
                    .map(|r| {
                        let now = std::time::SystemTime::now()
                            .duration_since(std::time::UNIX_EPOCH)
                            .map(|d| d.as_secs() as i64)
                            .unwrap_or(0);
                        (r, now)
                    }),
                };
                Arc::new(answer)
            })
            .await
            .clone()
    }

    /// The Apple host probes (run once, shared by the host and TLS checks).
    pub async fn host_probes(&self) -> Arc<Vec<checks::apple_hosts::HostProbe>> {
        self.hosts
            .get_or_init(|| async { Arc::new(checks::apple_hosts::probe_all(self).await) })
            .await
            .clone()
    }
}

/// Builds a check's finding; remedies and error codes are attached when it is not fine.
pub fn finding(
    spec: &CheckSpec,
    severity: Severity,
    title: impl Into<String>,
    explanation: impl Into<String>,
) -> Finding {
    let mut f = Finding::new(
        format!("checkup.{}", spec.id),
        spec.family,
        severity,
        title,
        explanation,
    );
    if severity >= Severity::Warn {
        f = f
            .with_remedies(rd_kb::remedies(&spec.remedies))
            .with_error_codes(spec.error_codes.iter().cloned());
    }
    f
}

fn skipped(spec: &CheckSpec, reason: &str) -> Finding {
    let title = &spec.id.def().title;
    Finding::new(
        format!("checkup.{}.skipped", spec.id),
        spec.family,
        Severity::Info,
        format!("{title}: skipped ({reason})"),
        format!("Not checked: {reason}."),
    )
}

async fn run_one(ctx: Arc<Ctx>, spec: &'static CheckSpec) -> CheckResult {
    let start = Instant::now();
    let budget = ctx.cfg.check_timeout(spec.id.as_str());
    let work = checks::run(&ctx, spec);
    let timed = async {
        match tokio::time::timeout(budget, work).await {
            Ok(f) => (f, false),
            Err(_) => (
                finding(
                    spec,
                    Severity::Warn,
                    format!("{}: no result within {:.1} s", spec.id, budget.as_secs_f64()),
                    "The check was cut off at its time limit; something it waits for does not answer.",
                )
                .with_evidence(Evidence::new(format!("time limit {} ms", budget.as_millis()), "set in crates/kb/data/checks.toml or timeouts_ms in the config")),
                false,
            ),
        }
    };
    let (finding, skipped_flag) = if spec.network {
        tokio::select! {
            reason = ctx.offline() => (skipped(spec, &reason), true),
            r = timed => match ctx.internet().await.offline_reason() {
                // Finished first, but without internet its verdict means nothing.
                Some(reason) => (skipped(spec, &reason), true),
                None => r,
            },
        }
    } else {
        timed.await
    };
    CheckResult {
        id: spec.id.to_string(),
        finding,
        skipped: skipped_flag,
        elapsed: start.elapsed(),
    }
}

/// Runs the checks `ids` concurrently on the caller's tokio runtime and returns their results
/// in `ids` order. Every check ends within its budget; blocking work a check started (an OS
/// name lookup) may still be running afterwards, so a caller that exits right after should
/// shut its runtime down without waiting (`Runtime::shutdown_background`). The checks are
/// spawned as tasks, so a multi-threaded runtime runs them in parallel.
pub async fn run(
    cfg: Config,
    ids: &[&str],
    on_event: impl Fn(Event) + Send + Sync + 'static,
) -> Vec<CheckResult> {
    let specs: Vec<&'static CheckSpec> = ids.iter().filter_map(|id| data::check_spec(id)).collect();
    let on_event = Arc::new(on_event);
    let ctx = Ctx::new(cfg);
    let mut handles = Vec::new();
    for spec in &specs {
        on_event(Event::Started {
            id: spec.id.to_string(),
        });
        let ctx = ctx.clone();
        let ev = on_event.clone();
        let spec: &'static CheckSpec = spec;
        handles.push(tokio::spawn(async move {
            let r = run_one(ctx, spec).await;
            ev(Event::Finished {
                id: r.id.clone(),
                severity: r.finding.severity,
                skipped: r.skipped,
            });
            r
        }));
    }
    let mut out = Vec::new();
    for (h, spec) in handles.into_iter().zip(&specs) {
        out.push(h.await.unwrap_or_else(|e| CheckResult {
            id: spec.id.to_string(),
            finding: finding(
                spec,
                Severity::Warn,
                format!("{}: the check crashed", spec.id),
                e.to_string(),
            ),
            skipped: false,
            elapsed: Duration::ZERO,
        }));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selection() {
        let all = select(&[], &[]).unwrap();
        assert_eq!(all.len(), data::check_specs().len());
        let only = select(&["net.dns".into(), "sec.proxy".into()], &[]).unwrap();
        assert_eq!(only, ["net.dns", "sec.proxy"]);
        let skip = select(&[], &["net.dns".into()]).unwrap();
        assert!(!skip.contains(&"net.dns") && skip.len() == all.len() - 1);
        let err = select(&["net.nope".into()], &[]).unwrap_err().to_string();
        assert!(
            err.contains("net.nope") && err.contains("sec.hosts_file"),
            "{err}"
        );
    }
}
