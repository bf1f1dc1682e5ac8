//! The project the user stands in, found by walking up to the nearest `.git`, never by running
//! git.

use std::path::{Component, Path, PathBuf};

use anyhow::{Context as _, Result};

use super::git::{GitDirs, GitHead, branch_key};
use super::settings::{self, ScopeSetting, Settings};
use crate::base::{platform, ui};

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
    /// The settings in effect here.
    pub settings: Settings,
    /// The branch whose sessions this scope holds, with `scope = branch` on a branch; `None`
    /// means the project's own sessions.
    pub branch: Option<Branch>,
}

/// A git branch, as a scope of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Branch {
    /// Its name under `refs/heads/`, as git stores it.
    pub name: Vec<u8>,
    /// The name as part of a state file's name.
    pub key: String,
}

impl Branch {
    pub fn new(name: Vec<u8>) -> Branch {
        let key = branch_key(&name);
        Branch { name, key }
    }

    /// The name for people to read.
    pub fn display(&self) -> String {
        String::from_utf8_lossy(&self.name).into_owned()
    }
}

impl Scope {
    /// The project the current directory is in, with its settings (a bad settings file is one
    /// warning) and, with `scope = branch`, the branch checked out.
    pub fn current() -> Result<Scope> {
        let cwd = std::env::current_dir().context("cannot read the current directory")?;
        Ok(Scope::resolve(cwd))
    }

    /// [`Scope::containing`], then its settings and branch.
    pub fn resolve(cwd: PathBuf) -> Scope {
        let mut scope = Scope::containing(cwd);
        let loaded = settings::load(&scope.state_dir());
        for warning in &loaded.warnings {
            ui::warn(warning);
        }
        scope.settings = loaded.settings;
        scope.branch = scope.checked_out_branch();
        scope
    }

    /// Walks up looking for `.git`; never spawns git. Default settings, no branch.
    pub fn containing(cwd: PathBuf) -> Scope {
        let root = cwd
            .ancestors()
            .find(|dir| dir.join(".git").symlink_metadata().is_ok())
            .map(Path::to_path_buf);
        let (root, is_repo) = match root {
            Some(root) => (root, true),
            None => (cwd.clone(), false),
        };
        Scope {
            root,
            cwd,
            is_repo,
            settings: Settings::default(),
            branch: None,
        }
    }

    /// The same project seen from another folder of the same repository (the main worktree),
    /// with these settings.
    pub fn sibling(&self, root: PathBuf) -> Scope {
        let mut scope = Scope::containing(root);
        scope.settings = self.settings;
        scope.branch = scope.checked_out_branch();
        scope
    }

    /// The git folders of this project, if it is a repository.
    pub fn git(&self) -> Option<GitDirs> {
        if self.is_repo {
            GitDirs::of(&self.root)
        } else {
            None
        }
    }

    /// The branch a branch scope holds: the one checked out; a detached HEAD, or a folder that is
    /// not a repository, uses the project's sessions.
    fn checked_out_branch(&self) -> Option<Branch> {
        if self.settings.scope != ScopeSetting::Branch {
            return None;
        }
        match self.git()?.head() {
            GitHead::Branch(name) => Some(Branch::new(name)),
            GitHead::Detached => None,
        }
    }

    pub fn name(&self) -> String {
        self.root
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_else(|| self.root.display().to_string())
    }

    /// Whose sessions this scope holds, for people: "this repository", or "branch X of this
    /// repository".
    pub fn place(&self) -> String {
        match &self.branch {
            Some(branch) => format!("branch {} of this {}", branch.display(), self.kind()),
            None => format!("this {}", self.kind()),
        }
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
