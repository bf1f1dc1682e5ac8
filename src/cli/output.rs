//! The commands' terminal: its width, whether to colour, and writing to stdout when it may be a
//! closed pipe. How text is laid out is `base::layout`'s.

use std::io::{ErrorKind, IsTerminal, Write};

use anyhow::{Context as _, Result};

use crate::base::env;

/// The width to fit output to: `COLUMNS` if set, else the terminal's; `None` when stdout is not
/// a terminal.
pub fn terminal_width() -> Option<usize> {
    let columns = std::env::var(env::COLUMNS).ok();
    if let Some(width) = columns.and_then(|text| text.trim().parse().ok())
        && width > 0
    {
        return Some(width);
    }
    std::io::stdout()
        .is_terminal()
        .then(crate::base::platform::stdout_terminal_width)
        .flatten()
}

/// Colour only on a terminal, and never with `NO_COLOR` set (no-color.org).
pub fn colour_on_stdout() -> bool {
    std::io::stdout().is_terminal() && env::os(env::NO_COLOR).is_none()
}

/// Writes to stdout; a reader that went away (`| head`) is not an error.
pub fn write_stdout(bytes: &[u8]) -> Result<()> {
    write_stdout_while_read(bytes).map(|_| ())
}

/// [`write_stdout`], saying whether anyone still reads: false once the reader went away, so
/// that a long command can stop.
pub fn write_stdout_while_read(bytes: &[u8]) -> Result<bool> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(error) if error.kind() == ErrorKind::BrokenPipe => Ok(false),
        result => result.map(|()| true).context("cannot write to stdout"),
    }
}
