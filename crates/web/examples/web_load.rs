//! A small load client for `bench/web_load.sh`: N log uploads of SIZE bytes each, all at once,
//! to `POST /api/log` on a loopback server. Prints how many got each status and the wall time.
//!
//! `web_load ADDR N SIZE LOGFILE` — the body is LOGFILE repeated up to SIZE bytes.

use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, addr, n, size, log] = args.as_slice() else {
        eprintln!("usage: web_load ADDR N SIZE LOGFILE");
        std::process::exit(2);
    };
    let n: usize = n.parse().expect("N");
    let size: usize = size.parse().expect("SIZE");
    let seed = std::fs::read(log).expect("LOGFILE");
    let body: Arc<Vec<u8>> = Arc::new(seed.iter().copied().cycle().take(size).collect());
    let started = std::time::Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..n {
        let (addr, body) = (addr.clone(), body.clone());
        tasks.push(tokio::spawn(async move { upload(&addr, &body).await }));
    }
    let mut statuses = std::collections::BTreeMap::<String, usize>::new();
    for t in tasks {
        let status = t.await.unwrap_or_else(|e| format!("task failed: {e}"));
        *statuses.entry(status).or_default() += 1;
    }
    let took = started.elapsed().as_secs_f64();
    for (status, count) in &statuses {
        println!("status {status}: {count}");
    }
    println!("wall {took:.2} s");
}

async fn upload(addr: &str, body: &[u8]) -> String {
    let Ok(mut s) = tokio::net::TcpStream::connect(addr).await else {
        return "connect failed".into();
    };
    let head = format!(
        "POST /api/log?name=load.log HTTP/1.1\r\nHost: {addr}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    if s.write_all(head.as_bytes()).await.is_err() {
        return "write failed".into();
    }
    for chunk in body.chunks(64 * 1024) {
        if s.write_all(chunk).await.is_err() {
            break; // the server may answer (503, 413) before reading everything
        }
    }
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer).await;
    let text = String::from_utf8_lossy(&answer);
    text.split_whitespace()
        .nth(1)
        .unwrap_or("no answer")
        .to_string()
}
