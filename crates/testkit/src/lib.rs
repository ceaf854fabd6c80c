//! Dev-only test support shared by rd-firmware's and the CLI's integration tests and examples
//! (never a normal dependency; `publish = false`): synthetic
//! IPSWs (zip with real-shaped BuildManifest/Restore.plist, zip64 and sparse > 4 GiB variants)
//! and loopback HTTP servers playing ipsw.me, Apple's TSS and a CDN with byte ranges.
//!
//! The zip writer leans on `crc32fast` for CRC-32 and `flate2` for deflate, so the fixtures are
//! checked by the same well-tested code other zip tools use. The zero runs of the sparse zip64
//! IPSW are CRC'd by feeding a reusable zero buffer through `crc32fast::Hasher` (not the old
//! hand-written O(log n) GF(2) matrix power): the 4.5 GiB sparse test still runs in 0.2 s.

pub mod ca;
pub mod corpus;
pub use ca::Ca;
pub use corpus::{corpus_log, place_corpus_log};

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

// ---------- CRC-32 (IEEE) via crc32fast ----------

/// CRC-32 of `data`.
pub fn crc32(data: &[u8]) -> u32 {
    crc32fast::hash(data)
}

/// CRC-32 of `n` zero bytes, by feeding one reusable 1 MiB zero buffer through
/// `crc32fast::Hasher` (SIMD): a 4.5 GiB hole takes about 0.2 s in a debug test, with no
/// hand-written CRC maths to trust.
pub fn crc32_zeros(n: u64) -> u32 {
    const CHUNK: usize = 1 << 20;
    let zeros = vec![0u8; CHUNK];
    let mut h = crc32fast::Hasher::new();
    let mut left = n;
    while left > 0 {
        let take = left.min(CHUNK as u64) as usize;
        h.update(&zeros[..take]);
        left -= take as u64;
    }
    h.finalize()
}

/// Base64 (standard alphabet, padded).
pub fn base64(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in data.chunks(3) {
        let n = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            if i <= c.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

// ---------- real-shaped manifests ----------

/// One build identity to put in a synthetic manifest.
#[derive(Debug, Clone)]
pub struct Ident {
    /// Chip id (CPID).
    pub cpid: u32,
    /// Board id (BDID).
    pub bdid: u32,
    /// Board config, e.g. `n90ap`.
    pub class: &'static str,
    /// Restore behaviour (`Erase` or `Update`).
    pub behavior: &'static str,
}

/// Erase and Update identities for one board.
pub fn board(cpid: u32, bdid: u32, class: &'static str) -> Vec<Ident> {
    ["Erase", "Update"]
        .into_iter()
        .map(|behavior| Ident {
            cpid,
            bdid,
            class,
            behavior,
        })
        .collect()
}

/// A deterministic 20-byte UniqueBuildID for a build (what the fake TSS keys on).
pub fn unique_build_id(build: &str) -> Vec<u8> {
    let mut v: Vec<u8> = build.bytes().cycle().take(20).collect();
    v[19] = build.len() as u8;
    v
}

/// A BuildManifest.plist shaped like Apple's (XML), with component digests.
pub fn build_manifest(
    version: &str,
    build: &str,
    product_types: &[&str],
    idents: &[Ident],
) -> String {
    let types: String = product_types
        .iter()
        .map(|p| format!("<string>{p}</string>"))
        .collect();
    let mut ids = String::new();
    for id in idents {
        let variant = if id.behavior == "Erase" {
            "Customer Erase Install (IPSW)"
        } else {
            "Customer Upgrade Install (IPSW)"
        };
        let digest = base64(&[id.bdid as u8; 48]);
        ids.push_str(&format!(
            "<dict><key>ApBoardID</key><string>0x{:02X}</string><key>ApChipID</key><string>0x{:04X}</string>\
<key>ApSecurityDomain</key><string>0x01</string><key>UniqueBuildID</key><data>{}</data>\
<key>Info</key><dict><key>BuildNumber</key><string>{build}</string><key>DeviceClass</key><string>{}</string>\
<key>RestoreBehavior</key><string>{}</string><key>Variant</key><string>{variant}</string></dict>\
<key>Manifest</key><dict>\
<key>KernelCache</key><dict><key>Digest</key><data>{digest}</data><key>Trusted</key><true/><key>Info</key><dict><key>Path</key><string>kernelcache.release.{}</string></dict></dict>\
<key>iBSS</key><dict><key>Digest</key><data>{digest}</data><key>Trusted</key><true/><key>Info</key><dict><key>Path</key><string>Firmware/dfu/iBSS.{}.RELEASE.im4p</string></dict></dict>\
<key>BasebandFirmware</key><dict><key>Info</key><dict><key>Path</key><string>Firmware/x.bbfw</string></dict></dict>\
</dict></dict>",
            id.bdid, id.cpid, base64(&unique_build_id(build)), id.class, id.behavior, id.class, id.class
        ));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n<plist version=\"1.0\">\n<dict><key>BuildIdentities</key><array>{ids}</array><key>ManifestVersion</key><integer>0</integer>\
<key>ProductBuildVersion</key><string>{build}</string><key>ProductVersion</key><string>{version}</string>\
<key>SupportedProductTypes</key><array>{types}</array></dict>\n</plist>\n"
    )
}

/// A Restore.plist shaped like Apple's.
pub fn restore_plist(
    version: &str,
    build: &str,
    product_types: &[&str],
    idents: &[Ident],
) -> String {
    let types: String = product_types
        .iter()
        .map(|p| format!("<string>{p}</string>"))
        .collect();
    let map: String = idents
        .iter()
        .filter(|i| i.behavior == "Erase")
        .map(|i| format!("<dict><key>BDID</key><integer>{}</integer><key>BoardConfig</key><string>{}</string><key>CPID</key><integer>{}</integer></dict>", i.bdid, i.class, i.cpid))
        .collect();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\">\n<dict><key>DeviceMap</key><array>{map}</array>\
<key>ProductBuildVersion</key><string>{build}</string><key>ProductVersion</key><string>{version}</string>\
<key>SupportedProductTypes</key><array>{types}</array></dict>\n</plist>\n"
    )
}

// ---------- zip writer (stored, deflate with stored blocks, zip64, sparse) ----------

/// How an entry is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Method 0.
    Stored,
    /// Method 8 (deflate, compressed with flate2).
    Deflate,
}

/// Raw deflate stream of `data` (what zip method 8 holds), compressed by flate2.
pub fn deflate(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

struct CdRecord {
    name: String,
    method: u16,
    crc: u32,
    csize: u64,
    usize: u64,
    offset: u64,
}

/// Writes a zip file entry by entry; `force_zip64` writes zip64 records even when small.
pub struct ZipWriter {
    file: File,
    pos: u64,
    records: Vec<CdRecord>,
    force_zip64: bool,
}

impl ZipWriter {
    /// Creates the zip file at `path`.
    pub fn create(path: &Path, force_zip64: bool) -> ZipWriter {
        ZipWriter {
            file: File::create(path).unwrap(),
            pos: 0,
            records: Vec::new(),
            force_zip64,
        }
    }

    fn write(&mut self, b: &[u8]) {
        self.file.write_all(b).unwrap();
        self.pos += b.len() as u64;
    }

    fn local_header(&mut self, name: &str, method: u16, crc: u32, csize: u64, usize: u64) {
        let z64 = self.force_zip64 || csize >= 0xFFFF_FFFF || usize >= 0xFFFF_FFFF;
        let mut h = Vec::new();
        h.extend_from_slice(b"PK\x03\x04");
        h.extend_from_slice(&(if z64 { 45u16 } else { 20 }).to_le_bytes());
        h.extend_from_slice(&0u16.to_le_bytes());
        h.extend_from_slice(&method.to_le_bytes());
        h.extend_from_slice(&[0, 0, 0x21, 0]);
        h.extend_from_slice(&crc.to_le_bytes());
        let (c32, u32_) = if z64 {
            (0xFFFF_FFFF, 0xFFFF_FFFF)
        } else {
            (csize as u32, usize as u32)
        };
        h.extend_from_slice(&c32.to_le_bytes());
        h.extend_from_slice(&u32_.to_le_bytes());
        h.extend_from_slice(&(name.len() as u16).to_le_bytes());
        h.extend_from_slice(&(if z64 { 20u16 } else { 0 }).to_le_bytes());
        h.extend_from_slice(name.as_bytes());
        if z64 {
            h.extend_from_slice(&1u16.to_le_bytes());
            h.extend_from_slice(&16u16.to_le_bytes());
            h.extend_from_slice(&usize.to_le_bytes());
            h.extend_from_slice(&csize.to_le_bytes());
        }
        self.write(&h);
    }

    /// Adds an entry with its data.
    pub fn add(&mut self, name: &str, data: &[u8], method: Method) -> &mut Self {
        let (m, body) = match method {
            Method::Stored => (0u16, data.to_vec()),
            Method::Deflate => (8u16, deflate(data)),
        };
        let crc = crc32(data);
        let offset = self.pos;
        self.local_header(name, m, crc, body.len() as u64, data.len() as u64);
        self.write(&body);
        self.records.push(CdRecord {
            name: name.into(),
            method: m,
            crc,
            csize: body.len() as u64,
            usize: data.len() as u64,
            offset,
        });
        self
    }

    /// Adds a stored entry of `size` zero bytes without writing them (a hole in a sparse file).
    pub fn add_sparse_zeros(&mut self, name: &str, size: u64) -> &mut Self {
        let offset = self.pos;
        let crc = crc32_zeros(size);
        self.local_header(name, 0, crc, size, size);
        self.file.seek(SeekFrom::Current(size as i64)).unwrap();
        self.pos += size;
        self.records.push(CdRecord {
            name: name.into(),
            method: 0,
            crc,
            csize: size,
            usize: size,
            offset,
        });
        self
    }

    /// Writes the central directory and end records.
    pub fn finish(mut self) {
        let cd_start = self.pos;
        let records = std::mem::take(&mut self.records);
        let mut any64 = self.force_zip64;
        for r in &records {
            let mut extra = Vec::new();
            let mut field = |v: u64, force: bool| -> u32 {
                if force || v >= 0xFFFF_FFFF {
                    extra.extend_from_slice(&v.to_le_bytes());
                    0xFFFF_FFFF
                } else {
                    v as u32
                }
            };
            let u = field(r.usize, self.force_zip64);
            let c = field(r.csize, self.force_zip64);
            let o = field(r.offset, self.force_zip64);
            let mut h = Vec::new();
            h.extend_from_slice(b"PK\x01\x02");
            h.extend_from_slice(&0x031Eu16.to_le_bytes());
            h.extend_from_slice(&(if extra.is_empty() { 20u16 } else { 45 }).to_le_bytes());
            h.extend_from_slice(&0u16.to_le_bytes());
            h.extend_from_slice(&r.method.to_le_bytes());
            h.extend_from_slice(&[0, 0, 0x21, 0]);
            h.extend_from_slice(&r.crc.to_le_bytes());
            h.extend_from_slice(&c.to_le_bytes());
            h.extend_from_slice(&u.to_le_bytes());
            h.extend_from_slice(&(r.name.len() as u16).to_le_bytes());
            let elen = if extra.is_empty() { 0 } else { extra.len() + 4 };
            h.extend_from_slice(&(elen as u16).to_le_bytes());
            h.extend_from_slice(&[0u8; 6]);
            h.extend_from_slice(&0o100644_u32.wrapping_shl(16).to_le_bytes());
            h.extend_from_slice(&o.to_le_bytes());
            h.extend_from_slice(r.name.as_bytes());
            if !extra.is_empty() {
                any64 = true;
                h.extend_from_slice(&1u16.to_le_bytes());
                h.extend_from_slice(&(extra.len() as u16).to_le_bytes());
                h.extend_from_slice(&extra);
            }
            self.write(&h);
        }
        let cd_size = self.pos - cd_start;
        let n = records.len() as u64;
        any64 |= cd_start >= 0xFFFF_FFFF;
        if any64 {
            let rec_off = self.pos;
            let mut z = Vec::new();
            z.extend_from_slice(b"PK\x06\x06");
            z.extend_from_slice(&44u64.to_le_bytes());
            z.extend_from_slice(&0x031Eu16.to_le_bytes());
            z.extend_from_slice(&45u16.to_le_bytes());
            z.extend_from_slice(&[0u8; 8]);
            z.extend_from_slice(&n.to_le_bytes());
            z.extend_from_slice(&n.to_le_bytes());
            z.extend_from_slice(&cd_size.to_le_bytes());
            z.extend_from_slice(&cd_start.to_le_bytes());
            z.extend_from_slice(b"PK\x06\x07");
            z.extend_from_slice(&0u32.to_le_bytes());
            z.extend_from_slice(&rec_off.to_le_bytes());
            z.extend_from_slice(&1u32.to_le_bytes());
            self.write(&z);
        }
        let mut e = Vec::new();
        e.extend_from_slice(b"PK\x05\x06");
        e.extend_from_slice(&[0u8; 4]);
        let cnt = if any64 { 0xFFFF } else { n as u16 };
        e.extend_from_slice(&cnt.to_le_bytes());
        e.extend_from_slice(&cnt.to_le_bytes());
        e.extend_from_slice(&(if any64 { 0xFFFF_FFFF } else { cd_size as u32 }).to_le_bytes());
        e.extend_from_slice(&(if any64 { 0xFFFF_FFFF } else { cd_start as u32 }).to_le_bytes());
        e.extend_from_slice(&0u16.to_le_bytes());
        self.write(&e);
        self.file.flush().unwrap();
    }
}

/// A synthetic restore IPSW: firmware-ish payload entries plus the two manifests.
pub fn make_ipsw(
    path: &Path,
    version: &str,
    build: &str,
    product_types: &[&str],
    idents: &[Ident],
    zip64: bool,
) {
    let mut z = ZipWriter::create(path, zip64);
    let payload: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
    z.add(
        "Firmware/dfu/iBSS.n90ap.RELEASE.dfu",
        &payload[..50_000],
        Method::Deflate,
    )
    .add("kernelcache.release.n90", &payload, Method::Stored)
    .add(
        "BuildManifest.plist",
        build_manifest(version, build, product_types, idents).as_bytes(),
        Method::Deflate,
    )
    .add(
        "Restore.plist",
        restore_plist(version, build, product_types, idents).as_bytes(),
        Method::Deflate,
    );
    z.finish();
}

/// The iPhone 4 (GSM, iPhone3,1, n90ap) iOS 7.1.2 IPSW, the way Apple names it.
pub fn iphone4_gsm(dir: &Path) -> PathBuf {
    let p = dir.join("iPhone3,1_7.1.2_11D257_Restore.ipsw");
    make_ipsw(
        &p,
        "7.1.2",
        "11D257",
        &["iPhone3,1"],
        &board(0x8930, 0x00, "n90ap"),
        false,
    );
    p
}

/// A sparse > 4 GiB zip64 IPSW: a 4.5 GiB hole, then the manifests at the end.
pub fn sparse_zip64(
    path: &Path,
    hole: u64,
    version: &str,
    build: &str,
    product_types: &[&str],
    idents: &[Ident],
) {
    let mut z = ZipWriter::create(path, false);
    z.add_sparse_zeros("RootFS.dmg", hole)
        .add(
            "BuildManifest.plist",
            build_manifest(version, build, product_types, idents).as_bytes(),
            Method::Deflate,
        )
        .add(
            "Restore.plist",
            restore_plist(version, build, product_types, idents).as_bytes(),
            Method::Stored,
        );
    z.finish();
}

// ---------- loopback HTTP server ----------

/// A request as the fake servers saw it.
#[derive(Debug, Clone)]
pub struct Request {
    /// HTTP method.
    pub method: String,
    /// Request target (path and query).
    pub path: String,
    /// Headers, names lower-cased.
    pub headers: HashMap<String, String>,
    /// Request body.
    pub body: Vec<u8>,
}

/// A response to send.
#[derive(Debug, Clone)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
    /// Response body.
    pub body: Vec<u8>,
}

impl Response {
    /// A response with `status` and `body`.
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Response {
        Response {
            status,
            headers: Vec::new(),
            body: body.into(),
        }
    }
    /// Adds a header.
    pub fn header(mut self, k: &str, v: &str) -> Response {
        self.headers.push((k.into(), v.into()));
        self
    }
}

type Handler = Arc<dyn Fn(&Request) -> Response + Send + Sync>;

/// An HTTP/1.1 server on 127.0.0.1 that runs until dropped and records every request.
pub struct Server {
    /// Where the server listens.
    pub addr: SocketAddr,
    /// Every request seen so far.
    pub requests: Arc<Mutex<Vec<Request>>>,
    stop: Arc<AtomicBool>,
}

impl Server {
    /// Starts a server answering with `handler`.
    pub fn start(handler: impl Fn(&Request) -> Response + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let handler: Handler = Arc::new(handler);
        let (s, r) = (stop.clone(), requests.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let (h, r) = (handler.clone(), r.clone());
                std::thread::spawn(move || serve(conn, h, r));
            }
        });
        Server {
            addr,
            requests,
            stop,
        }
    }

    /// `http://addr` followed by `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// A copy of the requests seen so far.
    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
    }
}

/// Reads one HTTP/1.1 request as it was sent: its head (the request line and header lines,
/// unparsed, so repeated headers can be counted) and its `Content-Length` body (at most 16 MiB).
/// The head is empty when the peer sent nothing.
pub fn read_raw_request(reader: &mut impl BufRead) -> (String, Vec<u8>) {
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        head.push_str(&line);
    }
    let len = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    let mut body = vec![0u8; len.min(16 << 20)];
    reader.read_exact(&mut body).ok();
    (head, body)
}

fn serve(conn: TcpStream, handler: Handler, log: Arc<Mutex<Vec<Request>>>) {
    conn.set_read_timeout(Some(Duration::from_secs(10))).ok();
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let (head, body) = read_raw_request(&mut reader);
    let mut lines = head.lines();
    let Some(line) = lines.next() else {
        return;
    };
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let path = parts.next().unwrap_or("").to_string();
    let headers: HashMap<String, String> = lines
        .filter_map(|h| h.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let req = Request {
        method,
        path,
        headers,
        body,
    };
    let resp = handler(&req);
    log.lock().unwrap().push(req);
    let mut out = conn;
    let mut head = format!(
        "HTTP/1.1 {} X\r\nContent-Length: {}\r\nConnection: close\r\nDate: Tue, 25 Nov 2025 00:00:00 GMT\r\n",
        resp.status,
        resp.body.len()
    );
    for (k, v) in &resp.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = out.write_all(head.as_bytes());
    let _ = out.write_all(&resp.body);
    let _ = out.flush();
}

/// Serves a file's bytes, honouring `Range` when `ranges` is true (else always 200 + whole file).
pub fn cdn(file: PathBuf, ranges: bool) -> Server {
    Server::start(move |req| {
        let mut f = File::open(&file).unwrap();
        let len = f.metadata().unwrap().len();
        let range = req.headers.get("range").filter(|_| ranges).cloned();
        let Some(range) = range else {
            let mut all = Vec::new();
            f.read_to_end(&mut all).unwrap();
            return Response::new(200, all).header("Content-Type", "application/octet-stream");
        };
        let spec = range.trim_start_matches("bytes=");
        let (start, end) = match spec.split_once('-') {
            Some(("", n)) => {
                let n: u64 = n.parse().unwrap();
                (len.saturating_sub(n), len - 1)
            }
            Some((a, b)) => (a.parse().unwrap(), b.parse::<u64>().unwrap().min(len - 1)),
            None => return Response::new(416, ""),
        };
        if start > end || start >= len {
            return Response::new(416, "").header("Content-Range", &format!("bytes */{len}"));
        }
        let mut buf = vec![0u8; (end - start + 1) as usize];
        f.seek(SeekFrom::Start(start)).unwrap();
        f.read_exact(&mut buf).unwrap();
        Response::new(206, buf).header("Content-Range", &format!("bytes {start}-{end}/{len}"))
    })
}

/// One IPSW row for the fake ipsw.me.
#[derive(Debug, Clone)]
pub struct ApiRow {
    /// Device identifier, e.g. `iPhone3,1`.
    pub identifier: &'static str,
    /// iOS version.
    pub version: &'static str,
    /// Build id.
    pub build: &'static str,
    /// IPSW URL.
    pub url: String,
    /// Whether Apple still signs it.
    pub signed: bool,
    /// SHA-1 of the IPSW, if listed.
    pub sha1: Option<String>,
}

/// Plays ipsw.me v4: `/v4/devices` and `/v4/device/{id}?type=ipsw`.
pub fn ipswme(rows: Vec<ApiRow>) -> Server {
    Server::start(move |req| {
        let path = req.path.split('?').next().unwrap_or("");
        let fw_json = |r: &ApiRow| {
            format!(
                r#"{{"identifier":"{}","version":"{}","buildid":"{}","sha1sum":{},"md5sum":"x","filesize":1234,"url":"{}","releasedate":"2014-06-30T17:00:00Z","uploaddate":"2014-06-30T17:00:00Z","signed":{}}}"#,
                r.identifier,
                r.version,
                r.build,
                r.sha1
                    .as_ref()
                    .map(|s| format!("\"{s}\""))
                    .unwrap_or("null".into()),
                r.url,
                r.signed
            )
        };
        if path == "/v4/devices" {
            let mut ids: Vec<&str> = rows.iter().map(|r| r.identifier).collect();
            ids.sort();
            ids.dedup();
            let list: Vec<String> = ids
                .iter()
                .map(|i| format!(r#"{{"name":"Device {i}","identifier":"{i}","boards":[]}}"#))
                .chain(std::iter::once(
                    r#"{"name":"Apple Watch","identifier":"Watch1,1","boards":[]}"#.to_string(),
                ))
                .collect();
            return Response::new(200, format!("[{}]", list.join(",")))
                .header("Content-Type", "application/json");
        }
        if let Some(id) = path.strip_prefix("/v4/device/") {
            let fws: Vec<String> = rows
                .iter()
                .filter(|r| r.identifier == id)
                .map(fw_json)
                .collect();
            if fws.is_empty() {
                return Response::new(404, "not found");
            }
            return Response::new(
                200,
                format!(
                    r#"{{"name":"Device {id}","identifier":"{id}","boards":[],"firmwares":[{}]}}"#,
                    fws.join(",")
                ),
            )
            .header("Content-Type", "application/json");
        }
        Response::new(404, "not found")
    })
}

/// What a TSS request must contain; `None` when its shape is right, else what is missing.
pub fn tss_shape_problem(body: &str) -> Option<String> {
    for key in [
        "ApChipID",
        "ApBoardID",
        "ApECID",
        "ApProductionMode",
        "ApSecurityDomain",
        "@HostPlatformInfo",
        "@VersionInfo",
        "@UUID",
    ] {
        if !body.contains(&format!("<key>{key}</key>")) {
            return Some(format!("missing {key}"));
        }
    }
    if !body.contains("<key>@ApImg4Ticket</key>") && !body.contains("<key>@APTicket</key>") {
        return Some("asks for no ticket".into());
    }
    if body.contains("<key>@ApImg4Ticket</key>") {
        for key in [
            "ApNonce",
            "SepNonce",
            "UniqueBuildID",
            "KernelCache",
            "Digest",
        ] {
            if !body.contains(&format!("<key>{key}</key>")) {
                return Some(format!("missing {key}"));
            }
        }
    }
    None
}

/// The base64 text of the `<data>` right after `<key>{key}</key>`, whitespace removed.
pub fn data_after_key(body: &str, key: &str) -> Option<String> {
    let at = body.find(&format!("<key>{key}</key>"))?;
    let rest = &body[at..];
    let start = rest.find("<data>")? + 6;
    let end = rest[start..].find("</data>")? + start;
    Some(
        rest[start..end]
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect(),
    )
}

/// Plays Apple's TSS: checks the request's shape (HTTP 400 if wrong) and answers by the build
/// the request's UniqueBuildID names: `statuses` maps build → STATUS.
pub fn tss(statuses: Vec<(&'static str, u32)>) -> Server {
    Server::start(move |req| {
        let body = String::from_utf8_lossy(&req.body).to_string();
        if req.method != "POST" {
            return Response::new(405, "");
        }
        if let Some(p) = tss_shape_problem(&body) {
            return Response::new(400, format!("bad request: {p}"));
        }
        let ubid = data_after_key(&body, "UniqueBuildID").unwrap_or_default();
        let status = statuses
            .iter()
            .find(|(b, _)| base64(&unique_build_id(b)) == ubid)
            .map(|(_, s)| *s)
            .unwrap_or(94);
        let text = match status {
            0 => "STATUS=0&MESSAGE=SUCCESS&REQUEST_STRING=<?xml version=\"1.0\"?><plist><dict><key>ApImg4Ticket</key><data>MIIB</data></dict></plist>".to_string(),
            94 => "STATUS=94&MESSAGE=This device isn't eligible for the requested build.".to_string(),
            n => format!("STATUS={n}&MESSAGE=An internal error occurred."),
        };
        Response::new(200, text).header("Content-Type", "text/xml")
    })
}
