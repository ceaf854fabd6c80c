//! Checkup configuration: every host, port, resolver, URL, path and root set, with defaults
//! from the embedded data, overridable by a TOML file, the environment and flags.
//!
//! This crate reads no environment variable: the program reads the process environment once
//! into an [`Environment`] and applies it with [`Config::with_environment`], so tests pass
//! proxy variables, capture folders and the config file in as values instead of setting
//! variables for the whole process.

use crate::data::{self, AppleHost, InternetTarget, ToolSpec};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Environment variable naming the config file (read by the CLI and passed in; this crate
/// reads no environment variable).
pub const CONFIG_ENV: &str = "RESTORE_DOCTOR_CONFIG";
/// Environment variable naming a folder of host-software captures (read by the CLI).
pub const HOST_FIXTURE_ENV: &str = rd_host::FIXTURE_ENV;
/// Environment variable naming the platform of those captures (read by the CLI).
pub const HOST_PLATFORM_ENV: &str = rd_host::PLATFORM_ENV;

/// Everything the checkup probes, and how.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Apple hosts to probe.
    pub apple_hosts: Vec<AppleHost>,
    /// Connect to this address instead of resolving: key `host` or `host:port`, value `ip` or
    /// `ip:port` (like curl's `--connect-to`; TLS still uses the host name).
    pub connect_to: BTreeMap<String, String>,
    /// IP-addressed TLS servers proving internet reachability.
    pub internet_targets: Vec<InternetTarget>,
    /// Names resolved through the system resolver for the internet check.
    pub internet_names: Vec<String>,
    /// DNS settings.
    pub dns: DnsConfig,
    /// Hosts file to read (default: the OS's).
    pub hosts_file: Option<PathBuf>,
    /// Certificate trust settings.
    pub tls: TlsConfig,
    /// Proxy settings source.
    pub proxy: ProxyConfig,
    /// Apple system status data URL.
    pub status_url: String,
    /// Services on the status page a restore depends on.
    pub status_services: Vec<String>,
    /// Apple's TSS endpoint.
    pub tss_url: String,
    /// Where firmware is downloaded (default: the user's Downloads folder).
    pub download_dir: Option<PathBuf>,
    /// Free space needed there, in GB.
    pub min_free_gb: f64,
    /// Restore tools looked for.
    pub tools: Vec<ToolSpec>,
    /// Directories searched for the tools (default: PATH).
    pub tool_path: Option<Vec<PathBuf>>,
    /// A folder of captured command output and files to check for `host.software` instead of
    /// this computer (tests, or another machine's captures); the CLI fills it from
    /// [`HOST_FIXTURE_ENV`].
    pub host_captures: Option<PathBuf>,
    /// Whose platform those captures are (`windows`, `macos`, `linux`; default: this
    /// computer's); the CLI fills it from [`HOST_PLATFORM_ENV`].
    pub host_platform: Option<String>,
    /// Domains whose hosts-file entries are reported.
    pub apple_domains: Vec<String>,
    /// Per-check budgets in milliseconds, overriding `crates/kb/data/checks.toml`.
    pub timeouts_ms: BTreeMap<String, u64>,
    /// Budget for one connection step (connect, handshake, HTTP answer), in milliseconds.
    pub step_timeout_ms: u64,
    /// Windows' system folder (`SystemRoot`), where the OS's hosts file lives; set from the
    /// [`Environment`], never written to or read from a config file.
    #[serde(skip)]
    pub system_root: Option<PathBuf>,
    /// Where firmware goes when `download_dir` is not set (the user's Downloads folder, as the
    /// [`Environment`] names it); never written to or read from a config file.
    #[serde(skip)]
    pub default_download_dir: Option<PathBuf>,
}

/// What the process environment says about the checkup's settings, read once by the program
/// and passed in (this crate reads no environment variable).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Environment {
    /// The proxy variables (`HTTPS_PROXY`, `no_proxy`…; every variable ending in `_proxy`, any
    /// case), used when the configuration reads the environment and names none itself.
    pub proxy_variables: BTreeMap<String, String>,
    /// The config file [`CONFIG_ENV`] names.
    pub config_file: Option<PathBuf>,
    /// The folder of host-software captures [`HOST_FIXTURE_ENV`] names.
    pub host_captures: Option<PathBuf>,
    /// Their platform, as [`HOST_PLATFORM_ENV`] gives it.
    pub host_platform: Option<String>,
    /// Windows' system folder (`SystemRoot`).
    pub system_root: Option<PathBuf>,
    /// The user's configuration folder (`~/.config`, `~/Library/Application Support`,
    /// `%APPDATA%`), where the config file is looked for by default.
    pub config_dir: Option<PathBuf>,
    /// The user's Downloads folder (else home, else the temporary folder), for the free-space
    /// check when no `download_dir` is configured.
    pub download_dir: Option<PathBuf>,
    /// The user's cache folder for restore-doctor (the refreshed firmware catalog lives there).
    pub cache_dir: Option<PathBuf>,
}

impl Environment {
    /// Builds the value from the process's variables as `(name, value)` pairs (the caller
    /// reads them, e.g. `std::env::vars_os()`); empty values count as unset.
    pub fn from_vars<I, K, V>(vars: I) -> Environment
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<std::ffi::OsString>,
        V: Into<std::ffi::OsString>,
    {
        let mut env = Environment::default();
        for (k, v) in vars {
            let (k, v) = (k.into(), v.into());
            let Some(name) = k.to_str() else { continue };
            if v.is_empty() {
                continue;
            }
            match name {
                CONFIG_ENV => env.config_file = Some(PathBuf::from(v)),
                HOST_FIXTURE_ENV => env.host_captures = Some(PathBuf::from(v)),
                HOST_PLATFORM_ENV => env.host_platform = v.to_str().map(str::to_string),
                "SystemRoot" => env.system_root = Some(PathBuf::from(v)),
                _ if name.to_ascii_lowercase().ends_with("_proxy") => {
                    if let Some(v) = v.to_str() {
                        env.proxy_variables.insert(name.to_string(), v.to_string());
                    }
                }
                _ => {}
            }
        }
        env
    }
}

/// DNS settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DnsConfig {
    /// The resolver treated as "the system's": `os` (the OS's own lookup, honouring the hosts
    /// file) or an `ip:port` nameserver.
    pub system_resolver: String,
    /// Resolvers asked directly (UDP `ip:port`).
    pub public_resolvers: Vec<String>,
    /// Apple's address blocks (CIDR).
    pub apple_networks: Vec<String>,
}

/// Certificate trust settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TlsConfig {
    /// Extra PEM files trusted as Apple roots, besides Apple Root CA, G2 and G3 which are built
    /// in (Apple's private-PKI hosts such as gs.apple.com are verified against these only).
    pub apple_roots: Vec<PathBuf>,
    /// PEM files of extra roots treated like Mozilla's public roots (tests, private mirrors).
    pub public_roots: Vec<PathBuf>,
    /// Load the OS certificate store.
    pub os_store: bool,
    /// PEM files added to the OS store's roots (tests: the "installed" antivirus root).
    pub os_roots: Vec<PathBuf>,
    /// Organisations that legitimately issue Apple's host certificates.
    pub expected_issuer_orgs: Vec<String>,
}

/// Where proxy settings come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProxyConfig {
    /// Use the environment's proxy variables (`HTTPS_PROXY`, `ALL_PROXY`, `NO_PROXY`…), as
    /// [`Config::with_environment`] hands them in.
    pub environment: bool,
    /// Read the OS proxy settings where possible (macOS `scutil`, Windows registry, GNOME).
    pub os_settings: bool,
    /// The proxy variables in force: given in the file (used instead of the environment), or
    /// filled from the [`Environment`] by [`Config::with_environment`].
    pub variables: Option<BTreeMap<String, String>>,
}

impl Default for Config {
    fn default() -> Self {
        let d = data::network_defaults();
        Config {
            apple_hosts: data::apple_hosts().to_vec(),
            connect_to: BTreeMap::new(),
            internet_targets: data::internet_targets().to_vec(),
            internet_names: d.internet_names.clone(),
            dns: DnsConfig::default(),
            hosts_file: None,
            tls: TlsConfig::default(),
            proxy: ProxyConfig::default(),
            status_url: d.status_url.clone(),
            status_services: d.status_services.clone(),
            tss_url: d.tss_url.clone(),
            download_dir: None,
            min_free_gb: d.min_free_gb,
            tools: data::tools().to_vec(),
            tool_path: None,
            host_captures: None,
            host_platform: None,
            apple_domains: d.apple_domains.clone(),
            timeouts_ms: BTreeMap::new(),
            step_timeout_ms: 1800,
            system_root: None,
            default_download_dir: None,
        }
    }
}

impl Default for DnsConfig {
    fn default() -> Self {
        let d = data::network_defaults();
        DnsConfig {
            system_resolver: "os".into(),
            public_resolvers: d.public_resolvers.clone(),
            apple_networks: d.apple_networks.clone(),
        }
    }
}

impl Default for TlsConfig {
    fn default() -> Self {
        TlsConfig {
            apple_roots: Vec::new(),
            public_roots: Vec::new(),
            os_store: true,
            os_roots: Vec::new(),
            expected_issuer_orgs: data::network_defaults().expected_issuer_orgs.clone(),
        }
    }
}

impl TlsConfig {
    /// The network layer's trust settings.
    pub fn trust(&self) -> rd_net::TrustConfig {
        rd_net::TrustConfig {
            apple_roots: self.apple_roots.clone(),
            public_roots: self.public_roots.clone(),
            os_store: self.os_store,
            os_roots: self.os_roots.clone(),
        }
    }
}

impl ProxyConfig {
    /// The proxy routes HTTP requests take: from `variables` when given (else direct).
    pub fn routes(&self) -> rd_net::ProxyConfig {
        self.variables
            .as_ref()
            .map(rd_net::ProxyConfig::from_vars)
            .unwrap_or_default()
    }
}

impl Default for ProxyConfig {
    fn default() -> Self {
        ProxyConfig {
            environment: true,
            os_settings: true,
            variables: None,
        }
    }
}

/// Why a configuration could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not valid TOML for this schema.
    #[error("config file {path} is not valid: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong (first line of the parser's message).
        message: String,
    },
    /// A value is malformed.
    #[error("config value {key} = {value:?} is not valid: {why}")]
    Value {
        /// Which setting.
        key: String,
        /// Its value.
        value: String,
        /// What is wrong.
        why: String,
    },
}

/// Where a config was loaded from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigSource {
    /// Built-in defaults only.
    Defaults,
    /// This file.
    File(PathBuf),
}

/// The default config file location under the user's configuration folder
/// (`<config dir>/restore-doctor/config.toml`).
pub fn default_config_path(config_dir: &Path) -> PathBuf {
    config_dir.join("restore-doctor").join("config.toml")
}

impl Config {
    /// Parses a config from TOML text (missing keys take their defaults).
    pub fn from_toml(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let cfg: Config = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| {
                    format!(
                        "line {}: ",
                        text[..s.start.min(text.len())].matches('\n').count() + 1
                    )
                })
                .unwrap_or_default();
            ConfigError::Parse {
                path: path.to_path_buf(),
                message: format!("{line}{}", e.message().replace('\n', " ")),
            }
        })?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Loads the config: `explicit` (a `--config` flag), else [`Environment::config_file`],
    /// else the default location under [`Environment::config_dir`] if it exists, else built-in
    /// defaults. A named file that cannot be read is an error; a missing default file is not.
    /// (The environment is only used to find the file; see [`Config::with_environment`].)
    pub fn load(
        explicit: Option<&Path>,
        env: &Environment,
    ) -> Result<(Config, ConfigSource), ConfigError> {
        let (path, must_exist) = match explicit.or(env.config_file.as_deref()) {
            Some(p) => (Some(p.to_path_buf()), true),
            None => (env.config_dir.as_deref().map(default_config_path), false),
        };
        let Some(path) = path else {
            return Ok((Config::default(), ConfigSource::Defaults));
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok((Config::from_toml(&text, &path)?, ConfigSource::File(path))),
            Err(e) if !must_exist && e.kind() == std::io::ErrorKind::NotFound => {
                Ok((Config::default(), ConfigSource::Defaults))
            }
            Err(source) => Err(ConfigError::Read { path, source }),
        }
    }

    /// The configuration as TOML (a starting point for a config file).
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self)
            .unwrap_or_else(|e| format!("# cannot render the configuration: {e}\n"))
    }

    /// Checks every address-like value parses.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let bad = |key: &str, value: &str, why: &str| ConfigError::Value {
            key: key.into(),
            value: value.into(),
            why: why.into(),
        };
        for t in &self.internet_targets {
            t.addr
                .parse::<SocketAddr>()
                .map_err(|_| bad("internet_targets.addr", &t.addr, "expected ip:port"))?;
        }
        for r in &self.dns.public_resolvers {
            r.parse::<SocketAddr>()
                .map_err(|_| bad("dns.public_resolvers", r, "expected ip:port"))?;
        }
        if self.dns.system_resolver != "os" {
            self.dns
                .system_resolver
                .parse::<SocketAddr>()
                .map_err(|_| {
                    bad(
                        "dns.system_resolver",
                        &self.dns.system_resolver,
                        "expected \"os\" or ip:port",
                    )
                })?;
        }
        for n in &self.dns.apple_networks {
            crate::net::Cidr::parse(n).ok_or_else(|| {
                bad(
                    "dns.apple_networks",
                    n,
                    "expected a CIDR block like 17.0.0.0/8",
                )
            })?;
        }
        for (k, v) in &self.connect_to {
            crate::net::parse_connect_to(v, 443)
                .ok_or_else(|| bad(&format!("connect_to.\"{k}\""), v, "expected ip or ip:port"))?;
        }
        for (url, key) in [(&self.status_url, "status_url"), (&self.tss_url, "tss_url")] {
            crate::http::Url::parse(url).map_err(|why| bad(key, url, &why))?;
        }
        for id in self.timeouts_ms.keys() {
            if data::check_spec(id).is_none() {
                return Err(bad("timeouts_ms", id, "not a checkup check id"));
            }
        }
        if !(self.min_free_gb.is_finite() && self.min_free_gb >= 0.0) {
            return Err(bad(
                "min_free_gb",
                &self.min_free_gb.to_string(),
                "expected a number of GB ≥ 0",
            ));
        }
        Ok(())
    }

    /// The network layer's settings from this configuration: `connect_to`, the system resolver,
    /// trust, the proxy variables given in `proxy.variables` (the caller fills them from the
    /// environment), and `step_timeout_ms` per step with `total` for a whole request.
    pub fn net_config(&self, total: std::time::Duration) -> rd_net::NetConfig {
        rd_net::NetConfig {
            connect_to: self.connect_to.clone(),
            lookup: crate::net::Lookup::from_setting(&self.dns.system_resolver),
            trust: self.tls.trust(),
            proxy: self.proxy.routes(),
            step_timeout: self.step_timeout().max(std::time::Duration::from_millis(1)),
            total_timeout: total,
        }
    }

    /// Applies what the environment says: its proxy variables when `proxy.environment` is on
    /// and the file names none, the host-software captures when a folder is given, and the
    /// system folder the OS's hosts file is found under.
    pub fn with_environment(mut self, env: &Environment) -> Config {
        if self.proxy.environment && self.proxy.variables.is_none() {
            self.proxy.variables = Some(env.proxy_variables.clone());
        }
        if let Some(dir) = &env.host_captures {
            self.host_captures = Some(dir.clone());
            self.host_platform = env.host_platform.clone();
        }
        if env.system_root.is_some() {
            self.system_root = env.system_root.clone();
        }
        if env.download_dir.is_some() {
            self.default_download_dir = env.download_dir.clone();
        }
        self
    }

    /// The hosts file to read: the configured one, else the OS's.
    pub fn hosts_path(&self) -> PathBuf {
        self.hosts_file
            .clone()
            .unwrap_or_else(|| default_hosts_path(self.system_root.as_deref()))
    }

    /// The budget of one check.
    pub fn check_timeout(&self, id: &str) -> std::time::Duration {
        let ms = self
            .timeouts_ms
            .get(id)
            .copied()
            .or_else(|| data::check_spec(id).map(|c| c.timeout_ms))
            .unwrap_or(5000);
        std::time::Duration::from_millis(ms)
    }

    /// The budget of one connection step.
    pub fn step_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.step_timeout_ms.max(1))
    }

    /// Where firmware is downloaded: configured, else the user's Downloads folder as the
    /// environment named it, else the current folder.
    pub fn download_path(&self) -> PathBuf {
        self.download_dir
            .clone()
            .or_else(|| self.default_download_dir.clone())
            .unwrap_or_else(|| PathBuf::from("."))
    }
}

/// The OS's hosts file; on Windows under `system_root` (`SystemRoot`, default `C:\Windows`).
pub fn default_hosts_path(system_root: Option<&Path>) -> PathBuf {
    if cfg!(windows) {
        system_root
            .unwrap_or(Path::new("C:\\Windows"))
            .to_path_buf()
            .join("System32")
            .join("drivers")
            .join("etc")
            .join("hosts")
    } else {
        PathBuf::from("/etc/hosts")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_file_keeps_defaults() {
        let cfg = Config::from_toml(
            "tss_url = \"http://127.0.0.1:9/tss\"\n[dns]\nsystem_resolver = \"127.0.0.1:5353\"\n",
            Path::new("x.toml"),
        )
        .unwrap();
        assert_eq!(cfg.tss_url, "http://127.0.0.1:9/tss");
        assert_eq!(cfg.dns.system_resolver, "127.0.0.1:5353");
        assert_eq!(
            cfg.dns.public_resolvers,
            DnsConfig::default().public_resolvers
        );
        assert!(cfg.apple_hosts.iter().any(|h| h.name == "gs.apple.com"));
    }

    #[test]
    fn bad_values_are_named() {
        for (text, key) in [
            ("[dns]\nsystem_resolver = \"nope\"", "dns.system_resolver"),
            (
                "[dns]\napple_networks = [\"17.0.0.0/99\"]",
                "dns.apple_networks",
            ),
            ("status_url = \"ftp://x\"", "status_url"),
            (
                "[connect_to]\n\"gs.apple.com\" = \"not-an-ip\"",
                "connect_to",
            ),
            ("[timeouts_ms]\n\"net.nothing\" = 5", "timeouts_ms"),
        ] {
            let err = Config::from_toml(text, Path::new("c.toml"))
                .unwrap_err()
                .to_string();
            assert!(err.contains(key), "{text}: {err}");
        }
        let err = Config::from_toml("no_such_key = 1", Path::new("c.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("c.toml") && err.contains("no_such_key"),
            "{err}"
        );
    }

    #[test]
    fn defaults_round_trip_through_toml() {
        let text = Config::default().to_toml();
        let back = Config::from_toml(&text, Path::new("d.toml")).unwrap();
        assert_eq!(back, Config::default());
    }

    #[test]
    fn environment_is_read_from_the_pairs_given_and_applied_only_where_the_file_is_silent() {
        let env = Environment::from_vars([
            ("https_proxy", "http://proxy.example:3128"),
            ("NO_PROXY", ".apple.com"),
            ("PATH", "/usr/bin"),
            (CONFIG_ENV, "/etc/rd.toml"),
            (HOST_FIXTURE_ENV, "/captures"),
            (HOST_PLATFORM_ENV, "windows"),
            ("SystemRoot", "D:\\Win"),
            ("HTTP_PROXY", ""),
        ]);
        assert_eq!(
            env.proxy_variables.keys().collect::<Vec<_>>(),
            ["NO_PROXY", "https_proxy"]
        );
        assert_eq!(env.config_file.as_deref(), Some(Path::new("/etc/rd.toml")));
        let cfg = Config::default().with_environment(&env);
        assert_eq!(cfg.proxy.variables.as_ref(), Some(&env.proxy_variables));
        assert_eq!(cfg.host_captures.as_deref(), Some(Path::new("/captures")));
        assert_eq!(cfg.host_platform.as_deref(), Some("windows"));
        assert_eq!(cfg.system_root.as_deref(), Some(Path::new("D:\\Win")));
        if cfg!(windows) {
            assert!(cfg.hosts_path().starts_with("D:\\Win"));
        }
        // Variables named in the file, or an environment switched off, win over the process's.
        let mut fixed = Config::default();
        fixed.proxy.variables = Some(BTreeMap::new());
        let fixed = fixed.with_environment(&env);
        assert_eq!(fixed.proxy.variables, Some(BTreeMap::new()));
        let mut off = Config::default();
        off.proxy.environment = false;
        assert_eq!(off.with_environment(&env).proxy.variables, None);
        // The system folder never goes into a file.
        assert!(!cfg.to_toml().contains("Win"));
    }

    #[test]
    fn explicit_missing_file_is_an_error() {
        let env = Environment::default();
        let err = Config::load(Some(Path::new("/nonexistent/rd.toml")), &env).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/rd.toml"));
        // Named by the environment: the same; under the config folder: optional.
        let named = Environment {
            config_file: Some("/nonexistent/env.toml".into()),
            ..Environment::default()
        };
        assert!(Config::load(None, &named).is_err());
        let folder = Environment {
            config_dir: Some("/nonexistent".into()),
            ..Environment::default()
        };
        let (cfg, source) = Config::load(None, &folder).unwrap();
        assert_eq!((cfg, source), (Config::default(), ConfigSource::Defaults));
    }
}
