//! TLS: trust stores (Mozilla, Apple, OS), a verifier that records the presented chain before
//! delegating, and the judgement of a chain (genuine, intercepted, untrusted).

use crate::config::TlsConfig;
use crate::data::{self, InterceptionProduct};
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

/// The ring crypto provider every TLS connection here uses.
pub fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The root sets a chain is judged against.
#[derive(Debug, Clone)]
pub struct TrustStores {
    /// Mozilla's roots (webpki-roots) plus configured public roots.
    pub public: Arc<RootCertStore>,
    /// Apple's own roots (configured PEMs), if any.
    pub apple: Option<Arc<RootCertStore>>,
    /// The OS store plus configured OS roots, if any.
    pub os: Option<Arc<RootCertStore>>,
    /// Union of all: what a program on this computer would accept.
    pub all: Arc<RootCertStore>,
    /// Problems met while loading (unreadable PEM files…).
    pub notes: Vec<String>,
}

fn add_pem_files(store: &mut RootCertStore, files: &[std::path::PathBuf], notes: &mut Vec<String>) {
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
    pub fn load(cfg: &TlsConfig) -> TrustStores {
        let mut notes = Vec::new();
        let mut public = RootCertStore::empty();
        public.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        add_pem_files(&mut public, &cfg.public_roots, &mut notes);

        let apple = if cfg.apple_roots.is_empty() {
            None
        } else {
            let mut s = RootCertStore::empty();
            add_pem_files(&mut s, &cfg.apple_roots, &mut notes);
            (!s.is_empty()).then(|| Arc::new(s))
        };

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

        let mut all = public.clone();
        for extra in [&apple, &os].into_iter().flatten() {
            all.roots.extend(extra.roots.iter().cloned());
        }
        TrustStores {
            public: Arc::new(public),
            apple,
            os,
            all: Arc::new(all),
            notes,
        }
    }

    /// A client config trusting `all`, recording the chain into `seen`.
    pub fn client_config(
        &self,
        seen: Arc<Mutex<Vec<CertificateDer<'static>>>>,
        alpn_http1: bool,
    ) -> Arc<rustls::ClientConfig> {
        let inner = verifier_for(&self.all).expect("the union store holds Mozilla's roots");
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
    let connector = TlsConnector::from(stores.client_config(seen.clone(), alpn_http1));
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
    /// Validates under Mozilla's or Apple's roots and is issued by who serves the host.
    Genuine,
    /// Validates publicly but the issuer is not one that serves this host.
    UnexpectedIssuer,
    /// Validates only under the OS store, or names a known intercepting product.
    Intercepted,
    /// Validates under no store at all.
    Untrusted(String),
}

/// The judgement of one chain.
#[derive(Debug, Clone)]
pub struct ChainVerdict {
    /// The verdict.
    pub kind: ChainKind,
    /// Valid under Mozilla's (and configured public) roots.
    pub under_public: bool,
    /// Valid under Apple's roots.
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

fn valid_under(
    store: &Arc<RootCertStore>,
    chain: &[CertificateDer<'static>],
    name: &str,
) -> Result<(), String> {
    let verifier = verifier_for(store).ok_or("empty root store")?;
    let sn = ServerName::try_from(name.to_string()).map_err(|e| e.to_string())?;
    let (leaf, rest) = chain.split_first().ok_or("no certificate presented")?;
    verifier
        .verify_server_cert(leaf, rest, &sn, &[], UnixTime::now())
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// A chain issued by Apple up to an "Apple Root CA" (Apple's private PKI).
fn apple_private(leaf: &CertNames, top_issuer: &str) -> bool {
    leaf.issuer_org.as_deref() == Some("Apple Inc.") && top_issuer.starts_with("Apple Root CA")
}

/// Judges a chain presented for `name` against every store.
pub fn judge(
    chain: &[CertificateDer<'static>],
    name: &str,
    stores: &TrustStores,
    expected_orgs: &[String],
) -> ChainVerdict {
    let public = valid_under(&stores.public, chain, name);
    let under_public = public.is_ok();
    let under_apple = stores
        .apple
        .as_ref()
        .is_some_and(|s| valid_under(s, chain, name).is_ok());
    let under_os = stores
        .os
        .as_ref()
        .is_some_and(|s| valid_under(s, chain, name).is_ok());
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
    let kind = if product.is_some() {
        ChainKind::Intercepted
    } else if under_public || under_apple {
        if expected {
            ChainKind::Genuine
        } else {
            ChainKind::UnexpectedIssuer
        }
    } else if apple_private(&leaf, &top_issuer) {
        // Some Apple hosts chain to Apple's private roots, which macOS ships in its store and
        // other systems lack; a chain naming Apple all the way up is Apple's own.
        ChainKind::Genuine
    } else if under_os {
        ChainKind::Intercepted
    } else {
        ChainKind::Untrusted(public.err().unwrap_or_default())
    };
    ChainVerdict {
        kind,
        under_public,
        under_apple,
        under_os,
        leaf,
        top_issuer,
        product,
    }
}
