//! Pinning an existing session as the one a project resumes (`use`, and Enter in `browse`).
//!
//! Everything is checked before anything is written: the session must be in the tool's store,
//! a prefix must name one session, the id must be one the state accepts, and the launch that
//! would follow must resume it. Only then is the state written, with the folder the session
//! started in, so that the tool runs where it can resume it.

use std::ffi::OsString;
use std::path::PathBuf;

use anyhow::Result;

use super::locate;
use crate::base::failure::failure;
use crate::base::visible::errln;
use crate::contract::{Announce, Plan, Tool, context_for};
use crate::project::{Pin, Scope, State, StateStore, pins};
use crate::transcript::listing::SessionInfo;

/// A session made the one a project resumes.
pub struct Pinned {
    pub info: SessionInfo,
    /// The folder the next launch runs in.
    pub run_in: PathBuf,
    /// The command line the next launch runs, for people.
    pub command: Vec<String>,
    pub state: PathBuf,
}

/// Pins `reference` (an id, a unique prefix or a path) of `tool` as `scope`'s session, after
/// checking everything; nothing is written unless the next launch would resume it.
pub fn pin(tool: &'static dyn Tool, scope: &Scope, reference: &str) -> Result<Pinned> {
    let (_, info) = locate::locate(tool, Some(reference), scope)?;
    let store = StateStore::new(scope, tool.state_rules());
    if !tool.accepts_target(&info.id, &store.dir()) {
        return Err(failure(
            format!(
                "{} session {:?} has an id the wrapper cannot pass to {}",
                tool.name(),
                info.id,
                tool.name()
            ),
            format!(
                "pin another one: 'ai-session-manager sessions {}' lists them",
                tool.name()
            ),
        ));
    }
    let cwd = session_folder(tool, scope, &info);
    let folder = cwd.as_ref().and_then(|dir| dir.to_str()).map(str::to_owned);
    let pinned =
        store
            .fresh(None)
            .pointed_at(Some(info.id.clone()), folder.clone(), None, Pin::Now);
    let plan = next_launch(tool, scope, &store, &pinned, &info)?;

    // Checked; now the state. Reading it first keeps what else it records.
    let previous = store.load()?.unwrap_or_else(|| store.fresh(None));
    store.save(&previous.pointed_at(Some(info.id.clone()), folder, None, Pin::Now))?;
    // The launch takes a session of another folder only on this machine's word, never a state
    // file's.
    if let Err(error) = pins::record(tool.name(), &info.id, &scope.root) {
        errln!("warning: cannot record the pin: {error:#}");
    }

    let run_in = cwd.unwrap_or_else(|| scope.cwd.clone());
    let mut command: Vec<OsString> = vec![tool.name().into()];
    command.extend(plan.inject);
    let command: Vec<String> = command
        .iter()
        .map(|word| word.to_string_lossy().into_owned())
        .collect();
    Ok(Pinned {
        state: store.path(),
        info,
        run_in,
        command,
    })
}

/// The folder the session started in, if it lies inside this project: a launch runs there. A
/// folder outside is not recorded, as the wrapper would not use it.
fn session_folder(tool: &dyn Tool, scope: &Scope, info: &SessionInfo) -> Option<PathBuf> {
    let dir = info.cwd.as_ref()?;
    if scope.contains(dir).is_some() {
        return Some(dir.clone());
    }
    errln!(
        "warning: {} session {} started in {}, outside this {}; it will run in {}",
        tool.name(),
        info.id,
        dir.display(),
        scope.kind(),
        scope.cwd.display()
    );
    None
}

/// What the next launch would do with the pinned state; an error unless it resumes the session.
fn next_launch(
    tool: &dyn Tool,
    scope: &Scope,
    store: &StateStore,
    pinned: &State,
    info: &SessionInfo,
) -> Result<Plan> {
    let (context, _) = context_for(scope, pinned, store.dir());
    let plan = tool.plan(&context, Some(&info.id), false)?;
    if plan.announce == Announce::Resuming(info.id.clone()) {
        return Ok(plan);
    }
    let mut why: Vec<String> = plan.notices;
    if let Some(dir) = &info.cwd {
        why.push(format!("it started in {}", dir.display()));
    }
    Err(failure(
        format!(
            "the next {} launch in this {} would not resume session {} ({})",
            tool.name(),
            scope.kind(),
            info.id,
            why.join("; ")
        ),
        format!(
            "pin a session of this {}: 'ai-session-manager sessions {}' lists them",
            scope.kind(),
            tool.name()
        ),
    ))
}
