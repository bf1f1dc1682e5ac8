//! How a launch begins: with the state it found, after its project moved or was copied, or, for
//! a new branch or worktree, from the session of the place it was made from.

use std::path::{Path, PathBuf};

use crate::contract::{ForkFrom, MovedFrom, Tool, context_for};
use crate::project::settings::{BranchStart, WorktreeStart};
use crate::project::state::is_plain_absolute;
use crate::project::whereabouts::{left_behind, moved_path};
use crate::project::{Arrival, Branch, Scope, State, StateStore, Whereabouts, pins};

/// What the launch does with the state.
pub enum Start {
    /// The state is this place's own: resume as usual. `fresh` when this launch created it.
    Stored { fresh: bool },
    /// The project moved here; where it was.
    Moved(MovedFrom),
    /// A new session of this place's own, forked from another place's.
    Fork { from: ForkFrom, how: Arrival },
    /// The state names a session that is not this place's to take: it is set aside, and the
    /// launch starts afresh.
    Disowned { why: String },
}

/// Judges a state that was found, not created. A copy forks the original's session: the one
/// stored, or for tools that pick their own ids, the one the original would learn next.
pub fn found(state: &State, scope: &Scope, tool: &dyn Tool, store: &StateStore) -> Start {
    match Whereabouts::of(state, scope) {
        Whereabouts::Home => Start::Stored { fresh: false },
        Whereabouts::Moved { from } => Start::Moved(MovedFrom {
            from_cwd: folder_under(state, &from),
            from_root: from,
        }),
        Whereabouts::Copied { from } => {
            let target = match state.resume_target.clone() {
                // A copy carries the original's state: the original must still name it.
                Some(target) if original_names(tool, scope, store, &from, &target) => Some(target),
                Some(_) => {
                    return Start::Disowned {
                        why: format!(
                            "the state names a session that the project at {} does not",
                            from.display()
                        ),
                    };
                }
                None => learned_at(tool, state, scope, store, &from),
            };
            match target {
                Some(target) => Start::Fork {
                    from: ForkFrom {
                        target,
                        cwd: folder_under(state, &from),
                        root: Some(from.clone()),
                        label: format!("the project at {}", from.display()),
                    },
                    how: Arrival::Copied,
                },
                // Nothing learned there yet: nothing to fork.
                None => Start::Stored { fresh: false },
            }
        }
    }
}

/// The state's session folder when it lies under `root`, the place the state says it came
/// from; a folder elsewhere is no part of that place.
fn folder_under(state: &State, root: &Path) -> Option<PathBuf> {
    let cwd = Path::new(state.cwd.as_deref()?);
    cwd.starts_with(root).then(|| cwd.to_path_buf())
}

/// Whether the project at `from` holds a state, of the same branch, that names `target`.
fn original_names(
    tool: &dyn Tool,
    scope: &Scope,
    store: &StateStore,
    from: &Path,
    target: &str,
) -> bool {
    let original = scope.sibling(from.to_path_buf());
    let theirs = StateStore::for_branch(&original, tool.state_rules(), store.branch());
    theirs
        .peek()
        .is_some_and(|state| state.resume_target.as_deref() == Some(target))
}

/// Why the session the launch would resume, carry or fork is not this project's to take, by
/// the tool's own store: the folder it ran in lies outside every place the start allows. A
/// cloned or downloaded state may name any id it has seen. `None` when it may be taken, or the
/// store does not say.
pub fn foreign(
    tool: &dyn Tool,
    state: &State,
    scope: &Scope,
    start: &Start,
    store: &StateStore,
) -> Option<String> {
    let session_cwd;
    let (target, near, owners): (&str, &Path, Vec<&Path>) = match start {
        Start::Stored { fresh: true } | Start::Disowned { .. } => return None,
        Start::Stored { fresh: false } => {
            let mut owners = vec![scope.root.as_path()];
            // A project that moved keeps the sessions of the place it left, once that is gone.
            if let Some(origin) = &state.origin
                && origin.how == Arrival::Moved
                && left_behind(Path::new(&origin.from), &scope.root)
            {
                owners.push(Path::new(&origin.from));
            }
            let target = state.resume_target.as_deref()?;
            session_cwd = context_for(scope, state, store.dir()).0.session_cwd;
            (target, session_cwd.as_path(), owners)
        }
        Start::Moved(moved) => (
            state.resume_target.as_deref()?,
            moved.old_session_dir(),
            vec![moved.from_root.as_path()],
        ),
        Start::Fork { from, .. } => {
            let root = from.root.as_deref()?;
            (
                &from.target,
                from.cwd.as_deref().unwrap_or(root),
                vec![root],
            )
        }
    };
    let folder = tool.session_folder(near, target).ok().flatten()?;
    let owned = owners
        .iter()
        .any(|owner| is_plain_absolute(owner) && folder.starts_with(owner));
    if owned || pins::holds(tool.name(), target, &scope.root) {
        return None;
    }
    Some(format!(
        "{} session {target} ran in {}, not in this project",
        tool.display_name(),
        folder.display()
    ))
}

/// The session a brand-new state forks from, if the settings ask for it: a new branch's, the
/// branch it was made from (else the project's); a new worktree's, the main worktree's.
pub fn fork_source(tool: &dyn Tool, scope: &Scope) -> Option<(ForkFrom, Arrival)> {
    let rules = tool.state_rules();
    if let Some(branch) = &scope.branch
        && scope.settings.branch_start == BranchStart::Fork
    {
        let previous = scope
            .git()
            .and_then(|git| git.previous_branch(&branch.name))
            .map(Branch::new);
        let mut stores = Vec::new();
        if let Some(previous) = &previous {
            stores.push((Some(previous), format!("branch {}", previous.display())));
        }
        stores.push((None, "the project".to_owned()));
        for (from_branch, label) in stores {
            let store = StateStore::for_branch(scope, rules, from_branch);
            if let Some(from) = usable(tool, scope, &store, label) {
                return Some((from, Arrival::Branch));
            }
        }
    }
    if scope.settings.worktree == WorktreeStart::Fork {
        let git = scope.git()?;
        if git.is_linked_worktree() {
            let main = scope.sibling(git.main_worktree()?);
            let label = format!("the main worktree {}", main.root.display());
            let stores = [
                StateStore::new(&main, rules),
                StateStore::for_branch(&main, rules, None),
            ];
            for store in &stores {
                if let Some(from) = usable(tool, &main, store, label.clone()) {
                    return Some((from, Arrival::Worktree));
                }
            }
        }
    }
    None
}

/// The session `tool` would learn for `store`'s state (codex, agy): at its folder, on its
/// branch.
fn learned_at(
    tool: &dyn Tool,
    state: &State,
    scope: &Scope,
    store: &StateStore,
    original_root: &Path,
) -> Option<String> {
    let cwd = state.cwd.as_deref().map_or(original_root, Path::new);
    let (context, _) = context_for(scope, state, store.dir());
    let mut context = context.at(cwd);
    context.branch = store.branch().map(|branch| branch.name.clone());
    tool.discover(&context).ok().flatten()
}

/// The session of `store`'s state to fork: the one stored or, for tools that pick their own
/// ids, the one its next launch would learn.
fn usable(tool: &dyn Tool, scope: &Scope, store: &StateStore, label: String) -> Option<ForkFrom> {
    let state = store.peek()?;
    let target = match &state.resume_target {
        Some(target) => target.clone(),
        None => learned_at(tool, &state, scope, store, &scope.root)?,
    };
    Some(ForkFrom {
        target,
        cwd: state.cwd.as_deref().map(PathBuf::from),
        root: state.root.as_deref().map(PathBuf::from),
        label,
    })
}

/// Where a forked session runs here: the source's folder at the same place under this root, when
/// that folder exists here; else the current folder.
pub fn forked_cwd(from: &ForkFrom, scope: &Scope) -> Option<String> {
    let here = moved_path(from.cwd.as_deref()?, from.root.as_deref()?, &scope.root)?;
    let here = scope.contains(&here)?;
    here.to_str().map(str::to_owned)
}
