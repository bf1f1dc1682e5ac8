//! ai-session-manager: per-project automatic session resume for AI coding CLIs.
//!
//! One binary. Started under a tool's name (`claude`, `codex`, ...) it is that tool's wrapper;
//! under its own name it is the management CLI.

mod cli;
mod convert;
mod env;
mod install;
mod json_prefix;
mod launch;
mod listing;
mod platform;
mod reverse_lines;
mod state;
mod tools;
mod transcript;
mod ui;
mod wrapper;

use std::ffi::OsStr;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args_os();
    let argv0 = args.next().unwrap_or_default();
    match wrapped_tool(&argv0) {
        Some(tool) => wrapper::run(tool, argv0, args.collect()),
        None => cli::main(),
    }
}

/// The tool argv[0] names; or, for the Windows `.cmd` wrapper that starts
/// `ai-session-manager.exe`, the one `AI_SESSION_MANAGER_TOOL` names.
fn wrapped_tool(argv0: &OsStr) -> Option<&'static dyn tools::Tool> {
    let name = platform::invoked_name(argv0)?;
    if let Some(tool) = tools::find(&name) {
        return Some(tool);
    }
    let named = std::env::var(env::TOOL).ok()?;
    (name == cli::BIN_NAME)
        .then(|| tools::find(&named))
        .flatten()
}
