//! A bounded property-list reader: XML, binary or ASCII, with limits on nesting depth and on the
//! number of values, so a hostile manifest cannot exhaust the stack or memory.

use plist::stream::{Event, Reader};
use plist::{Dictionary, Value};
use std::io::Cursor;

/// Deepest nesting accepted (real manifests nest about 6 levels).
pub const MAX_DEPTH: usize = 48;
/// Most values accepted in one plist (a large BuildManifest has about 20,000).
pub const MAX_VALUES: usize = 2_000_000;

enum Frame {
    Array(Vec<Value>),
    Dict(Dictionary, Option<String>),
}

/// Parses a plist held in memory into a [`Value`], refusing deep or huge structures.
pub fn parse(bytes: &[u8]) -> Result<Value, String> {
    let mut stack: Vec<Frame> = Vec::new();
    let mut count = 0usize;
    let mut root: Option<Value> = None;
    for event in Reader::new(Cursor::new(bytes)) {
        let event = event.map_err(|e| e.to_string())?;
        count += 1;
        if count > MAX_VALUES {
            return Err(format!("more than {MAX_VALUES} values"));
        }
        if root.is_some() {
            return Err("data after the root value".into());
        }
        let value = match event {
            Event::StartArray(_) | Event::StartDictionary(_) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(format!("nested deeper than {MAX_DEPTH} levels"));
                }
                stack.push(if matches!(event, Event::StartArray(_)) {
                    Frame::Array(Vec::new())
                } else {
                    Frame::Dict(Dictionary::new(), None)
                });
                continue;
            }
            Event::EndCollection => match stack.pop() {
                Some(Frame::Array(v)) => Value::Array(v),
                Some(Frame::Dict(d, None)) => Value::Dictionary(d),
                Some(Frame::Dict(_, Some(k))) => return Err(format!("key {k:?} has no value")),
                None => return Err("unbalanced collection end".into()),
            },
            Event::Boolean(b) => Value::Boolean(b),
            Event::Data(d) => Value::Data(d.into_owned()),
            Event::Date(d) => Value::Date(d),
            Event::Integer(i) => Value::Integer(i),
            Event::Real(r) => Value::Real(r),
            Event::String(s) => Value::String(s.into_owned()),
            Event::Uid(u) => Value::Uid(u),
            _ => return Err("unknown plist event".into()),
        };
        match stack.last_mut() {
            None => root = Some(value),
            Some(Frame::Array(v)) => v.push(value),
            Some(Frame::Dict(d, key)) => match key.take() {
                Some(k) => {
                    d.insert(k, value);
                }
                None => match value {
                    Value::String(k) => *key = Some(k),
                    _ => return Err("a dictionary key is not a string".into()),
                },
            },
        }
    }
    if !stack.is_empty() {
        return Err("the plist ends inside a collection".into());
    }
    root.ok_or_else(|| "empty plist".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xml(body: &str) -> Vec<u8> {
        format!(r#"<?xml version="1.0" encoding="UTF-8"?><plist version="1.0">{body}</plist>"#)
            .into_bytes()
    }

    #[test]
    fn reads_nested_values() {
        let v = parse(&xml(
            "<dict><key>A</key><array><integer>1</integer><string>x</string></array><key>B</key><true/></dict>",
        ))
        .unwrap();
        let d = v.as_dictionary().unwrap();
        assert_eq!(d["A"].as_array().unwrap().len(), 2);
        assert_eq!(d["B"].as_boolean(), Some(true));
    }

    #[test]
    fn refuses_deep_nesting_without_overflowing() {
        let deep = "<array>".repeat(100_000) + &"</array>".repeat(100_000);
        let err = parse(&xml(&deep)).unwrap_err();
        assert!(err.contains("deeper"), "{err}");
        let ok = "<array>".repeat(MAX_DEPTH) + &"</array>".repeat(MAX_DEPTH);
        assert!(parse(&xml(&ok)).is_ok());
    }

    #[test]
    fn refuses_garbage_and_truncation() {
        assert!(parse(b"").is_err());
        assert!(parse(b"<plist><dict><key>").is_err());
        assert!(parse(b"{ a = ").is_err());
        assert!(parse(&xml("<dict><key>A</key>")).is_err());
        assert!(parse(b"bplist00\xff\xff").is_err());
    }

    #[test]
    fn reads_binary_plists() {
        let mut d = Dictionary::new();
        d.insert("ProductVersion".into(), Value::String("7.1.2".into()));
        let mut out = Vec::new();
        plist::to_writer_binary(&mut out, &Value::Dictionary(d)).unwrap();
        let v = parse(&out).unwrap();
        assert_eq!(
            v.as_dictionary().unwrap()["ProductVersion"].as_string(),
            Some("7.1.2")
        );
    }
}
