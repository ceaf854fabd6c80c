//! The progress bar of a download: bytes, rate and time left on standard error; hidden for
//! `--json` and when standard error is not a terminal.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

/// A bar that shows the bytes verified so far.
#[derive(Debug)]
pub struct Bar(ProgressBar);

impl Bar {
    /// A bar, visible only when `visible` and standard error is a terminal.
    pub fn new(visible: bool) -> Bar {
        let pb = if visible && std::io::stderr().is_terminal() {
            ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr())
        } else {
            ProgressBar::hidden()
        };
        pb.set_style(
            ProgressStyle::with_template(
                "{bar:40} {bytes}/{total_bytes} {binary_bytes_per_sec} time left {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        Bar(pb)
    }

    /// Moves the bar to `done` of `total` bytes.
    pub fn update(&self, done: u64, total: Option<u64>) {
        if let Some(t) = total
            && self.0.length() != Some(t)
        {
            self.0.set_length(t);
        }
        self.0.set_position(done);
    }

    /// Removes the bar.
    pub fn finish(&self) {
        self.0.finish_and_clear();
    }
}
