//! Wrapper mode: started under a tool's name, resume that tool's session for this project.
//!
//! Anything that goes wrong here is a warning, and the tool then runs exactly as typed. Only a
//! missing real binary or a loop stops the launch.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;

use crate::env;
use crate::launch::{self, Launch};
use crate::state::{Scope, State, StateStore, now_rfc3339};
use crate::tools::{Announce, Context, Plan, Tool};
use crate::ui;

pub fn run(tool: &'static dyn Tool, argv0: OsString, args: Vec<OsString>) -> ExitCode {
    let depth = match launch::next_depth(tool) {
        Ok(depth) => depth,
        Err(error) => return error.report(),
    };
    let real = match launch::find_real_binary(tool, &argv0) {
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
    launch::run(tool, &real, launch, depth)
}

/// Launches the wrapper leaves alone, reading and writing no state (SPEC §5).
pub fn passes_through(tool: &dyn Tool, args: &[OsString]) -> bool {
    env::flag(env::DISABLE)
        // Started inside a wrapped tool: a tool relaunching itself, or an agent calling another.
        || env::os(env::ACTIVE).is_some()
        || tool.arg_rules().passes_through(args)
}

fn prepare(tool: &'static dyn Tool, args: &[OsString]) -> Result<Launch> {
    let scope = Scope::current()?;
    let store = StateStore::new(&scope, tool);
    let (state, fresh) = match store.load()? {
        Some(state) => (state, false),
        None => {
            let created = store.create(State::new(tool, tool.initial_target(), &scope.cwd))?;
            (created.state, created.ours)
        }
    };

    let context = context_for(&scope, &state, store.dir());
    let plan = tool.plan(&context, state.resume_target.as_deref(), fresh)?;
    let run_in = record(&store, &scope, state, &plan, &context)?;

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
    let mut full_args = plan.inject;
    full_args.extend(args.iter().cloned());
    Ok(Launch {
        args: full_args,
        cwd,
    })
}

/// The launch context: the session runs where it started, if that folder is still there and
/// inside the project (a state file comes from the repository, so its paths are not trusted).
pub fn context_for<'a>(scope: &'a Scope, state: &State, state_dir: PathBuf) -> Context<'a> {
    let recorded = state.cwd.as_deref().map(Path::new);
    let session_cwd = match recorded {
        None => None,
        Some(dir) if dir == scope.cwd => Some(scope.cwd.clone()),
        Some(dir) => {
            let inside = scope.contains(dir);
            if inside.is_none() && dir.exists() {
                ui::warn(&format!(
                    "ignoring the recorded folder {}: it is outside this project",
                    dir.display()
                ));
            }
            inside
        }
    };
    Context {
        scope,
        cwd_recorded: session_cwd.is_some(),
        session_cwd: session_cwd.unwrap_or_else(|| scope.cwd.clone()),
        created_at: state.created_at(),
        state_dir,
        import: state.import.clone(),
        pinned_at: state.pinned_at(),
    }
}

/// Saves what the plan learned; returns the folder the tool runs in.
fn record(
    store: &StateStore,
    scope: &Scope,
    state: State,
    plan: &Plan,
    context: &Context,
) -> Result<PathBuf> {
    // A session discovered elsewhere in the project runs where it started.
    let discovered_cwd = plan
        .session_cwd
        .as_deref()
        .and_then(|dir| scope.contains(dir));
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
    if target_changed || cwd != state.cwd || plan.import != state.import {
        // A session that took over from a pinned one is no longer the pinned one.
        let pinned_at = state.pinned_at.clone().filter(|_| !target_changed);
        store.save(&State {
            resume_target: plan.target.clone(),
            cwd,
            updated_at: Some(now_rfc3339()),
            import: plan.import.clone(),
            pinned_at,
            ..state
        })?;
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
    };
    ui::say(&line);
}
