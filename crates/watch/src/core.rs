//! The watcher's brain: a pure state machine. Inputs (a look at the bus, a new diagnosis of the
//! growing log) go in with their time; timeline events and diagnoses come out. No threads, no
//! clocks, no files, so every transition is tested directly; the driver does the I/O.
//!
//! How a restore looks on the bus: Recovery or DFU (boot stages load, the device may leave and
//! come back in Recovery), then normal-mode USB while the restore ramdisk runs, then a reboot.
//! Coming back booted normally after that ends it well; leaving the bus mid-restore and coming
//! back in Recovery (or DFU) ends it badly, and that is the moment the diagnosis is printed.
//! The log, when one grows, names the step reached and, often earlier, the failure itself.

use crate::event::{DeviceRef, Ending, Event, EventKind, Phase, Trigger};
use rd_device::{AppleDevice, Mode};
use rd_logs::{Confidence, Diagnosis, Family, Outcome};
use std::path::{Path, PathBuf};

/// One thing the driver saw.
#[derive(Debug, Clone)]
pub enum Input {
    /// Watching began.
    Started {
        /// Unix time in ms.
        at: u64,
        /// Where devices are read from.
        bus: String,
        /// Folders searched for logs.
        log_dirs: Vec<PathBuf>,
    },
    /// A look at the bus: every iPhone/iPad/iPod touch on it now.
    Bus {
        /// Unix time in ms.
        at: u64,
        /// The devices.
        devices: Vec<AppleDevice>,
    },
    /// The bus could not be read.
    BusUnavailable {
        /// Unix time in ms.
        at: u64,
        /// Why.
        reason: String,
    },
    /// A newer log is now the one followed.
    LogOpened {
        /// Unix time in ms.
        at: u64,
        /// The file.
        path: PathBuf,
    },
    /// The followed log grew; this is the diagnosis of all of it so far.
    Log {
        /// Unix time in ms.
        at: u64,
        /// The file.
        path: PathBuf,
        /// `rd_logs::diagnose` of its whole text.
        diagnosis: Box<Diagnosis>,
    },
    /// Watching ends.
    Stop {
        /// Unix time in ms.
        at: u64,
    },
}

#[derive(Debug, Clone)]
struct Tracked {
    dev: DeviceRef,
    ecid: Option<u64>,
    /// `None` while off the bus.
    mode: Option<Mode>,
    last_mode: Mode,
    phase: Phase,
    /// What this attempt's last diagnosis came from.
    diagnosed: Option<Trigger>,
    log: Option<PathBuf>,
    /// When the current attempt began (Unix ms).
    attempt: u64,
}

#[derive(Debug, Clone)]
struct FollowedLog {
    path: PathBuf,
    stage: Option<String>,
    diagnosis: Box<Diagnosis>,
    /// Key of the failure already reported, so one failure is explained once.
    reported: Option<String>,
    device: Option<String>,
}

/// The state machine.
#[derive(Debug, Clone, Default)]
pub struct Timeline {
    devices: Vec<Tracked>,
    logs: Vec<FollowedLog>,
    bus_down: bool,
}

fn device_ref(d: &AppleDevice) -> DeviceRef {
    DeviceRef {
        key: match &d.ecid {
            Some(e) => format!("ecid:{e}"),
            None => format!("usb:{}", d.location),
        },
        name: d.name(),
        ecid: d.ecid.clone(),
        product_type: d.model.as_ref().map(|m| m.product_type.clone()),
        location: d.location.clone(),
    }
}

fn stage_of(d: &Diagnosis) -> Option<&rd_logs::Stage> {
    if d.outcome == Outcome::Failure {
        d.failed_stage.as_ref().or(d.events.last_step.as_ref())
    } else {
        d.events.last_step.as_ref().or(d.failed_stage.as_ref())
    }
}

fn failure_key(d: &Diagnosis) -> String {
    format!(
        "{}|{}|{}",
        d.rule.as_deref().unwrap_or("-"),
        stage_of(d).map_or("-", |s| s.name.as_str()),
        d.evidence.first().map_or(0, |e| e.line)
    )
}

fn is_boot_mode(m: Mode) -> bool {
    m == Mode::Recovery || m.is_dfu_like()
}

impl Timeline {
    /// A state machine that has seen nothing yet.
    pub fn new() -> Timeline {
        Timeline::default()
    }

    /// Feeds one input; returns what to report, in order.
    pub fn feed(&mut self, input: Input) -> Vec<Event> {
        let mut out = Vec::new();
        match input {
            Input::Started { at, bus, log_dirs } => {
                out.push(Event::new(at, None, EventKind::Started { bus, log_dirs }))
            }
            Input::Bus { at, devices } => {
                self.bus_down = false;
                self.on_bus(at, &devices, &mut out);
            }
            Input::BusUnavailable { at, reason } => {
                if !self.bus_down {
                    self.bus_down = true;
                    out.push(Event::new(at, None, EventKind::BusUnavailable { reason }));
                }
            }
            Input::LogOpened { at, path } => {
                out.push(Event::new(at, None, EventKind::LogOpened { path }))
            }
            Input::Log {
                at,
                path,
                diagnosis,
            } => self.on_log(at, path, diagnosis, &mut out),
            Input::Stop { at } => out.push(Event::new(at, None, EventKind::Stopped)),
        }
        out
    }

    /// The phase of the device with this key (for callers and tests).
    pub fn phase(&self, key: &str) -> Option<Phase> {
        self.devices
            .iter()
            .find(|t| t.dev.key == key)
            .map(|t| t.phase)
    }

    fn find(&self, d: &AppleDevice, taken: &[bool]) -> Option<usize> {
        let ecid = d.ecid_value();
        let free = |i: &usize| !taken[*i];
        (0..self.devices.len())
            .filter(free)
            .find(|&i| ecid.is_some() && self.devices[i].ecid == ecid)
            .or_else(|| {
                (0..self.devices.len()).filter(free).find(|&i| {
                    let t = &self.devices[i];
                    (t.ecid.is_none() || ecid.is_none()) && t.dev.location == d.location
                })
            })
    }

    fn on_bus(&mut self, at: u64, now: &[AppleDevice], out: &mut Vec<Event>) {
        let mut seen = vec![false; self.devices.len()];
        for d in now {
            match self.find(d, &seen) {
                Some(i) => {
                    seen[i] = true;
                    let t = &mut self.devices[i];
                    let fresh = device_ref(d);
                    // Normal mode may show only "iPhone"; keep the exact model once known.
                    if fresh.product_type.is_some() || t.dev.product_type.is_none() {
                        t.dev.name = fresh.name;
                    }
                    t.dev.location = fresh.location;
                    if fresh.product_type.is_some() {
                        t.dev.product_type = fresh.product_type;
                    }
                    if d.ecid.is_some() {
                        t.dev.ecid = d.ecid.clone();
                        t.ecid = d.ecid_value();
                    }
                    match t.mode {
                        Some(m) if m == d.mode => {}
                        before => {
                            self.transition(i, at, before, d, out);
                        }
                    }
                }
                None => {
                    self.devices.push(Tracked {
                        dev: device_ref(d),
                        ecid: d.ecid_value(),
                        mode: None,
                        last_mode: d.mode,
                        phase: Phase::Idle,
                        diagnosed: None,
                        log: None,
                        attempt: at,
                    });
                    seen.push(true);
                    let i = self.devices.len() - 1;
                    self.transition(i, at, None, d, out);
                }
            }
        }
        for (i, t) in self.devices.iter_mut().enumerate() {
            if seen[i] {
                continue;
            }
            if let Some(mode) = t.mode.take() {
                let stage = t
                    .log
                    .as_ref()
                    .and_then(|p| self.logs.iter().find(|l| &l.path == p))
                    .and_then(|l| l.stage.clone())
                    .filter(|_| t.phase == Phase::Restoring);
                out.push(Event::new(
                    at,
                    Some(t.dev.clone()),
                    EventKind::Left {
                        mode,
                        phase: t.phase,
                        stage,
                    },
                ));
            }
        }
    }

    /// A device arrived (`before` = `None`) or changed mode.
    fn transition(
        &mut self,
        i: usize,
        at: u64,
        before: Option<Mode>,
        d: &AppleDevice,
        out: &mut Vec<Event>,
    ) {
        let t = &mut self.devices[i];
        let old_phase = t.phase;
        let mut failed = false;
        let mut succeeded = false;
        t.phase = match (old_phase, is_boot_mode(d.mode), d.mode == Mode::Normal) {
            (Phase::Restoring, true, _) => {
                failed = true;
                Phase::Failed
            }
            (Phase::Restoring, false, true) if before.is_none() => {
                succeeded = true;
                Phase::Succeeded
            }
            (Phase::Preparing, false, true) => Phase::Restoring,
            (Phase::Preparing, true, _) => Phase::Preparing,
            (_, true, _) => {
                t.diagnosed = None;
                t.attempt = at;
                t.log = None;
                Phase::Preparing
            }
            (Phase::Failed | Phase::Succeeded, false, _) => Phase::Idle,
            (p, _, _) => p,
        };
        t.mode = Some(d.mode);
        let kind = match before {
            None => EventKind::Arrived {
                mode: d.mode,
                mode_label: d.mode_label.clone(),
                phase: t.phase,
            },
            Some(from) => EventKind::ModeChanged {
                from,
                mode: d.mode,
                mode_label: d.mode_label.clone(),
                phase: t.phase,
            },
        };
        let from_mode = t.last_mode;
        t.last_mode = d.mode;
        out.push(Event::new(at, Some(t.dev.clone()), kind));
        if succeeded {
            out.push(Event::new(
                at,
                Some(t.dev.clone()),
                EventKind::RestoreEnded {
                    ending: Ending::Success,
                    reason: "the device rebooted into the installed system after the restore"
                        .into(),
                },
            ));
        }
        if failed {
            self.bus_failure(i, at, from_mode, d, out);
        }
    }

    /// The log followed for device `i`: its own, else the one log that names no other device.
    fn log_for(&self, i: usize) -> Option<usize> {
        let t = &self.devices[i];
        if let Some(p) = &t.log {
            return self.logs.iter().position(|l| &l.path == p);
        }
        let free: Vec<usize> = (0..self.logs.len())
            .filter(|&j| self.logs[j].device.is_none())
            .collect();
        match free.as_slice() {
            [j] => Some(*j),
            _ => None,
        }
    }

    fn bus_failure(
        &mut self,
        i: usize,
        at: u64,
        from_mode: Mode,
        d: &AppleDevice,
        out: &mut Vec<Event>,
    ) {
        let log_i = self.log_for(i);
        let t = &self.devices[i];
        let name = t.dev.name.clone();
        let log = log_i.map(|j| &self.logs[j]);
        let stage = log.and_then(|l| l.stage.clone());
        let at_stage = stage
            .as_deref()
            .map(|s| format!(" during \"{s}\""))
            .unwrap_or_default();
        let left_in = match from_mode {
            Mode::Normal => "the restore ramdisk (normal-mode USB)".to_string(),
            m => m.label().to_string(),
        };
        let bus_evidence = vec![
            format!("{name} left the bus while in {left_in}{at_stage}"),
            format!("it came back in {}", d.mode.label()),
        ];
        let reason = format!(
            "{name} left the bus mid-restore{at_stage} and came back in {}",
            d.mode.label()
        );
        out.push(Event::new(
            at,
            Some(t.dev.clone()),
            EventKind::RestoreEnded {
                ending: Ending::Failure,
                reason: reason.clone(),
            },
        ));
        let log_failed = log.is_some_and(|l| l.diagnosis.outcome == Outcome::Failure);
        let already = log.is_some_and(|l| l.reported.is_some()) && log_failed;
        let (category, confidence, summary) = match log {
            Some(l) if log_failed => (
                l.diagnosis.category,
                l.diagnosis.confidence,
                format!("{name}: {}", l.diagnosis.title),
            ),
            _ => (
                Family::Unknown,
                Confidence::Low,
                format!(
                    "{reason}: the restore failed. The log does not say why yet; a drop at this point is most often the USB connection (cable, port, hub) or the device restarting on its own."
                ),
            ),
        };
        let event = EventKind::Diagnosis {
            trigger: Trigger::ReturnedInRecovery,
            summary,
            stage,
            category,
            confidence,
            bus_evidence,
            log: log.map(|l| l.path.clone()),
            diagnosis: log.map(|l| l.diagnosis.clone()),
            attempt: t.attempt,
            provisional: !log_failed,
        };
        let dev = t.dev.clone();
        if let Some(j) = log_i {
            let key = failure_key(&self.logs[j].diagnosis);
            if log_failed {
                self.logs[j].reported = Some(key);
            }
            self.logs[j].device = Some(dev.key.clone());
            self.devices[i].log = Some(self.logs[j].path.clone());
        }
        self.devices[i].diagnosed = Some(if log_failed {
            Trigger::LogFailure
        } else {
            Trigger::ReturnedInRecovery
        });
        if !already {
            out.push(Event::new(at, Some(dev), event));
        }
    }

    /// Which tracked device a log is about: the one it names, else the one device in a restore.
    fn device_for_log(&self, d: &Diagnosis, path: &Path) -> Option<usize> {
        if let Some(i) = self
            .devices
            .iter()
            .position(|t| t.log.as_deref() == Some(path))
        {
            return Some(i);
        }
        let active = |t: &Tracked| matches!(t.phase, Phase::Preparing | Phase::Restoring);
        let free = |t: &Tracked| t.log.is_none();
        if let Some(pt) = d.device.as_ref().and_then(|x| x.product_type.as_deref()) {
            let named: Vec<usize> = (0..self.devices.len())
                .filter(|&i| self.devices[i].dev.product_type.as_deref() == Some(pt))
                .collect();
            if let Some(&i) = named
                .iter()
                .find(|&&i| active(&self.devices[i]) && free(&self.devices[i]))
                .or(named.first())
            {
                return Some(i);
            }
        }
        let candidates: Vec<usize> = (0..self.devices.len())
            .filter(|&i| active(&self.devices[i]) && free(&self.devices[i]))
            .collect();
        match candidates.as_slice() {
            [i] => Some(*i),
            [] if self.devices.len() == 1 && free(&self.devices[0]) => Some(0),
            _ => None,
        }
    }

    fn on_log(&mut self, at: u64, path: PathBuf, d: Box<Diagnosis>, out: &mut Vec<Event>) {
        let j = match self.logs.iter().position(|l| l.path == path) {
            Some(j) => j,
            None => {
                self.logs.push(FollowedLog {
                    path: path.clone(),
                    stage: None,
                    diagnosis: d.clone(),
                    reported: None,
                    device: None,
                });
                self.logs.len() - 1
            }
        };
        let owner = self.device_for_log(&d, &path);
        if let Some(i) = owner {
            self.devices[i].log = Some(path.clone());
            self.logs[j].device = Some(self.devices[i].dev.key.clone());
        }
        let dev = owner.map(|i| self.devices[i].dev.clone());
        self.logs[j].diagnosis = d.clone();
        let stage = stage_of(&d).cloned();
        if let Some(s) = &stage
            && self.logs[j].stage.as_deref() != Some(s.name.as_str())
        {
            self.logs[j].stage = Some(s.name.clone());
            out.push(Event::new(
                at,
                dev.clone(),
                EventKind::Stage {
                    path: path.clone(),
                    stage: s.name.clone(),
                    id: s.id.clone(),
                },
            ));
        }
        match d.outcome {
            Outcome::Failure => {
                let key = failure_key(&d);
                if self.logs[j].reported.as_deref() == Some(key.as_str()) {
                    return;
                }
                self.logs[j].reported = Some(key);
                let already_ended = owner.is_some_and(|i| self.devices[i].phase == Phase::Failed);
                if let Some(i) = owner {
                    self.devices[i].phase = Phase::Failed;
                    self.devices[i].diagnosed = Some(Trigger::LogFailure);
                }
                if !already_ended {
                    out.push(Event::new(
                        at,
                        dev.clone(),
                        EventKind::RestoreEnded {
                            ending: Ending::Failure,
                            reason: format!("the restore log reports the failure: {}", d.title),
                        },
                    ));
                }
                let who = dev
                    .as_ref()
                    .map_or_else(|| "restore".to_string(), |x| x.name.clone());
                let attempt = owner.map_or(at, |i| self.devices[i].attempt);
                out.push(Event::new(
                    at,
                    dev,
                    EventKind::Diagnosis {
                        trigger: Trigger::LogFailure,
                        summary: format!("{who}: {}", d.title),
                        stage: stage.map(|s| s.name),
                        category: d.category,
                        confidence: d.confidence,
                        bus_evidence: Vec::new(),
                        log: Some(path),
                        diagnosis: Some(d),
                        attempt,
                        provisional: false,
                    },
                ));
            }
            Outcome::Success => {
                let key = "success".to_string();
                if self.logs[j].reported.as_deref() == Some(key.as_str()) {
                    return;
                }
                self.logs[j].reported = Some(key);
                if let Some(i) = owner {
                    self.devices[i].phase = Phase::Succeeded;
                }
                out.push(Event::new(
                    at,
                    dev,
                    EventKind::RestoreEnded {
                        ending: Ending::Success,
                        reason: format!("the restore log reports success: {}", d.title),
                    },
                ));
            }
            Outcome::Incomplete | Outcome::Unknown => {}
        }
    }
}
