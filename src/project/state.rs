//! One tool's state for one project: `<root>/.ai-session-manager/<tool>.json`.

use std::io::ErrorKind;
use std::path::{Component, Path, PathBuf};

use anyhow::{Context as _, Result, anyhow, bail};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::quarantine::{lock, set_aside};
use super::scope::{Branch, Scope};
use crate::base::files::{self, Unread, create_new_atomic, write_atomic};
use crate::base::ids::is_uuid;
use crate::base::platform::{self, FileKey};
use crate::base::time::{now_rfc3339, parse_time};
use crate::base::ui;

/// Where the Python tool kept repo state before it moved to the project folder.
const LEGACY_GIT_DIR: &str = "ai-session-manager";
/// A state file is read only up to this size; a bigger one is set aside.
const STATE_CAP: u64 = 1024 * 1024;

/// How a tool's session id comes about; stored as `session_mode` in the state file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SessionMode {
    /// The wrapper picks a UUID and hands it to the tool.
    ManagedId,
    /// The tool picks its own id; the wrapper learns it from the tool's history.
    AutoResume,
}

/// A file the Python tool kept a bare session id in, for one tool.
#[derive(Clone, Copy)]
pub struct LegacyIdFile {
    /// Its name inside `.git/` in a repository.
    pub in_git: &'static str,
    /// Its name in a plain folder.
    pub in_folder: &'static str,
}

/// What the state files need to know about a tool; each tool gives its own.
#[derive(Clone, Copy)]
pub struct StateRules {
    pub tool: &'static str,
    pub mode: SessionMode,
    /// Whether a resume target read from a state file may be used at all. A state file arrives
    /// with `git clone`, so nothing in it is trusted.
    pub accepts: fn(target: &str, state_dir: &Path) -> bool,
    /// Older places of this tool's state, migrated on first read.
    pub legacy_id_file: Option<LegacyIdFile>,
}

/// One tool's state for one project. Compatible with the files the Python tool wrote, which lack
/// `cwd` and the timestamps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct State {
    pub version: u32,
    pub tool: String,
    pub session_mode: SessionMode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resume_target: Option<String>,
    /// The directory the session started in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    /// Bookkeeping of the tool's own, opaque here. The key is `import`, after the one tool that
    /// keeps any: gemini, for a converted session it is importing.
    #[serde(default, rename = "import", skip_serializing_if = "Option::is_none")]
    pub tool_state: Option<serde_json::Value>,
    /// When `use` pinned `resume_target`: sessions of tools that pick their own ids take over
    /// from a pinned one only if they started after it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pinned_at: Option<String>,
    /// The project root this state was written for: a state found under another root has
    /// moved, or been copied, with its project.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root: Option<String>,
    /// How this state's session came here, when it was carried over or forked. Informative
    /// only, so a malformed one is dropped rather than making the state unusable.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient"
    )]
    pub origin: Option<Origin>,
    /// Fields a newer version added survive a rewrite by this one.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// How a session came to a place other than where it started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Arrival {
    /// Carried along when its project moved.
    Moved,
    /// Forked for a copy of its project.
    Copied,
    /// Forked for a new worktree.
    Worktree,
    /// Forked for a new branch.
    Branch,
}

/// How a state's session came to its project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    pub how: Arrival,
    /// Where from: the project's earlier root, the worktree, or the branch.
    pub from: String,
    /// The session carried over or forked, if there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    pub at: String,
}

impl Origin {
    pub fn now(how: Arrival, from: String, session: Option<String>) -> Origin {
        Origin {
            how,
            from,
            session,
            at: now_rfc3339(),
        }
    }
}

fn lenient<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    let value = serde_json::Value::deserialize(deserializer)?;
    Ok(serde_json::from_value(value).ok())
}

/// What becomes of a pin when the state points at a session.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Pin {
    /// `use` pins the session now.
    Now,
    /// Kept while the session stays the same; a session that takes over is not pinned.
    Keep,
    Clear,
}

impl State {
    pub fn new(rules: &StateRules, resume_target: Option<String>, cwd: &Path) -> State {
        let now = now_rfc3339();
        State {
            version: 1,
            tool: rules.tool.to_owned(),
            session_mode: rules.mode,
            resume_target,
            cwd: cwd.to_str().map(str::to_owned),
            created_at: Some(now.clone()),
            updated_at: Some(now),
            tool_state: None,
            pinned_at: None,
            root: None,
            origin: None,
            extra: Default::default(),
        }
    }

    /// The one way a project's state moves to a session, for the wrapper, `session convert` and
    /// `use` alike: the session, the folder it runs in and the tool's bookkeeping are replaced;
    /// what else the state records is kept.
    pub fn pointed_at(
        self,
        target: Option<String>,
        cwd: Option<String>,
        tool_state: Option<serde_json::Value>,
        pin: Pin,
    ) -> State {
        let now = now_rfc3339();
        let pinned_at = match pin {
            Pin::Now => Some(now.clone()),
            Pin::Keep if target == self.resume_target => self.pinned_at.clone(),
            Pin::Keep | Pin::Clear => None,
        };
        State {
            resume_target: target,
            cwd,
            updated_at: Some(now),
            tool_state,
            pinned_at,
            ..self
        }
    }

    pub fn created_at(&self) -> Option<DateTime<Utc>> {
        parse_time(self.created_at.as_deref())
    }

    /// When `use` pinned the session; a time that does not parse counts as no pin.
    pub fn pinned_at(&self) -> Option<DateTime<Utc>> {
        parse_time(self.pinned_at.as_deref())
    }

    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut bytes = serde_json::to_vec_pretty(self)?;
        bytes.push(b'\n');
        Ok(bytes)
    }

    /// Why this state cannot be used, if it cannot.
    fn problem(&self, rules: &StateRules, state_dir: &Path) -> Option<String> {
        if self.version != 1 {
            return Some(format!("unknown version {}", self.version));
        }
        if self.tool != rules.tool {
            return Some(format!("it is for {:?}, not {}", self.tool, rules.tool));
        }
        if self.session_mode != rules.mode {
            return Some("its session_mode does not match the tool".into());
        }
        if let Some(target) = &self.resume_target
            && !(rules.accepts)(target, state_dir)
        {
            return Some(format!("invalid resume_target {target:?}"));
        }
        for (name, path) in [("cwd", &self.cwd), ("root", &self.root)] {
            if path
                .as_deref()
                .is_some_and(|path| !is_plain_absolute(Path::new(path)))
            {
                return Some(format!("its {name} is not a plain absolute path"));
            }
        }
        None
    }
}

/// Creates a state folder, with the `.gitignore` that keeps it out of `git status`. It must be a
/// real folder: a link could lead our writes anywhere.
pub fn prepare_state_dir(dir: &Path) -> Result<()> {
    match dir.symlink_metadata() {
        Ok(meta) if meta.file_type().is_symlink() => {
            return Err(anyhow!("{} is a symlink; not using it", dir.display()));
        }
        Ok(meta) if !meta.is_dir() => return Err(anyhow!("{} is not a folder", dir.display())),
        _ => {}
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    // The folder ignores itself, so it never shows in `git status`.
    let ignore = dir.join(".gitignore");
    if ignore.symlink_metadata().is_err() {
        create_new_atomic(&ignore, b"*\n")?;
    }
    Ok(())
}

/// An absolute path with no `..` in it.
pub fn is_plain_absolute(path: &Path) -> bool {
    path.is_absolute() && !path.components().any(|c| c == Component::ParentDir)
}

/// Reads and writes one tool's state for one project, or for one branch of it.
pub struct StateStore<'a> {
    scope: &'a Scope,
    rules: StateRules,
    branch: Option<&'a Branch>,
}

/// What [`StateStore::inspect`] found.
#[derive(Debug)]
pub enum Inspected {
    Usable(Box<State>),
    /// A file the next launch will set aside, and why.
    Unusable(String),
    /// No state yet, but an older version's file the next launch migrates.
    Legacy(PathBuf),
    Absent,
}

/// Result of creating a state when there was none.
pub struct Created {
    pub state: State,
    /// False when another launch created it first; `state` is then theirs.
    pub ours: bool,
}

impl<'a> StateStore<'a> {
    /// The state the scope holds: its branch's, with a branch scope, else the project's.
    pub fn new(scope: &'a Scope, rules: StateRules) -> Self {
        StateStore::for_branch(scope, rules, scope.branch.as_ref())
    }

    /// The state of `branch`, or of the project with `None`.
    pub fn for_branch(scope: &'a Scope, rules: StateRules, branch: Option<&'a Branch>) -> Self {
        StateStore {
            scope,
            rules,
            branch,
        }
    }

    /// The branch whose state this is; `None` for the project's.
    pub fn branch(&self) -> Option<&Branch> {
        self.branch
    }

    /// `<tool>.json`, or `<tool>@<branch key>.json` for a branch.
    pub fn path(&self) -> PathBuf {
        let name = match self.branch {
            Some(branch) => format!("{}@{}.json", self.rules.tool, branch.key),
            None => format!("{}.json", self.rules.tool),
        };
        self.dir().join(name)
    }

    pub fn dir(&self) -> PathBuf {
        self.scope.state_dir()
    }

    /// A new state for this tool, started in the current directory.
    pub fn fresh(&self, resume_target: Option<String>) -> State {
        let mut state = State::new(&self.rules, resume_target, &self.scope.cwd);
        state.root = self.scope.root.to_str().map(str::to_owned);
        state
    }

    /// The usable state, if any, read without changing anything: for a state of another
    /// branch or worktree that a new one forks from.
    pub fn peek(&self) -> Option<State> {
        let (bytes, _) = files::read_regular(&self.path(), STATE_CAP, false).ok()?;
        let state: State = serde_json::from_slice(&bytes).ok()?;
        state
            .problem(&self.rules, &self.dir())
            .is_none()
            .then_some(state)
    }

    /// State files an older version wrote, which are migrated on first read.
    pub fn legacy_paths(&self) -> Vec<PathBuf> {
        // Branch states are new; older versions kept one state per project.
        if self.branch.is_some() {
            return Vec::new();
        }
        let scope = self.scope;
        let git_dir = scope.root.join(".git");
        let git_dir_is_folder = scope.is_repo && git_dir.is_dir();
        let mut paths = Vec::new();
        if git_dir_is_folder {
            paths.push(
                git_dir
                    .join(LEGACY_GIT_DIR)
                    .join(format!("{}.json", self.rules.tool)),
            );
        }
        if let Some(file) = &self.rules.legacy_id_file {
            if git_dir_is_folder {
                paths.push(git_dir.join(file.in_git));
            } else if !scope.is_repo {
                paths.push(scope.root.join(file.in_folder));
            }
        }
        paths
    }

    /// What the state file holds, read without changing anything: for `status`, which only
    /// looks. A launch, or a command that changes the state, uses [`Self::load`], which repairs.
    pub fn inspect(&self) -> Inspected {
        let path = self.path();
        match files::read_regular(&path, STATE_CAP, false) {
            Ok((bytes, _)) => {
                return match serde_json::from_slice::<State>(&bytes) {
                    Ok(state) => match state.problem(&self.rules, &self.dir()) {
                        None => Inspected::Usable(Box::new(state)),
                        Some(problem) => Inspected::Unusable(problem),
                    },
                    Err(error) => {
                        Inspected::Unusable(format!("it is not valid state JSON ({error})"))
                    }
                };
            }
            Err(Unread::Missing) => {}
            Err(Unread::Failed(error)) => return Inspected::Unusable(error.to_string()),
            Err(unread) => return Inspected::Unusable(unread.to_string()),
        }
        for legacy in self.legacy_paths() {
            if legacy.symlink_metadata().is_ok() {
                return Inspected::Legacy(legacy);
            }
        }
        Inspected::Absent
    }

    /// The usable state, if any. A file that cannot be used is moved aside (never deleted) with a
    /// warning; a legacy file is migrated into the new place.
    pub fn load(&self) -> Result<Option<State>> {
        Ok(self.load_noting()?.0)
    }

    /// [`Self::load`], and whether a state file was there at all, usable or not: a project whose
    /// state was set aside is not a new project.
    pub fn load_noting(&self) -> Result<(Option<State>, bool)> {
        self.check_dir()?;
        let path = self.path();
        let had_file = path.symlink_metadata().is_ok();
        if let Some(state) = self.read_valid(&path)? {
            return Ok((Some(state), true));
        }
        for legacy in self.legacy_paths() {
            if let Some(state) = self.read_legacy(&legacy)? {
                let created = self.create(state)?;
                if let Err(error) = std::fs::remove_file(&legacy) {
                    ui::warn(&format!(
                        "migrated {} but could not remove it: {error}",
                        legacy.display()
                    ));
                }
                return Ok((Some(created.state), true));
            }
        }
        Ok((None, had_file))
    }

    /// The bytes of a state file, read as a file the repository supplied: never through a link,
    /// never waiting on a FIFO, never past [`STATE_CAP`]. With the identity of what was read;
    /// `Ok(None)` when there is none, or it could not be used and has been set aside.
    fn read_file(&self, path: &Path) -> Result<Option<(Vec<u8>, Option<FileKey>)>> {
        match files::read_regular(path, STATE_CAP, false) {
            Ok((bytes, meta)) => Ok(Some((bytes, platform::meta_id(&meta)))),
            Err(Unread::Missing) => Ok(None),
            Err(Unread::Failed(error)) => {
                Err(error).with_context(|| format!("cannot read {}", path.display()))
            }
            Err(unread) => {
                let judged = path.symlink_metadata().ok();
                let judged = judged.as_ref().and_then(platform::meta_id);
                set_aside(path, judged, &unread.to_string())?;
                Ok(None)
            }
        }
    }

    /// `Ok(None)` when the file is absent, or was unusable and has been moved aside.
    fn read_valid(&self, path: &Path) -> Result<Option<State>> {
        let Some((bytes, judged)) = self.read_file(path)? else {
            return Ok(None);
        };
        let problem = match serde_json::from_slice::<State>(&bytes) {
            Ok(state) => match state.problem(&self.rules, &self.dir()) {
                None => return Ok(Some(state)),
                Some(problem) => problem,
            },
            Err(error) => format!("it is not valid state JSON ({error})"),
        };
        set_aside(path, judged, &problem)?;
        Ok(None)
    }

    fn read_legacy(&self, path: &Path) -> Result<Option<State>> {
        if path.extension().is_some_and(|ext| ext == "json") {
            return self.read_valid(path);
        }
        // The Python tool's copilot file: a bare session id.
        let Some((bytes, judged)) = self.read_file(path)? else {
            return Ok(None);
        };
        let text = String::from_utf8_lossy(&bytes);
        let id = text.trim();
        if !is_uuid(id) {
            set_aside(path, judged, "not a session id")?;
            return Ok(None);
        }
        let mut state = self.fresh(Some(id.to_owned()));
        state.cwd = None;
        Ok(Some(state))
    }

    /// Creates the state file unless one exists; simultaneous first launches thus agree on one
    /// session, the loser reading the winner's file.
    pub fn create(&self, state: State) -> Result<Created> {
        for _ in 0..3 {
            self.prepare_dir()?;
            let placed = {
                let _lock = lock(&self.dir())?;
                create_new_atomic(&self.path(), &state.to_bytes()?)?
            };
            if placed {
                return Ok(Created { state, ours: true });
            }
            if let Some(theirs) = self.read_valid(&self.path())? {
                return Ok(Created {
                    state: theirs,
                    ours: false,
                });
            }
        }
        bail!("{} keeps changing under us", self.path().display())
    }

    /// Replaces the state file atomically; a symlink there is replaced, never written through.
    pub fn save(&self, state: &State) -> Result<()> {
        self.prepare_dir()?;
        let _lock = lock(&self.dir())?;
        write_atomic(&self.path(), &state.to_bytes()?)
    }

    /// Removes this project's state for the tool, legacy files included; returns what was removed.
    pub fn remove(&self) -> Result<Vec<PathBuf>> {
        let mut removed = Vec::new();
        for path in std::iter::once(self.path()).chain(self.legacy_paths()) {
            match std::fs::remove_file(&path) {
                Ok(()) => removed.push(path),
                Err(error) if error.kind() == ErrorKind::NotFound => {}
                Err(error) => {
                    return Err(error).with_context(|| format!("cannot remove {}", path.display()));
                }
            }
        }
        Ok(removed)
    }

    /// The state folder must be a real folder inside the project: a link could lead our writes
    /// anywhere.
    pub fn check_dir(&self) -> Result<()> {
        let dir = self.dir();
        match dir.symlink_metadata() {
            Ok(meta) if meta.file_type().is_symlink() => {
                Err(anyhow!("{} is a symlink; not using it", dir.display()))
            }
            Ok(meta) if !meta.is_dir() => Err(anyhow!("{} is not a folder", dir.display())),
            _ => Ok(()),
        }
    }

    /// Creates the state folder, with the `.gitignore` that keeps it out of `git status`.
    pub fn prepare_dir(&self) -> Result<()> {
        prepare_state_dir(&self.dir())
    }
}

#[cfg(test)]
#[path = "state_properties.rs"]
mod properties;

#[cfg(test)]
#[path = "state_tests.rs"]
mod tests;
