//! Remedy and check ids as types. `build.rs` generates one enum variant per row of
//! `data/remedies.toml` and `data/checks.toml`, and the `remedy_id!` / `check_id!` macros that map
//! an id literal to its variant; an id missing from the data is a build error where it is written,
//! not a remedy that silently disappears from a finding at run time.
//!
//! ```
//! use rd_kb::{CheckId, RemedyId};
//! assert_eq!(rd_kb::remedy_id!("dfu-mode"), RemedyId::DfuMode);
//! assert_eq!(rd_kb::check_id!("net.dns").as_str(), "net.dns");
//! let fixes = rd_kb::remedies!["usb-direct-port", "retry"];
//! assert_eq!(fixes.len(), 2);
//! ```
//!
//! A misspelt id does not compile:
//!
//! ```compile_fail
//! let _ = rd_kb::remedy_id!("dfu-mod");
//! ```
//!
//! ```compile_fail
//! let _ = rd_kb::remedies!["retry", "no-such-remedy"];
//! ```
//!
//! ```compile_fail
//! let _ = rd_kb::check_id!("net.dnz");
//! ```

use crate::catalog::{CheckDef, Checkup, HostPart, RemedyDef, checks, remedy_defs};
use serde::de::{Deserializer, Error as _};
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;

include!(concat!(env!("OUT_DIR"), "/kb_ids.rs"));

impl RemedyId {
    /// The remedy's catalog row.
    pub fn def(self) -> &'static RemedyDef {
        // Both come from data/remedies.toml in file order, so the variant's index is the row.
        &remedy_defs()[self as usize]
    }
}

impl CheckId {
    /// The check's catalog row.
    pub fn def(self) -> &'static CheckDef {
        // Both come from data/checks.toml in file order, so the variant's index is the row.
        &checks()[self as usize]
    }

    /// How the host checkup runs it (`None`: another command runs it).
    pub fn checkup(self) -> Option<&'static Checkup> {
        self.def().checkup.as_ref()
    }

    /// The checks the host checkup runs, in the order its summary lists them.
    pub fn checkup_ids() -> impl Iterator<Item = CheckId> {
        CheckId::ALL
            .iter()
            .copied()
            .filter(|c| c.checkup().is_some())
    }

    /// How rd-host decides it (`None`: not a host-software check).
    pub fn host(self) -> Option<&'static HostPart> {
        self.def().host.as_ref()
    }

    /// The host-software checks rd-host decides, in data order.
    pub fn host_ids() -> impl Iterator<Item = CheckId> {
        CheckId::ALL.iter().copied().filter(|c| c.host().is_some())
    }
}

macro_rules! string_like {
    ($name:ident, $what:literal) => {
        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        /// Reading an id from another data file fails on an id the catalog does not have.
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = String::deserialize(d)?;
                $name::parse(&text).ok_or_else(|| {
                    D::Error::custom(format!(concat!("unknown ", $what, " id '{}'"), text))
                })
            }
        }
    };
}

string_like!(RemedyId, "remedy");
string_like!(CheckId, "check");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_line_up_with_catalog_rows() {
        assert_eq!(RemedyId::ALL.len(), remedy_defs().len());
        for r in RemedyId::ALL {
            assert_eq!(r.def().id, r.as_str());
            assert_eq!(RemedyId::parse(r.as_str()), Some(*r));
        }
        assert_eq!(CheckId::ALL.len(), checks().len());
        for c in CheckId::ALL {
            assert_eq!(c.def().id, c.as_str());
            assert_eq!(CheckId::parse(c.as_str()), Some(*c));
        }
        assert_eq!(RemedyId::parse("no-such-remedy"), None);
        assert_eq!(CheckId::parse("net"), None);
    }

    #[test]
    fn ids_read_from_data_are_checked() {
        let ok: Vec<RemedyId> = serde_json::from_str(r#"["retry","dfu-mode"]"#).unwrap();
        assert_eq!(ok, [RemedyId::Retry, RemedyId::DfuMode]);
        let err = serde_json::from_str::<Vec<RemedyId>>(r#"["retry","dfu-mod"]"#).unwrap_err();
        assert!(
            err.to_string().contains("unknown remedy id 'dfu-mod'"),
            "{err}"
        );
        assert!(serde_json::from_str::<CheckId>(r#""net.dnz""#).is_err());
        assert_eq!(
            serde_json::to_string(&CheckId::NetDns).unwrap(),
            r#""net.dns""#
        );
    }
}
