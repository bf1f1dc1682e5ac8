//! A session that follows its project to a new place, or is forked for a copy of the project, a
//! new worktree or a new branch.

use std::path::PathBuf;

/// A project that moved: where its root was, and where its session ran under it.
#[derive(Debug, Clone)]
pub struct Moved {
    pub from_root: PathBuf,
    /// The session's folder at the old place, when the state recorded one.
    pub from_cwd: Option<PathBuf>,
}

impl Moved {
    /// Where the session ran before the move.
    pub fn old_session_dir(&self) -> &PathBuf {
        self.from_cwd.as_ref().unwrap_or(&self.from_root)
    }
}

/// A session of another place that a new one starts from.
#[derive(Debug, Clone)]
pub struct ForkFrom {
    /// The other place's resume target, validated as any state's.
    pub target: String,
    /// The folder that session runs in, when known.
    pub cwd: Option<PathBuf>,
    /// The root of the project that session belongs to, when known.
    pub root: Option<PathBuf>,
    /// The other place, for people: "the project at /src/shop", "branch main".
    pub label: String,
}
