//! `browse` end to end: the real binary in a pseudo-terminal, driven by keystrokes. It types a
//! filter, presses Enter, and the fake tool must receive the resume of the session it picked.

use crate::common;

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;

const OLD: &str = "11111111-2222-4333-8444-555555555555";
const NEW: &str = "22222222-2222-4333-8444-555555555555";

/// A child on the slave side of a new 80×24 pseudo-terminal; the master, and what it printed.
struct Pty {
    child: Child,
    master: Arc<File>,
    output: Arc<Mutex<Vec<u8>>>,
    /// Stops the reader, so that the master can be closed for good.
    stop: Arc<AtomicBool>,
    reader: Option<std::thread::JoinHandle<()>>,
}

/// `ai-session-manager browse` in the sandbox's project, as from a terminal.
fn browse(sb: &Sandbox) -> Command {
    let mut command = sb.cli();
    command.arg("browse").env("TERM", "xterm-256color");
    command
}

impl Drop for Pty {
    /// A test that failed midway leaves no browser behind.
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

impl Pty {
    fn spawn(mut command: Command) -> Pty {
        let (master, slave) = openpty(24, 80);
        let master = File::from(master);
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
        let master = Arc::new(master);
        let stop = Arc::new(AtomicBool::new(false));
        let (source, sink, stopped) = (Arc::clone(&master), Arc::clone(&output), Arc::clone(&stop));
        // Polls rather than blocks in read, so that it lets go of the master when told to.
        let reader = std::thread::spawn(move || {
            let mut buffer = [0u8; 4096];
            while !stopped.load(Ordering::SeqCst) {
                let mut fds = [libc::pollfd {
                    fd: source.as_raw_fd(),
                    events: libc::POLLIN,
                    revents: 0,
                }];
                // SAFETY: one valid pollfd.
                if unsafe { libc::poll(fds.as_mut_ptr(), 1, 20) } <= 0 {
                    continue;
                }
                match (&*source).read(&mut buffer) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => sink.lock().unwrap().extend_from_slice(&buffer[..n]),
                }
            }
        });
        Pty {
            child,
            master,
            output,
            stop,
            reader: Some(reader),
        }
    }

    /// Closes the terminal's master side, as when its window or ssh session goes.
    fn hang_up(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(reader) = self.reader.take() {
            reader.join().unwrap();
        }
        self.master = Arc::new(File::open("/dev/null").unwrap());
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
        (&*self.master).write_all(keys.as_bytes()).unwrap();
    }

    fn wait(&mut self) -> std::process::ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() > deadline {
                let proc = format!("/proc/{}", self.child.id());
                let threads: Vec<String> = std::fs::read_dir(format!("{proc}/task"))
                    .map(|tasks| {
                        tasks
                            .flatten()
                            .map(|task| {
                                let read = |name: &str| {
                                    std::fs::read_to_string(task.path().join(name))
                                        .unwrap_or_default()
                                };
                                format!("{} {}", read("stat"), read("syscall"))
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let _ = self.child.kill();
                panic!("browse did not end: {threads:#?}\n{}", self.printed());
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
    let mut pty = Pty::spawn(browse(&sb));
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
    let mut pty = Pty::spawn(browse(&sb));
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
    let pty = Pty::spawn(browse(sb));
    pty.wait_for("2 sessions of this project");
    pty
}

#[test]
fn a_word_only_in_the_conversation_finds_its_session_by_full_text() {
    let sb = Sandbox::new();
    let mut pty = browse_two_sessions(&sb);
    assert!(!pty.printed().contains("zanzibar"));
    // No title holds it; the full-text search finds the session, at the latest when Enter ends
    // the filter.
    pty.keys("/zanzibar\r\r");
    assert!(pty.wait().success(), "{}", pty.printed());
    assert_eq!(sb.args("claude"), ["--resume", NEW]);
}

#[test]
fn an_interrupt_puts_the_terminal_back() {
    let sb = Sandbox::new();
    let mut pty = browse_two_sessions(&sb);
    // SAFETY: a signal to our own child.
    assert_eq!(
        unsafe { libc::kill(pty.child.id() as i32, libc::SIGINT) },
        0
    );
    let output = Arc::clone(&pty.output);
    assert_eq!(pty.wait().code(), Some(130));
    let deadline = Instant::now() + Duration::from_secs(5);
    while !String::from_utf8_lossy(&output.lock().unwrap()).contains("\x1b[?1049l") {
        assert!(Instant::now() < deadline, "never left the alternate screen");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!sb.ran("claude"));
}

#[test]
fn a_terminal_that_goes_away_ends_the_browser() {
    let sb = Sandbox::new();
    let mut pty = browse_two_sessions(&sb);
    pty.hang_up();
    let status = pty.wait();
    assert!(
        status.code().is_some(),
        "ended by itself, not spinning: {status:?}"
    );
    assert!(!sb.ran("claude"));
}

impl Pty {
    /// Resizes the terminal, as a window does; the kernel tells the browser with SIGWINCH.
    fn resize(&self, rows: u16, columns: u16) {
        let size = libc::winsize {
            ws_row: rows,
            ws_col: columns,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        // SAFETY: a valid winsize for the master's TIOCSWINSZ.
        assert_eq!(
            unsafe { libc::ioctl(self.master.as_raw_fd(), libc::TIOCSWINSZ, &size) },
            0
        );
    }

    /// Waits until the screen has shown `text` after the first `from` bytes.
    fn wait_for_after(&self, from: usize, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !self.printed().get(from..).unwrap_or("").contains(text) {
            assert!(
                Instant::now() < deadline,
                "never printed {text:?} after {from}:\n{:?}",
                self.printed().get(from..)
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

#[test]
fn a_resized_terminal_is_redrawn_without_a_key() {
    let sb = Sandbox::new();
    let mut pty = browse_two_sessions(&sb);
    // Larger: the status line is drawn on the new last row.
    let before = pty.printed().len();
    pty.resize(35, 120);
    pty.wait_for_after(before, "\x1b[35;1H");
    // Smaller.
    let before = pty.printed().len();
    pty.resize(10, 40);
    pty.wait_for_after(before, "\x1b[10;1H");
    pty.keys("q");
    assert!(pty.wait().success(), "{}", pty.printed());
}

#[test]
fn q_quits_after_a_filter_of_special_characters() {
    for (filter, end) in [
        ("*[(\\?\"'`$%^&|~<>{}", "\r"),
        ("*[(\\?\"'`$%^&|~<>{}", "\x1b"),
        ("\u{202e}é漢字🙂\t", "\r"),
    ] {
        let sb = Sandbox::new();
        let mut pty = browse_two_sessions(&sb);
        pty.keys(&format!("/{filter}"));
        std::thread::sleep(Duration::from_millis(300));
        pty.keys(end);
        std::thread::sleep(Duration::from_millis(300));
        pty.keys("q");
        assert!(pty.wait().success(), "{filter:?}: {}", pty.printed());
        assert!(!sb.ran("claude"));
    }
}
