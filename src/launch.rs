//! Finding the real binary without finding ourselves, and handing the launch over to it.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use crate::env;
use crate::platform::{self, FileId};
use crate::tools::Tool;
use crate::ui;

/// More hops than this through the wrapper is a loop.
pub const MAX_DEPTH: u32 = 8;

/// What the real tool gets.
#[derive(Debug, Default)]
pub struct Launch {
    pub args: Vec<OsString>,
    /// Where to run it, when that is not the current directory.
    pub cwd: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    #[error("cannot find {tool}-real")]
    NotFound { tool: &'static str },
    #[error("{path} leads back to this wrapper instead of the real {tool}")]
    LoopsBack { tool: &'static str, path: PathBuf },
    #[error("{tool} went through the wrapper {depth} times in a row")]
    TooDeep { tool: &'static str, depth: u32 },
    #[error("{path} is not executable")]
    NotExecutable { tool: &'static str, path: PathBuf },
    #[error("cannot run {path}: {source}")]
    Exec {
        tool: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
}

impl LaunchError {
    fn help(&self) -> String {
        match self {
            LaunchError::NotFound { tool } => format!("run 'ai-session-manager setup {tool}'"),
            LaunchError::LoopsBack { tool, .. } => format!(
                "reinstall {tool}, then run 'ai-session-manager setup {tool}'; \
                 'ai-session-manager status {tool}' shows the paths"
            ),
            LaunchError::TooDeep { tool, .. } => format!(
                "{tool}-real seems to start {tool} again; check it with \
                 'ai-session-manager status {tool}', and that {} is not set by hand",
                env::DEPTH
            ),
            LaunchError::NotExecutable { tool, .. } | LaunchError::Exec { tool, .. } => format!(
                "reinstall {tool} or run 'ai-session-manager teardown {tool}' to restore it"
            ),
        }
    }

    fn exit_code(&self) -> u8 {
        match self {
            LaunchError::NotFound { .. } => 127,
            LaunchError::NotExecutable { .. } => 126,
            LaunchError::Exec { source, .. } => match source.kind() {
                std::io::ErrorKind::NotFound => 127,
                std::io::ErrorKind::PermissionDenied => 126,
                _ => 1,
            },
            LaunchError::LoopsBack { .. } | LaunchError::TooDeep { .. } => 1,
        }
    }

    pub fn report(&self) -> ExitCode {
        ui::error(&self.to_string(), Some(&self.help()));
        ExitCode::from(self.exit_code())
    }
}

/// The depth the real tool will run at; refuses past [`MAX_DEPTH`].
pub fn next_depth(tool: &'static dyn Tool) -> Result<u32, LaunchError> {
    let current: u32 = std::env::var(env::DEPTH)
        .ok()
        .and_then(|depth| depth.trim().parse().ok())
        .unwrap_or(0);
    let next = current.saturating_add(1);
    if next > MAX_DEPTH {
        return Err(LaunchError::TooDeep {
            tool: tool.name(),
            depth: current,
        });
    }
    Ok(next)
}

/// The real binary (SPEC §2): `AI_SESSION_MANAGER_REAL_BIN`; else `<tool>-real` beside the path
/// the wrapper was started as; else the first `<tool>-real` on PATH. Never the wrapper itself.
pub fn find_real_binary(tool: &'static dyn Tool, argv0: &OsStr) -> Result<PathBuf, LaunchError> {
    let me = platform::current_exe_id();
    let refuse_self = |path: PathBuf| -> Result<PathBuf, LaunchError> {
        if me.is_some() && platform::file_id(&path) == me {
            return Err(LaunchError::LoopsBack {
                tool: tool.name(),
                path,
            });
        }
        Ok(path)
    };

    if let Some(path) = env::path(env::REAL_BIN).filter(|path| platform::is_executable_file(path)) {
        return refuse_self(path);
    }

    let path_dirs: Vec<PathBuf> = env::os(env::PATH)
        .map(|path| std::env::split_paths(&path).collect())
        .unwrap_or_default();
    let started_from = wrapper_dir(tool, argv0, &path_dirs, me.as_ref());
    for dir in started_from.iter().chain(path_dirs.iter()) {
        for name in platform::real_binary_names(tool.name()) {
            let candidate = dir.join(name);
            if !candidate.is_file() {
                continue;
            }
            if !platform::is_executable_file(&candidate) {
                return Err(LaunchError::NotExecutable {
                    tool: tool.name(),
                    path: candidate,
                });
            }
            return refuse_self(candidate);
        }
    }
    Err(LaunchError::NotFound { tool: tool.name() })
}

/// The folder of the path the wrapper was started as: argv[0]'s, if it names a path, else the
/// first PATH folder whose `<tool>` is this very executable.
fn wrapper_dir(
    tool: &dyn Tool,
    argv0: &OsStr,
    path_dirs: &[PathBuf],
    me: Option<&FileId>,
) -> Option<PathBuf> {
    let argv0 = Path::new(argv0);
    if argv0.components().count() > 1 {
        return argv0.parent().map(Path::to_path_buf);
    }
    let me = me?;
    path_dirs
        .iter()
        .find(|dir| {
            platform::tool_file_names(tool.name())
                .iter()
                .any(|name| platform::file_id(&dir.join(name)).as_ref() == Some(me))
        })
        .cloned()
}

/// Hands over to the real tool; returns only if that failed.
pub fn run(tool: &'static dyn Tool, real: &Path, launch: Launch, depth: u32) -> ExitCode {
    let mut command = Command::new(real);
    command
        .args(&launch.args)
        .env(env::ACTIVE, tool.name())
        .env(env::DEPTH, depth.to_string())
        // These describe this wrapper, not anything the tool may start.
        .env_remove(env::REAL_BIN)
        .env_remove(env::TOOL);
    if let Some(cwd) = &launch.cwd {
        command.current_dir(cwd).env(env::PWD, cwd);
    }
    let source = platform::run_replacing(command);
    LaunchError::Exec {
        tool: tool.name(),
        path: real.to_path_buf(),
        source,
    }
    .report()
}
