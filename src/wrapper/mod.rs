//! Wrapper mode: started under a tool's name, resume that tool's session for this project.
//!
//! Anything that goes wrong here is a warning, and the tool then runs exactly as typed. Only a
//! missing real binary or a loop stops the launch.

pub mod real_binary;

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;

use crate::base::{env, ui};
use crate::project::{Pin, Scope, State, StateStore};
use crate::tool::{Announce, Context, Plan, Tool, context_for};
use real_binary::Launch;

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

/// Launches the wrapper leaves alone, reading and writing no state (SPEC §5).
pub fn passes_through(tool: &dyn Tool, args: &[OsString]) -> bool {
    env::flag(env::DISABLE)
        // Started inside a wrapped tool: a tool relaunching itself, or an agent calling another.
        || env::os(env::ACTIVE).is_some()
        || tool.arg_rules().passes_through(args)
}

fn prepare(tool: &'static dyn Tool, args: &[OsString]) -> Result<Launch> {
    let scope = Scope::current()?;
    let store = StateStore::new(&scope, tool.state_rules());
    let (state, fresh) = match store.load_noting()? {
        (Some(state), _) => (state, false),
        (None, had_file) => {
            let mut state = store.fresh(tool.initial_target());
            if had_file {
                // A state that was set aside leaves a project with a history of unknown age,
                // not a new one.
                state.created_at = None;
            }
            let created = store.create(state)?;
            (created.state, created.ours && !had_file)
        }
    };

    let (context, warnings) = context_for(&scope, &state, store.dir());
    for warning in &warnings {
        ui::warn(warning);
    }
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

/// Saves what the plan learned; returns the folder the tool runs in.
fn record(
    store: &StateStore,
    scope: &Scope,
    state: State,
    plan: &Plan,
    context: &Context,
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
    if target_changed || cwd != state.cwd || plan.tool_state != state.tool_state {
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
    };
    ui::say(&line);
}
