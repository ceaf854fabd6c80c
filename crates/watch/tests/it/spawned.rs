//! The threaded driver as the web page uses it: a stream of events that ends with `stopped`
//! after `stop()`.

use rd_watch::{EventKind, LogDirs, Options};
use std::future::poll_fn;
use std::pin::Pin;

#[tokio::test]
async fn the_event_stream_ends_with_stopped_after_stop() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = rd_watch::spawn(Options {
        usb_fixture: Some("tests/fixtures/iphonex_restore_drop_recovery.json".into()),
        log_dirs: LogDirs::Fixed(vec![dir.path().to_path_buf()]),
        poll: std::time::Duration::from_millis(20),
    })
    .unwrap();
    let first = poll_fn(|cx| futures_core::Stream::poll_next(Pin::new(&mut h), cx))
        .await
        .unwrap();
    assert!(matches!(first.kind, EventKind::Started { .. }));
    let second = poll_fn(|cx| futures_core::Stream::poll_next(Pin::new(&mut h), cx))
        .await
        .unwrap();
    assert_eq!(second.name(), "arrived");
    h.stop();
    let mut last = None;
    while let Some(e) = poll_fn(|cx| futures_core::Stream::poll_next(Pin::new(&mut h), cx)).await {
        last = Some(e);
    }
    assert!(matches!(last.unwrap().kind, EventKind::Stopped));
}

#[test]
fn a_fixture_that_cannot_be_loaded_is_refused_at_once() {
    let err = rd_watch::spawn(Options {
        usb_fixture: Some("/nonexistent/fixture.json".into()),
        log_dirs: LogDirs::Fixed(Vec::new()),
        poll: rd_watch::DEFAULT_POLL,
    })
    .unwrap_err();
    assert!(err.contains("fixture.json"));
}
