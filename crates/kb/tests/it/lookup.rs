//! Lookup behaviour: every input form, ranges, messages with small differences, bad input.

use proptest::prelude::*;
use rd_kb::{Matched, Outcome, by_id, codes_for_family, entries_in_family, lookup, ranges};
use rd_model::{Confidence, Family, Severity};

fn entry_id(input: &str) -> Option<String> {
    match lookup(input).outcome {
        Outcome::Entry { entry, .. } => Some(entry.id.to_string()),
        _ => None,
    }
}

fn range_id(input: &str) -> Option<String> {
    match lookup(input).outcome {
        Outcome::Range { rule, .. } => Some(rule.id.to_string()),
        _ => None,
    }
}

#[test]
fn every_form_of_4013() {
    for input in [
        "4013",
        " 4013 ",
        "error 4013",
        "Error 4013",
        "ERROR: 4013",
        "error code 4013",
        "(4013)",
        "4013 error",
        "#4013",
        "This device cannot be restored. An unknown error occurred (4013).",
        "The iPhone \"Bob's iPhone 11\" could not be restored. An unknown error occurred (4013).",
        "The operation couldn't be completed. (AMRestoreErrorDomain error 4013.)",
        "Error Domain=AMRestoreErrorDomain Code=4013",
    ] {
        assert_eq!(entry_id(input).as_deref(), Some("4013"), "{input:?}");
    }
}

#[test]
fn dialog_with_3194() {
    let l = lookup(
        "The iPhone \u{201c}X\u{201d} could not be restored. An unknown error occurred (3194).",
    );
    let Outcome::Entry { entry, .. } = l.outcome else {
        panic!("no entry");
    };
    assert_eq!(entry.code, "3194");
    assert_eq!(entry.family, Family::Signing);
}

#[test]
fn negative_numbers() {
    assert_eq!(entry_id("-1").as_deref(), Some("-1"));
    assert_eq!(entry_id("error -1").as_deref(), Some("-1"));
    assert_eq!(entry_id("(-9800)").as_deref(), Some("-9800"));
    // "1" and "-1" are different errors.
    assert_eq!(entry_id("1").as_deref(), Some("1"));
}

#[test]
fn every_form_of_a_mobiledevice_code() {
    for input in [
        "0xe8000015",
        "0xE8000015",
        "E8000015",
        "3892314133",
        "-402653163",
        "error 0xE8000015",
        "Could not connect to the device (0xE8000015).",
        "An unknown error occurred (-402653163).",
    ] {
        assert_eq!(entry_id(input).as_deref(), Some("0xe8000015"), "{input:?}");
    }
    let l = lookup("-402653163");
    let f = l.finding().unwrap();
    assert_eq!(l.subject().as_deref(), Some("0xE8000015"));
    assert!(f.evidence.iter().any(|e| e.text == "-402653163"));
    assert!(f.evidence.iter().any(|e| e.text == "kAMDMissingValueError"));
}

#[test]
fn the_4013_answer_is_usb_with_ordered_remedies() {
    let f = lookup("4013").finding().unwrap();
    assert_eq!(f.id, "kb.4013");
    assert_eq!(f.family, Family::Usb);
    assert_eq!(f.severity, Severity::Fail);
    assert_eq!(f.error_codes, ["4013"]);
    let ids: Vec<&str> = f.remedies.iter().map(|r| r.id.as_str()).collect();
    let pos = |id: &str| {
        ids.iter()
            .position(|x| *x == id)
            .unwrap_or_else(|| panic!("{id}"))
    };
    assert_eq!(ids[0], "usb-direct-port");
    assert!(pos("usb-apple-cable") < pos("usb-other-port"));
    assert!(pos("usb-other-port") < pos("update-apple-software"));
    assert!(pos("update-apple-software") < pos("usb-other-computer"));
    assert!(pos("usb-other-computer") < pos("dfu-mode"));
    assert_eq!(*ids.last().unwrap(), "hardware-service");
    assert!(
        f.evidence
            .iter()
            .any(|e| e.source.as_deref() == Some("https://support.apple.com/en-us/102561"))
    );
}

#[test]
fn network_signing_split_by_meaning() {
    for code in ["3004", "3014", "9006"] {
        assert_eq!(by_id(code).unwrap().family, Family::Network, "{code}");
    }
    assert_eq!(by_id("3194").unwrap().family, Family::Signing);
    assert_eq!(
        by_id("this-device-isnt-eligible-for-the-requested-build")
            .unwrap()
            .family,
        Family::Signing
    );
    assert_eq!(by_id("1013").unwrap().family, Family::SecuritySoftware);
}

#[test]
fn messages_match_with_small_differences() {
    let id = "this-device-isnt-eligible-for-the-requested-build";
    for input in [
        "This device isn't eligible for the requested build",
        "this device isn\u{2019}t eligible for the requested build.",
        "THIS DEVICE ISNT ELIGIBLE FOR THE REQUESTED BUILD",
        "This device isn't eligable for the requested build",
        "This device is not eligible for the requested build",
        "This device isn't eligible for this requested build!",
        "The iPhone could not be updated. This device isn't eligible for the requested build.",
    ] {
        assert_eq!(entry_id(input).as_deref(), Some(id), "{input:?}");
    }
    let l = lookup("This device is not eligible for the requested build");
    match &l.outcome {
        Outcome::Entry {
            matched: Matched::Similar { score, .. },
            ..
        } => {
            assert!(*score < 1.0 && *score >= rd_kb::lookup::MESSAGE_THRESHOLD)
        }
        other => panic!("{other:?}"),
    }
    assert!(
        l.finding().unwrap().evidence[0]
            .why
            .contains("% of its words match")
    );
    assert_eq!(
        entry_id("there was a problem downloading the software.").as_deref(),
        Some("there-was-a-problem-downloading-the-software")
    );
    assert_eq!(
        entry_id("The required resource can\u{2019}t be found").as_deref(),
        Some("the-required-resource-cant-be-found")
    );
}

#[test]
fn near_misses_do_not_match_messages() {
    for input in [
        "There was a problem with the software",
        "The requested resource was not found",
        "This device is fine",
        "eligible",
        "invalid",
        "restore",
        "software update",
    ] {
        assert!(
            !lookup(input).is_found(),
            "{input:?} matched {:?}",
            lookup(input).outcome
        );
    }
}

#[test]
fn range_hits_carry_the_range_family_and_say_so() {
    assert_eq!(range_id("3456").as_deref(), Some("authinstall-server"));
    assert_eq!(range_id("3099").as_deref(), Some("authinstall-client"));
    assert_eq!(range_id("0xE8FFFFFF").as_deref(), Some("mobiledevice"));
    assert_eq!(range_id("1699").as_deref(), Some("recovery-dfu-usb"));
    assert_eq!(range_id("2050").as_deref(), Some("usb-transport"));
    assert_eq!(range_id("4099").as_deref(), Some("restore-state"));
    assert_eq!(range_id("9050").as_deref(), Some("download"));
    assert_eq!(range_id("-9850").as_deref(), Some("secure-transport"));
    assert_eq!(range_id("1099").as_deref(), Some("baseband-updater"));
    let l = lookup("An unknown error occurred (3456).");
    let f = l.finding().unwrap();
    assert_eq!(f.family, Family::Signing);
    assert_eq!(f.id, "kb.range.authinstall-server");
    assert!(
        f.explanation.contains("not in the knowledge base")
            || f.explanation.contains("no entry of its own")
    );
    assert!(f.explanation.contains("3100–3999"));
    assert_eq!(f.confidence, Some(Confidence::Low));
    assert!(!f.remedies.is_empty());
    // An entry beats its range.
    assert_eq!(entry_id("3194").as_deref(), Some("3194"));
}

#[test]
fn ranges_are_decided_from_their_members() {
    // Each range's family is the one the data gives the range itself (the 0xE8xxxxxx row), or
    // else the most common family among the known entries inside it (unknown ones aside).
    for rule in ranges() {
        if let Some(row) = rd_kb::entries().iter().find(|e| e.range == Some(rule.id)) {
            assert_eq!(rule.family, row.family, "range {}", rule.id);
            continue;
        }
        let mut counts = std::collections::HashMap::new();
        for e in rd_kb::entries() {
            if let Some(v) = e.value()
                && rule.contains(v)
                && e.family != Family::Unknown
            {
                *counts.entry(e.family).or_insert(0) += 1;
            }
        }
        let top = counts.values().copied().max().unwrap_or(0);
        assert!(top > 0, "range {} has no known members", rule.id);
        assert_eq!(
            counts.get(&rule.family).copied().unwrap_or(0),
            top,
            "range {}: {counts:?}",
            rule.id
        );
    }
}

#[test]
fn range_pattern_row_resolves() {
    assert_eq!(
        entry_id("0xE8xxxxxx (any '0xE' error)").as_deref(),
        Some("0xe8xxxxxx")
    );
    assert_eq!(entry_id("0xE8xxxxxx").as_deref(), Some("0xe8xxxxxx"));
    let f = lookup("0xE8xxxxxx").finding().unwrap();
    assert!(f.explanation.contains("0xE8000000–0xE8FFFFFF"));
}

#[test]
fn unknown_input_is_not_found() {
    for input in [
        "",
        "   ",
        "hello",
        "12345678",
        "error 77777",
        "iPhone 11 will not turn on",
        "(5555)",
    ] {
        let l = lookup(input);
        assert!(!l.is_found(), "{input:?}: {:?}", l.outcome);
        assert!(l.finding().is_none());
        assert!(!l.not_found_message().contains('\n'));
    }
    assert_eq!(lookup("error 77777").subject().as_deref(), Some("77777"));
    // Bare numbers in a sentence are not error codes ("in 2024" would look like a USB error).
    assert!(!lookup("in 2024 my phone stopped working").is_found());
    // ...but a short query with one number is.
    assert_eq!(entry_id("4013 iphone").as_deref(), Some("4013"));
    assert_eq!(entry_id("4013 3194").as_deref(), Some("4013"));
    assert!(lookup("error 77777").not_found_message().contains("77777"));
}

#[test]
fn huge_input_is_answered() {
    let mut big = "x".repeat(1 << 20);
    assert!(!lookup(&big).is_found());
    big.push_str(" error 4013");
    assert_eq!(entry_id(&big).as_deref(), Some("4013"));
    // Inputs built to make naive prefix stripping or scanning quadratic.
    assert!(!lookup(&"error".repeat(200_000)).is_found());
    assert!(!lookup(&"(".repeat(500_000)).is_found());
    assert!(!lookup(&"1 ".repeat(300_000)).is_found());
    assert_eq!(
        entry_id(&"error 4013 ".repeat(100_000)).as_deref(),
        Some("4013")
    );
    let words = "word ".repeat(200_000) + "This device isn't eligible for the requested build";
    assert!(lookup(&words).is_found());
    assert!(lookup(&big).query.chars().count() <= 81);
}

#[test]
fn family_queries() {
    let signing = codes_for_family(Family::Signing);
    assert!(signing.contains(&"3194"));
    assert_eq!(
        signing[0], "3194",
        "high-confidence codes come first: {signing:?}"
    );
    let network = codes_for_family(Family::Network);
    assert!(network.contains(&"3004") && network.contains(&"3014"));
    assert!(
        entries_in_family(Family::Usb)
            .iter()
            .any(|e| e.code == "4013")
    );
    assert!(entries_in_family(Family::Success).is_empty());
}

proptest! {
    #[test]
    fn arbitrary_text_never_panics(s in "\\PC{0,400}") {
        let l = lookup(&s);
        if l.is_found() {
            prop_assert!(l.finding().is_some());
        } else {
            prop_assert!(!l.not_found_message().is_empty());
        }
    }

    #[test]
    fn arbitrary_numbers_never_panic(n in any::<i64>(), prefix in "(error |\\(|Code=)?") {
        let l = lookup(&format!("{prefix}{n}"));
        let _ = l.finding();
    }

    #[test]
    fn known_codes_survive_noise(i in 0usize..337, pre in "[a-z ]{0,20}", post in "[a-z .]{0,20}") {
        let e = &rd_kb::entries()[i];
        prop_assume!(e.kind == rd_kb::Kind::Number);
        let l = lookup(&format!("{pre} ({}){post}", e.code));
        prop_assert_eq!(l.subject(), Some(e.code.to_string()));
    }
}

#[test]
fn sources_get_short_labels() {
    use rd_kb::lookup::source_label;
    assert_eq!(
        source_label("https://support.apple.com/en-us/102561").as_deref(),
        Some("Apple Support article 102561")
    );
    assert_eq!(
        source_label("https://www.theiphonewiki.com/wiki/ITunes_Errors").as_deref(),
        Some("The iPhone Wiki: ITunes Errors")
    );
    assert_eq!(
        source_label("https://github.com/libimobiledevice/libtatsu/blob/60a3/src/tss.c").as_deref(),
        Some("libimobiledevice/libtatsu: src/tss.c")
    );
    assert_eq!(
        source_label("https://pastebin.com/S9EYGaum").as_deref(),
        Some("pastebin.com")
    );
    assert_eq!(source_label("public code: AMRestore.h"), None);
}

#[test]
fn sources_are_folded_into_one_evidence_line() {
    let f = rd_kb::lookup("4013").finding().expect("4013 is known");
    let sources: Vec<_> = f
        .evidence
        .iter()
        .filter(|e| e.text.starts_with("Sources: "))
        .collect();
    assert_eq!(sources.len(), 1, "{:#?}", f.evidence);
    assert!(sources[0].text.contains("Apple Support article 102561"));
    assert_eq!(
        sources[0]
            .text
            .matches("Apple Support article 102561")
            .count(),
        1,
        "labels are not repeated"
    );
}
