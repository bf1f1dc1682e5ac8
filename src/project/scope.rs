//! The project the user stands in, found by walking up to the nearest `.git`, never by running
//! git.

use std::path::{Component, Path, PathBuf};

use anyhow::{Context as _, Result};

use crate::base::platform;

/// The folder in each project that holds its state files.
pub const STATE_DIR: &str = ".ai-session-manager";

/// The project the user stands in: the nearest folder holding `.git`, else the current one.
#[derive(Debug, Clone)]
pub struct Scope {
    pub root: PathBuf,
    /// The current directory.
    pub cwd: PathBuf,
    /// Whether `root` is a git work tree (its `.git` may be a folder or, for worktrees and
    /// submodules, a file).
    pub is_repo: bool,
}

impl Scope {
    pub fn current() -> Result<Scope> {
        let cwd = std::env::current_dir().context("cannot read the current directory")?;
        Ok(Scope::containing(cwd))
    }

    /// Walks up looking for `.git`; never spawns git.
    pub fn containing(cwd: PathBuf) -> Scope {
        let root = cwd
            .ancestors()
            .find(|dir| dir.join(".git").symlink_metadata().is_ok())
            .map(Path::to_path_buf);
        match root {
            Some(root) => Scope {
                root,
                cwd,
                is_repo: true,
            },
            None => Scope {
                root: cwd.clone(),
                cwd,
                is_repo: false,
            },
        }
    }

    pub fn name(&self) -> String {
        self.root
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_else(|| self.root.display().to_string())
    }

    pub fn kind(&self) -> &'static str {
        if self.is_repo { "repository" } else { "folder" }
    }

    pub fn state_dir(&self) -> PathBuf {
        self.root.join(STATE_DIR)
    }

    /// Where a session recorded to run in `path` may run: the folder, if it lies inside the
    /// project and this user can enter it; else why not.
    pub fn session_folder(&self, path: &Path) -> Result<PathBuf, &'static str> {
        let inside = self.contains(path).ok_or("it is outside this project")?;
        if !platform::can_enter(&inside) {
            return Err("it is not a folder this user can enter");
        }
        Ok(inside)
    }

    /// `path` if it lies inside the project, with no `..` and no link leading out of it.
    pub fn contains(&self, path: &Path) -> Option<PathBuf> {
        if !path.is_absolute() || path.components().any(|c| c == Component::ParentDir) {
            return None;
        }
        let real = path.canonicalize().ok()?;
        if real.starts_with(&self.root) {
            return Some(real);
        }
        let root = self.root.canonicalize().ok()?;
        real.starts_with(root).then_some(real)
    }
}
