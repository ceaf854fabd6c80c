//! Low-level network steps, each under a timeout: address blocks, name resolution (the OS's
//! lookup or a given nameserver), TCP connect. Async forms for the checkup's concurrent probes,
//! blocking forms for the HTTP client; both honour the same [`Lookup`] and overrides.

use hickory_resolver::config::{NameServerConfig, ResolveHosts, ResolverConfig, ResolverOpts};
use hickory_resolver::name_server::TokioConnectionProvider;
use hickory_resolver::proto::xfer::Protocol;
use hickory_resolver::{Name, Resolver};
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};
use tokio::net::TcpStream;

/// An IPv4 or IPv6 address block such as `17.0.0.0/8`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Parses `ip/prefix`; `None` when malformed.
    pub fn parse(s: &str) -> Option<Cidr> {
        let (ip, prefix) = s.trim().split_once('/')?;
        let addr: IpAddr = ip.parse().ok()?;
        let prefix: u8 = prefix.parse().ok()?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        (prefix <= max).then_some(Cidr { addr, prefix })
    }

    /// Whether `ip` lies in the block.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// Parses a `connect_to` value: `ip` (port kept) or `ip:port` / `[v6]:port`.
pub fn parse_connect_to(value: &str, port: u16) -> Option<SocketAddr> {
    let v = value.trim();
    if let Ok(sa) = v.parse::<SocketAddr>() {
        return Some(sa);
    }
    v.parse::<IpAddr>().ok().map(|ip| SocketAddr::new(ip, port))
}

/// Why a name did not resolve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DnsError {
    /// The resolver says the name does not exist (or has no address).
    NoSuchName,
    /// No answer within the time allowed.
    Timeout,
    /// Anything else (unreachable resolver, refused, malformed…).
    Other(String),
}

impl fmt::Display for DnsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DnsError::NoSuchName => f.write_str("no such name"),
            DnsError::Timeout => f.write_str("no answer in time"),
            DnsError::Other(s) => f.write_str(s),
        }
    }
}

/// Which resolver answers a lookup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    /// The operating system's own lookup (honours the hosts file).
    Os,
    /// A nameserver asked directly over UDP.
    Server(SocketAddr),
}

impl Lookup {
    /// `os` or an `ip:port` nameserver.
    pub fn from_setting(s: &str) -> Lookup {
        s.parse::<SocketAddr>()
            .map(Lookup::Server)
            .unwrap_or(Lookup::Os)
    }
}

impl fmt::Display for Lookup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Lookup::Os => f.write_str("the system resolver"),
            Lookup::Server(sa) => write!(f, "resolver {sa}"),
        }
    }
}

/// Resolves `host` to addresses with `how`, within `timeout`.
pub async fn resolve(how: Lookup, host: &str, timeout: Duration) -> Result<Vec<IpAddr>, DnsError> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(vec![ip]);
    }
    match how {
        Lookup::Os => {
            let fut = tokio::net::lookup_host((host.to_string(), 0u16));
            match tokio::time::timeout(timeout, fut).await {
                Err(_) => Err(DnsError::Timeout),
                Ok(Err(e)) => Err(classify_lookup_error(&e.to_string())),
                Ok(Ok(addrs)) => {
                    let mut ips: Vec<IpAddr> = Vec::new();
                    for a in addrs {
                        if !ips.contains(&a.ip()) {
                            ips.push(a.ip());
                        }
                    }
                    if ips.is_empty() {
                        Err(DnsError::NoSuchName)
                    } else {
                        Ok(ips)
                    }
                }
            }
        }
        Lookup::Server(server) => query_server(server, host, timeout).await,
    }
}

/// Asks one nameserver directly (UDP) for the A and AAAA records of `host`.
pub async fn query_server(
    server: SocketAddr,
    host: &str,
    timeout: Duration,
) -> Result<Vec<IpAddr>, DnsError> {
    let mut config = ResolverConfig::new();
    config.add_name_server(NameServerConfig::new(server, Protocol::Udp));
    let mut opts = ResolverOpts::default();
    opts.timeout = timeout;
    opts.attempts = 1;
    opts.cache_size = 0;
    opts.use_hosts_file = ResolveHosts::Never;
    let resolver = Resolver::builder_with_config(config, TokioConnectionProvider::default())
        .with_options(opts)
        .build();
    let name = Name::from_ascii(format!("{}.", host.trim_end_matches('.')))
        .map_err(|e| DnsError::Other(format!("bad name {host}: {e}")))?;
    // A little slack over the resolver's own timeout, so its answer (not ours) wins.
    match tokio::time::timeout(
        timeout + Duration::from_millis(200),
        resolver.lookup_ip(name),
    )
    .await
    {
        Err(_) => Err(DnsError::Timeout),
        Ok(Ok(lookup)) => {
            let ips: Vec<IpAddr> = lookup.iter().collect();
            if ips.is_empty() {
                Err(DnsError::NoSuchName)
            } else {
                Ok(ips)
            }
        }
        Ok(Err(e)) => {
            if e.is_nx_domain() || e.is_no_records_found() {
                Err(DnsError::NoSuchName)
            } else {
                let msg = e.to_string();
                if msg.contains("timed out") || msg.contains("timeout") {
                    Err(DnsError::Timeout)
                } else {
                    Err(DnsError::Other(msg))
                }
            }
        }
    }
}

/// Resolves `host` without an async runtime: the OS's lookup, or one UDP query per record type
/// to a given nameserver, each within `timeout`.
pub fn resolve_blocking(
    how: Lookup,
    host: &str,
    timeout: Duration,
) -> Result<Vec<IpAddr>, DnsError> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(vec![ip]);
    }
    match how {
        Lookup::Os => {
            use std::net::ToSocketAddrs;
            match (host, 0u16).to_socket_addrs() {
                Err(e) => Err(classify_lookup_error(&e.to_string())),
                Ok(addrs) => {
                    let mut ips: Vec<IpAddr> = Vec::new();
                    for a in addrs {
                        if !ips.contains(&a.ip()) {
                            ips.push(a.ip());
                        }
                    }
                    if ips.is_empty() {
                        Err(DnsError::NoSuchName)
                    } else {
                        Ok(ips)
                    }
                }
            }
        }
        Lookup::Server(server) => query_server_blocking(server, host, timeout),
    }
}

fn classify_lookup_error(msg: &str) -> DnsError {
    if msg.contains("not known")
        || msg.contains("No address")
        || msg.contains("nodename nor servname")
        || msg.contains("No such host")
    {
        DnsError::NoSuchName
    } else {
        DnsError::Other(msg.to_string())
    }
}

/// Asks one nameserver directly (UDP, blocking) for the A and AAAA records of `host`.
pub fn query_server_blocking(
    server: SocketAddr,
    host: &str,
    timeout: Duration,
) -> Result<Vec<IpAddr>, DnsError> {
    use hickory_proto::op::{Message, MessageType, OpCode, Query, ResponseCode};
    use hickory_proto::rr::{RData, RecordType};
    let name = Name::from_ascii(format!("{}.", host.trim_end_matches('.')))
        .map_err(|e| DnsError::Other(format!("bad name {host}: {e}")))?;
    let bind = if server.is_ipv4() {
        "0.0.0.0:0"
    } else {
        "[::]:0"
    };
    let io = |e: std::io::Error| DnsError::Other(format!("resolver {server}: {e}"));
    let sock = std::net::UdpSocket::bind(bind).map_err(io)?;
    sock.connect(server).map_err(io)?;
    sock.set_read_timeout(Some(timeout.max(Duration::from_millis(1))))
        .map_err(io)?;
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let mut ips = Vec::new();
    for (i, rtype) in [RecordType::A, RecordType::AAAA].into_iter().enumerate() {
        let id = (seed as u16).wrapping_add(i as u16);
        let mut m = Message::new();
        m.set_id(id)
            .set_message_type(MessageType::Query)
            .set_op_code(OpCode::Query)
            .set_recursion_desired(true);
        m.add_query(Query::query(name.clone(), rtype));
        let bytes = m.to_vec().map_err(|e| DnsError::Other(e.to_string()))?;
        sock.send(&bytes).map_err(io)?;
        let mut buf = [0u8; 4096];
        let answer = loop {
            let n = match sock.recv(&mut buf) {
                Ok(n) => n,
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    return Err(DnsError::Timeout);
                }
                Err(e) => return Err(io(e)),
            };
            match Message::from_vec(&buf[..n]) {
                Ok(a) if a.id() == id => break a,
                _ => continue,
            }
        };
        match answer.response_code() {
            ResponseCode::NoError | ResponseCode::NXDomain => {}
            other => {
                return Err(DnsError::Other(format!(
                    "resolver {server} answered {other}"
                )));
            }
        }
        for r in answer.answers() {
            match r.data() {
                RData::A(a) => ips.push(IpAddr::V4(a.0)),
                RData::AAAA(a) => ips.push(IpAddr::V6(a.0)),
                _ => {}
            }
        }
    }
    if ips.is_empty() {
        Err(DnsError::NoSuchName)
    } else {
        Ok(ips)
    }
}

/// Connects (blocking) to the first address that answers, trying at most three, within
/// `timeout` overall.
pub fn connect_blocking(
    addrs: &[SocketAddr],
    timeout: Duration,
) -> Result<(std::net::TcpStream, SocketAddr), ConnectError> {
    let start = Instant::now();
    let mut last = ConnectError::Other("no address to connect to".into());
    for addr in addrs.iter().take(3) {
        let left = timeout.saturating_sub(start.elapsed());
        if left.is_zero() {
            return Err(ConnectError::Timeout);
        }
        match std::net::TcpStream::connect_timeout(addr, left) {
            Ok(s) => {
                let _ = s.set_nodelay(true);
                return Ok((s, *addr));
            }
            Err(e) => last = classify_connect_error(&e),
        }
    }
    Err(last)
}

fn classify_connect_error(e: &std::io::Error) -> ConnectError {
    match e.kind() {
        std::io::ErrorKind::ConnectionRefused => ConnectError::Refused,
        std::io::ErrorKind::NetworkUnreachable | std::io::ErrorKind::HostUnreachable => {
            ConnectError::Unreachable(e.to_string())
        }
        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => ConnectError::Timeout,
        _ => ConnectError::Other(e.to_string()),
    }
}

/// Why a TCP connection failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectError {
    /// Actively refused (RST): nothing listens, or a firewall rejects.
    Refused,
    /// No route / network unreachable.
    Unreachable(String),
    /// No answer in time: packets are dropped somewhere.
    Timeout,
    /// Anything else.
    Other(String),
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectError::Refused => f.write_str("connection refused"),
            ConnectError::Unreachable(s) => write!(f, "unreachable ({s})"),
            ConnectError::Timeout => f.write_str("no answer (timed out)"),
            ConnectError::Other(s) => f.write_str(s),
        }
    }
}

/// Connects to the first address that answers, trying at most three, within `timeout` overall.
pub async fn connect(
    addrs: &[SocketAddr],
    timeout: Duration,
) -> Result<(TcpStream, SocketAddr, Duration), ConnectError> {
    let start = Instant::now();
    let mut last = ConnectError::Other("no address to connect to".into());
    for addr in addrs.iter().take(3) {
        let left = timeout.saturating_sub(start.elapsed());
        if left.is_zero() {
            return Err(ConnectError::Timeout);
        }
        match tokio::time::timeout(left, TcpStream::connect(addr)).await {
            Err(_) => return Err(ConnectError::Timeout),
            Ok(Ok(s)) => {
                let _ = s.set_nodelay(true);
                return Ok((s, *addr, start.elapsed()));
            }
            Ok(Err(e)) => last = classify_connect_error(&e),
        }
    }
    Err(last)
}

/// Milliseconds, for evidence text.
pub fn ms(d: Duration) -> String {
    format!("{} ms", d.as_millis())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn cidr_contains() {
        let apple = Cidr::parse("17.0.0.0/8").unwrap();
        assert!(apple.contains("17.253.1.2".parse().unwrap()));
        assert!(!apple.contains("18.0.0.1".parse().unwrap()));
        assert!(!apple.contains("::1".parse().unwrap()));
        let v6 = Cidr::parse("2620:149::/32").unwrap();
        assert!(v6.contains("2620:149:a::1".parse().unwrap()));
        assert!(!v6.contains("2620:14a::1".parse().unwrap()));
        assert!(
            Cidr::parse("0.0.0.0/0")
                .unwrap()
                .contains("1.2.3.4".parse().unwrap())
        );
        assert!(Cidr::parse("1.2.3.4/33").is_none());
        assert!(Cidr::parse("1.2.3.4").is_none());
    }

    #[test]
    fn connect_to_values() {
        assert_eq!(
            parse_connect_to("127.0.0.1", 443),
            Some("127.0.0.1:443".parse().unwrap())
        );
        assert_eq!(
            parse_connect_to("127.0.0.1:8443", 443),
            Some("127.0.0.1:8443".parse().unwrap())
        );
        assert_eq!(
            parse_connect_to("[::1]:80", 443),
            Some("[::1]:80".parse().unwrap())
        );
        assert_eq!(parse_connect_to("gs.apple.com", 443), None);
    }

    proptest! {
        #[test]
        fn slash32_contains_only_itself(a: u32, b: u32) {
            let net = Cidr::parse(&format!("{}/32", std::net::Ipv4Addr::from(a))).unwrap();
            prop_assert_eq!(net.contains(IpAddr::from(std::net::Ipv4Addr::from(b))), a == b);
        }
    }

    #[test]
    fn refused_port_is_refused_blocking() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        drop(l);
        let err = connect_blocking(&[addr], Duration::from_secs(2)).unwrap_err();
        assert_eq!(err, ConnectError::Refused);
    }

    #[tokio::test]
    async fn refused_port_is_refused() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        drop(l);
        let err = connect(&[addr], Duration::from_secs(2)).await.unwrap_err();
        assert_eq!(err, ConnectError::Refused);
    }
}
