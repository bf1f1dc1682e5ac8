//! The environment variables of the program itself and of the system. Each tool's own (the
//! ones that move its store) are named in that tool's `store.rs`.

use std::ffi::OsString;
use std::path::PathBuf;

/// Pass every launch through untouched.
pub const DISABLE: &str = "AI_SESSION_MANAGER_DISABLE";
/// Silence the `[ai-session-manager]` lines.
pub const QUIET: &str = "AI_SESSION_MANAGER_QUIET";
/// Where the real binary is; the Windows `.cmd` wrapper sets it.
pub const REAL_BIN: &str = "AI_SESSION_MANAGER_REAL_BIN";
/// Which tool this is, when argv[0] cannot say.
pub const TOOL: &str = "AI_SESSION_MANAGER_TOOL";
/// Loop guard: incremented on every exec of a real tool.
pub const DEPTH: &str = "AI_SESSION_MANAGER_DEPTH";
/// Set in the real tool's environment so nested launches pass through.
pub const ACTIVE: &str = "AI_SESSION_MANAGER_ACTIVE";

pub const PATH: &str = "PATH";
/// Where a Unix user's home is; Windows asks the system instead.
#[cfg(unix)]
pub const HOME: &str = "HOME";
/// The user's shell, which converted claude sessions record as their environment.
pub const SHELL: &str = "SHELL";
pub const PWD: &str = "PWD";
/// Set and not empty: no colour in output (no-color.org).
pub const NO_COLOR: &str = "NO_COLOR";
/// The terminal's width, when the user sets it.
pub const COLUMNS: &str = "COLUMNS";

/// A switch is on when set to anything but empty, `0`, `false`, `no` or `off`.
pub fn flag(name: &str) -> bool {
    match std::env::var_os(name) {
        None => false,
        Some(value) => {
            let value = value.to_string_lossy().trim().to_ascii_lowercase();
            !matches!(value.as_str(), "" | "0" | "false" | "no" | "off")
        }
    }
}

/// A non-empty variable as a path.
pub fn path(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|value| !value.is_empty())
        .map(PathBuf::from)
}

pub fn os(name: &str) -> Option<OsString> {
    std::env::var_os(name).filter(|value| !value.is_empty())
}
