//! A manifest entry's `RestoreRequestRules`: each rule's `Conditions` are matched against the
//! request parameters and, when all hold, its boolean `Actions` (EPRO, ESEC, DPRO, DSEC) are set
//! on the entry; a later rule overrides an earlier one.
//!
//! Condition names map to parameters as in libtatsu@60a39f3 `src/tss.c`
//! (`tss_entry_apply_restore_request_rules`): ApRawProductionMode and ApCurrentProductionMode →
//! the production mode, ApRawSecurityMode → the security mode, ApRequiresImage4 → Image4
//! support, ApDemotionPolicyOverride → the demotion policy, ApInRomDFU → in-ROM DFU. A condition
//! on a parameter that is not set, or with an unknown name, does not hold.

use plist::{Dictionary, Value};

/// The parameters rules are matched against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleParams {
    /// Production-fused device (`ApProductionMode`).
    pub production_mode: bool,
    /// Security mode on (`ApSecurityMode`).
    pub security_mode: bool,
    /// Image4 device (`ApSupportsImg4`).
    pub supports_img4: bool,
    /// Demotion policy, when one is set (`DemotionPolicy`).
    pub demotion_policy: Option<String>,
    /// In-ROM DFU, when known (`ApInRomDFU`).
    pub in_rom_dfu: Option<bool>,
}

impl RuleParams {
    fn value_for(&self, condition: &str) -> Option<Value> {
        match condition {
            "ApRawProductionMode" | "ApCurrentProductionMode" => {
                Some(Value::Boolean(self.production_mode))
            }
            "ApRawSecurityMode" => Some(Value::Boolean(self.security_mode)),
            "ApRequiresImage4" => Some(Value::Boolean(self.supports_img4)),
            "ApDemotionPolicyOverride" => self.demotion_policy.clone().map(Value::String),
            "ApInRomDFU" => self.in_rom_dfu.map(Value::Boolean),
            _ => None,
        }
    }

    /// Whether every condition of a rule holds (a rule without conditions always holds).
    pub fn holds(&self, conditions: Option<&Dictionary>) -> bool {
        conditions.is_none_or(|c| {
            c.iter()
                .all(|(k, want)| self.value_for(k).is_some_and(|have| &have == want))
        })
    }
}

/// Applies an entry's rules (the `Info.RestoreRequestRules` array) to the entry sent in the
/// request. Returns whether any rule was present.
pub fn apply(entry: &mut Dictionary, rules: &Value, params: &RuleParams) -> bool {
    let Some(rules) = rules.as_array() else {
        return false;
    };
    for rule in rules.iter().filter_map(Value::as_dictionary) {
        let conditions = rule.get("Conditions").and_then(Value::as_dictionary);
        if !params.holds(conditions) {
            continue;
        }
        let Some(actions) = rule.get("Actions").and_then(Value::as_dictionary) else {
            continue;
        };
        for (k, v) in actions {
            if let Some(b) = v.as_boolean() {
                entry.insert(k.clone(), Value::Boolean(b));
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> RuleParams {
        RuleParams {
            production_mode: true,
            security_mode: true,
            supports_img4: true,
            demotion_policy: None,
            in_rom_dfu: None,
        }
    }

    fn rule(cond: &[(&str, Value)], act: &[(&str, bool)]) -> Value {
        let mut c = Dictionary::new();
        for (k, v) in cond {
            c.insert((*k).into(), v.clone());
        }
        let mut a = Dictionary::new();
        for (k, v) in act {
            a.insert((*k).into(), Value::Boolean(*v));
        }
        let mut r = Dictionary::new();
        r.insert("Conditions".into(), Value::Dictionary(c));
        r.insert("Actions".into(), Value::Dictionary(a));
        Value::Dictionary(r)
    }

    #[test]
    fn later_rules_override_and_unset_parameters_never_match() {
        let rules = Value::Array(vec![
            rule(
                &[("ApRawProductionMode", Value::Boolean(false))],
                &[("EPRO", false)],
            ),
            rule(
                &[("ApRawProductionMode", Value::Boolean(true))],
                &[("EPRO", true)],
            ),
            rule(
                &[
                    ("ApRawProductionMode", Value::Boolean(true)),
                    ("ApDemotionPolicyOverride", Value::String("Demote".into())),
                ],
                &[("EPRO", false), ("DPRO", true)],
            ),
            rule(
                &[("ApRawSecurityMode", Value::Boolean(true))],
                &[("ESEC", true)],
            ),
            rule(
                &[("SomethingNew", Value::Boolean(true))],
                &[("ESEC", false)],
            ),
        ]);
        let mut e = Dictionary::new();
        assert!(apply(&mut e, &rules, &params()));
        assert_eq!(e.get("EPRO"), Some(&Value::Boolean(true)));
        assert_eq!(e.get("ESEC"), Some(&Value::Boolean(true)));
        assert!(!e.contains_key("DPRO"));

        let demote = RuleParams {
            demotion_policy: Some("Demote".into()),
            ..params()
        };
        let mut e = Dictionary::new();
        apply(&mut e, &rules, &demote);
        assert_eq!(e.get("EPRO"), Some(&Value::Boolean(false)));
        assert_eq!(e.get("DPRO"), Some(&Value::Boolean(true)));

        let dev = RuleParams {
            production_mode: false,
            ..params()
        };
        let mut e = Dictionary::new();
        apply(&mut e, &rules, &dev);
        assert_eq!(e.get("EPRO"), Some(&Value::Boolean(false)));
    }
}
