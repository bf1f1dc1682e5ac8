//! The terminal: its width, and the interrupts an interactive command must see to restore it.

use std::sync::atomic::{AtomicBool, Ordering};

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
