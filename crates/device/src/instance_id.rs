//! Windows PnP device instance ids (`USB\VID_05AC&PID_1227\CPID:8010_CPRV:11_…`). Windows keeps
//! the device's serial string as the last part, so DFU and Recovery fields can be read without
//! opening the device. Spellings vary: upper or lower case, `_` or spaces between fields.

use crate::serial::{Separators, SerialInfo, UdidInfo, parse_udid};
use serde::Serialize;

/// What an instance id says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InstanceId {
    /// USB vendor id.
    pub vendor_id: u16,
    /// USB product id.
    pub product_id: u16,
    /// Interface number (`MI_xx`) when the id names one interface of a composite device.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interface: Option<u8>,
    /// The instance part as written (the serial string, or a Windows-generated id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// iBoot/SecureROM fields, when the instance part is a DFU/Recovery serial string.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial: Option<SerialInfo>,
    /// True when Windows generated the instance part (no serial string to read).
    pub generated: bool,
}

/// Why a string is not a USB instance id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InstanceIdError {
    /// Does not start with `USB\`.
    #[error("'{0}' is not a USB device instance id (expected USB\\VID_xxxx&PID_xxxx\\…)")]
    NotUsb(String),
    /// VID or PID missing or not hex.
    #[error("instance id '{0}' has no readable VID_xxxx and PID_xxxx")]
    NoIds(String),
}

impl InstanceId {
    /// Parses an instance id; any case, `\` separated, serial fields split by `_` or spaces.
    pub fn parse(s: &str) -> Result<InstanceId, InstanceIdError> {
        let t = s.trim();
        let mut parts = t.splitn(3, '\\');
        let enumerator = parts.next().unwrap_or_default();
        if !enumerator.eq_ignore_ascii_case("USB") {
            return Err(InstanceIdError::NotUsb(short(t)));
        }
        let hw = parts.next().unwrap_or_default();
        let rest = parts.next().map(str::trim).filter(|r| !r.is_empty());
        let (mut vid, mut pid, mut mi) = (None, None, None);
        for field in hw.split('&') {
            let Some((key, value)) = field.split_once('_') else {
                continue;
            };
            let hex = || crate::ids::parse_hex_u16(value);
            match key.to_ascii_uppercase().as_str() {
                "VID" => vid = hex(),
                "PID" => pid = hex(),
                "MI" => mi = u8::from_str_radix(value, 16).ok(),
                _ => {}
            }
        }
        let (Some(vendor_id), Some(product_id)) = (vid, pid) else {
            return Err(InstanceIdError::NoIds(short(t)));
        };
        let (serial, generated) = match rest {
            Some(r) if r.contains(':') => (
                Some(SerialInfo::parse_with(r, Separators::SpacesAndUnderscores)),
                false,
            ),
            Some(r) => (None, r.contains('&')),
            None => (None, false),
        };
        Ok(InstanceId {
            vendor_id,
            product_id,
            interface: mi,
            instance: rest.map(str::to_string),
            serial,
            generated,
        })
    }

    /// CPID and ECID when the instance part is a new-style UDID (normal mode).
    pub fn udid(&self) -> Option<UdidInfo> {
        self.instance.as_deref().and_then(parse_udid)
    }
}

fn short(s: &str) -> String {
    let mut out: String = s.chars().take(80).collect();
    if s.chars().count() > 80 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upper_case_underscored_dfu_id() {
        let id = InstanceId::parse(
            r"USB\VID_05AC&PID_1227\CPID:8010_CPRV:11_CPFM:03_SCEP:01_BDID:0C_ECID:001A2B3C4D5E6F26_IBFL:3C_SRTG:[IBOOT-2696.0.0.1.33]",
        )
        .unwrap();
        assert_eq!((id.vendor_id, id.product_id), (0x05AC, 0x1227));
        let s = id.serial.unwrap();
        assert_eq!(s.cpid, Some(0x8010));
        assert_eq!(s.bdid, Some(0x0C));
        assert_eq!(s.ecid, Some(0x001A_2B3C_4D5E_6F26));
        assert_eq!(s.srtg.as_deref(), Some("IBOOT-2696.0.0.1.33"));
        assert!(!id.generated);
    }

    #[test]
    fn lower_case_spaced_recovery_interface_id() {
        let id = InstanceId::parse(
            r"usb\vid_05ac&pid_1281&mi_00\cpid:8015 cprv:11 bdid:06 ecid:000a1b2c3d4e5f60 srnm:[f2lvx0aaaaaa]",
        )
        .unwrap();
        assert_eq!(id.product_id, 0x1281);
        assert_eq!(id.interface, Some(0));
        let s = id.serial.unwrap();
        assert_eq!((s.cpid, s.bdid), (Some(0x8015), Some(0x06)));
        assert_eq!(s.srnm.as_deref(), Some("f2lvx0aaaaaa"));
    }

    #[test]
    fn normal_mode_udid_and_generated_ids() {
        let id = InstanceId::parse(r"USB\VID_05AC&PID_12A8\00008030001A2B3C4D5E6F26").unwrap();
        assert_eq!(id.udid().unwrap().cpid, 0x8030);
        assert!(id.serial.is_none());
        let g = InstanceId::parse(r"USB\VID_05AC&PID_12A8&MI_00\6&2C4E1A0B&0&0000").unwrap();
        assert!(g.generated);
        assert!(g.udid().is_none());
    }

    #[test]
    fn rejects_non_usb_and_missing_ids() {
        assert!(matches!(
            InstanceId::parse(r"PCI\VEN_8086&DEV_A36D\3&11583659&0&A0"),
            Err(InstanceIdError::NotUsb(_))
        ));
        assert!(matches!(
            InstanceId::parse(r"USB\ROOT_HUB30\4&1"),
            Err(InstanceIdError::NoIds(_))
        ));
        assert!(matches!(
            InstanceId::parse(""),
            Err(InstanceIdError::NotUsb(_))
        ));
    }
}
