//! What an attempt's outcome means, as a finding in the shared model.

use super::helper::Outcome;
use super::{Advice, Plan, Target, guidance};
use rd_kb::remedies;
use rd_model::{Evidence, Family, Finding, Severity};

fn secs(ms: u64) -> String {
    format!("{}.{} s", ms / 1000, (ms % 1000) / 100)
}

/// The finding for one attempt.
pub fn outcome_finding(outcome: &Outcome, plan: &Plan, device: &str) -> Finding {
    let target = plan.target.label();
    match outcome {
        Outcome::Reached { mode, step, after_ms } => {
            let when = if *step > plan.steps.len() {
                "just after the last step".to_string()
            } else {
                format!("during step {step}")
            };
            Finding::new(
                "dfu.reached",
                Family::DeviceState,
                Severity::Ok,
                format!("{device} is in {} — let go of the buttons", mode.label()),
                format!(
                    "The computer sees the device in {} {secs} after the first step ({when}). Start the restore now (Finder, iTunes, Apple Devices or your restore tool).{}",
                    mode.label(),
                    if plan.target == Target::Dfu { " The screen stays black in DFU mode; that is expected." } else { "" },
                    secs = secs(*after_ms),
                ),
            )
            .with_evidence(Evidence::new(format!("USB now shows {}", mode.label()), "read from the product id").from_source("device.mode"))
        }
        Outcome::AlreadyThere { mode } => Finding::new(
            "dfu.already",
            Family::DeviceState,
            Severity::Ok,
            format!("{device} is already in {}", mode.label()),
            "Nothing to press: start the restore.",
        ),
        Outcome::BootedNormal { step } => {
            let advice = plan.if_normal.and_then(|n| plan.advised_step().map(|s| (n.advice, s)));
            let explanation = match advice {
                Some((Advice::Shorten, s)) => format!(
                    "The device restarted and booted normally (Apple logo) instead of entering {target}: step {} (\"{}\") was held too long. On the next try let go about 2 seconds earlier; the countdown for step {} will be 2 s shorter.",
                    s.number, s.cue, s.number
                ),
                Some((Advice::Lengthen, s)) => format!(
                    "The device booted normally instead of entering {target}: the buttons were let go too early at step {} (\"{}\"). Keep holding through the Apple logo until the recovery screen appears; the next countdown is 5 s longer.",
                    s.number, s.cue
                ),
                None => format!("The device booted normally instead of entering {target}. Start again and follow the countdown closely."),
            };
            Finding::new(
                "dfu.booted_normal",
                Family::DeviceState,
                Severity::Fail,
                format!("{device} booted normally (seen during step {step})"),
                explanation,
            )
            .with_evidence(Evidence::new("USB shows the device in normal mode again", "it restarted into iOS"))
        }
        Outcome::OtherMode { mode, step } => {
            let mut explanation = format!("The device arrived in {} instead of {target}.", mode.label());
            for h in &plan.failure_hints {
                explanation.push(' ');
                explanation.push_str(h);
            }
            if *mode == crate::Mode::Recovery {
                explanation.push(' ');
                explanation.push_str(&guidance().recovery_enough);
            }
            Finding::new(
                "dfu.other_mode",
                Family::DeviceState,
                Severity::Warn,
                format!("{device} went to {} (during step {step})", mode.label()),
                explanation,
            )
        }
        Outcome::NoChange { mode } => Finding::new(
            "dfu.no_change",
            Family::DeviceState,
            Severity::Fail,
            format!("{device} stayed in {}", mode.label()),
            "The device never left its mode, so the buttons did not register. Press firmly, use the buttons named for this model, and follow the countdown from the start.",
        ),
        Outcome::Vanished => Finding::new(
            "dfu.vanished",
            Family::Usb,
            Severity::Fail,
            format!("{device} left the USB bus and did not come back"),
            format!(
                "If the screen is black, the device may be in {target} while the computer cannot see it: a charge-only or worn cable, a hub, or (on Windows) a driver problem. If the screen shows the Apple logo, it is still booting; wait and watch `restore-doctor devices --watch`."
            ),
        )
        .with_remedies(remedies!["usb-apple-cable", "usb-direct-port", "usb-driver-windows"]),
        Outcome::NeverSeen => Finding::new(
            "dfu.never_seen",
            Family::Usb,
            Severity::Fail,
            format!("No device appeared on USB while aiming for {target}"),
            "Nothing showed up on the bus at any point. Check that the cable carries data and is plugged straight into the computer, and that the device has some charge.",
        )
        .with_remedies(remedies!["usb-connect-device", "usb-apple-cable", "usb-other-port"]),
        Outcome::Cancelled => Finding::new(
            "dfu.cancelled",
            Family::DeviceState,
            Severity::Info,
            "Stopped before the sequence started",
            "Nothing was changed. Run `restore-doctor dfu --steps` to read the steps first.",
        ),
        Outcome::BusFailed { reason } => Finding::new(
            "dfu.bus_failed",
            Family::Usb,
            Severity::Warn,
            "Cannot watch the USB bus",
            format!("The helper cannot see USB devices ({reason}). Use `restore-doctor dfu --steps` to follow the sequence by hand."),
        )
        .with_remedies(remedies!["usb-run-on-host"]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dfu::plan;

    #[test]
    fn booted_normal_names_the_step_to_change() {
        let p = plan("vol_up_down_side", Target::Dfu).unwrap();
        let f = outcome_finding(&Outcome::BootedNormal { step: 4 }, &p, "iPhone 8");
        assert_eq!(f.severity, Severity::Fail);
        assert!(f.explanation.contains("step 4"), "{}", f.explanation);
        assert!(f.explanation.contains("too long"));
        let r = plan("vol_up_down_side", Target::Recovery).unwrap();
        let f = outcome_finding(&Outcome::BootedNormal { step: 4 }, &r, "iPhone 8");
        assert!(f.explanation.contains("too early"));
    }

    #[test]
    fn recovery_instead_of_dfu_says_recovery_is_enough() {
        let p = plan("home_button", Target::Dfu).unwrap();
        let f = outcome_finding(
            &Outcome::OtherMode {
                mode: crate::Mode::Recovery,
                step: 3,
            },
            &p,
            "iPhone 6s",
        );
        assert!(f.explanation.contains(&guidance().recovery_enough));
        assert!(f.explanation.contains(&p.failure_hints[0]));
    }

    #[test]
    fn reached_reports_time_and_step() {
        let p = plan("home_button", Target::Dfu).unwrap();
        let f = outcome_finding(
            &Outcome::Reached {
                mode: crate::Mode::Dfu,
                step: 3,
                after_ms: 9750,
            },
            &p,
            "x",
        );
        assert!(f.explanation.contains("9.7 s"));
        assert!(f.explanation.contains("during step 3"));
        assert_eq!(f.severity, Severity::Ok);
    }
}
