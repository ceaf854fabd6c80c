//! Normal-mode details through usbmuxd and lockdown (cargo feature `lockdown`, off by default):
//! product type, iOS version and build, and whether the device trusts this computer. Every
//! call has a timeout; nothing is written to the device or to usbmuxd.
//!
//! The calls are `async` and run on the caller's tokio runtime (this crate builds none), and
//! usbmuxd's address comes in as a value (the program reads `USBMUXD_SOCKET_ADDRESS`, see
//! [`crate::findings::USBMUXD_ENV`]), so nothing here reads the environment.

use idevice::IdeviceService;
use idevice::services::lockdown::LockdownClient;
use idevice::usbmuxd::{Connection, UsbmuxdAddr, UsbmuxdConnection};
use rd_kb::remedies;
use rd_model::{Confidence, Evidence, Family, Finding, Severity};
use serde::Serialize;
use std::time::Duration;

/// Whether the device trusts this computer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "state", content = "detail")]
pub enum Trust {
    /// A pairing record exists and a lockdown session starts.
    Trusted,
    /// No pairing record: the device was never trusted on this computer.
    NotPaired,
    /// A record exists but the device refused the session (locked, or trust was revoked).
    Refused(String),
}

/// What lockdown tells about one booted device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NormalDevice {
    /// UDID as usbmuxd reports it.
    pub udid: String,
    /// e.g. `iPhone12,1`.
    pub product_type: Option<String>,
    /// e.g. `18.3.1`.
    pub product_version: Option<String>,
    /// e.g. `22D72`.
    pub build_version: Option<String>,
    /// Trust state.
    pub trust: Trust,
}

/// True for beta/seed builds: Apple's beta build numbers end in a lower-case letter (`22A5316k`).
pub fn is_beta_build(build: &str) -> bool {
    build.len() > 5 && build.ends_with(|c: char| c.is_ascii_lowercase())
}

fn text(v: Result<plist::Value, idevice::IdeviceError>) -> Option<String> {
    v.ok().and_then(|v| v.as_string().map(str::to_string))
}

/// Where usbmuxd listens: `setting` as `USBMUXD_SOCKET_ADDRESS` spells it (`ip:port`, or on
/// Unix a socket path), else the platform's default (`/var/run/usbmuxd`, or 127.0.0.1:27015).
pub fn usbmuxd_addr(setting: Option<&str>) -> Result<UsbmuxdAddr, String> {
    let Some(text) = setting.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(UsbmuxdAddr::default());
    };
    #[cfg(unix)]
    if !text.contains(':') {
        return Ok(UsbmuxdAddr::UnixSocket(text.to_string()));
    }
    text.parse::<std::net::SocketAddr>()
        .map(UsbmuxdAddr::TcpSocket)
        .map_err(|e| format!("usbmuxd address '{text}' is not valid ({e})"))
}

async fn read_all(addr: UsbmuxdAddr) -> Result<Vec<NormalDevice>, String> {
    let mut mux: UsbmuxdConnection = addr
        .connect(1)
        .await
        .map_err(|e| format!("usbmuxd is not reachable ({e})"))?;
    let devices = mux.get_devices().await.map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for dev in devices
        .into_iter()
        .filter(|d| matches!(d.connection_type, Connection::Usb))
    {
        let provider = dev.to_provider(addr.clone(), "restore-doctor");
        let Ok(mut lockdown) = LockdownClient::connect(&provider).await else {
            continue;
        };
        let product_type = text(lockdown.get_value(Some("ProductType"), None).await);
        let product_version = text(lockdown.get_value(Some("ProductVersion"), None).await);
        let build_version = text(lockdown.get_value(Some("BuildVersion"), None).await);
        let trust = match mux.get_pair_record(&dev.udid).await {
            Err(_) => Trust::NotPaired,
            Ok(record) => match lockdown.start_session(&record).await {
                Ok(_) => Trust::Trusted,
                Err(e) => Trust::Refused(e.to_string()),
            },
        };
        out.push(NormalDevice {
            udid: dev.udid,
            product_type,
            product_version,
            build_version,
            trust,
        });
    }
    Ok(out)
}

/// Asks usbmuxd (at `usbmuxd`, see [`usbmuxd_addr`]) for every booted USB device and reads its
/// details, on the caller's runtime; gives up after `timeout`.
pub async fn normal_devices(
    usbmuxd: Option<&str>,
    timeout: Duration,
) -> Result<Vec<NormalDevice>, String> {
    let addr = usbmuxd_addr(usbmuxd)?;
    tokio::time::timeout(timeout, read_all(addr))
        .await
        .map_err(|_| format!("usbmuxd did not answer within {} s", timeout.as_secs()))?
}

/// Findings for booted devices: beta builds and missing trust.
pub fn normal_findings(devices: &[NormalDevice]) -> Vec<Finding> {
    let mut out = Vec::new();
    for d in devices {
        let name = d.product_type.clone().unwrap_or_else(|| d.udid.clone());
        let ev = Evidence::new(
            format!(
                "{name}, iOS {} ({})",
                d.product_version.as_deref().unwrap_or("?"),
                d.build_version.as_deref().unwrap_or("?")
            ),
            "read from the device through lockdown",
        )
        .from_source("device.trust");
        if let Some(b) = d.build_version.as_deref().filter(|b| is_beta_build(b)) {
            out.push(
                Finding::new(
                    "device.build.beta",
                    Family::SoftwareVersion,
                    Severity::Warn,
                    format!("{name} runs a beta build ({b})"),
                    "Beta builds update only to later betas or the release Apple signs now; going back needs a full restore to the current public release, and old host software may not support the beta.",
                )
                .with_evidence(ev.clone())
                .with_remedies(remedies!["leave-beta", "update-apple-software"]),
            );
        }
        match &d.trust {
            Trust::Trusted => out.push(
                Finding::new(
                    "device.trust.ok",
                    Family::DeviceState,
                    Severity::Ok,
                    format!("{name} trusts this computer"),
                    "A lockdown session starts with the saved pairing record.",
                )
                .with_evidence(ev),
            ),
            Trust::NotPaired | Trust::Refused(_) => {
                let mut f = Finding::new(
                    "device.trust.missing",
                    Family::DeviceState,
                    Severity::Warn,
                    format!("{name} does not trust this computer"),
                    "Updating or backing up a booted device needs it unlocked and trusting this computer. Without that, Finder/iTunes/Apple Devices cannot read it; a restore from Recovery mode does not need trust.",
                )
                .with_evidence(ev)
                .with_confidence(Confidence::High)
                .with_remedies(remedies!["trust-computer", "recovery-mode"]);
                if let Trust::Refused(why) = &d.trust {
                    f = f.with_evidence(Evidence::new(why.clone(), "lockdown refused the session"));
                }
                out.push(f);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beta_builds_end_in_a_lower_case_letter() {
        assert!(is_beta_build("22A5316k"));
        assert!(!is_beta_build("22D72"));
        assert!(!is_beta_build("21F90"));
        assert!(!is_beta_build("a"));
    }

    #[test]
    fn trust_and_beta_findings() {
        let d = NormalDevice {
            udid: "u".into(),
            product_type: Some("iPhone12,1".into()),
            product_version: Some("18.0".into()),
            build_version: Some("22A5316k".into()),
            trust: Trust::NotPaired,
        };
        let ids: Vec<String> = normal_findings(&[d]).into_iter().map(|f| f.id).collect();
        assert_eq!(ids, ["device.build.beta", "device.trust.missing"]);
    }

    #[tokio::test]
    async fn without_usbmuxd_it_fails_with_a_reason_not_a_panic() {
        // A closed loopback port stands for a computer without usbmuxd: the answer must be an
        // error with a reason, within the timeout.
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = closed.local_addr().unwrap().to_string();
        drop(closed);
        let err = normal_devices(Some(&addr), Duration::from_secs(2))
            .await
            .unwrap_err();
        assert!(err.contains("usbmuxd"), "{err}");
    }

    #[test]
    fn the_usbmuxd_address_is_read_as_idevice_spells_it() {
        assert!(matches!(
            usbmuxd_addr(Some("127.0.0.1:27015")),
            Ok(UsbmuxdAddr::TcpSocket(a)) if a.port() == 27015
        ));
        #[cfg(unix)]
        assert!(matches!(
            usbmuxd_addr(Some("/run/usbmuxd")),
            Ok(UsbmuxdAddr::UnixSocket(p)) if p == "/run/usbmuxd"
        ));
        assert!(usbmuxd_addr(Some("host:port")).is_err());
        assert!(usbmuxd_addr(None).is_ok());
    }
}
