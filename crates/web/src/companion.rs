//! The restore companion's routes: the restore logs found on this computer (and diagnosing one of
//! them by its place in that list, never by a path the browser makes up), the attempt history,
//! and the shareable report as a download. The live watch is in [`crate::live`].
//!
//! The server reads only files discovery returned: `?found=` names an index or a path of the
//! list `/api/logs` gives, and anything else is refused, so a page cannot make the server read
//! an arbitrary file.

use crate::problem::{ApiError, Q, flag, json};
use crate::routes::Shared;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rd_locate::{FoundLog, Layout};
use rd_report::{AssembleOptions, CheckupPlan, Format};
use serde::Deserialize;
use std::path::PathBuf;
use std::sync::Arc;

type St = State<Arc<Shared>>;

/// Runs blocking work (file walks, the history store, the report) on the blocking pool.
async fn blocking<T: Send + 'static>(
    what: &str,
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work).await.unwrap_or_else(|_| {
        Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the {what} stopped unexpectedly"),
        ))
    })
}

fn layout(s: &Shared) -> Result<Layout, ApiError> {
    s.state.logs.clone().ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "no home folder is known to this server, so no restore logs are looked for; diagnose a log by uploading it",
        )
    })
}

/// A redaction flag shared by the JSON routes here.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct RedactQuery {
    #[serde(default)]
    redact: Option<String>,
}

/// `GET /api/logs`: the restore logs found, newest first (the same JSON as `logs --json`).
pub(crate) async fn logs(State(s): St, Q(q): Q<RedactQuery>) -> Result<Response, ApiError> {
    let layout = layout(&s)?;
    let listing = blocking("log search", move || {
        Ok(rd_engine::logs::logs_blocking(&layout))
    })
    .await?;
    Ok(json(&listing, flag(&q.redact)))
}

#[derive(Debug, Deserialize)]
pub(crate) struct FoundQuery {
    /// An index into `/api/logs`' list, or a path exactly as that list gives it.
    #[serde(default)]
    found: Option<String>,
    #[serde(default)]
    redact: Option<String>,
}

/// Which discovered log `found` names: its index in the list, or its path exactly as listed.
fn pick(found: &str, list: &[FoundLog]) -> Result<PathBuf, ApiError> {
    let found = found.trim();
    if let Ok(i) = found.parse::<usize>() {
        return list.get(i).map(|f| f.path.clone()).ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                format!(
                    "no restore log number {i}: {} were found (see /api/logs)",
                    list.len()
                ),
            )
        });
    }
    list.iter()
        .find(|f| f.path.display().to_string() == found)
        .map(|f| f.path.clone())
        .ok_or_else(|| {
            ApiError::forbidden(
                "refused: the server reads only the restore logs it found itself (see /api/logs); upload any other log",
            )
        })
}

/// `GET /api/log?found=…`: the server diagnoses one of the logs it found and records the
/// attempt in the history (`log PATH --json`).
pub(crate) async fn log_found(State(s): St, Q(q): Q<FoundQuery>) -> Result<Response, ApiError> {
    let Some(found) = q.found.filter(|f| !f.trim().is_empty()) else {
        return Err(ApiError::bad_request(
            "give ?found= with an index or path from /api/logs, or POST the log itself",
        ));
    };
    let layout = layout(&s)?;
    let history_dir = s.state.history_dir.clone();
    let usb = s.state.usb.clone();
    let _slot = s.diagnoses.acquire().await.map_err(|_| ApiError::busy())?;
    let diagnosis = blocking("diagnosis", move || {
        let path = pick(&found, &rd_locate::discover(&layout))?;
        let mut d = rd_engine::log::diagnose_path(&path).map_err(ApiError::from)?;
        // A log on this computer is an attempt made here: recorded as `log PATH` records it
        // (an upload through POST /api/log may come from anyone's device, so it is not).
        if let Some(dir) = history_dir {
            for notice in rd_engine::history::record_log_blocking(&mut d, &dir, &usb) {
                eprintln!("restore-doctor: {notice}");
            }
        }
        Ok(d)
    })
    .await?;
    Ok(json(&diagnosis, flag(&q.redact)))
}

/// `GET /api/history`: the attempts per device (the same JSON as `history --json`).
pub(crate) async fn history(State(s): St, Q(q): Q<RedactQuery>) -> Result<Response, ApiError> {
    let Some(dir) = s.state.history_dir.clone() else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "the attempt history is off for this server (serve --no-history, or no data folder)",
        ));
    };
    let listing = blocking("history", move || {
        rd_engine::history::listing_blocking(&dir).map_err(ApiError::from)
    })
    .await?;
    Ok(json(&listing, flag(&q.redact)))
}

#[derive(Debug, Deserialize)]
pub(crate) struct ReportQuery {
    /// `html` (default) or `md`.
    #[serde(default)]
    format: Option<String>,
    /// `1`: keep ECID, serial number, IMEI and UDID (masked by default).
    #[serde(default)]
    no_redact: Option<String>,
    /// `1`: leave out the computer checkup (it asks Apple's servers over the network).
    #[serde(default)]
    no_checkup: Option<String>,
    /// Only these checkup checks, comma-separated.
    #[serde(default)]
    only: Option<String>,
}

fn format_of(f: Option<&str>) -> Result<Format, ApiError> {
    match f.map(str::trim).unwrap_or("") {
        "" | "html" => Ok(Format::Html),
        "md" | "markdown" => Ok(Format::Markdown),
        other => Err(ApiError::bad_request(format!(
            "format '{other}': use ?format=html or ?format=md"
        ))),
    }
}

fn checkup_plan(s: &Shared, q: &ReportQuery) -> Result<CheckupPlan, ApiError> {
    let skip = flag(&q.no_checkup).then(|| "left out (no_checkup=1)".to_string());
    let only = crate::routes::ids(&q.only);
    Ok(CheckupPlan::select(skip, &only, s.state.checkup.clone())?)
}

/// `GET /api/report`: the shareable report as a file to save, redacted unless `no_redact=1`.
pub(crate) async fn report(State(s): St, Q(q): Q<ReportQuery>) -> Result<Response, ApiError> {
    let format = format_of(q.format.as_deref())?;
    let checkup = checkup_plan(&s, &q)?;
    let redact = !flag(&q.no_redact);
    let layout = s.state.logs.clone();
    let usb = s.state.usb.clone();
    let history_dir = s.state.history_dir.clone();
    let _slot = s.diagnoses.acquire().await.map_err(|_| ApiError::busy())?;
    let log = blocking("report", move || Ok(rd_report::newest_log(layout.as_ref()))).await?;
    let (bundle, _notices) = rd_report::assemble(AssembleOptions {
        checkup,
        usb,
        log,
        ipsw: None,
        history_dir,
        redact,
        now: rd_history::time::now_unix(),
    })
    .await;
    let text = rd_report::render(&bundle, format);
    let disposition = format!("attachment; filename=\"{}\"", format.file_name());
    let mut resp = (
        StatusCode::OK,
        [(header::CONTENT_TYPE, format.mime())],
        text,
    )
        .into_response();
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        resp.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(path: &str) -> FoundLog {
        FoundLog {
            path: PathBuf::from(path),
            location: "test",
            tool: "test",
            modified_unix: 0,
            size: 0,
            device: None,
        }
    }

    #[test]
    fn only_listed_logs_are_picked() {
        let list = [found("/home/a/x.log"), found("/home/a/y.log")];
        assert_eq!(pick("1", &list).unwrap(), PathBuf::from("/home/a/y.log"));
        assert_eq!(
            pick("/home/a/x.log", &list).unwrap(),
            PathBuf::from("/home/a/x.log")
        );
        assert_eq!(pick("2", &list).unwrap_err().status, StatusCode::NOT_FOUND);
        for no in ["/etc/passwd", "/home/a/../a/x.log", "-1", "x.log"] {
            assert_eq!(pick(no, &list).unwrap_err().status, StatusCode::FORBIDDEN);
        }
    }

    #[test]
    fn formats_are_html_or_markdown() {
        assert_eq!(format_of(None).unwrap(), Format::Html);
        assert_eq!(format_of(Some("md")).unwrap(), Format::Markdown);
        assert!(format_of(Some("pdf")).is_err());
    }
}
