//! When a project's sessions were last handed to the archive: the launch asks this (one file's
//! metadata) to decide whether to start a background archive run, which `sessions::archive` does.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, Result};

use super::Scope;
use super::settings::ArchiveSetting;
use crate::base::{files, platform};

/// How often a launch starts a background archive run at most.
pub const ARCHIVE_EVERY: Duration = Duration::from_secs(60);

/// This program's folder inside a repository's common git folder (stamp, lock).
pub fn own_dir(common_git_dir: &Path) -> PathBuf {
    common_git_dir.join("ai-session-manager")
}

/// The file whose modification time says when the last archive run started.
fn stamp(own_dir: &Path) -> PathBuf {
    own_dir.join("archive-started")
}

/// The repository folder whose archive a launch here should bring up to date, if one is due:
/// the project is a git repository, the `archive` setting is on, and no run started in the
/// last [`ARCHIVE_EVERY`].
pub fn due(scope: &Scope) -> Option<PathBuf> {
    if !scope.is_repo || scope.settings.archive == ArchiveSetting::Off {
        return None;
    }
    let common = scope.git()?.common_dir;
    // An empty `.git` is no repository: no run could keep anything there.
    if !common.join("HEAD").is_file() {
        return None;
    }
    let started = stamp(&own_dir(&common))
        .metadata()
        .and_then(|meta| meta.modified());
    match started {
        Ok(started) if started.elapsed().is_ok_and(|since| since < ARCHIVE_EVERY) => None,
        _ => Some(common),
    }
}

/// The list an archive run leaves of what the archive holds, a `tool/id` a line, so that a
/// launch can tell without git whether there is a session to restore.
fn holds(own_dir: &Path) -> PathBuf {
    own_dir.join("archive-holds")
}

/// The list is a line per session; past this it is not ours.
const HOLDS_CAP: u64 = 16 << 20;

/// Whether the archive of the repository at `common_git_dir` holds session `id` of `tool`, as
/// its last run listed it.
pub fn archive_holds(common_git_dir: &Path, tool: &str, id: &str) -> bool {
    let Ok((bytes, _)) = files::read_regular(&holds(&own_dir(common_git_dir)), HOLDS_CAP, false)
    else {
        return false;
    };
    let wanted = format!("{tool}/{id}");
    bytes
        .split(|&byte| byte == b'\n')
        .any(|line| line == wanted.as_bytes())
}

/// Lists what the archive holds, for the launch.
pub fn mark_holds(own_dir: &Path, sessions: &[String]) -> Result<()> {
    let mut text = sessions.join("\n");
    text.push('\n');
    files::write_atomic(&holds(own_dir), text.as_bytes())
}

/// Where this machine notes the archive commit it wrote last for the repository at
/// `common_git_dir`: outside the repository, so that a repository that arrived with a download
/// cannot claim an archive as this machine's.
fn written_here(common_git_dir: &Path) -> Option<PathBuf> {
    let key = crate::base::platform::path_bytes(common_git_dir);
    let name = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, &key).simple();
    platform::user_data_dir().map(|dir| dir.join("archives").join(name.to_string()))
}

/// Notes that this machine wrote `commit` as the archive of the repository.
pub fn note_written(common_git_dir: &Path, commit: &str) -> Result<()> {
    let path = written_here(common_git_dir).context("no data folder for this user")?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    files::write_atomic(&path, commit.as_bytes())
}

/// Whether `commit` is the archive this machine wrote last for the repository.
pub fn written_here_is(common_git_dir: &Path, commit: &str) -> bool {
    let Some(path) = written_here(common_git_dir) else {
        return false;
    };
    files::read_regular(&path, 256, false).is_ok_and(|(bytes, _)| bytes == commit.as_bytes())
}

/// What a look at the archive tells without git: from the files its runs and restores leave.
#[derive(Debug, Default)]
pub struct Summary {
    /// The sessions the archive held after its last run.
    pub held: Vec<String>,
    pub last_run: Option<std::time::SystemTime>,
    /// The restores launches made, a line each (`tool id time`), the newest last.
    pub restored: Vec<String>,
}

/// The archive of the repository at `common_git_dir`, as its files tell; `None` if it has none.
pub fn summary(common_git_dir: &Path) -> Option<Summary> {
    let own = own_dir(common_git_dir);
    let held = read_lines(&holds(&own))?;
    Some(Summary {
        held,
        last_run: stamp(&own).metadata().and_then(|meta| meta.modified()).ok(),
        restored: read_lines(&restored(&own)).unwrap_or_default(),
    })
}

/// The non-empty lines of one of this program's files in `.git`; `None` when it cannot be read.
fn read_lines(path: &Path) -> Option<Vec<String>> {
    let (bytes, _) = files::read_regular(path, HOLDS_CAP, false).ok()?;
    let text = String::from_utf8_lossy(&bytes);
    Some(
        text.lines()
            .filter(|line| !line.is_empty())
            .map(str::to_owned)
            .collect(),
    )
}

fn restored(own_dir: &Path) -> PathBuf {
    own_dir.join("archive-restored")
}

/// Notes that a launch restored session `id` of `tool`, for `status`; the last 20 are kept.
pub fn note_restored(common_git_dir: &Path, tool: &str, id: &str) -> Result<()> {
    let path = restored(&own_dir(common_git_dir));
    let mut lines = read_lines(&path).unwrap_or_default();
    lines.push(format!("{tool} {id} {}", crate::base::time::now_rfc3339()));
    let keep = lines.len().saturating_sub(20);
    files::write_atomic(&path, (lines[keep..].join("\n") + "\n").as_bytes())
}

/// Marks that an archive run starts now.
pub fn mark_started(own_dir: &Path) -> Result<()> {
    std::fs::create_dir_all(own_dir)
        .with_context(|| format!("cannot create {}", own_dir.display()))?;
    files::write_atomic(&stamp(own_dir), b"")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::settings::ArchiveSetting;

    fn project(git: bool) -> (tempfile::TempDir, Scope) {
        let dir = tempfile::tempdir().unwrap();
        if git {
            std::fs::create_dir(dir.path().join(".git")).unwrap();
            std::fs::write(dir.path().join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
        }
        let scope = Scope::containing(dir.path().to_path_buf());
        (dir, scope)
    }

    #[test]
    fn a_run_is_due_in_a_repository_with_the_setting_on_once_a_minute_at_most() {
        let (_dir, mut scope) = project(true);
        let common = scope.git().unwrap().common_dir;
        assert_eq!(due(&scope), Some(common.clone()), "never ran");
        mark_started(&own_dir(&common)).unwrap();
        assert_eq!(due(&scope), None, "just started");
        let long_ago = std::time::SystemTime::now() - ARCHIVE_EVERY * 2;
        std::fs::File::options()
            .write(true)
            .open(stamp(&own_dir(&common)))
            .unwrap()
            .set_modified(long_ago)
            .unwrap();
        assert_eq!(due(&scope), Some(common));
        scope.settings.archive = ArchiveSetting::Off;
        assert_eq!(due(&scope), None, "turned off");
        let (_plain, plain) = project(false);
        assert_eq!(due(&plain), None, "no repository");
        let (empty, scope) = project(true);
        std::fs::remove_file(empty.path().join(".git/HEAD")).unwrap();
        assert_eq!(due(&scope), None, "an empty .git");
    }
}
