//! The routes: each parses its query into the engine's options, calls the engine and renders
//! the engine's report as JSON — the same JSON as the CLI's `--json`.

use crate::guard::{Guard, guard};
use crate::problem::{ApiError, Q, flag, json};
use crate::{AppState, Limits};
use crate::{companion, live};
use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures_util::StreamExt;
use rd_engine::checkup::CheckupOptions;
use rd_engine::devices::{DevicesOptions, parse_need};
use rd_engine::dfu::DfuOptions;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tokio::sync::Semaphore;

const PAGE: &str = include_str!("../assets/index.html");
const SCRIPT: &str = include_str!("../assets/app.js");
const STYLE: &str = include_str!("../assets/app.css");

/// Handler state: the command-line settings plus the live-stream and diagnosis limits.
pub(crate) struct Shared {
    pub state: AppState,
    pub live: Arc<Semaphore>,
    pub diagnoses: Semaphore,
}

type St = State<Arc<Shared>>;

/// The router for the page and the API, behind the guard (see [`crate::guard`]).
pub fn router(state: AppState) -> Router {
    let Limits {
        max_in_flight,
        max_live,
        max_diagnoses,
        ..
    } = state.limits;
    let g = Arc::new(Guard {
        access: state.access,
        in_flight: Arc::new(Semaphore::new(max_in_flight)),
    });
    let shared = Arc::new(Shared {
        state,
        live: Arc::new(Semaphore::new(max_live)),
        diagnoses: Semaphore::new(max_diagnoses.max(1)),
    });
    Router::new()
        .route("/", get(page))
        .route("/app.js", get(script))
        .route("/app.css", get(style))
        .route("/favicon.ico", get(no_icon))
        .route("/api/error", get(error))
        .route("/api/errors", get(errors))
        .route("/api/checks", get(checks))
        .route("/api/log", post(log).get(companion::log_found))
        .route("/api/logs", get(companion::logs))
        .route("/api/history", get(companion::history))
        .route("/api/report", get(companion::report))
        .route("/api/watch", get(watch))
        .route("/api/checkup", get(checkup))
        .route("/api/signed", get(signed))
        .route("/api/ipsw", get(ipsw))
        .route("/api/catalog", get(catalog))
        .route("/api/devices", get(devices))
        .route("/api/dfu", get(dfu))
        .fallback(not_found)
        .with_state(shared)
        .layer(axum::middleware::from_fn_with_state(g, guard))
}

async fn page() -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], PAGE).into_response()
}

async fn script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        SCRIPT,
    )
        .into_response()
}

async fn style() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], STYLE).into_response()
}

/// Browsers ask for an icon; there is none (204 keeps their consoles quiet).
async fn no_icon() -> StatusCode {
    StatusCode::NO_CONTENT
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "no such page or API route")
}

/// `?redact=1` on every JSON route.
#[derive(Debug, Default, Deserialize)]
struct Common {
    #[serde(default)]
    redact: Option<String>,
}

impl Common {
    fn redact(&self) -> bool {
        flag(&self.redact)
    }
}

#[derive(Debug, Deserialize)]
struct ErrorQuery {
    #[serde(default)]
    q: String,
    #[serde(flatten)]
    common: Common,
}

async fn error(Q(q): Q<ErrorQuery>) -> Result<Response, ApiError> {
    let report = rd_engine::lookup::error(&q.q)
        .map_err(|e| rewrite_usage(e, "give an error number or message in ?q=, e.g. ?q=4013"))?;
    Ok(json(&report, q.common.redact()))
}

/// The CLI's usage hints name CLI syntax; the web says how to ask it over HTTP.
fn rewrite_usage(e: rd_engine::EngineError, hint: &str) -> ApiError {
    match e {
        rd_engine::EngineError::Usage(_) => ApiError::bad_request(hint),
        other => other.into(),
    }
}

#[derive(Debug, Deserialize)]
struct ErrorsQuery {
    #[serde(default)]
    family: Option<String>,
    #[serde(flatten)]
    common: Common,
}

async fn errors(Q(q): Q<ErrorsQuery>) -> Result<Response, ApiError> {
    let listing = rd_engine::lookup::errors(q.family.as_deref())?;
    Ok(json(&listing, q.common.redact()))
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
    json(&list, false)
}

#[derive(Debug, Deserialize)]
struct LogQuery {
    /// How the log is named in the diagnosis (the uploaded file's name).
    #[serde(default)]
    name: Option<String>,
    #[serde(flatten)]
    common: Common,
}

/// Streams the body into the log engine: at most a few chunks are held at once, so many large
/// uploads at the same time stay within a bounded amount of memory.
async fn log(
    State(s): St,
    Q(q): Q<LogQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let max = s.state.limits.max_body_bytes;
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "the log is larger than {} MB; diagnose it on the command line: restore-doctor log FILE",
                max / (1024 * 1024)
            ),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max) {
        return Err(too_large());
    }
    let name = q
        .name
        .filter(|n| !n.trim().is_empty())
        .map(|n| n.chars().take(200).collect())
        .unwrap_or_else(|| "pasted log".to_string());
    // Wait for a diagnosis slot before reading the body: each diagnosis holds its own working
    // memory, so their number, not the number of uploads, bounds the server's memory.
    let _slot = s.diagnoses.acquire().await.map_err(|_| ApiError::busy())?;
    let (tx, rx) = tokio::sync::mpsc::channel::<rd_engine::log::Chunk>(4);
    let forward = async move {
        let mut stream = body.into_data_stream();
        let mut total: u64 = 0;
        while let Some(frame) = stream.next().await {
            let chunk = match frame {
                Ok(bytes) => {
                    total += bytes.len() as u64;
                    if total > max {
                        let _ = tx.send(Err("upload too large".into())).await;
                        return true;
                    }
                    Ok(bytes.to_vec())
                }
                Err(e) => Err(format!("upload broke off: {e}")),
            };
            let failed = chunk.is_err();
            if tx.send(chunk).await.is_err() || failed {
                break;
            }
        }
        false
    };
    let (over, result) = tokio::join!(forward, rd_engine::log::diagnose_chunks(rx, name));
    if over {
        return Err(too_large());
    }
    match result {
        Ok(d) => Ok(json(&d, q.common.redact())),
        Err(rd_engine::EngineError::Usage(m)) => {
            Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, m))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize)]
struct DevicesQuery {
    /// The mode the coming restore needs: any (default), normal, recovery or dfu.
    #[serde(default)]
    need: Option<String>,
    /// `1`: stream the listing and then every change (server-sent events).
    #[serde(default)]
    watch: Option<String>,
    #[serde(flatten)]
    common: Common,
}

async fn devices(State(s): St, Q(q): Q<DevicesQuery>) -> Result<Response, ApiError> {
    let opts = DevicesOptions {
        usb: s.state.usb.clone(),
        need: parse_need(q.need.as_deref().unwrap_or("any"))?,
    };
    if flag(&q.watch) {
        return live::devices(&s, opts, q.common.redact());
    }
    let found = rd_engine::devices::devices(opts).await?;
    Ok(json(&found, q.common.redact()))
}

#[derive(Debug, Deserialize)]
struct DfuQuery {
    /// The device (product type, model number, board, CPID:BDID or name); default: the one connected.
    #[serde(default)]
    device: Option<String>,
    /// `1`: guide into Recovery mode instead of DFU mode.
    #[serde(default)]
    recovery: Option<String>,
    /// `1`: run the live helper (server-sent events) instead of answering with the steps.
    #[serde(default)]
    watch: Option<String>,
    #[serde(flatten)]
    common: Common,
}

async fn dfu(State(s): St, Q(q): Q<DfuQuery>) -> Result<Response, ApiError> {
    let opts = DfuOptions {
        device: q.device.filter(|d| !d.trim().is_empty()),
        recovery: flag(&q.recovery),
        usb: s.state.usb.clone(),
        clock: s.state.clock,
    };
    if flag(&q.watch) {
        return live::dfu(&s, opts, q.common.redact());
    }
    let steps = rd_engine::dfu::steps(opts).await?;
    Ok(json(&steps, q.common.redact()))
}

#[derive(Debug, Deserialize)]
struct CheckupQuery {
    /// The mode the coming restore needs: any (default), normal, recovery or dfu.
    #[serde(default)]
    need: Option<String>,
    /// Only these check ids, comma-separated.
    #[serde(default)]
    only: Option<String>,
    /// Skip these check ids, comma-separated.
    #[serde(default)]
    skip: Option<String>,
    /// An IPSW (URL, or a path on this computer) to check against the connected device.
    #[serde(default)]
    ipsw: Option<String>,
    #[serde(flatten)]
    common: Common,
}

/// `a,b , c` → `["a", "b", "c"]`, as `--only a,b,c`.
pub(crate) fn ids(list: &Option<String>) -> Vec<String> {
    list.iter()
        .flat_map(|l| l.split(','))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(String::from)
        .collect()
}

async fn checkup(State(s): St, Q(q): Q<CheckupQuery>) -> Result<Response, ApiError> {
    let opts = CheckupOptions {
        config: s.state.checkup.clone(),
        only: ids(&q.only),
        skip: ids(&q.skip),
        need: parse_need(q.need.as_deref().unwrap_or("any"))?,
        usb: s.state.usb.clone(),
        ipsw: q.ipsw.filter(|i| !i.trim().is_empty()),
    };
    let done = rd_engine::checkup::checkup(opts, |_| {}).await?;
    Ok(json(&done.report, q.common.redact()))
}

/// The network settings for `signed` and `ipsw`.
fn net(s: &Shared) -> rd_engine::net::Net {
    s.state.net.clone().unwrap_or_else(|| rd_engine::net::Net {
        api: rd_firmware::ipswme::DEFAULT_BASE.to_string(),
        cache_dir: None,
        config: s
            .state
            .checkup
            .net_config(std::time::Duration::from_secs(30)),
    })
}

#[derive(Debug, Deserialize)]
struct SignedQuery {
    /// The device: product type, model number, board or CPID:BDID.
    #[serde(default)]
    device: String,
    /// Version or build (empty: the newest signed build).
    #[serde(default)]
    target: Option<String>,
    /// Take the build identity from this IPSW (URL, or a path on this computer).
    #[serde(default)]
    ipsw: Option<String>,
    /// `1`: ask only ipsw.me, not Apple's TSS.
    #[serde(default)]
    no_tss: Option<String>,
    #[serde(flatten)]
    common: Common,
}

fn given(v: Option<String>) -> Option<String> {
    v.map(|t| t.trim().to_string()).filter(|t| !t.is_empty())
}

async fn signed(State(s): St, Q(q): Q<SignedQuery>) -> Result<Response, ApiError> {
    if q.device.trim().is_empty() {
        return Err(ApiError::bad_request(
            "give the device in ?device=, e.g. ?device=iPhone10,3",
        ));
    }
    let opts = rd_engine::signed::SignedOptions {
        device: q.device.trim().to_string(),
        target: given(q.target),
        ipsw: given(q.ipsw),
        ecid: None,
        no_tss: flag(&q.no_tss),
        tss_url: s.state.checkup.tss_url.clone(),
        net: net(&s),
    };
    let out = rd_engine::signed::signed(opts).await?;
    Ok(json(&out, q.common.redact()))
}

#[derive(Debug, Deserialize)]
struct IpswQuery {
    /// An http(s) URL, or a path on this computer (the server reads it; nothing is uploaded).
    #[serde(default)]
    target: String,
    /// The device to check it for.
    #[serde(default)]
    device: Option<String>,
    /// `1`: hash the whole file and compare with the catalog (local files).
    #[serde(default)]
    verify: Option<String>,
    /// `1`: check every entry's CRC-32.
    #[serde(default)]
    crc: Option<String>,
    /// `1`: with `verify`, compare with ipsw.me's digests too.
    #[serde(default)]
    online: Option<String>,
    #[serde(flatten)]
    common: Common,
}

async fn ipsw(State(s): St, Q(q): Q<IpswQuery>) -> Result<Response, ApiError> {
    if q.target.trim().is_empty() {
        return Err(ApiError::bad_request(
            "give the IPSW in ?target=: an http(s) URL or a path on this computer",
        ));
    }
    let opts = rd_engine::ipsw::IpswOptions {
        target: q.target.trim().to_string(),
        device: given(q.device),
        verify: flag(&q.verify),
        crc: flag(&q.crc),
        online: flag(&q.online),
        net: net(&s),
    };
    let out = rd_engine::ipsw::ipsw(opts).await?;
    Ok(json(&out, q.common.redact()))
}

#[derive(Debug, Deserialize)]
struct CatalogQuery {
    /// A build or version to find (empty: which catalog answers, as `catalog info`).
    #[serde(default)]
    find: Option<String>,
    /// With `find`: only IPSWs for this device.
    #[serde(default)]
    device: Option<String>,
    #[serde(flatten)]
    common: Common,
}

/// `catalog` (info) and `catalog find`; refreshing the catalog stays on the command line.
async fn catalog(State(s): St, Q(q): Q<CatalogQuery>) -> Result<Response, ApiError> {
    match given(q.find) {
        None => Ok(json(
            &rd_engine::catalog::info(net(&s)).await?,
            q.common.redact(),
        )),
        Some(what) => {
            let found = rd_engine::catalog::find(net(&s), what, given(q.device)).await?;
            Ok(json(&found, q.common.redact()))
        }
    }
}

/// `GET /api/watch`: the live restore timeline (server-sent events).
async fn watch(State(s): St, Q(q): Q<Common>) -> Result<Response, ApiError> {
    live::watch(&s, q.redact()).await
}
