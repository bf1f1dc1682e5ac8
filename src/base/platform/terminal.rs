//! The terminal: its width, and the interrupts an interactive command must see to restore it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// The width of the terminal on stdout, if it is one.
#[cfg(unix)]
pub fn stdout_terminal_width() -> Option<usize> {
    use nix::libc;
    let mut size = libc::winsize {
        ws_row: 0,
        ws_col: 0,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCGWINSZ writes one `winsize` into the struct we pass, and nothing else.
    let done = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut size) };
    (done == 0 && size.ws_col > 0).then_some(usize::from(size.ws_col))
}

#[cfg(not(unix))]
pub fn stdout_terminal_width() -> Option<usize> {
    None
}

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// From now on SIGINT, SIGTERM and SIGHUP only set a flag ([`interrupted`]), so that a full-screen
/// command can put the terminal back before it exits.
#[cfg(unix)]
pub fn catch_interrupts() {
    use nix::sys::signal::{SaFlags, SigAction, SigHandler, SigSet, Signal, sigaction};
    extern "C" fn note(_: nix::libc::c_int) {
        INTERRUPTED.store(true, Ordering::SeqCst);
    }
    let action = SigAction::new(SigHandler::Handler(note), SaFlags::empty(), SigSet::empty());
    for signal in [Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP] {
        // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
        let _ = unsafe { sigaction(signal, &action) };
    }
}

#[cfg(not(unix))]
pub fn catch_interrupts() {}

/// Whether an interrupt arrived since [`catch_interrupts`].
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// What the terminal on stdin has for a reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(not(unix), allow(dead_code))]
pub enum Input {
    Ready,
    /// Nothing within the time waited.
    Quiet,
    /// The terminal is gone (hung up, closed): reading it would never block again.
    Gone,
    /// Not looked at here: the terminal library waits by itself.
    #[cfg_attr(unix, allow(dead_code))]
    Unchecked,
}

/// Waits up to `timeout` for input on stdin, telling a vanished terminal apart from a quiet
/// one. A full-screen command checks this before its terminal library reads: crossterm 0.29
/// spins forever on a terminal that has gone (crossterm-rs/crossterm#793).
#[cfg(unix)]
pub fn stdin_input(timeout: Duration) -> Input {
    use std::os::fd::AsFd;

    use nix::errno::Errno;
    use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
    let stdin = std::io::stdin();
    let mut fds = [PollFd::new(stdin.as_fd(), PollFlags::POLLIN)];
    let timeout = PollTimeout::try_from(timeout).unwrap_or(PollTimeout::MAX);
    match poll(&mut fds, timeout) {
        Ok(0) | Err(Errno::EINTR) => Input::Quiet,
        Ok(_) => {
            let events = fds[0].revents().unwrap_or(PollFlags::empty());
            if events.intersects(PollFlags::POLLHUP | PollFlags::POLLERR | PollFlags::POLLNVAL) {
                Input::Gone
            } else {
                Input::Ready
            }
        }
        Err(_) => Input::Gone,
    }
}

/// Elsewhere the terminal library waits and reads by itself.
#[cfg(not(unix))]
pub fn stdin_input(_timeout: Duration) -> Input {
    Input::Unchecked
}
