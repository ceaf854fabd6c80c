//! USB hot-plug wake-ups: where nusb can report connects and disconnects, each one wakes the
//! watcher at once instead of at the next poll. Where it cannot, polling alone does the work.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

struct Unpark(std::thread::Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Waits for the next item of a stream on this thread, giving up when `stop` is set.
fn next_blocking<S: futures_core::Stream + Unpin>(s: &mut S, stop: &AtomicBool) -> Option<S::Item> {
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        if stop.load(Ordering::SeqCst) {
            return None;
        }
        match Pin::new(&mut *s).poll_next(&mut cx) {
            Poll::Ready(item) => return item,
            Poll::Pending => std::thread::park_timeout(Duration::from_millis(500)),
        }
    }
}

/// Starts a thread that sends `()` on `wake` for every hot-plug event, until `stop` is set.
/// Returns false when this system gives no hot-plug events (polling then suffices).
#[cfg(any(target_os = "linux", target_os = "macos", target_os = "windows"))]
pub fn start(wake: Sender<()>, stop: Arc<AtomicBool>) -> bool {
    let Ok(mut watch) = nusb::watch_devices() else {
        return false;
    };
    std::thread::Builder::new()
        .name("rd-watch-hotplug".into())
        .spawn(move || {
            while next_blocking(&mut watch, &stop).is_some() {
                if wake.send(()).is_err() {
                    return;
                }
            }
        })
        .is_ok()
}

/// No hot-plug events on this system; polling does the work.
#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
pub fn start(_wake: Sender<()>, _stop: Arc<AtomicBool>) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Countdown(u8);
    impl futures_core::Stream for Countdown {
        type Item = u8;
        fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<u8>> {
            if self.0 == 0 {
                return Poll::Ready(None);
            }
            self.0 -= 1;
            if self.0.is_multiple_of(2) {
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            Poll::Ready(Some(self.0))
        }
    }

    #[test]
    fn blocking_next_follows_wakeups_and_stops() {
        let stop = AtomicBool::new(false);
        let mut s = Countdown(4);
        assert_eq!(next_blocking(&mut s, &stop), Some(3));
        assert_eq!(next_blocking(&mut s, &stop), Some(1));
        assert_eq!(next_blocking(&mut s, &stop), None);
        stop.store(true, Ordering::SeqCst);
        assert_eq!(next_blocking(&mut Countdown(9), &stop), None);
    }
}
