//! The wrapper's own lines: one line each, on stderr, never stdout.

use crate::env;

const PREFIX: &str = "[ai-session-manager]";

fn quiet() -> bool {
    env::flag(env::QUIET)
}

/// An informational line, silenced by `AI_SESSION_MANAGER_QUIET`.
pub fn say(message: &str) {
    if !quiet() {
        eprintln!("{PREFIX} {message}");
    }
}

/// Something went wrong inside the wrapper, and the tool runs anyway.
pub fn warn(message: &str) {
    if !quiet() {
        eprintln!("{PREFIX} warning: {}", one_line(message));
    }
}

/// A hard error: always printed, with the next step to take.
pub fn error(message: &str, help: Option<&str>) {
    eprintln!("{PREFIX} error: {}", one_line(message));
    if let Some(help) = help {
        eprintln!("{PREFIX} help: {}", one_line(help));
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
