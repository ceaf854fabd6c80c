//! The DFU helper in a real terminal: tmux runs the binary on a pseudo-terminal with the fake
//! bus and a clock sped up 20 times, a key press starts it, and the screen is read back.
//! Skipped (with a message) where tmux is not installed.

use std::path::PathBuf;
use std::process::Command;
use std::thread::sleep;
use std::time::{Duration, Instant};

struct Tmux {
    socket: String,
}

impl Tmux {
    fn run(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .expect("tmux runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", "rd", "-S", "-300"])
    }

    /// Waits until the screen contains `text` (gives up after `limit`, which only guards
    /// against a hang; nothing here measures speed).
    fn wait_for(&self, text: &str, limit: Duration) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if s.contains(text) || start.elapsed() > limit {
                return s;
            }
            sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}

fn tmux_available() -> bool {
    Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

#[test]
fn countdown_overwrites_in_place_and_the_flip_ends_the_run() {
    if !tmux_available() {
        // CI installs tmux (.ci/run), so there a missing tmux is a failure, not a skip.
        assert!(
            std::env::var_os("CI").is_none(),
            "tmux is required in CI for the terminal test"
        );
        eprintln!("skipped: tmux is not installed");
        return;
    }
    let bin = assert_cmd::cargo::cargo_bin("restore-doctor");
    let fixture = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../device/tests/fixtures/iphone8_recovery_to_dfu.json"
    ));
    let tmux = Tmux {
        socket: format!("rd-dfu-test-{}", std::process::id()),
    };
    let script = format!(
        "NO_COLOR=1 RESTORE_DOCTOR_CLOCK=x20 RESTORE_DOCTOR_FAKE_USB={} {} dfu; echo EXIT=$?; sleep 60",
        shell_quote(&fixture.display().to_string()),
        shell_quote(&bin.display().to_string())
    );
    tmux.run(&[
        "new-session",
        "-d",
        "-s",
        "rd",
        "-x",
        "120",
        "-y",
        "50",
        "sh",
        "-c",
        &script,
    ]);

    let first = tmux.wait_for("press Enter when ready", Duration::from_secs(30));
    assert!(first.contains("iPhone 8 (GSM) → DFU mode"), "{first}");
    assert!(
        !first.contains("Step 2/5"),
        "the helper must wait for the key press:\n{first}"
    );

    tmux.run(&["send-keys", "-t", "rd", "Enter"]);
    let done = tmux.wait_for("EXIT=", Duration::from_secs(60));
    assert!(done.contains("EXIT=0"), "{done}");
    assert!(
        done.contains("is in DFU mode — let go of the buttons"),
        "{done}"
    );
    // On a terminal the countdown rewrites one line: only its last value stays on screen.
    assert!(
        done.contains("  8 s  Let go of Side, keep holding Volume Down"),
        "{done}"
    );
    assert!(!done.contains(": 10 9 8"), "{done}");
    let step5 = done.find("Step 5/5").unwrap();
    let flip = done.find("USB now shows DFU mode").unwrap();
    assert!(step5 < flip);
}
