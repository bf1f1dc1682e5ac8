//! A terminal for the real TUIs: tmux runs each one in a pty of its own, answers the terminal's
//! queries for it, and shows its screen.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

pub struct Tui {
    socket: PathBuf,
    /// What the tool shows once it takes keys.
    ready: &'static str,
    stopped: bool,
}

impl Tui {
    /// Runs `script` (a shell script that execs the tool) in a new 120×40 terminal that stays
    /// readable after the tool exits. The terminal holds `env` and nothing else: a CI machine's
    /// `CI=true` alone turns gemini non-interactive.
    pub fn start(
        socket: &Path,
        script: &Path,
        env: &[(String, String)],
        ready: &'static str,
    ) -> Tui {
        let config = socket.with_extension("conf");
        std::fs::write(
            &config,
            "set -g remain-on-exit on\nset -g history-limit 5000\n",
        )
        .unwrap();
        let status = Command::new(tmux_program())
            .env_clear()
            .envs(env.iter().map(|(key, value)| (key, value)))
            .arg("-S")
            .arg(socket)
            .arg("-f")
            .arg(&config)
            .args(["new-session", "-d", "-x", "120", "-y", "40", "sh"])
            .arg(script)
            .status()
            .expect("tmux must be installed to run the real-tool suite");
        assert!(status.success(), "tmux could not start");
        Tui {
            socket: socket.to_path_buf(),
            ready,
            stopped: false,
        }
    }

    /// Whether the tool has exited.
    pub fn exited(&self) -> bool {
        let out = self
            .tmux()
            .args(["display-message", "-p", "#{pane_dead}"])
            .output();
        match out {
            Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).trim() == "1",
            _ => true,
        }
    }

    fn tmux(&self) -> Command {
        let mut command = Command::new(tmux_program());
        command.arg("-S").arg(&self.socket);
        command
    }

    /// The visible screen, as text.
    pub fn screen(&self) -> String {
        let out = self
            .tmux()
            .args(["capture-pane", "-p", "-J"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Waits until every one of `texts` is on the screen; the screen when it gave up otherwise.
    pub fn wait_for_all(&self, texts: &[&str], limit: Duration) -> Result<String, String> {
        let deadline = Instant::now() + limit;
        loop {
            let screen = self.screen();
            // Wrapped lines are joined, but a TUI may pad or break them itself.
            let flat: String = screen.split_whitespace().collect::<Vec<_>>().join(" ");
            let missing: Vec<&&str> = texts
                .iter()
                .filter(|text| {
                    let wanted: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
                    !flat.contains(&wanted)
                })
                .collect();
            if missing.is_empty() {
                return Ok(screen);
            }
            if Instant::now() > deadline || self.exited() {
                return Err(format!("missing {missing:?} on the screen:\n{screen}"));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    pub fn wait_for(&self, text: &str, limit: Duration) -> Result<String, String> {
        self.wait_for_all(&[text], limit)
    }

    /// Waits until the screen has stopped changing: the TUI has drawn itself and waits for keys.
    pub fn settle(&self, limit: Duration) {
        let deadline = Instant::now() + limit;
        let mut last = String::new();
        let mut stable_since = Instant::now();
        while Instant::now() < deadline {
            let screen = self.screen();
            if screen != last {
                last = screen;
                stable_since = Instant::now();
            } else if !last.trim().is_empty()
                && stable_since.elapsed() > Duration::from_millis(1500)
            {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Types `text` once the TUI is ready, waits until it shows, and presses Enter.
    pub fn type_line(&self, text: &str) -> Result<(), String> {
        self.wait_for(self.ready, Duration::from_secs(60))?;
        self.settle(Duration::from_secs(30));
        self.tmux()
            .args(["send-keys", "-l", text])
            .status()
            .unwrap();
        self.wait_for(text, Duration::from_secs(20))?;
        std::thread::sleep(Duration::from_millis(300));
        self.keys(&["Enter"]);
        Ok(())
    }

    pub fn keys(&self, keys: &[&str]) {
        self.tmux().arg("send-keys").args(keys).status().unwrap();
    }

    /// Asks the tool to quit with Ctrl-C, twice as the TUIs want it, and waits until it has.
    pub fn quit(&mut self) -> Result<(), String> {
        for _ in 0..3 {
            self.keys(&["C-c"]);
            std::thread::sleep(Duration::from_millis(600));
            self.keys(&["C-c"]);
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if self.exited() {
                    self.stop();
                    return Ok(());
                }
                std::thread::sleep(Duration::from_millis(200));
            }
        }
        let screen = self.screen();
        self.stop();
        Err(format!("the tool did not quit:\n{screen}"))
    }

    pub fn stop(&mut self) {
        if !self.stopped {
            let _ = self.tmux().arg("kill-server").status();
            self.stopped = true;
        }
    }
}

impl Drop for Tui {
    fn drop(&mut self) {
        self.stop();
    }
}

/// tmux as the test's own PATH finds it; the terminal's PATH is the private one.
fn tmux_program() -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join("tmux"))
        .find(|candidate| candidate.is_file())
        .expect("tmux must be installed to run the real-tool suite")
}
