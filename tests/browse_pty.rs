//! `browse` end to end: the real binary in a pseudo-terminal, driven by keystrokes. It types a
//! filter, presses Enter, and the fake tool must receive the resume of the session it picked.

mod common;

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;

const OLD: &str = "11111111-2222-4333-8444-555555555555";
const NEW: &str = "22222222-2222-4333-8444-555555555555";

/// A child on the slave side of a new 80×24 pseudo-terminal; the master, and what it printed.
struct Pty {
    child: Child,
    master: File,
    output: Arc<Mutex<Vec<u8>>>,
}

impl Pty {
    fn spawn(mut command: Command) -> Pty {
        let (mut master, mut slave) = (0, 0);
        let size = libc::winsize {
            ws_row: 24,
            ws_col: 80,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        // SAFETY: openpty fills two descriptors; the pointers are valid or null.
        let opened = unsafe {
            libc::openpty(
                &mut master,
                &mut slave,
                std::ptr::null_mut(),
                std::ptr::null(),
                &size,
            )
        };
        assert_eq!(opened, 0);
        // SAFETY: both descriptors were just opened and are owned here.
        let (master, slave) = unsafe { (File::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
        let io = |fd: &OwnedFd| Stdio::from(fd.try_clone().unwrap());
        command
            .stdin(io(&slave))
            .stdout(io(&slave))
            .stderr(io(&slave));
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            command.pre_exec(|| {
                libc::setsid();
                libc::ioctl(0, libc::TIOCSCTTY, 0);
                Ok(())
            });
        }
        let child = command.spawn().unwrap();
        drop(slave);
        let output = Arc::new(Mutex::new(Vec::new()));
        let mut reader = master.try_clone().unwrap();
        let sink = Arc::clone(&output);
        std::thread::spawn(move || {
            let mut buffer = [0u8; 4096];
            while let Ok(n) = reader.read(&mut buffer) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&buffer[..n]);
            }
        });
        Pty {
            child,
            master,
            output,
        }
    }

    fn printed(&self) -> String {
        String::from_utf8_lossy(&self.output.lock().unwrap()).into_owned()
    }

    /// Waits until the screen has shown `text`.
    fn wait_for(&self, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !self.printed().contains(text) {
            assert!(
                Instant::now() < deadline,
                "never printed {text:?}:\n{}",
                self.printed()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn keys(&mut self, keys: &str) {
        self.master.write_all(keys.as_bytes()).unwrap();
        self.master.flush().unwrap();
    }

    fn wait(mut self) -> std::process::ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("browse did not end:\n{}", self.printed());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

#[test]
fn typing_a_filter_and_enter_resumes_that_session_in_its_tool() {
    let sb = Sandbox::new();
    sb.wrap("claude");
    for (id, prompt) in [(OLD, "fix the coupon rounding"), (NEW, "rename the parser")] {
        sb.write(
            claude_transcript(&sb.home, &sb.project, id),
            claude_user_line(id, &sb.project, prompt),
        );
    }
    let mut browse = Command::new(BIN);
    browse
        .arg("browse")
        .env_clear()
        .env("HOME", &sb.home)
        .env("PATH", sb.path_var())
        .env("FAKE_LOG_DIR", &sb.log)
        .env("TERM", "xterm-256color")
        .current_dir(&sb.project);
    let mut pty = Pty::spawn(browse);
    pty.wait_for("2 sessions of this project");
    pty.keys("/coupon");
    // The preview follows the filter to the one session it leaves.
    pty.wait_for("on rounding");
    pty.keys("\r\r");
    let output = Arc::clone(&pty.output);
    let status = pty.wait();
    let printed = String::from_utf8_lossy(&output.lock().unwrap()).into_owned();
    assert!(status.success(), "{printed}");
    // `use`, then the tool through its wrapper: the pinned session resumes.
    assert_eq!(sb.args("claude"), ["--resume", OLD]);
    assert_eq!(sb.target("claude").as_deref(), Some(OLD));
}

#[test]
fn quitting_leaves_the_alternate_screen_and_shows_the_cursor() {
    let sb = Sandbox::new();
    let mut browse = Command::new(BIN);
    browse
        .arg("browse")
        .env_clear()
        .env("HOME", &sb.home)
        .env("PATH", "/usr/bin:/bin")
        .env("TERM", "xterm-256color")
        .current_dir(&sb.project);
    let mut pty = Pty::spawn(browse);
    pty.wait_for("0 sessions of this project");
    pty.keys("q");
    let output = Arc::clone(&pty.output);
    assert!(pty.wait().success());
    // The reader thread has the last bytes once the master reads end of file.
    let deadline = Instant::now() + Duration::from_secs(5);
    while !String::from_utf8_lossy(&output.lock().unwrap()).contains("\x1b[?1049l") {
        assert!(Instant::now() < deadline, "never left the alternate screen");
        std::thread::sleep(Duration::from_millis(20));
    }
    let printed = String::from_utf8_lossy(&output.lock().unwrap()).into_owned();
    let entered = printed
        .find("\x1b[?1049h")
        .expect("entered the alternate screen");
    let left = printed
        .rfind("\x1b[?1049l")
        .expect("left the alternate screen");
    assert!(left > entered);
    assert!(
        printed[left..].contains("\x1b[?25h"),
        "the cursor is shown again"
    );
}

/// A browser over two claude sessions of a sandbox, in a pty.
fn browse_two_sessions(sb: &Sandbox) -> Pty {
    sb.wrap("claude");
    let reply = serde_json::json!({"type": "assistant", "sessionId": NEW, "cwd": sb.project,
        "timestamp": "2026-11-21T11:14:00Z",
        "message": {"role": "assistant", "content": [{"type": "text", "text": "Use a zanzibar tree."}]}});
    for (id, prompt) in [(OLD, "fix the coupon rounding"), (NEW, "rename the parser")] {
        let mut body = claude_user_line(id, &sb.project, prompt);
        if id == NEW {
            body += &(reply.to_string() + "\n");
        }
        let path = sb.write(claude_transcript(&sb.home, &sb.project, id), body);
        if id == NEW {
            // Older, so the first preview is the other session's and shows no zanzibar.
            let file = File::options().write(true).open(path).unwrap();
            file.set_modified(std::time::UNIX_EPOCH + Duration::from_secs(1_700_000_000))
                .unwrap();
        }
    }
    let mut browse = Command::new(BIN);
    browse
        .arg("browse")
        .env_clear()
        .env("HOME", &sb.home)
        .env("PATH", sb.path_var())
        .env("FAKE_LOG_DIR", &sb.log)
        .env("TERM", "xterm-256color")
        .current_dir(&sb.project);
    let pty = Pty::spawn(browse);
    pty.wait_for("2 sessions of this project");
    pty
}

#[test]
fn a_word_only_in_the_conversation_finds_its_session_by_full_text() {
    let sb = Sandbox::new();
    let mut pty = browse_two_sessions(&sb);
    assert!(!pty.printed().contains("zanzibar"));
    pty.keys("/zanzibar");
    // No title holds it; the full-text search, once typing pauses, finds the session, and the
    // preview shows it.
    pty.wait_for("Hzanzibar");
    pty.keys("\r\r");
    assert!(pty.wait().success());
    assert_eq!(sb.args("claude"), ["--resume", NEW]);
}

#[test]
fn an_interrupt_puts_the_terminal_back() {
    let sb = Sandbox::new();
    let pty = browse_two_sessions(&sb);
    // SAFETY: a signal to our own child.
    assert_eq!(
        unsafe { libc::kill(pty.child.id() as i32, libc::SIGINT) },
        0
    );
    let output = Arc::clone(&pty.output);
    assert!(pty.wait().success());
    let deadline = Instant::now() + Duration::from_secs(5);
    while !String::from_utf8_lossy(&output.lock().unwrap()).contains("\x1b[?1049l") {
        assert!(Instant::now() < deadline, "never left the alternate screen");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!sb.ran("claude"));
}
