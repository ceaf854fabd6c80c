//! A bus that replays recorded inventories and hot-plug sequences from JSON or TOML fixtures.
//!
//! A fixture holds either one inventory (`devices`), a sequence of `frames` (each shown for
//! `polls` calls to [`UsbBus::poll`]; the last one stays), or `unavailable` (a system without
//! USB). A sequence whose frames all give `ms` plays in real time instead: each frame lasts
//! that many milliseconds from the first poll, however often the bus is polled (what a
//! recorded restore looks like to a watcher). See `tests/fixtures/` for examples.

use crate::bus::{BusError, UsbBus};
use crate::inventory::{Bus, Inventory, Platform, UsbDevice};
use serde::Deserialize;
use std::cell::Cell;
use std::path::Path;
use std::time::{Duration, Instant};

/// One step of a recorded hot-plug sequence.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Frame {
    /// How many polls this frame lasts (at least 1).
    #[serde(default = "one")]
    pub polls: u64,
    /// How long this frame lasts when the sequence plays in real time (milliseconds).
    #[serde(default)]
    pub ms: Option<u64>,
    /// Devices present during the frame.
    #[serde(default)]
    pub devices: Vec<UsbDevice>,
    /// A note for people reading the fixture.
    #[serde(default)]
    pub note: Option<String>,
}

fn one() -> u64 {
    1
}

/// A fixture file's contents.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fixture {
    /// What the fixture shows.
    #[serde(default)]
    pub description: Option<String>,
    /// The platform it was recorded on.
    pub platform: Platform,
    /// Host controllers.
    #[serde(default)]
    pub buses: Vec<Bus>,
    /// A single inventory.
    #[serde(default)]
    pub devices: Option<Vec<UsbDevice>>,
    /// A hot-plug sequence.
    #[serde(default)]
    pub frames: Option<Vec<Frame>>,
    /// Simulates a system with no USB, with this reason.
    #[serde(default)]
    pub unavailable: Option<String>,
}

/// The fake bus.
#[derive(Debug)]
pub struct FakeBus {
    name: String,
    fixture: Fixture,
    frames: Vec<Frame>,
    polls: Cell<u64>,
    started: Cell<Option<Instant>>,
}

impl FakeBus {
    /// Loads a `.json` or `.toml` fixture.
    pub fn load(path: &Path) -> Result<FakeBus, BusError> {
        let err = |reason: String| BusError::Fixture {
            path: path.display().to_string(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
        let is_toml = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("toml"));
        let fixture: Fixture = if is_toml {
            toml::from_str(&text).map_err(|e| err(e.message().to_string()))?
        } else {
            serde_json::from_str(&text).map_err(|e| err(e.to_string()))?
        };
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        FakeBus::from_fixture(name, fixture).map_err(err)
    }

    /// Builds a fake bus from an in-memory fixture.
    pub fn from_fixture(name: impl Into<String>, fixture: Fixture) -> Result<FakeBus, String> {
        let frames = match (&fixture.devices, &fixture.frames, &fixture.unavailable) {
            (Some(d), None, None) => vec![Frame {
                polls: 1,
                ms: None,
                devices: d.clone(),
                note: None,
            }],
            (None, Some(f), None) if !f.is_empty() => f.clone(),
            (None, None, Some(_)) => Vec::new(),
            _ => {
                return Err(
                    "give exactly one of `devices`, a non-empty `frames` list, or `unavailable`"
                        .into(),
                );
            }
        };
        if frames.iter().any(|f| f.polls == 0) {
            return Err("every frame must last at least 1 poll".into());
        }
        let timed = frames.iter().filter(|f| f.ms.is_some()).count();
        if timed != 0 && timed != frames.len() {
            return Err("give `ms` on every frame (played in real time) or on none".into());
        }
        Ok(FakeBus {
            name: name.into(),
            fixture,
            frames,
            polls: Cell::new(0),
            started: Cell::new(None),
        })
    }

    /// The fixture's description.
    pub fn description(&self) -> Option<&str> {
        self.fixture.description.as_deref()
    }

    /// How many polls have happened.
    pub fn polls(&self) -> u64 {
        self.polls.get()
    }

    /// Whether the sequence plays in real time (every frame gives `ms`).
    pub fn is_timed(&self) -> bool {
        self.frames.first().is_some_and(|f| f.ms.is_some())
    }

    /// The inventory a timed sequence shows `elapsed` after it started (no clock involved, for
    /// tests); an untimed fixture shows its first frame.
    pub fn inventory_at(&self, elapsed: Duration) -> Result<Inventory, BusError> {
        let ms = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX);
        let mut start = 0u64;
        let mut frame = self.frames.last();
        for f in &self.frames {
            start = start.saturating_add(f.ms.unwrap_or(0));
            if ms < start {
                frame = Some(f);
                break;
            }
        }
        self.inventory_of(frame)
    }

    fn frame_at(&self, poll: u64) -> &Frame {
        let mut start = 0u64;
        for f in &self.frames {
            if poll < start.saturating_add(f.polls) {
                return f;
            }
            start = start.saturating_add(f.polls);
        }
        self.frames
            .last()
            .expect("frames are non-empty unless unavailable")
    }

    fn inventory(&self) -> Result<Inventory, BusError> {
        if self.is_timed() {
            let started = *self.started.get().get_or_insert_with(Instant::now);
            self.started.set(Some(started));
            return self.inventory_at(started.elapsed());
        }
        if self.fixture.unavailable.is_some() {
            return self.inventory_of(None);
        }
        self.inventory_of(Some(self.frame_at(self.polls.get())))
    }

    fn inventory_of(&self, frame: Option<&Frame>) -> Result<Inventory, BusError> {
        if let Some(reason) = &self.fixture.unavailable {
            return Err(BusError::Unavailable(reason.clone()));
        }
        Ok(Inventory {
            platform: self.fixture.platform,
            buses: self.fixture.buses.clone(),
            devices: frame.map(|f| f.devices.clone()).unwrap_or_default(),
        })
    }
}

impl UsbBus for FakeBus {
    fn source(&self) -> String {
        format!("fixture {}", self.name)
    }

    fn enumerate(&self) -> Result<Inventory, BusError> {
        self.inventory()
    }

    fn poll(&self) -> Result<Inventory, BusError> {
        self.polls.set(self.polls.get().saturating_add(1));
        self.inventory()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(json: &str) -> Result<FakeBus, String> {
        FakeBus::from_fixture("t", serde_json::from_str(json).unwrap())
    }

    #[test]
    fn frames_advance_per_poll_and_the_last_one_stays() {
        let bus = fixture(
            r#"{"platform":"linux","frames":[
                {"polls":2,"devices":[{"bus_id":"1","vendor_id":"0x05ac","product_id":"0x12a8"}]},
                {"polls":1,"devices":[]},
                {"devices":[{"bus_id":"1","vendor_id":"0x05ac","product_id":"0x1227"}]}]}"#,
        )
        .unwrap();
        let pid = |inv: Inventory| inv.devices.first().map(|d| d.product_id.0);
        assert_eq!(pid(bus.enumerate().unwrap()), Some(0x12A8));
        assert_eq!(pid(bus.poll().unwrap()), Some(0x12A8));
        assert_eq!(pid(bus.poll().unwrap()), None);
        assert_eq!(pid(bus.poll().unwrap()), Some(0x1227));
        assert_eq!(pid(bus.poll().unwrap()), Some(0x1227));
        assert_eq!(bus.polls(), 4);
    }

    #[test]
    fn timed_frames_play_by_elapsed_time_not_by_polls() {
        let bus = fixture(
            r#"{"platform":"linux","frames":[
                {"ms":500,"devices":[{"bus_id":"1","vendor_id":"0x05ac","product_id":"0x12a8"}]},
                {"ms":200,"devices":[]},
                {"ms":0,"devices":[{"bus_id":"1","vendor_id":"0x05ac","product_id":"0x1281"}]}]}"#,
        )
        .unwrap();
        assert!(bus.is_timed());
        let pid = |ms: u64| {
            let inv = bus.inventory_at(Duration::from_millis(ms)).unwrap();
            inv.devices.first().map(|d| d.product_id.0)
        };
        assert_eq!(pid(0), Some(0x12A8));
        assert_eq!(pid(499), Some(0x12A8));
        assert_eq!(pid(500), None);
        assert_eq!(pid(700), Some(0x1281));
        assert_eq!(pid(1_000_000), Some(0x1281));
        assert!(fixture(r#"{"platform":"linux","frames":[{"ms":5},{"polls":2}]}"#).is_err());
    }

    #[test]
    fn unavailable_fixture_reports_no_usb() {
        let bus = fixture(r#"{"platform":"linux","unavailable":"no /sys/bus/usb"}"#).unwrap();
        assert!(matches!(bus.enumerate(), Err(BusError::Unavailable(r)) if r.contains("sys")));
    }

    #[test]
    fn rejects_ambiguous_or_empty_fixtures() {
        assert!(fixture(r#"{"platform":"linux"}"#).is_err());
        assert!(fixture(r#"{"platform":"linux","devices":[],"unavailable":"x"}"#).is_err());
        assert!(fixture(r#"{"platform":"linux","frames":[]}"#).is_err());
        assert!(fixture(r#"{"platform":"linux","frames":[{"polls":0}]}"#).is_err());
    }

    #[test]
    fn load_reports_missing_and_malformed_files() {
        let e = FakeBus::load(Path::new("/nonexistent/fixture.json")).unwrap_err();
        assert!(e.to_string().contains("/nonexistent/fixture.json"));
        let dir = std::env::temp_dir().join(format!("rd-fake-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let bad = dir.join("bad.json");
        std::fs::write(&bad, "{ not json").unwrap();
        assert!(matches!(FakeBus::load(&bad), Err(BusError::Fixture { .. })));
        let toml_file = dir.join("ok.toml");
        std::fs::write(
            &toml_file,
            "platform = \"windows\"\n[[devices]]\nbus_id = \"1\"\nvendor_id = \"0x05AC\"\nproduct_id = \"0x1281\"\n",
        )
        .unwrap();
        let bus = FakeBus::load(&toml_file).unwrap();
        assert_eq!(bus.enumerate().unwrap().platform, Platform::Windows);
        std::fs::remove_dir_all(&dir).ok();
    }
}
