//! The wrapper's own lines: one line each, on stderr, never stdout.

use std::io::Write;

use crate::base::{env, visible};

const PREFIX: &str = "[ai-session-manager]";

fn quiet() -> bool {
    env::flag(env::QUIET)
}

/// Writes one whole line with a single write, so it never interleaves with the tool's output.
fn line(kind: &str, message: &str) {
    let text = format!("{PREFIX} {kind}{}\n", message_line(message));
    let _ = std::io::stderr().write_all(text.as_bytes());
}

/// An informational line, silenced by `AI_SESSION_MANAGER_QUIET`.
pub fn say(message: &str) {
    if !quiet() {
        line("", message);
    }
}

/// Something went wrong inside the wrapper, and the tool runs anyway.
pub fn warn(message: &str) {
    if !quiet() {
        line("warning: ", message);
    }
}

/// A hard error: always printed, with the next step to take.
pub fn error(message: &str, help: Option<&str>) {
    line("error: ", message);
    if let Some(help) = help {
        line("help: ", help);
    }
}

/// One line, whatever the message holds: runs of whitespace become one space, and what a
/// terminal would obey is shown instead.
fn message_line(text: &str) -> String {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    visible::one_line(&joined).into_owned()
}
