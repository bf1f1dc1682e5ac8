//! How a launch begins: with the state it found, after its project moved or was copied, or, for
//! a new branch or worktree, from the session of the place it was made from.

use std::path::{Path, PathBuf};

use crate::project::settings::{BranchStart, WorktreeStart};
use crate::project::whereabouts::carried;
use crate::project::{Branch, Scope, State, StateStore, Whereabouts};
use crate::tool::{ForkFrom, Moved, Tool, context_for};

/// What the launch does with the state.
pub enum Start {
    /// The state is this place's own: resume as usual. `fresh` when this launch created it.
    Stored { fresh: bool },
    /// The project moved here; where it was.
    Moved(Moved),
    /// A new session of this place's own, forked from another place's.
    Fork { from: ForkFrom, how: &'static str },
}

/// Judges a state that was found, not created. A copy forks the original's session: the one
/// stored, or for tools that pick their own ids, the one the original would learn next.
pub fn found(state: &State, scope: &Scope, tool: &dyn Tool, store: &StateStore) -> Start {
    match Whereabouts::of(state, scope) {
        Whereabouts::Home => Start::Stored { fresh: false },
        Whereabouts::Moved { from } => Start::Moved(Moved {
            from_root: from,
            from_cwd: state.cwd.as_deref().map(PathBuf::from),
        }),
        Whereabouts::Copied { from } => match state
            .resume_target
            .clone()
            .or_else(|| learned_at(tool, state, scope, store, &from))
        {
            Some(target) => Start::Fork {
                from: ForkFrom {
                    target,
                    cwd: state.cwd.as_deref().map(PathBuf::from),
                    root: Some(from.clone()),
                    label: format!("the project at {}", from.display()),
                },
                how: "copied",
            },
            // Nothing learned there yet: nothing to fork.
            None => Start::Stored { fresh: false },
        },
    }
}

/// The session a brand-new state forks from, if the settings ask for it: a new branch's, the
/// branch it was made from (else the project's); a new worktree's, the main worktree's.
pub fn fork_source(tool: &dyn Tool, scope: &Scope) -> Option<(ForkFrom, &'static str)> {
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
                return Some((from, "branch"));
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
                    return Some((from, "worktree"));
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
    let here = carried(from.cwd.as_deref()?, from.root.as_deref()?, &scope.root)?;
    let here = scope.contains(&here)?;
    here.to_str().map(str::to_owned)
}
