//! The process environment, read once at start-up into typed values that the commands pass
//! down. The libraries read no environment variable, and no command reads one on its own, so
//! what a run depends on is visible in one place and tests hand values in instead of setting
//! variables. (Variables clap knows as flag defaults, such as `RESTORE_DOCTOR_CONFIG` for
//! `--config`, are read by clap while parsing and show in `--help`.)

use std::ffi::OsString;
use std::path::PathBuf;

/// The variable that moves the data folder (tests, portable use).
pub const DATA_DIR_ENV: &str = "RESTORE_DOCTOR_DATA_DIR";

/// What this run takes from the environment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Environment {
    /// The checkup configuration's part: proxy variables, the config file
    /// (`RESTORE_DOCTOR_CONFIG`, for the bare command that parses no flags), host-software
    /// captures and Windows' system folder.
    pub config: rd_probe::Environment,
    /// A recorded USB inventory to replay (`RESTORE_DOCTOR_FAKE_USB`), for the commands that
    /// read the bus without parsing `--usb-fixture`.
    pub fake_usb: Option<PathBuf>,
    /// usbmuxd's address (`USBMUXD_SOCKET_ADDRESS`).
    pub usbmuxd: Option<String>,
    /// The data folder (`RESTORE_DOCTOR_DATA_DIR`).
    pub data_dir: Option<PathBuf>,
    /// The terminal width (`COLUMNS`).
    pub columns: Option<usize>,
}

impl Environment {
    /// Reads the process environment (once, in `main`), with the user's folders the
    /// platform names (config folder, Downloads), which depend on it too.
    pub fn read() -> Environment {
        let mut env = Environment::from_vars(std::env::vars_os());
        env.config.config_dir = dirs::config_dir();
        env.config.cache_dir = dirs::cache_dir().map(|d| d.join("restore-doctor"));
        env.config.download_dir = dirs::download_dir()
            .or_else(dirs::home_dir)
            .or_else(|| Some(std::env::temp_dir()));
        env
    }

    /// The same from given `(name, value)` pairs; empty values count as unset.
    pub fn from_vars(vars: impl IntoIterator<Item = (OsString, OsString)>) -> Environment {
        let vars: Vec<(OsString, OsString)> = vars.into_iter().collect();
        let get = |name: &str| {
            vars.iter()
                .find(|(k, v)| k == name && !v.is_empty())
                .map(|(_, v)| v.clone())
        };
        Environment {
            config: rd_probe::Environment::from_vars(vars.iter().cloned()),
            fake_usb: get(rd_device::FAKE_USB_ENV).map(PathBuf::from),
            usbmuxd: get(rd_device::findings::USBMUXD_ENV).and_then(|v| v.into_string().ok()),
            data_dir: get(DATA_DIR_ENV).map(PathBuf::from),
            columns: get("COLUMNS").and_then(|v| v.to_str()?.trim().parse().ok()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_become_typed_values_and_empty_ones_are_unset() {
        let pairs = [
            ("RESTORE_DOCTOR_FAKE_USB", "/f.json"),
            ("USBMUXD_SOCKET_ADDRESS", "127.0.0.1:27015"),
            ("RESTORE_DOCTOR_DATA_DIR", ""),
            ("COLUMNS", "72"),
            ("HTTPS_PROXY", "http://p:3128"),
        ];
        let env = Environment::from_vars(pairs.map(|(k, v)| (k.into(), v.into())));
        assert_eq!(env.fake_usb, Some(PathBuf::from("/f.json")));
        assert_eq!(env.usbmuxd.as_deref(), Some("127.0.0.1:27015"));
        assert_eq!(env.data_dir, None);
        assert_eq!(env.columns, Some(72));
        assert_eq!(
            env.config
                .proxy_variables
                .get("HTTPS_PROXY")
                .map(String::as_str),
            Some("http://p:3128")
        );
    }
}
