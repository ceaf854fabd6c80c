//! Families of restore-failure causes.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The family of cause a restore error, log diagnosis or check result belongs to.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    /// The internet connection or Apple's servers.
    Network,
    /// Apple will not sign (personalize) the build, or TSS trouble.
    Signing,
    /// Antivirus, firewall, proxy or a hosts-file redirect in the way.
    SecuritySoftware,
    /// Cable, port, hub, driver: the USB path to the device.
    Usb,
    /// A fault in the device itself (baseband, storage, SEP, parts).
    Hardware,
    /// The host OS, iTunes/Apple Devices/Finder or restore tool is too old; betas; downgrades.
    SoftwareVersion,
    /// The firmware file is not made for this device or is damaged.
    WrongFirmware,
    /// The device is in the wrong mode or waits for the user (trust prompt, passcode).
    DeviceState,
    /// A defect or missing support in the restore tool itself.
    RestoreTool,
    /// The restore finished.
    Success,
    /// Not enough is known to name a cause.
    Unknown,
}

impl Family {
    /// Every family, in display order.
    pub const ALL: [Family; 11] = [
        Family::Network,
        Family::Signing,
        Family::SecuritySoftware,
        Family::Usb,
        Family::Hardware,
        Family::SoftwareVersion,
        Family::WrongFirmware,
        Family::DeviceState,
        Family::RestoreTool,
        Family::Success,
        Family::Unknown,
    ];

    /// The snake_case id used in JSON and data files.
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Network => "network",
            Family::Signing => "signing",
            Family::SecuritySoftware => "security_software",
            Family::Usb => "usb",
            Family::Hardware => "hardware",
            Family::SoftwareVersion => "software_version",
            Family::WrongFirmware => "wrong_firmware",
            Family::DeviceState => "device_state",
            Family::RestoreTool => "restore_tool",
            Family::Success => "success",
            Family::Unknown => "unknown",
        }
    }

    /// A short human label.
    pub fn label(self) -> &'static str {
        match self {
            Family::Network => "Network / Apple servers",
            Family::Signing => "Signing (Apple's TSS server)",
            Family::SecuritySoftware => "Security software, proxy or hosts file",
            Family::Usb => "USB connection",
            Family::Hardware => "Hardware",
            Family::SoftwareVersion => "Software version",
            Family::WrongFirmware => "Wrong or damaged firmware",
            Family::DeviceState => "Device state / mode",
            Family::RestoreTool => "Restore tool",
            Family::Success => "Success",
            Family::Unknown => "Unknown",
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Error returned when a string names no family.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownFamily(pub String);

impl fmt::Display for UnknownFamily {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let all: Vec<&str> = Family::ALL.iter().map(|f| f.as_str()).collect();
        write!(
            f,
            "unknown family '{}' (expected one of: {})",
            self.0,
            all.join(", ")
        )
    }
}

impl std::error::Error for UnknownFamily {}

impl FromStr for Family {
    type Err = UnknownFamily;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        Family::ALL
            .into_iter()
            .find(|f| f.as_str() == norm)
            .ok_or_else(|| UnknownFamily(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_str_and_json() {
        for f in Family::ALL {
            assert_eq!(f.as_str().parse::<Family>().unwrap(), f);
            let json = serde_json::to_string(&f).unwrap();
            assert_eq!(json, format!("\"{}\"", f.as_str()));
            assert_eq!(serde_json::from_str::<Family>(&json).unwrap(), f);
        }
    }

    #[test]
    fn parse_is_lenient_about_case_and_separators() {
        assert_eq!(
            "Security-Software".parse::<Family>().unwrap(),
            Family::SecuritySoftware
        );
        assert_eq!(
            " device state ".parse::<Family>().unwrap(),
            Family::DeviceState
        );
        let err = "cosmic_rays".parse::<Family>().unwrap_err();
        assert!(err.to_string().contains("cosmic_rays"));
    }
}
