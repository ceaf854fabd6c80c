//! Trust: Apple's three roots built in, Mozilla's roots, the OS store; which of them a host is
//! verified against (Apple's private-PKI hosts: Apple's roots only); a verifier that records the
//! presented chain before deciding; and the judgement of a chain (genuine, intercepted —
//! naming the issuer and the likely product — or untrusted).

use crate::data::{self, InterceptionProduct};
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

/// Apple's root certificates, built in: (file name, PEM). Fingerprints are checked by a test
/// against `data/apple_roots/README.md`.
pub const APPLE_ROOTS: [(&str, &str); 3] = [
    (
        "AppleRootCA.pem",
        include_str!("../data/apple_roots/AppleRootCA.pem"),
    ),
    (
        "AppleRootCA-G2.pem",
        include_str!("../data/apple_roots/AppleRootCA-G2.pem"),
    ),
    (
        "AppleRootCA-G3.pem",
        include_str!("../data/apple_roots/AppleRootCA-G3.pem"),
    ),
];

/// The built-in Apple roots as DER certificates.
pub fn apple_root_certs() -> Vec<CertificateDer<'static>> {
    APPLE_ROOTS
        .iter()
        .filter_map(|(_, pem)| CertificateDer::from_pem_slice(pem.as_bytes()).ok())
        .collect()
}

/// The ring crypto provider every TLS connection uses.
pub fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Which roots a host's chain must end at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pki {
    /// Apple's own PKI: Apple's roots only (`data/apple_pki.toml`).
    Apple,
    /// Public web PKI: Mozilla's roots plus the OS store.
    Public,
}

/// The PKI `host` is served from.
pub fn pki_for(host: &str) -> Pki {
    let h = host.trim_end_matches('.').to_ascii_lowercase();
    if data::apple_pki_hosts().iter().any(|a| a.name == h) {
        Pki::Apple
    } else {
        Pki::Public
    }
}

/// Where trust comes from, beyond the built-in roots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustConfig {
    /// Extra PEM files trusted as Apple roots, besides the three built in (tests, new roots).
    pub apple_roots: Vec<PathBuf>,
    /// PEM files of extra roots treated like Mozilla's public roots (tests, private mirrors).
    pub public_roots: Vec<PathBuf>,
    /// Load the OS certificate store.
    pub os_store: bool,
    /// PEM files added to the OS store's roots (tests: the "installed" antivirus root).
    pub os_roots: Vec<PathBuf>,
}

impl Default for TrustConfig {
    fn default() -> Self {
        TrustConfig {
            apple_roots: Vec::new(),
            public_roots: Vec::new(),
            os_store: true,
            os_roots: Vec::new(),
        }
    }
}

/// The root sets a chain is judged against.
#[derive(Debug, Clone)]
pub struct TrustStores {
    /// Mozilla's roots (webpki-roots) plus configured public roots.
    pub public: Arc<RootCertStore>,
    /// Apple's roots: the three built in plus configured ones.
    pub apple: Arc<RootCertStore>,
    /// The OS store plus configured OS roots, if any.
    pub os: Option<Arc<RootCertStore>>,
    /// Public plus OS: what public-PKI hosts are verified against.
    pub public_and_os: Arc<RootCertStore>,
    /// Problems met while loading (unreadable PEM files…).
    pub notes: Vec<String>,
}

fn add_pem_files(store: &mut RootCertStore, files: &[PathBuf], notes: &mut Vec<String>) {
    for f in files {
        match CertificateDer::pem_file_iter(f) {
            Err(e) => notes.push(format!("cannot read {}: {e}", f.display())),
            Ok(iter) => {
                let mut n = 0;
                for c in iter {
                    match c {
                        Ok(c) => {
                            if store.add(c).is_ok() {
                                n += 1;
                            }
                        }
                        Err(e) => notes.push(format!("bad certificate in {}: {e}", f.display())),
                    }
                }
                if n == 0 {
                    notes.push(format!("no usable certificate in {}", f.display()));
                }
            }
        }
    }
}

impl TrustStores {
    /// Loads the stores as configured (reads the OS store when enabled: call off the async path).
    pub fn load(cfg: &TrustConfig) -> TrustStores {
        let mut notes = Vec::new();
        let mut public = RootCertStore::empty();
        public.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        add_pem_files(&mut public, &cfg.public_roots, &mut notes);

        let mut apple = RootCertStore::empty();
        let (added, _) = apple.add_parsable_certificates(apple_root_certs());
        if added != APPLE_ROOTS.len() {
            notes.push(format!(
                "only {added} of Apple's {} built-in roots loaded",
                APPLE_ROOTS.len()
            ));
        }
        add_pem_files(&mut apple, &cfg.apple_roots, &mut notes);

        let os = if cfg.os_store || !cfg.os_roots.is_empty() {
            let mut s = RootCertStore::empty();
            if cfg.os_store {
                let res = rustls_native_certs::load_native_certs();
                let (added, _) = s.add_parsable_certificates(res.certs);
                if added == 0 && !res.errors.is_empty() {
                    notes.push(format!(
                        "could not read the OS certificate store: {}",
                        res.errors[0]
                    ));
                }
            }
            add_pem_files(&mut s, &cfg.os_roots, &mut notes);
            (!s.is_empty()).then(|| Arc::new(s))
        } else {
            None
        };
        let mut public_and_os = public.clone();
        if let Some(os) = &os {
            public_and_os.roots.extend(os.roots.iter().cloned());
        }
        TrustStores {
            public: Arc::new(public),
            apple: Arc::new(apple),
            os,
            public_and_os: Arc::new(public_and_os),
            notes,
        }
    }

    /// The store `host`'s chain must validate under.
    pub fn store_for(&self, host: &str) -> &Arc<RootCertStore> {
        match pki_for(host) {
            Pki::Apple => &self.apple,
            Pki::Public => &self.public_and_os,
        }
    }

    /// A client config for `host` (Apple's roots only for Apple's private-PKI hosts, else
    /// Mozilla's plus the OS's), recording the presented chain into `seen`.
    pub fn client_config(
        &self,
        host: &str,
        seen: Arc<Mutex<Vec<CertificateDer<'static>>>>,
        alpn_http1: bool,
    ) -> Arc<rustls::ClientConfig> {
        let inner = verifier_for(self.store_for(host))
            .or_else(|| verifier_for(&self.public))
            .expect("Mozilla's root store is never empty");
        let recorder = Arc::new(Recorder { inner, seen });
        let mut cfg = rustls::ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .expect("ring supports the default protocol versions")
            .dangerous()
            .with_custom_certificate_verifier(recorder)
            .with_no_client_auth();
        if alpn_http1 {
            cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
        }
        Arc::new(cfg)
    }
}

fn verifier_for(store: &Arc<RootCertStore>) -> Option<Arc<WebPkiServerVerifier>> {
    WebPkiServerVerifier::builder_with_provider(store.clone(), provider())
        .build()
        .ok()
}

/// Records the presented chain, then lets the standard WebPKI verifier decide.
#[derive(Debug)]
struct Recorder {
    inner: Arc<WebPkiServerVerifier>,
    seen: Arc<Mutex<Vec<CertificateDer<'static>>>>,
}

impl ServerCertVerifier for Recorder {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Ok(mut seen) = self.seen.lock() {
            seen.clear();
            seen.push(end_entity.clone().into_owned());
            seen.extend(intermediates.iter().map(|c| c.clone().into_owned()));
        }
        self.inner
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// What a TLS handshake showed.
#[derive(Debug)]
pub struct Handshake {
    /// The chain the server presented (leaf first), even when verification failed.
    pub chain: Vec<CertificateDer<'static>>,
    /// The connection, or why the handshake failed.
    pub result: Result<TlsStream<TcpStream>, HandshakeError>,
    /// Time the handshake took.
    pub elapsed: Duration,
}

/// Why a handshake failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandshakeError {
    /// The server sent nothing back in time (accepted TCP, then silence).
    Timeout,
    /// The certificate was rejected (message from the verifier).
    Certificate(String),
    /// Anything else (reset, protocol error).
    Other(String),
}

impl std::fmt::Display for HandshakeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HandshakeError::Timeout => f.write_str("TLS handshake got no answer (timed out)"),
            HandshakeError::Certificate(s) => write!(f, "certificate rejected: {s}"),
            HandshakeError::Other(s) => write!(f, "TLS handshake failed: {s}"),
        }
    }
}

/// Runs a TLS handshake for `name` over `tcp`, recording the chain, within `timeout`.
pub async fn handshake(
    tcp: TcpStream,
    name: &str,
    stores: &TrustStores,
    timeout: Duration,
    alpn_http1: bool,
) -> Handshake {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let connector = TlsConnector::from(stores.client_config(name, seen.clone(), alpn_http1));
    let start = Instant::now();
    let result = match ServerName::try_from(name.to_string()) {
        Err(e) => Err(HandshakeError::Other(format!(
            "bad server name {name}: {e}"
        ))),
        Ok(sn) => match tokio::time::timeout(timeout, connector.connect(sn, tcp)).await {
            Err(_) => Err(HandshakeError::Timeout),
            Ok(Ok(s)) => Ok(s),
            Ok(Err(e)) => {
                let cert_err = e
                    .get_ref()
                    .and_then(|inner| inner.downcast_ref::<rustls::Error>())
                    .filter(|re| matches!(re, rustls::Error::InvalidCertificate(_)))
                    .map(|re| re.to_string());
                match cert_err {
                    Some(m) => Err(HandshakeError::Certificate(m)),
                    None => Err(HandshakeError::Other(e.to_string())),
                }
            }
        },
    };
    let chain = seen.lock().map(|s| s.clone()).unwrap_or_default();
    Handshake {
        chain,
        result,
        elapsed: start.elapsed(),
    }
}

/// Names read from one certificate.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CertNames {
    /// Subject, as one line.
    pub subject: String,
    /// Issuer, as one line.
    pub issuer: String,
    /// Issuer common name (or the whole issuer when it has none).
    pub issuer_cn: String,
    /// Issuer organisation, if any.
    pub issuer_org: Option<String>,
}

/// Reads subject and issuer names from a DER certificate.
pub fn cert_names(der: &[u8]) -> Option<CertNames> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    let issuer = cert.issuer();
    let cn = issuer
        .iter_common_name()
        .next()
        .and_then(|a| a.as_str().ok())
        .map(str::to_string);
    let org = issuer
        .iter_organization()
        .next()
        .and_then(|a| a.as_str().ok())
        .map(str::to_string);
    Some(CertNames {
        subject: cert.subject().to_string(),
        issuer: issuer.to_string(),
        issuer_cn: cn.unwrap_or_else(|| issuer.to_string()),
        issuer_org: org,
    })
}

/// How a presented chain is judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainKind {
    /// Ends at the roots that serve this host (Apple's for Apple's PKI hosts) and is issued by
    /// who serves the host.
    Genuine,
    /// Validates publicly but the issuer is not one that serves this host.
    UnexpectedIssuer,
    /// Something else answered in Apple's name: an Apple-PKI host whose chain does not end at
    /// an Apple root, a chain valid only under the OS store, or one naming a known product.
    Intercepted,
    /// Validates under no store at all (public-PKI host).
    Untrusted(String),
}

/// The judgement of one chain.
#[derive(Debug, Clone)]
pub struct ChainVerdict {
    /// The verdict.
    pub kind: ChainKind,
    /// The PKI the host is served from.
    pub pki: Pki,
    /// Valid under Mozilla's (and configured public) roots.
    pub under_public: bool,
    /// Ends at one of Apple's roots (the name may still not match).
    pub under_apple: bool,
    /// Valid under the OS store.
    pub under_os: bool,
    /// The leaf's issuer names.
    pub leaf: CertNames,
    /// The issuer of the last certificate presented (the root side of the chain).
    pub top_issuer: String,
    /// The product the names point to, if known.
    pub product: Option<&'static InterceptionProduct>,
}

impl ChainVerdict {
    /// One line naming who issued the chain and, when known, the product behind it.
    pub fn who(&self) -> String {
        match self.product {
            Some(p) => format!("'{}' (likely {}, {})", self.leaf.issuer_cn, p.name, p.kind),
            None => format!(
                "'{}' (chain up to '{}'; product not recognised)",
                self.leaf.issuer_cn, self.top_issuer
            ),
        }
    }
}

/// Whether `chain` validates for `name` under `store`; a name mismatch counts as anchored
/// when `ignore_name` is set (the chain is the store's, issued for another name).
fn valid_under(
    store: &Arc<RootCertStore>,
    chain: &[CertificateDer<'static>],
    name: &str,
    now: UnixTime,
    ignore_name: bool,
) -> Result<(), String> {
    let verifier = verifier_for(store).ok_or("empty root store")?;
    let sn = ServerName::try_from(name.to_string()).map_err(|e| e.to_string())?;
    let (leaf, rest) = chain.split_first().ok_or("no certificate presented")?;
    match verifier.verify_server_cert(leaf, rest, &sn, &[], now) {
        Ok(_) => Ok(()),
        Err(rustls::Error::InvalidCertificate(
            rustls::CertificateError::NotValidForName
            | rustls::CertificateError::NotValidForNameContext { .. },
        )) if ignore_name => Ok(()),
        Err(e) => Err(e.to_string()),
    }
}

/// Judges a chain presented for `name` against every store, at the current time.
pub fn judge(
    chain: &[CertificateDer<'static>],
    name: &str,
    stores: &TrustStores,
    expected_orgs: &[String],
) -> ChainVerdict {
    judge_at(chain, name, stores, expected_orgs, UnixTime::now())
}

/// Judges a chain presented for `name` as of `now`. For Apple's private-PKI hosts a chain that
/// does not end at an Apple root is interception (never "unreachable"); for public hosts a chain
/// that validates only under the OS store, or names a known product, is.
pub fn judge_at(
    chain: &[CertificateDer<'static>],
    name: &str,
    stores: &TrustStores,
    expected_orgs: &[String],
    now: UnixTime,
) -> ChainVerdict {
    let pki = pki_for(name);
    let public = valid_under(&stores.public, chain, name, now, false);
    let under_public = public.is_ok();
    let under_apple = valid_under(&stores.apple, chain, name, now, true).is_ok();
    let under_os = stores
        .os
        .as_ref()
        .is_some_and(|s| valid_under(s, chain, name, now, false).is_ok());
    let all_names: Vec<CertNames> = chain.iter().filter_map(|c| cert_names(c)).collect();
    let leaf = all_names.first().cloned().unwrap_or_default();
    let top_issuer = all_names
        .last()
        .map(|n| n.issuer_cn.clone())
        .unwrap_or_default();
    let mut strings: Vec<&str> = Vec::new();
    for n in &all_names {
        strings.push(&n.issuer);
        strings.push(&n.subject);
    }
    let product = data::product_for_names(strings.iter().copied());
    let expected = expected_orgs.iter().any(|o| {
        let o = o.to_ascii_lowercase();
        leaf.issuer.to_ascii_lowercase().contains(&o)
    });
    let kind = match pki {
        Pki::Apple if under_apple => ChainKind::Genuine,
        Pki::Apple => ChainKind::Intercepted,
        Pki::Public if product.is_some() => ChainKind::Intercepted,
        Pki::Public if under_public || under_apple => {
            if expected {
                ChainKind::Genuine
            } else {
                ChainKind::UnexpectedIssuer
            }
        }
        Pki::Public if under_os => ChainKind::Intercepted,
        Pki::Public => ChainKind::Untrusted(public.err().unwrap_or_default()),
    };
    ChainVerdict {
        kind,
        pki,
        under_public,
        under_apple,
        under_os,
        leaf,
        top_issuer,
        product,
    }
}
