//! One module per check, and [`REGISTRY`]: the one table from check id to the code that runs it.
//! A test holds it against the knowledge base's checkup rows in both directions, so a row without
//! code (or code without a row) fails the tests instead of showing up as a finding at run time.

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
use rd_kb::{CheckId, check_id};
use rd_model::Finding;
use std::future::Future;
use std::pin::Pin;

/// A running check.
pub type Running<'a> = Pin<Box<dyn Future<Output = Finding> + Send + 'a>>;

/// The code behind one check.
pub type Runner = for<'a> fn(&'a Ctx, &'a CheckSpec) -> Running<'a>;

/// Every check this crate implements, by id.
pub const REGISTRY: &[(CheckId, Runner)] = &[
    (check_id!("net.internet"), |c, s| {
        Box::pin(internet::check(c, s))
    }),
    (check_id!("net.dns"), |c, s| Box::pin(dns::check(c, s))),
    (check_id!("net.apple_hosts"), |c, s| {
        Box::pin(apple_hosts::check(c, s))
    }),
    (check_id!("sec.hosts_file"), |c, s| {
        Box::pin(std::future::ready(hosts_file::check(c, s)))
    }),
    (check_id!("sec.tls_interception"), |c, s| {
        Box::pin(tls_interception::check(c, s))
    }),
    (check_id!("sec.proxy"), |c, s| Box::pin(proxy::check(c, s))),
    (check_id!("apple.status"), |c, s| {
        Box::pin(status::check(c, s))
    }),
    (check_id!("apple.tss"), |c, s| Box::pin(tss::check(c, s))),
    (check_id!("host.software"), |c, s| {
        Box::pin(software::check(c, s))
    }),
    (check_id!("host.disk"), |c, s| {
        Box::pin(software::disk_check(c, s))
    }),
    (check_id!("host.clock"), |c, s| Box::pin(clock::check(c, s))),
];

/// Runs the check `spec` describes.
pub async fn run(ctx: &Ctx, spec: &CheckSpec) -> Finding {
    match REGISTRY.iter().find(|(id, _)| *id == spec.id) {
        Some((_, runner)) => runner(ctx, spec).await,
        // Unreachable while `every_checkup_row_has_code_and_all_code_a_row` passes; a finding
        // rather than a panic all the same.
        None => crate::runner::finding(
            spec,
            rd_model::Severity::Warn,
            format!("{}: no implementation", spec.id),
            "This check is a checkup row in the knowledge base but this build has no code for it.",
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn every_checkup_row_has_code_and_all_code_a_row() {
        let implemented: Vec<CheckId> = REGISTRY.iter().map(|(id, _)| *id).collect();
        let unique: BTreeSet<CheckId> = implemented.iter().copied().collect();
        assert_eq!(
            unique.len(),
            implemented.len(),
            "a check is registered twice"
        );
        let rows: BTreeSet<CheckId> = CheckId::checkup_ids().collect();
        let missing: Vec<&str> = rows.difference(&unique).map(|c| c.as_str()).collect();
        let extra: Vec<&str> = unique.difference(&rows).map(|c| c.as_str()).collect();
        assert!(missing.is_empty(), "checkup rows without code: {missing:?}");
        assert!(
            extra.is_empty(),
            "code for checks that are not checkup rows: {extra:?}"
        );
    }
}
