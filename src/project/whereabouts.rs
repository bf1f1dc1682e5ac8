//! Where a state file finds itself: in the project it was written for, in that project after a
//! move, or in a copy of it. The state records its root; nothing else is needed to tell. A move
//! is followed (the session goes with the project); a copy, a new worktree or a new branch forks
//! (a new session starts from the other place's).

use std::path::{Path, PathBuf};

use super::scope::{STATE_DIR, Scope};
use super::state::{State, is_plain_absolute};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Whereabouts {
    /// Where it was written, or nothing recorded says otherwise.
    Home,
    /// Its recorded root is gone: the project moved here from `from`.
    Moved { from: PathBuf },
    /// Its recorded root is still there: this is a copy of the project at `from` (`cp -r`, or a
    /// second checkout that carried the state folder).
    Copied { from: PathBuf },
}

impl Whereabouts {
    /// Judges `state` found in `scope`. The recorded root comes from a file of the repository,
    /// so only its existence is looked at, never its contents.
    pub fn of(state: &State, scope: &Scope) -> Whereabouts {
        let Some(recorded) = state.root.as_deref().map(Path::new) else {
            return Whereabouts::Home;
        };
        if recorded == scope.root || !is_plain_absolute(recorded) {
            return Whereabouts::Home;
        }
        match recorded.symlink_metadata() {
            Err(_) => Whereabouts::Moved {
                from: recorded.to_path_buf(),
            },
            // The same folder by another path (a link, a bind mount) is home.
            Ok(_) if same_folder(recorded, &scope.root) => Whereabouts::Home,
            Ok(_) if left_behind(recorded, &scope.root) => Whereabouts::Moved {
                from: recorded.to_path_buf(),
            },
            Ok(_) => Whereabouts::Copied {
                from: recorded.to_path_buf(),
            },
        }
    }
}

/// Whether the project left `recorded` for `root`: that folder is gone, or it is now only the
/// new root's parent (`mv shop shop/inner`), holding no state folder of its own.
pub fn left_behind(recorded: &Path, root: &Path) -> bool {
    match recorded.symlink_metadata() {
        Err(_) => true,
        Ok(_) => {
            root != recorded
                && root.starts_with(recorded)
                && recorded.join(STATE_DIR).symlink_metadata().is_err()
        }
    }
}

fn same_folder(a: &Path, b: &Path) -> bool {
    same_file::is_same_file(a, b).unwrap_or(false)
}

/// `path`, which lay under `from`, at the same place under `to`; `None` when it did not lie
/// under `from`.
pub fn moved_path(path: &Path, from: &Path, to: &Path) -> Option<PathBuf> {
    let rest = path.strip_prefix(from).ok()?;
    Some(if rest.as_os_str().is_empty() {
        to.to_path_buf()
    } else {
        to.join(rest)
    })
}

/// A project that moved: where its root was, and where its session ran under it.
#[derive(Debug, Clone)]
pub struct MovedFrom {
    pub from_root: PathBuf,
    /// The session's folder at the old place, when the state recorded one.
    pub from_cwd: Option<PathBuf>,
}

impl MovedFrom {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::state::{SessionMode, StateRules};

    fn state_for(root: &Path) -> State {
        let rules = StateRules {
            tool: "claude",
            mode: SessionMode::ManagedId,
            accepts: |_, _| true,
            legacy_id_file: None,
        };
        let mut state = State::new(&rules, None, root);
        state.root = Some(root.to_str().unwrap().to_owned());
        state
    }

    #[test]
    fn a_state_is_home_moved_or_copied_by_its_recorded_root() {
        let dir = tempfile::tempdir().unwrap();
        let original = dir.path().join("shop");
        let copy = dir.path().join("shop-copy");
        std::fs::create_dir_all(&original).unwrap();
        std::fs::create_dir_all(&copy).unwrap();
        let state = state_for(&original);

        let home = Scope::containing(original.clone());
        assert_eq!(Whereabouts::of(&state, &home), Whereabouts::Home);
        let elsewhere = Scope::containing(copy.clone());
        assert_eq!(
            Whereabouts::of(&state, &elsewhere),
            Whereabouts::Copied {
                from: original.clone()
            }
        );
        std::fs::remove_dir(&original).unwrap();
        assert_eq!(
            Whereabouts::of(&state, &elsewhere),
            Whereabouts::Moved { from: original }
        );
    }

    #[test]
    fn a_project_moved_into_its_own_subfolder_moved() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join("shop");
        let inner = old.join("inner");
        std::fs::create_dir_all(&inner).unwrap();
        let state = state_for(&old);
        assert_eq!(
            Whereabouts::of(&state, &Scope::containing(inner.clone())),
            Whereabouts::Moved { from: old.clone() }
        );
        // A parent that is a project of its own is copied from, as before.
        std::fs::create_dir_all(old.join(STATE_DIR)).unwrap();
        assert_eq!(
            Whereabouts::of(&state, &Scope::containing(inner)),
            Whereabouts::Copied { from: old }
        );
    }

    #[cfg(unix)]
    #[test]
    fn the_same_folder_through_a_link_is_home() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("shop");
        std::fs::create_dir_all(&real).unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let state = state_for(&real);
        assert_eq!(
            Whereabouts::of(&state, &Scope::containing(link)),
            Whereabouts::Home
        );
    }

    #[test]
    fn paths_move_from_one_root_to_another() {
        let from = Path::new("/old/shop");
        let to = Path::new("/new/shop");
        assert_eq!(
            moved_path(Path::new("/old/shop/api"), from, to),
            Some(PathBuf::from("/new/shop/api"))
        );
        assert_eq!(moved_path(from, from, to), Some(to.to_path_buf()));
        assert_eq!(moved_path(Path::new("/old/shopping"), from, to), None);
    }
}
