//! ai-session-manager: per-project automatic session resume for AI coding CLIs.
//!
//! One binary. Started under a tool's name (`claude`, `codex`, ...) it is that tool's wrapper;
//! under its own name it is the management CLI.
//!
//! The house, ground floor up; each floor imports only the floors below it:
//! - `base`: errors, environment names, the platform, files, times, line readers;
//! - `project`: the project's scope and its state files;
//! - `transcript`: the tool-neutral conversation, and what a listing knows of a session;
//! - `tool`: what a tool is (its facts, launch rule and capabilities);
//! - `tools`: the tools, one folder each, and the registry;
//! - `wrapper`, `convert`, `install`, `cli`: the wrapper and the commands;
//! - `main`: dispatch by argv[0].

mod base;
mod cli;
mod convert;
mod install;
mod project;
mod tool;
mod tools;
mod transcript;
mod wrapper;

use std::ffi::OsStr;
use std::process::ExitCode;

use base::{env, platform};

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
fn wrapped_tool(argv0: &OsStr) -> Option<&'static dyn tool::Tool> {
    let name = platform::invoked_name(argv0)?;
    if let Some(tool) = tools::find(&name) {
        return Some(tool);
    }
    let named = std::env::var(env::TOOL).ok()?;
    (name == platform::BIN_NAME)
        .then(|| tools::find(&named))
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argv0_names_a_registered_tool_by_its_file_stem() {
        let sixth = wrapped_tool(OsStr::new("/usr/local/bin/sixth")).unwrap();
        assert_eq!(sixth.name(), "sixth");
        assert!(wrapped_tool(OsStr::new("ai-session-manager")).is_none());
    }
}
