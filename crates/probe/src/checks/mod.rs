//! One module per check; `run` dispatches by id.

pub mod apple_hosts;
pub mod clock;
pub mod dns;
pub mod hosts_file;
pub mod internet;
pub mod proxy;
pub mod software;
pub mod status;
pub mod tls_interception;
pub mod tss;

use crate::data::CheckSpec;
use crate::runner::Ctx;
use rd_model::Finding;

/// Runs the check `spec` describes.
pub async fn run(ctx: &Ctx, spec: &CheckSpec) -> Finding {
    match spec.id.as_str() {
        "net.internet" => internet::check(ctx, spec).await,
        "net.dns" => dns::check(ctx, spec).await,
        "net.apple_hosts" => apple_hosts::check(ctx, spec).await,
        "sec.hosts_file" => hosts_file::check(ctx, spec),
        "sec.tls_interception" => tls_interception::check(ctx, spec).await,
        "sec.proxy" => proxy::check(ctx, spec).await,
        "apple.status" => status::check(ctx, spec).await,
        "apple.tss" => tss::check(ctx, spec).await,
        "host.software" => software::check(ctx, spec).await,
        "host.disk" => software::disk_check(ctx, spec).await,
        "host.clock" => clock::check(ctx, spec).await,
        other => crate::runner::finding(
            spec,
            rd_model::Severity::Warn,
            format!("{other}: no implementation"),
            "This check id is listed in data/checks.toml but this build has no code for it.",
        ),
    }
}

/// Runs a program with arguments under a timeout; `None` if it is missing, fails or hangs.
pub async fn command_output(
    program: &str,
    args: &[&str],
    timeout: std::time::Duration,
) -> Option<String> {
    let mut cmd = tokio::process::Command::new(program);
    cmd.args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    let out = tokio::time::timeout(timeout, cmd.output())
        .await
        .ok()?
        .ok()?;
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    if text.trim().is_empty() {
        text = String::from_utf8_lossy(&out.stderr).into_owned();
    }
    Some(text)
}
