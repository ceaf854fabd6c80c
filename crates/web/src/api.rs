//! Routes and handlers.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use rd_model::{Family, Finding, Report, Severity};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::Arc;

/// Largest log accepted by `POST /api/log`.
const MAX_LOG_BYTES: usize = 256 * 1024 * 1024;

const PAGE: &str = include_str!("../assets/index.html");

/// What the handlers need from the command line.
#[derive(Debug, Clone, Default)]
pub struct AppState {
    /// Checkup configuration file (`None`: the default location or built-in defaults).
    pub checkup_config: Option<PathBuf>,
    /// A recorded USB inventory to replay instead of the real bus (tests, demos).
    pub usb_fixture: Option<PathBuf>,
}

/// Query flags shared by every JSON route.
#[derive(Debug, Default, Deserialize)]
struct Common {
    #[serde(default)]
    redact: Option<String>,
}

impl Common {
    fn redact(&self) -> bool {
        matches!(self.redact.as_deref(), Some("1" | "true" | "yes" | ""))
    }
}

#[derive(Debug, Deserialize)]
struct ErrorQuery {
    #[serde(default)]
    q: String,
    #[serde(flatten)]
    common: Common,
}

#[derive(Debug, Deserialize)]
struct ErrorsQuery {
    #[serde(default)]
    family: Option<String>,
    #[serde(flatten)]
    common: Common,
}

#[derive(Debug, Deserialize)]
struct DevicesQuery {
    /// The mode the coming restore needs: any (default), normal, recovery or dfu.
    #[serde(default)]
    need: Option<String>,
    #[serde(flatten)]
    common: Common,
}

fn mode_need(text: Option<&str>) -> Result<rd_device::ModeNeed, String> {
    Ok(match text.unwrap_or("any") {
        "any" => rd_device::ModeNeed::Any,
        "normal" => rd_device::ModeNeed::Normal,
        "recovery" => rd_device::ModeNeed::RecoveryOrDfu,
        "dfu" => rd_device::ModeNeed::Dfu,
        other => {
            return Err(format!(
                "need={other}: expected any, normal, recovery or dfu"
            ));
        }
    })
}

#[derive(Serialize)]
struct ApiError<'a> {
    error: &'a str,
}

/// The router for the page and the API.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(page))
        .route("/api/error", get(error))
        .route("/api/errors", get(errors))
        .route("/api/checks", get(checks))
        .route("/api/log", post(log))
        .route("/api/checkup", get(checkup))
        .route("/api/devices", get(devices))
        .layer(DefaultBodyLimit::max(MAX_LOG_BYTES))
        .with_state(Arc::new(state))
}

async fn page() -> Html<&'static str> {
    Html(PAGE)
}

/// JSON response, redacted on request.
fn json<T: Serialize>(status: StatusCode, value: &T, redact: bool) -> Response {
    let text = serde_json::to_string_pretty(value)
        .unwrap_or_else(|e| format!("{{\"error\": \"could not serialize: {e}\"}}"));
    let text = if redact {
        rd_model::redact::redact(&text)
    } else {
        text
    };
    (
        status,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        text,
    )
        .into_response()
}

fn problem(status: StatusCode, message: &str) -> Response {
    json(status, &ApiError { error: message }, false)
}

async fn error(Query(q): Query<ErrorQuery>) -> Response {
    if q.q.trim().is_empty() {
        return problem(
            StatusCode::BAD_REQUEST,
            "give an error number or message in ?q=, e.g. ?q=4013",
        );
    }
    let found = rd_kb::lookup(&q.q);
    match found.finding() {
        Some(f) => json(
            StatusCode::OK,
            &Report::new("error", found.subject(), vec![f]),
            q.common.redact(),
        ),
        None => problem(StatusCode::NOT_FOUND, &found.not_found_message()),
    }
}

/// One knowledge-base entry in the listing.
#[derive(Serialize)]
struct EntrySummary {
    code: &'static str,
    family: Family,
    title: &'static str,
}

/// One automated check and the command that runs it.
#[derive(Serialize)]
struct CheckSummary {
    id: &'static str,
    title: &'static str,
    command: String,
}

async fn checks() -> Response {
    let list: Vec<CheckSummary> = rd_kb::checks()
        .iter()
        .map(|c| CheckSummary {
            id: &c.id,
            title: &c.title,
            command: c.command(),
        })
        .collect();
    json(StatusCode::OK, &list, false)
}

async fn errors(Query(q): Query<ErrorsQuery>) -> Response {
    let family = match q.family.as_deref().map(str::parse::<Family>) {
        None => None,
        Some(Ok(f)) => Some(f),
        Some(Err(e)) => return problem(StatusCode::BAD_REQUEST, &e.to_string()),
    };
    let list: Vec<EntrySummary> = rd_kb::entries()
        .iter()
        .filter(|e| family.is_none_or(|f| e.family == f))
        .map(|e| EntrySummary {
            code: e.code,
            family: e.family,
            title: e.title,
        })
        .collect();
    json(StatusCode::OK, &list, q.common.redact())
}

async fn log(Query(common): Query<Common>, body: Bytes) -> Response {
    let result = tokio::task::spawn_blocking(move || rd_logs::diagnose_bytes(&body)).await;
    match result {
        Ok(Ok(mut d)) => {
            d.file = Some("pasted log".to_string());
            json(StatusCode::OK, &d, common.redact())
        }
        Ok(Err(e)) => problem(StatusCode::UNPROCESSABLE_ENTITY, &e.to_string()),
        Err(_) => problem(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the diagnosis stopped unexpectedly",
        ),
    }
}

/// Runs blocking work that may build its own runtime on a plain thread, off the server's runtime.
async fn off_runtime<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let _ = tx.send(work());
    });
    rx.await.ok()
}

fn usb_findings(state: &AppState, need: rd_device::ModeNeed) -> Vec<Finding> {
    match rd_device::open_bus(state.usb_fixture.as_deref()) {
        Ok(bus) => rd_device::usb_findings(
            &*bus,
            &rd_device::UsbCheckOptions {
                need,
                query_lockdown: state.usb_fixture.is_none(),
            },
        ),
        Err(e) => vec![Finding::new(
            "usb.presence.unavailable",
            Family::Usb,
            Severity::Warn,
            "USB devices could not be read",
            e.to_string(),
        )],
    }
}

async fn checkup(State(state): State<Arc<AppState>>, Query(common): Query<Common>) -> Response {
    let (cfg, _) = match rd_probe::Config::load(state.checkup_config.as_deref()) {
        Ok(c) => c,
        Err(e) => return problem(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    };
    let st = state.clone();
    let findings = off_runtime(move || {
        let ids = rd_probe::select(&[], &[]).unwrap_or_default();
        let mut findings = rd_probe::run_checkup(cfg, &ids);
        findings.extend(usb_findings(&st, rd_device::ModeNeed::Any));
        findings
    })
    .await;
    match findings {
        Some(f) => json(
            StatusCode::OK,
            &Report::new("checkup", None, f),
            common.redact(),
        ),
        None => problem(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the checkup stopped unexpectedly",
        ),
    }
}

async fn devices(State(state): State<Arc<AppState>>, Query(q): Query<DevicesQuery>) -> Response {
    let need = match mode_need(q.need.as_deref()) {
        Ok(n) => n,
        Err(e) => return problem(StatusCode::BAD_REQUEST, &e),
    };
    let st = state.clone();
    match off_runtime(move || usb_findings(&st, need)).await {
        Some(f) => json(
            StatusCode::OK,
            &Report::new("devices", None, f),
            q.common.redact(),
        ),
        None => problem(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the USB scan stopped unexpectedly",
        ),
    }
}
