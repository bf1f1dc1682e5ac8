//! Project scope and the per-project state files in `<root>/.ai-session-manager/`.

use std::io::{self, ErrorKind};
use std::path::{Component, Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, Result, anyhow, bail};
use serde::{Deserialize, Serialize};

use crate::tools::{SessionMode, Tool, is_uuid};

pub const STATE_DIR: &str = ".ai-session-manager";
/// Where the Python tool kept repo state before it moved to the project folder.
const LEGACY_GIT_DIR: &str = "ai-session-manager";
const LEGACY_COPILOT_REPO_FILE: &str = "copilot-session";
const LEGACY_COPILOT_FOLDER_FILE: &str = ".copilot-session";

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

    pub fn state_path(&self, tool: &dyn Tool) -> PathBuf {
        self.state_dir().join(format!("{}.json", tool.name()))
    }

    /// State files an older version wrote, which are migrated on first read.
    pub fn legacy_paths(&self, tool: &dyn Tool) -> Vec<PathBuf> {
        let git_dir = self.root.join(".git");
        let git_dir_is_folder = self.is_repo && git_dir.is_dir();
        let mut paths = Vec::new();
        if git_dir_is_folder {
            paths.push(
                git_dir
                    .join(LEGACY_GIT_DIR)
                    .join(format!("{}.json", tool.name())),
            );
        }
        if tool.name() == "copilot" {
            if git_dir_is_folder {
                paths.push(git_dir.join(LEGACY_COPILOT_REPO_FILE));
            } else if !self.is_repo {
                paths.push(self.root.join(LEGACY_COPILOT_FOLDER_FILE));
            }
        }
        paths
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
    /// A converted gemini session that the wrapper is importing (see `tools::gemini`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub import: Option<Import>,
    /// When `use` pinned `resume_target`: sessions of tools that pick their own ids take over
    /// from a pinned one only if they started after it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pinned_at: Option<String>,
    /// Fields a newer version added survive a rewrite by this one.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl State {
    pub fn new(tool: &dyn Tool, resume_target: Option<String>, cwd: &Path) -> State {
        let now = now_rfc3339();
        State {
            version: 1,
            tool: tool.name().to_owned(),
            session_mode: tool.session_mode(),
            resume_target,
            cwd: cwd.to_str().map(str::to_owned),
            created_at: Some(now.clone()),
            updated_at: Some(now),
            import: None,
            pinned_at: None,
            extra: Default::default(),
        }
    }

    pub fn created_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        crate::transcript::parse_time(self.created_at.as_deref())
    }

    /// When `use` pinned the session; a time that does not parse counts as no pin.
    pub fn pinned_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        crate::transcript::parse_time(self.pinned_at.as_deref())
    }

    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut bytes = serde_json::to_vec_pretty(self)?;
        bytes.push(b'\n');
        Ok(bytes)
    }

    /// Why this state cannot be used, if it cannot.
    fn problem(&self, tool: &dyn Tool, state_dir: &Path) -> Option<String> {
        if self.version != 1 {
            return Some(format!("unknown version {}", self.version));
        }
        if self.tool != tool.name() {
            return Some(format!("it is for {:?}, not {}", self.tool, tool.name()));
        }
        if self.session_mode != tool.session_mode() {
            return Some("its session_mode does not match the tool".into());
        }
        if let Some(target) = &self.resume_target
            && !tool.accepts_target(target, state_dir)
        {
            return Some(format!("invalid resume_target {target:?}"));
        }
        if let Some(cwd) = &self.cwd {
            let cwd = Path::new(cwd);
            if !cwd.is_absolute() || cwd.components().any(|c| c == Component::ParentDir) {
                return Some("its cwd is not a plain absolute path".into());
            }
        }
        None
    }
}

/// Bookkeeping for a converted session that gemini must import with `--session-file`. Gemini
/// gives every import a new id, so the wrapper imports once and learns that id on the next launch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Import {
    /// The id of the converted file's first message; gemini keeps message ids when it imports,
    /// so this is how the imported copy is recognised.
    pub first_message: String,
    /// When the wrapper last started gemini with `--session-file`.
    pub started_at: String,
    /// How many launches have imported the file so far.
    pub attempts: u32,
}

pub fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Reads and writes one tool's state for one project.
pub struct StateStore<'a> {
    scope: &'a Scope,
    tool: &'a dyn Tool,
}

/// Result of creating a state when there was none.
pub struct Created {
    pub state: State,
    /// False when another launch created it first; `state` is then theirs.
    pub ours: bool,
}

impl<'a> StateStore<'a> {
    pub fn new(scope: &'a Scope, tool: &'a dyn Tool) -> Self {
        StateStore { scope, tool }
    }

    pub fn path(&self) -> PathBuf {
        self.scope.state_path(self.tool)
    }

    pub fn dir(&self) -> PathBuf {
        self.scope.state_dir()
    }

    /// The usable state, if any. A file that cannot be used is moved aside (never deleted) with a
    /// warning; a legacy file is migrated into the new place.
    pub fn load(&self) -> Result<Option<State>> {
        self.check_dir()?;
        let path = self.path();
        if let Some(state) = self.read_valid(&path)? {
            return Ok(Some(state));
        }
        for legacy in self.scope.legacy_paths(self.tool) {
            if let Some(state) = self.read_legacy(&legacy)? {
                let created = self.create(state)?;
                if let Err(error) = std::fs::remove_file(&legacy) {
                    crate::ui::warn(&format!(
                        "migrated {} but could not remove it: {error}",
                        legacy.display()
                    ));
                }
                return Ok(Some(created.state));
            }
        }
        Ok(None)
    }

    /// `Ok(None)` when the file is absent, or was unusable and has been moved aside.
    fn read_valid(&self, path: &Path) -> Result<Option<State>> {
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == ErrorKind::NotFound => return Ok(None),
            Err(error) => {
                return Err(error).with_context(|| format!("cannot read {}", path.display()));
            }
        };
        let problem = match serde_json::from_slice::<State>(&bytes) {
            Ok(state) => match state.problem(self.tool, &self.dir()) {
                None => return Ok(Some(state)),
                Some(problem) => problem,
            },
            Err(error) => format!("it is not valid state JSON ({error})"),
        };
        let aside = move_aside(path)?;
        crate::ui::warn(&format!(
            "ignored {}: {problem}; moved it to {}",
            path.display(),
            aside.display()
        ));
        Ok(None)
    }

    fn read_legacy(&self, path: &Path) -> Result<Option<State>> {
        if path.extension().is_some_and(|ext| ext == "json") {
            return self.read_valid(path);
        }
        // The Python tool's copilot file: a bare session id.
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(error) if error.kind() == ErrorKind::NotFound => return Ok(None),
            Err(error) => {
                return Err(error).with_context(|| format!("cannot read {}", path.display()));
            }
        };
        let id = text.trim();
        if !is_uuid(id) {
            let aside = move_aside(path)?;
            crate::ui::warn(&format!(
                "ignored {}: not a session id; moved it to {}",
                path.display(),
                aside.display()
            ));
            return Ok(None);
        }
        let mut state = State::new(self.tool, Some(id.to_owned()), &self.scope.cwd);
        state.cwd = None;
        Ok(Some(state))
    }

    /// Creates the state file unless one exists; simultaneous first launches thus agree on one
    /// session, the loser reading the winner's file.
    pub fn create(&self, state: State) -> Result<Created> {
        for _ in 0..3 {
            self.prepare_dir()?;
            if create_new_atomic(&self.path(), &state.to_bytes()?)? {
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
        write_atomic(&self.path(), &state.to_bytes()?)
    }

    /// Removes this project's state for the tool, legacy files included; returns what was removed.
    pub fn remove(&self) -> Result<Vec<PathBuf>> {
        let mut removed = Vec::new();
        for path in std::iter::once(self.path()).chain(self.scope.legacy_paths(self.tool)) {
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
        self.check_dir()?;
        let dir = self.dir();
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        // The folder ignores itself, so it never shows in `git status`.
        let ignore = dir.join(".gitignore");
        if ignore.symlink_metadata().is_err() {
            create_new_atomic(&ignore, b"*\n")?;
        }
        Ok(())
    }
}

fn unix_time() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .unwrap_or(0)
}

/// Renames an unusable file to `<name>.bad-<unix time>`, never over an existing one.
fn move_aside(path: &Path) -> Result<PathBuf> {
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stamp = unix_time();
    for attempt in 0..100u32 {
        let suffix = if attempt == 0 {
            format!("{name}.bad-{stamp}")
        } else {
            format!("{name}.bad-{stamp}-{attempt}")
        };
        let aside = path.with_file_name(suffix);
        if aside.symlink_metadata().is_ok() {
            continue;
        }
        std::fs::rename(path, &aside)
            .with_context(|| format!("{} is unusable and cannot be moved aside", path.display()))?;
        return Ok(aside);
    }
    bail!("too many unusable copies of {}", path.display())
}

/// A fresh hidden name beside `path`, for something that is then renamed or linked over it; being
/// beside it keeps that on one file system.
pub fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(
        ".{name}.tmp-{}-{}",
        std::process::id(),
        &crate::tools::new_uuid()[..8]
    ))
}

/// A new, empty temp file beside `path`.
pub fn create_temp(path: &Path) -> Result<(PathBuf, std::fs::File)> {
    let temp = temp_path(path);
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temp)
        .with_context(|| format!("cannot create {}", temp.display()))?;
    Ok((temp, file))
}

/// A temp file beside `path`, written in full.
fn write_temp(path: &Path, bytes: &[u8]) -> Result<PathBuf> {
    use std::io::Write;
    let (temp, mut file) = create_temp(path)?;
    if let Err(error) = file.write_all(bytes) {
        let _ = std::fs::remove_file(&temp);
        return Err(error).with_context(|| format!("cannot write {}", temp.display()));
    }
    Ok(temp)
}

/// Writes `bytes` to `path` through a temp file and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let temp = write_temp(path, bytes)?;
    std::fs::rename(&temp, path).map_err(|error| {
        let _ = std::fs::remove_file(&temp);
        anyhow::Error::new(error).context(format!("cannot replace {}", path.display()))
    })
}

/// Writes `bytes` to `path` only if nothing is there, atomically: the full temp file is linked
/// into place, which fails if the target exists. Returns false if it existed.
pub fn create_new_atomic(path: &Path, bytes: &[u8]) -> Result<bool> {
    let temp = write_temp(path, bytes)?;
    match link_into_place(&temp, path)? {
        Some(placed) => Ok(placed),
        None => {
            let _ = std::fs::remove_file(&temp);
            // No hard links here (some network and FAT file systems): fall back to an exclusive
            // create, which is still create-if-absent.
            create_new_plain(path, bytes)
        }
    }
}

/// Moves a fully written temp file to `path` unless something is there already; never replaces
/// an existing file. Returns false if `path` existed (the temp file is then removed).
pub fn place_new(temp: &Path, path: &Path) -> Result<bool> {
    if let Some(placed) = link_into_place(temp, path)? {
        return Ok(placed);
    }
    // No hard links on this file system: a rename after a check is the closest we can get.
    if path.symlink_metadata().is_ok() {
        let _ = std::fs::remove_file(temp);
        return Ok(false);
    }
    std::fs::rename(temp, path).map_err(|error| {
        let _ = std::fs::remove_file(temp);
        anyhow::Error::new(error).context(format!("cannot create {}", path.display()))
    })?;
    Ok(true)
}

/// Links `temp` to `path`, which fails if `path` exists, then removes `temp`. `None` when the
/// file system has no hard links; `temp` is then left in place.
fn link_into_place(temp: &Path, path: &Path) -> Result<Option<bool>> {
    let linked = std::fs::hard_link(temp, path);
    if let Err(error) = &linked
        && links_unsupported(error)
    {
        return Ok(None);
    }
    let _ = std::fs::remove_file(temp);
    match linked {
        Ok(()) => Ok(Some(true)),
        Err(error) if error.kind() == ErrorKind::AlreadyExists => Ok(Some(false)),
        Err(error) => Err(error).with_context(|| format!("cannot create {}", path.display())),
    }
}

/// Whether a hard link failed because the file system has none, rather than for lack of rights.
pub fn links_unsupported(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        ErrorKind::Unsupported | ErrorKind::PermissionDenied
    ) && error.raw_os_error() != Some(13)
}

fn create_new_plain(path: &Path, bytes: &[u8]) -> Result<bool> {
    use std::io::Write;
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
    {
        Ok(mut file) => {
            file.write_all(bytes)
                .with_context(|| format!("cannot write {}", path.display()))?;
            Ok(true)
        }
        Err(error) if error.kind() == ErrorKind::AlreadyExists => Ok(false),
        Err(error) => Err(error).with_context(|| format!("cannot create {}", path.display())),
    }
}
