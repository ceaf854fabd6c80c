//! `sec.hosts_file`: hosts-file entries for any Apple host, with line numbers. Read-only; the
//! fix (`--fix hosts`) is a separate, explicit call to `crate::hosts::fix`.

use crate::data::CheckSpec;
use crate::hosts;
use crate::runner::{Ctx, finding};
use rd_model::{Confidence, Evidence, Finding, Severity};

/// Runs the check.
pub fn check(ctx: &Ctx, spec: &CheckSpec) -> Finding {
    let path = ctx.cfg.hosts_path();
    let shown = path.display().to_string();
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return finding(
                spec,
                Severity::Ok,
                "No hosts file (nothing can redirect Apple's hosts there)",
                format!("{shown} does not exist."),
            );
        }
        Err(e) => {
            return finding(
                spec,
                Severity::Warn,
                format!("Cannot read the hosts file {shown}"),
                format!(
                    "Reading it failed ({e}), so redirects of Apple's hosts could not be ruled out."
                ),
            );
        }
    };
    let text = hosts::decode(&bytes);
    let entries = hosts::apple_entries(&text, &ctx.cfg.apple_domains);
    if entries.is_empty() {
        return finding(
            spec,
            Severity::Ok,
            "Hosts file has no entry for an Apple host",
            format!("{shown} was read; no line names an Apple host."),
        );
    }
    let critical: Vec<&str> = ctx
        .cfg
        .apple_hosts
        .iter()
        .filter(|h| h.critical)
        .map(|h| h.name.as_str())
        .collect();
    let hits_critical = entries
        .iter()
        .any(|e| e.names.iter().any(|n| critical.contains(&n.as_str())));
    let names: Vec<String> = {
        let mut v: Vec<String> = entries
            .iter()
            .flat_map(|e| e.names.iter().cloned())
            .collect();
        v.dedup();
        v
    };
    let mut f = finding(
        spec,
        if hits_critical { Severity::Fail } else { Severity::Warn },
        format!("Hosts file redirects {} Apple host name(s): {}", names.len(), names.join(", ")),
        "The hosts file sends these names to fixed addresses instead of Apple's servers. Old jailbreak and SHSH tools added such lines to send signing requests elsewhere; today they make Apple's signing fail. `restore-doctor checkup --fix hosts` removes them after saving a backup.",
    )
    .with_confidence(Confidence::High);
    for e in &entries {
        let why = if hosts::is_sinkhole(&e.address) {
            format!("{} blocked (sent to {})", e.names.join(", "), e.address)
        } else {
            format!(
                "{} redirected to {}, not Apple",
                e.names.join(", "),
                e.address
            )
        };
        f = f.with_evidence(
            Evidence::new(e.text.clone(), why)
                .at_line(e.line)
                .from_source(shown.clone()),
        );
    }
    f
}
