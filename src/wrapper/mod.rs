//! Wrapper mode: started under a tool's name, resume that tool's session for this project.
//!
//! Anything that goes wrong here is a warning, and the tool then runs exactly as typed. Only a
//! missing real binary or a loop stops the launch.

pub mod real_binary;
mod start;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;

use crate::base::time::now_rfc3339;
use crate::base::{env, files, platform, ui};
use crate::contract::{Announce, ArchiveRulesOf, Context, Plan, Tool, context_for};
use crate::project::archive::{self, Restored};
use crate::project::keeping;
use crate::project::whereabouts::moved_path;
use crate::project::{Arrival, Origin, Pin, Scope, State, StateStore};
use real_binary::Launch;
use start::Start;

pub fn run(tool: &'static dyn Tool, argv0: OsString, args: Vec<OsString>) -> ExitCode {
    let depth = match real_binary::next_depth(tool) {
        Ok(depth) => depth,
        Err(error) => return error.report(),
    };
    let real = match real_binary::find_real_binary(tool, &argv0) {
        Ok(real) => real,
        Err(error) => return error.report(),
    };
    let launch = if passes_through(tool, &args) {
        Launch { args, cwd: None }
    } else {
        match prepare(tool, &args) {
            Ok(launch) => launch,
            Err(error) => {
                ui::warn(&format!("{error:#}; starting {} as typed", tool.name()));
                Launch { args, cwd: None }
            }
        }
    };
    real_binary::run(tool, &real, launch, depth)
}

/// Launches the wrapper leaves alone, reading and writing no state (docs/behaviour.md §5).
pub fn passes_through(tool: &dyn Tool, args: &[OsString]) -> bool {
    env::flag(env::DISABLE)
        // Started inside a wrapped tool: a tool relaunching itself, or an agent calling another.
        || env::os(env::ACTIVE).is_some()
        || tool.arg_rules().passes_through(args)
}

fn prepare(tool: &'static dyn Tool, args: &[OsString]) -> Result<Launch> {
    let scope = Scope::current()?;
    let store = StateStore::new(&scope, tool.state_rules());
    let (mut state, mut start) = match store.load_noting()? {
        (Some(state), _) => {
            let start = start::found(&state, &scope, tool, &store);
            (state, start)
        }
        (None, had_file) => {
            let source = match had_file {
                false => start::fork_source(tool, &scope),
                true => None,
            };
            let mut state = store.fresh(match source {
                Some(_) => None,
                None => tool.initial_target(),
            });
            if had_file {
                // A state that was set aside leaves a project with a history of unknown age,
                // not a new one.
                state.created_at = None;
            }
            if let Some(cwd) = source
                .as_ref()
                .and_then(|(from, _)| start::forked_cwd(from, &scope))
            {
                state.cwd = Some(cwd);
            }
            let created = store.create(state)?;
            let start = match source {
                Some((from, how)) if created.ours => Start::Fork { from, how },
                _ => Start::Stored {
                    fresh: created.ours && !had_file,
                },
            };
            (created.state, start)
        }
    };

    // A session the state names but the tool's store says is another folder's is not taken.
    let why = match &start {
        Start::Disowned { why } => Some(why.clone()),
        _ => start::foreign(tool, &state, &scope, &start, &store),
    };
    if let Some(why) = why {
        let aside = files::rename_aside(&store.path(), "foreign")?;
        ui::warn(&format!(
            "{why}; moved the state to {} and starting a new session",
            aside.display()
        ));
        let created = store.create(store.fresh(tool.initial_target()))?;
        start = Start::Stored {
            fresh: created.ours,
        };
        state = created.state;
    }

    // A state written for another root, or none, is saved with this one.
    let here = scope.root.to_str().map(str::to_owned);
    let must_save = state.root != here;
    state.root = here;
    match &start {
        Start::Stored { .. } | Start::Disowned { .. } => {}
        Start::Moved(moved) => {
            let from = &moved.from_root;
            state.cwd = carried_cwd(&state, from, &scope);
            state.origin = Some(Origin::now(
                Arrival::Moved,
                from.display().to_string(),
                state.resume_target.clone(),
            ));
            ui::say(&format!("This project moved here from {}", from.display()));
        }
        Start::Fork { from, how } => {
            if *how == Arrival::Copied {
                // The copy's own session is the fork; the original keeps its own.
                if let Some(root) = &from.root {
                    state.cwd = carried_cwd(&state, root, &scope);
                }
                state.resume_target = None;
                state.tool_state = None;
                state.pinned_at = None;
                state.created_at = Some(now_rfc3339());
            }
            state.origin = Some(Origin::now(
                *how,
                from.label.clone(),
                Some(from.target.clone()),
            ));
        }
    }

    let (context, warnings) = context_for(&scope, &state, store.dir());
    for warning in &warnings {
        ui::warn(warning);
    }
    let target = state.resume_target.as_deref();
    if let (Start::Stored { fresh: false }, Some(target)) = (&start, target) {
        restore_if_deleted(tool, &scope, &context, target);
    }
    let plan = match &start {
        Start::Stored { fresh } => tool.plan(&context, target, *fresh)?,
        Start::Disowned { .. } => tool.plan(&context, target, true)?,
        Start::Moved(moved) => tool.follow_move(&context, target, moved)?,
        Start::Fork { from, .. } => tool.fork(&context, from)?,
    };
    let must_save = must_save || !matches!(start, Start::Stored { .. });
    let run_in = record(&store, &scope, state, &plan, &context, must_save)?;

    for notice in &plan.notices {
        ui::say(notice);
    }
    announce(tool, &scope, &plan.announce);
    let cwd = (run_in != scope.cwd).then(|| {
        ui::say(&format!(
            "Running in {}, where this session started",
            run_in.display()
        ));
        run_in
    });
    keep_sessions(&scope);
    let mut full_args = plan.inject;
    full_args.extend(args.iter().cloned());
    Ok(Launch {
        args: full_args,
        cwd,
    })
}

/// Saves what the plan learned; returns the folder the tool runs in.
fn record(
    store: &StateStore,
    scope: &Scope,
    state: State,
    plan: &Plan,
    context: &Context,
    must_save: bool,
) -> Result<PathBuf> {
    // A session discovered elsewhere in the project runs where it started.
    let discovered_cwd =
        plan.session_cwd
            .as_deref()
            .and_then(|dir| match scope.session_folder(dir) {
                Ok(folder) => Some(folder),
                Err(why) => {
                    if dir.symlink_metadata().is_ok() {
                        ui::warn(&format!(
                            "not running in {}, where the session started: {why}",
                            dir.display()
                        ));
                    }
                    None
                }
            });
    let run_in = discovered_cwd
        .clone()
        .unwrap_or_else(|| context.session_cwd.clone());
    let target_changed = plan.target != state.resume_target;
    let cwd = match &discovered_cwd {
        Some(dir) => dir.to_str().map(str::to_owned),
        // A new session started where the tool runs now.
        None if target_changed && state.cwd.is_none() => {
            context.session_cwd.to_str().map(str::to_owned)
        }
        None => state.cwd.clone(),
    };
    if must_save || target_changed || cwd != state.cwd || plan.tool_state != state.tool_state {
        let next = state.pointed_at(plan.target.clone(), cwd, plan.tool_state.clone(), Pin::Keep);
        store.save(&next)?;
    }
    Ok(run_in)
}

fn announce(tool: &dyn Tool, scope: &Scope, announce: &Announce) {
    let project = scope.name();
    let line = match announce {
        Announce::New(id) => format!("New session {id} ({project})"),
        Announce::Resuming(id) => format!("Resuming session {id} ({project})"),
        Announce::StartingNew => {
            format!("Starting new {} session ({project})", tool.display_name())
        }
        Announce::ResumingLatest => {
            format!(
                "Resuming latest {} session ({project})",
                tool.display_name()
            )
        }
        Announce::Importing(file) => format!("Importing converted session {file} ({project})"),
        Announce::Forking { from, to: Some(to) } => {
            format!("Forking session {from} as {to} ({project})")
        }
        Announce::Forking { from, to: None } => format!("Forking session {from} ({project})"),
    };
    ui::say(&line);
}

/// The state's session folder, which lay under `from`, at the same place under this root.
fn carried_cwd(state: &State, from: &Path, scope: &Scope) -> Option<String> {
    let cwd = moved_path(Path::new(state.cwd.as_deref()?), from, &scope.root)?;
    cwd.to_str().map(str::to_owned)
}

/// Hands the project's sessions to a background archive run when one is due: the run is
/// detached and nobody waits for it, so the launch neither slows down for git nor fails with it.
fn keep_sessions(scope: &Scope) {
    if keeping::due(scope).is_none() {
        return;
    }
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let args = ["archive", "--background"];
    let _ = platform::spawn_detached(&exe, platform::BIN_NAME, &args, &scope.root);
}

/// Puts the session this project resumes back from the archive when the tool deleted it
/// (claude's sweep, gemini's deletion of a resumed chat), so that the launch resumes it. Asks
/// only when the tool's store has lost the session and the archive's list says it holds it;
/// only then does git run, to read the archive.
fn restore_if_deleted(tool: &'static dyn Tool, scope: &Scope, context: &Context, target: &str) {
    let Some(store) = tool.session_store() else {
        return;
    };
    let Some(common) = scope.git().map(|dirs| dirs.common_dir) else {
        return;
    };
    if store.archive_area().is_none() || !scope.is_repo {
        return;
    }
    if !matches!(store.has_session(context, target), Ok(false))
        || !keeping::archive_holds(&common, tool.name(), target)
    {
        return;
    }
    let tools = [tool];
    let rules = ArchiveRulesOf(&tools);
    let restored = archive::repo_of(scope)
        .and_then(|repo| archive::restore_id(&repo, &rules, tool.name(), target));
    match restored {
        Ok(Some(Restored::Written(_))) => {
            let _ = keeping::note_restored(&common, tool.name(), target);
            ui::say(&format!(
                "Restored session {target} from the project's archive: {} had deleted it",
                tool.name()
            ));
        }
        Ok(_) => {}
        Err(error) => ui::warn(&format!(
            "cannot restore session {target} from the archive: {error:#}"
        )),
    }
}
