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
//! - `wrapper`, `install`: the launch path, and setup and teardown;
//! - `sessions`: what the commands do with sessions (catalog, locate, pin, convert, render,
//!   search);
//! - `cli`: the commands' arguments and printing;
//! - this file: dispatch by argv[0]; `main.rs` only calls [`run`].

mod base;
mod cli;
mod contract;
mod install;
mod project;
mod sessions;
mod tools;
mod transcript;
mod wrapper;

use std::ffi::{OsStr, OsString};
use std::path::PathBuf;
use std::process::ExitCode;

use base::{env, platform};

/// Be the wrapper or the CLI, as argv[0] says.
pub fn run() -> ExitCode {
    let mut args = std::env::args_os();
    let argv0 = args.next().unwrap_or_default();
    match role(&argv0) {
        Role::Wrapper(tool, started_as) => wrapper::run(tool, started_as, args.collect()),
        Role::Cli => cli::main(),
        Role::Unknown(name) => cli::unknown_name(&name),
    }
}

/// What argv[0] makes this binary.
enum Role {
    /// A tool's wrapper, with the path it was started as.
    Wrapper(&'static dyn contract::Tool, OsString),
    Cli,
    Unknown(String),
}

fn role(argv0: &OsStr) -> Role {
    let Some(name) = platform::invoked_name(argv0) else {
        return Role::Unknown(argv0.to_string_lossy().into_owned());
    };
    if let Some(tool) = tools::find(&name) {
        return Role::Wrapper(tool, argv0.to_owned());
    }
    if name == platform::BIN_NAME {
        // The Windows `.cmd` wrapper starts `ai-session-manager.exe` and names the tool.
        return match std::env::var(env::TOOL)
            .ok()
            .and_then(|named| tools::find(&named))
        {
            Some(tool) => Role::Wrapper(tool, argv0.to_owned()),
            None => Role::Cli,
        };
    }
    // Another name, such as an alias `claude-code -> claude`: the tool whose wrapper it leads to.
    match alias_of(argv0) {
        Some((tool, wrapper)) => Role::Wrapper(tool, wrapper.into_os_string()),
        None => Role::Unknown(name),
    }
}

/// The tool, and the path of its wrapper, that `argv0` leads to through links. Only a chain
/// that ends at this very executable counts.
fn alias_of(argv0: &OsStr) -> Option<(&'static dyn contract::Tool, PathBuf)> {
    let me = platform::current_exe_id()?;
    let mut path = PathBuf::from(argv0);
    if path.components().count() == 1 {
        let dirs = env::os(env::PATH)?;
        path = std::env::split_paths(&dirs)
            .map(|dir| dir.join(argv0))
            .find(|candidate| candidate.symlink_metadata().is_ok())?;
    }
    // As many hops as the kernel follows.
    for _ in 0..40 {
        if let Some(tool) = platform::invoked_name(path.as_os_str()).and_then(|n| tools::find(&n))
            && platform::file_id(&path).as_ref() == Some(&me)
        {
            return Some((tool, path));
        }
        let target = std::fs::read_link(&path).ok()?;
        path = match path.parent() {
            Some(dir) => dir.join(target),
            None => target,
        };
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argv0_names_a_registered_tool_by_its_file_stem() {
        let Role::Wrapper(sixth, _) = role(OsStr::new("/usr/local/bin/sixth")) else {
            panic!("not a wrapper");
        };
        assert_eq!(sixth.name(), "sixth");
        assert!(matches!(role(OsStr::new("ai-session-manager")), Role::Cli));
        assert!(matches!(
            role(OsStr::new("/nowhere/claude-code")),
            Role::Unknown(name) if name == "claude-code"
        ));
    }
}
