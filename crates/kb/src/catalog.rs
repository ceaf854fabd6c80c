//! The remedy and check catalogs (`data/remedies.toml`, `data/checks.toml`). `build.rs` has already
//! validated both files (and every remedy id the rest of the knowledge base uses) when this compiles.

use crate::ids::RemedyId;
use rd_model::{Family, Remedy};
use serde::Deserialize;
use std::sync::OnceLock;

/// One remedy as the catalog holds it.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RemedyDef {
    /// Stable id, e.g. `usb-direct-port`.
    pub id: String,
    /// What to do, in plain words.
    pub text: String,
    /// The check that verifies it, if any.
    #[serde(default)]
    pub check: Option<String>,
}

impl RemedyDef {
    /// The model value findings carry.
    pub fn to_remedy(&self) -> Remedy {
        Remedy {
            id: self.id.clone(),
            text: self.text.clone(),
            check: self.check.clone(),
        }
    }
}

/// One automated check as the catalog holds it.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct CheckDef {
    /// Stable id, e.g. `sec.hosts_file`.
    pub id: String,
    /// Where it runs: host, network, usb, device or firmware.
    pub area: String,
    /// Short title.
    pub title: String,
    /// What passing this check proves.
    pub verifies: String,
    /// The command that runs it, when it is not part of `checkup`.
    #[serde(default)]
    pub verify_with: Option<String>,
    /// How the host checkup runs it; `None` for checks another command runs.
    #[serde(default)]
    pub checkup: Option<Checkup>,
    /// How rd-host decides it from captured command output; `None` for other checks.
    #[serde(default)]
    pub host: Option<HostPart>,
}

/// How rd-host decides one host-software check: the `[check.host]` part of its row.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct HostPart {
    /// `windows`, `macos`, `linux` or `any`.
    pub platform: String,
    /// What it reads (commands, files, registry keys), in words a user can repeat by hand.
    pub reads: Vec<String>,
    /// The family its findings carry, when the row has no `[check.checkup]` part.
    #[serde(default)]
    family: Option<Family>,
    /// Its remedies, when the row has no `[check.checkup]` part.
    #[serde(default)]
    remedies: Option<Vec<RemedyId>>,
}

/// How the host checkup (crates/probe) runs one check: the `[check.checkup]` part of its row.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Checkup {
    /// The family the check's findings carry.
    pub family: Family,
    /// Budget for the whole check, in milliseconds (the check is cut off after it).
    pub timeout_ms: u64,
    /// Needs the internet (skipped without it).
    pub network: bool,
    /// Remedies shown, in order, when the check is not fine.
    pub remedies: Vec<RemedyId>,
    /// Restore errors the problem shows up as.
    pub error_codes: Vec<String>,
}

impl CheckDef {
    /// The family its findings carry (from `[check.checkup]`, else `[check.host]`); `None` for
    /// checks whose findings choose their own.
    pub fn family(&self) -> Option<Family> {
        match (&self.checkup, &self.host) {
            (Some(run), _) => Some(run.family),
            (None, Some(host)) => host.family,
            (None, None) => None,
        }
    }

    /// Its remedies, in order (from `[check.checkup]`, else `[check.host]`; build.rs makes sure
    /// exactly one of them has the list when either part is there).
    pub fn remedies(&self) -> &[RemedyId] {
        match (&self.checkup, &self.host) {
            (Some(run), _) => &run.remedies,
            (None, Some(host)) => host.remedies.as_deref().unwrap_or_default(),
            (None, None) => &[],
        }
    }

    /// The command a user runs to verify this check.
    pub fn command(&self) -> String {
        self.verify_with
            .clone()
            .unwrap_or_else(|| format!("restore-doctor checkup --only {}", self.id))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RemedyFile {
    remedy: Vec<RemedyDef>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckFile {
    check: Vec<CheckDef>,
}

/// All remedy definitions, in catalog order.
pub fn remedy_defs() -> &'static [RemedyDef] {
    static DEFS: OnceLock<Vec<RemedyDef>> = OnceLock::new();
    DEFS.get_or_init(|| {
        toml::from_str::<RemedyFile>(include_str!("../data/remedies.toml"))
            .expect("remedies.toml is validated by tests")
            .remedy
    })
}

/// All check definitions, in catalog order.
pub fn checks() -> &'static [CheckDef] {
    static DEFS: OnceLock<Vec<CheckDef>> = OnceLock::new();
    DEFS.get_or_init(|| {
        toml::from_str::<CheckFile>(include_str!("../data/checks.toml"))
            .expect("checks.toml is validated by tests")
            .check
    })
}

/// The check with this id.
pub fn check(id: &str) -> Option<&'static CheckDef> {
    checks().iter().find(|c| c.id == id)
}

/// The remedy with this id, as a model value.
pub fn remedy(id: &str) -> Option<Remedy> {
    remedy_defs()
        .iter()
        .find(|r| r.id == id)
        .map(RemedyDef::to_remedy)
}

/// Remedies for these ids, in the given order. The ids are typed, so none can be missing: write
/// them with [`remedies!`](crate::remedies!) or [`remedy_id!`](crate::remedy_id!), or read them
/// from data as [`RemedyId`] (an unknown id fails there, where the data is validated).
pub fn remedies(ids: &[RemedyId]) -> Vec<Remedy> {
    ids.iter().map(|id| id.def().to_remedy()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn remedy_ids_are_unique_and_checks_exist() {
        let mut seen = HashSet::new();
        for r in remedy_defs() {
            assert!(seen.insert(&r.id), "duplicate remedy id {}", r.id);
            assert!(!r.text.trim().is_empty(), "empty text for {}", r.id);
            if let Some(c) = &r.check {
                assert!(
                    check(c).is_some(),
                    "remedy {} names unknown check {c}",
                    r.id
                );
            }
        }
        assert!(remedy_defs().len() >= 30);
    }

    #[test]
    fn check_ids_are_unique_and_well_formed() {
        let mut seen = HashSet::new();
        let areas = ["host", "network", "usb", "device", "firmware"];
        for c in checks() {
            assert!(seen.insert(&c.id), "duplicate check id {}", c.id);
            assert!(
                areas.contains(&c.area.as_str()),
                "check {} has area {}",
                c.id,
                c.area
            );
            assert!(c.id.contains('.'), "check id {} should be area.name", c.id);
        }
    }

    #[test]
    fn verify_commands_name_a_real_subcommand() {
        for c in checks() {
            let cmd = c.command();
            let sub = cmd.split_whitespace().nth(1).unwrap_or_default();
            assert!(
                ["checkup", "ipsw", "signed", "devices", "dfu"].contains(&sub),
                "check {} verifies with unknown command {cmd}",
                c.id
            );
            if c.area == "firmware" {
                assert_ne!(sub, "checkup", "{} is not a checkup check", c.id);
            }
        }
    }

    #[test]
    fn remedies_resolve_in_order() {
        let r = remedies(&[RemedyId::UsbDirectPort, RemedyId::Retry]);
        let ids: Vec<_> = r.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["usb-direct-port", "retry"]);
        assert_eq!(r[0].check.as_deref(), Some("usb.hub"));
        assert_eq!(remedy("no-such-remedy"), None);
    }
}
