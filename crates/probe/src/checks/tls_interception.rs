//! `sec.tls_interception`: the chains Apple's hosts presented (captured during the host probes)
//! judged against Mozilla's roots, Apple's roots and the OS store. A chain that validates only
//! under the OS store, or whose names point to a known product, is interception.

use crate::data::CheckSpec;
use crate::runner::{Ctx, finding};
use crate::tls::ChainKind;
use rd_model::{Confidence, Evidence, Finding, Severity};

/// Runs the check.
pub async fn check(ctx: &Ctx, spec: &CheckSpec) -> Finding {
    let probes = ctx.host_probes().await;
    let judged: Vec<_> = probes
        .iter()
        .filter_map(|p| p.chain.as_ref().map(|c| (p, c)))
        .collect();
    if judged.is_empty() {
        return finding(
            spec,
            Severity::Warn,
            "TLS interception could not be checked: no Apple host presented a certificate",
            "No TLS connection to an Apple host got as far as the certificate, so there was no chain to inspect (see Apple restore and update servers).",
        );
    }
    let intercepted: Vec<_> = judged
        .iter()
        .filter(|(_, c)| c.kind == ChainKind::Intercepted)
        .collect();
    let untrusted: Vec<_> = judged
        .iter()
        .filter(|(_, c)| matches!(c.kind, ChainKind::Untrusted(_)))
        .collect();
    let unexpected: Vec<_> = judged
        .iter()
        .filter(|(_, c)| c.kind == ChainKind::UnexpectedIssuer)
        .collect();
    let mut f = if let Some((_, c)) = intercepted.first() {
        let who = match c.product {
            Some(p) => format!("{} ({})", p.name, p.kind),
            None => format!(
                "an unknown product whose certificate authority is '{}'",
                c.top_issuer
            ),
        };
        let scope = if c.pki == crate::tls::Pki::Apple {
            "This host is served from Apple's own PKI, so its chain must end at one of Apple's roots (built into restore-doctor); this one does not, so something between this computer and Apple answers in Apple's name."
        } else if c.under_os {
            "Its root certificate is installed in this computer's trust store, so browsers do not complain, but"
        } else {
            "Its root certificate is not even trusted by this computer, and"
        };
        finding(
            spec,
            Severity::Fail,
            format!("HTTPS to Apple is intercepted by {who}"),
            format!("The certificate Apple's hosts presented is not Apple's: it was issued by '{}'. {scope} Apple's signing server and restore tools expect Apple's own chain (Apple's article 101555: Apple services fail any connection that uses HTTPS interception), so the restore fails at signing or download.", c.leaf.issuer_cn),
        )
        .with_confidence(if c.product.is_some() { Confidence::High } else { Confidence::Medium })
    } else if let Some((_, c)) = untrusted.first() {
        let why = match &c.kind {
            ChainKind::Untrusted(e) => e.clone(),
            _ => String::new(),
        };
        finding(
            spec,
            Severity::Fail,
            format!("Apple's hosts presented a certificate no trust store accepts (issuer '{}')", c.leaf.issuer_cn),
            format!("The chain validates under neither Mozilla's roots, Apple's roots nor this computer's store ({why}). Either something intercepts the connection without installing its root, or the computer's clock is wrong."),
        )
        .with_confidence(Confidence::Medium)
    } else if let Some((_, c)) = unexpected.first() {
        finding(
            spec,
            Severity::Warn,
            format!("Apple's hosts presented a publicly trusted certificate from an unexpected issuer ('{}')", c.leaf.issuer_cn),
            "The chain is valid, but not issued by Apple or the authorities Apple uses. This can be a change on Apple's side or a proxy with a publicly trusted certificate.",
        )
        .with_confidence(Confidence::Low)
    } else {
        finding(
            spec,
            Severity::Ok,
            format!(
                "No TLS interception: {} Apple host(s) presented their own certificates",
                judged.len()
            ),
            "Every chain validates under Mozilla's or Apple's roots and is issued by who serves the host.",
        )
    };
    for (p, c) in &judged {
        let stores: Vec<&str> = [
            (c.under_public, "Mozilla"),
            (c.under_apple, "Apple"),
            (c.under_os, "OS store"),
        ]
        .iter()
        .filter(|(ok, _)| *ok)
        .map(|(_, n)| *n)
        .collect();
        let valid = if stores.is_empty() {
            "no store".to_string()
        } else {
            stores.join(", ")
        };
        let why = match &c.kind {
            ChainKind::Genuine => "genuine".to_string(),
            ChainKind::UnexpectedIssuer => "valid, unexpected issuer".to_string(),
            ChainKind::Intercepted => match c.product {
                Some(prod) => format!("intercepted: {}", prod.name),
                None => "intercepted".to_string(),
            },
            ChainKind::Untrusted(_) => "not trusted".to_string(),
        };
        f = f.with_evidence(Evidence::new(
            format!(
                "{}: issued by '{}' (chain up to '{}'), valid under: {valid}",
                p.host.name, c.leaf.issuer_cn, c.top_issuer
            ),
            why,
        ));
    }
    let stores = ctx.stores().await;
    for n in &stores.notes {
        f = f.with_evidence(Evidence::new(n.clone(), "trust store setup"));
    }
    f
}
