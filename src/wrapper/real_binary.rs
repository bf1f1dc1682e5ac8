//! Finding the real binary without finding ourselves, and handing the launch over to it.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use crate::base::env;
use crate::base::platform::{self, FileId};
use crate::base::ui;
use crate::contract::Tool;

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

/// The real binary (docs/behaviour.md §2): `AI_SESSION_MANAGER_REAL_BIN`; else `<tool>-real`
/// beside the path the wrapper was started as; else the first `<tool>-real` on PATH. Never the
/// wrapper itself.
pub fn find_real_binary(tool: &'static dyn Tool, argv0: &OsStr) -> Result<PathBuf, LaunchError> {
    let path_dirs: Vec<PathBuf> = env::os(env::PATH)
        .map(|path| std::env::split_paths(&path).collect())
        .unwrap_or_default();
    find_in(&Search {
        tool: tool.name(),
        argv0,
        real_bin: env::path(env::REAL_BIN),
        path_dirs: &path_dirs,
        me: platform::current_exe_id(),
    })
}

/// Where to look for the real binary, as the environment gives it.
struct Search<'a> {
    tool: &'static str,
    argv0: &'a OsStr,
    /// `AI_SESSION_MANAGER_REAL_BIN`.
    real_bin: Option<PathBuf>,
    path_dirs: &'a [PathBuf],
    /// This executable, which is never the real binary.
    me: Option<FileId>,
}

fn find_in(search: &Search) -> Result<PathBuf, LaunchError> {
    let tool = search.tool;
    let refuse_self = |path: PathBuf| -> Result<PathBuf, LaunchError> {
        if search.me.is_some() && platform::file_id(&path) == search.me {
            return Err(LaunchError::LoopsBack { tool, path });
        }
        Ok(path)
    };
    if let Some(path) = search
        .real_bin
        .clone()
        .filter(|path| platform::is_executable_file(path))
    {
        return refuse_self(path);
    }
    let started_from = wrapper_dir(tool, search.argv0, search.path_dirs, search.me.as_ref());
    for dir in started_from.iter().chain(search.path_dirs.iter()) {
        for name in platform::real_binary_names(tool) {
            let candidate = dir.join(name);
            if !candidate.is_file() {
                continue;
            }
            if !platform::is_executable_file(&candidate) {
                return Err(LaunchError::NotExecutable {
                    tool,
                    path: candidate,
                });
            }
            return refuse_self(candidate);
        }
    }
    Err(LaunchError::NotFound { tool })
}

/// The folder of the path the wrapper was started as: argv[0]'s, if it names a path, else the
/// first PATH folder whose `<tool>` is this very executable.
fn wrapper_dir(
    tool: &str,
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
            platform::tool_file_names(tool)
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

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    /// A folder with an executable `<name>` in it for each name.
    fn folder_with(names: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for name in names {
            let path = dir.path().join(name);
            std::fs::write(&path, "#!/bin/sh\n").unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        dir
    }

    fn search<'a>(argv0: &'a OsStr, path_dirs: &'a [PathBuf], me: Option<FileId>) -> Search<'a> {
        Search {
            tool: "claude",
            argv0,
            real_bin: None,
            path_dirs,
            me,
        }
    }

    #[test]
    fn the_real_binary_beside_the_path_it_was_started_as_comes_first() {
        let started = folder_with(&["claude", "claude-real"]);
        let on_path = folder_with(&["claude-real"]);
        let dirs = [on_path.path().to_path_buf()];
        let argv0 = started.path().join("claude").into_os_string();
        let found = find_in(&search(&argv0, &dirs, None)).unwrap();
        assert_eq!(found, started.path().join("claude-real"));
    }

    #[test]
    fn started_by_name_the_path_folder_holding_this_executable_counts() {
        let first = folder_with(&["claude-real"]);
        let wrapped = folder_with(&["claude", "claude-real"]);
        let dirs = [first.path().to_path_buf(), wrapped.path().to_path_buf()];
        let me = platform::file_id(&wrapped.path().join("claude"));
        let found = find_in(&search(OsStr::new("claude"), &dirs, me)).unwrap();
        assert_eq!(found, wrapped.path().join("claude-real"));
        // Without a folder holding this executable, the first on PATH.
        let found = find_in(&search(OsStr::new("claude"), &dirs, None)).unwrap();
        assert_eq!(found, first.path().join("claude-real"));
    }

    #[test]
    fn the_variable_wins_but_never_names_this_executable() {
        let dir = folder_with(&["elsewhere", "claude-real"]);
        let dirs = [dir.path().to_path_buf()];
        let mut given = search(OsStr::new("claude"), &dirs, None);
        given.real_bin = Some(dir.path().join("elsewhere"));
        assert_eq!(find_in(&given).unwrap(), dir.path().join("elsewhere"));
        given.me = platform::file_id(&dir.path().join("elsewhere"));
        assert!(matches!(
            find_in(&given),
            Err(LaunchError::LoopsBack { .. })
        ));
    }

    #[test]
    fn a_missing_or_unrunnable_real_binary_is_an_error() {
        let empty = folder_with(&[]);
        let dirs = [empty.path().to_path_buf()];
        let error = find_in(&search(OsStr::new("claude"), &dirs, None)).unwrap_err();
        assert!(matches!(error, LaunchError::NotFound { tool: "claude" }));
        assert_eq!(error.exit_code(), 127);
        std::fs::write(empty.path().join("claude-real"), "not runnable").unwrap();
        let error = find_in(&search(OsStr::new("claude"), &dirs, None)).unwrap_err();
        assert!(matches!(error, LaunchError::NotExecutable { .. }));
        assert_eq!(error.exit_code(), 126);
    }
}
