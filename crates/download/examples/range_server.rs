//! Serves one file on 127.0.0.1 with Range/ETag/If-Range support (the download tests' server),
//! for `bench/ipsw_get.sh`: prints `http://127.0.0.1:PORT/` and serves until killed.
//!
//!     cargo run --release -p rd-download --example range_server -- FILE

#[path = "../tests/common/server.rs"]
mod server;

use std::sync::Arc;

fn main() {
    let Some(path) = std::env::args_os().nth(1) else {
        eprintln!("usage: range_server FILE");
        std::process::exit(2);
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let srv = rt.block_on(server::start(
        server::Content::File(path.into()),
        "bench",
        Arc::new(server::Faults::default()),
    ));
    println!("http://{}/", srv.addr);
    rt.block_on(std::future::pending::<()>());
}
