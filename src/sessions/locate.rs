//! Which session a command means: the one a reference names (an id, a unique prefix or a path,
//! as each tool's `find_session` reads it with `tool::reference`), or the one this project
//! resumes.

use anyhow::Result;

use crate::base::failure::failure;
use crate::contract::{Tool, TranscriptSource, context_for};
use crate::project::state::Inspected;
use crate::project::{Scope, StateStore};
use crate::transcript::listing::SessionInfo;

/// The session this project resumes for `tool`, as the state names it (an id, or for a
/// converted gemini session the file being imported); or, for tools that pick their own ids and
/// have none stored, the project's newest one in the tool's store. Only looks: a state the next
/// launch would set aside or migrate counts as none here, and stays as it is.
pub fn resumed_session(tool: &dyn Tool, scope: &Scope) -> Result<Option<String>> {
    let store = StateStore::new(scope, tool.state_rules());
    let state = match store.inspect() {
        Inspected::Usable(state) => Some(*state),
        Inspected::Unusable(_) | Inspected::Legacy(_) | Inspected::Absent => None,
    };
    if let Some(target) = state.as_ref().and_then(|state| state.resume_target.clone()) {
        return Ok(Some(target));
    }
    // No record of where a session started: any folder of the project counts.
    let state = state.unwrap_or_else(|| {
        let mut blank = store.fresh(None);
        blank.cwd = None;
        blank
    });
    let (context, _) = context_for(scope, &state, store.dir());
    tool.discover(&context)
}

/// The session `reference` names (an id, a unique id prefix or a path), or without one the
/// session this project resumes; with the reader that shows it.
pub fn locate<'t>(
    tool: &'t dyn Tool,
    reference: Option<&str>,
    scope: &Scope,
) -> Result<(&'t dyn TranscriptSource, SessionInfo)> {
    let (Some(source), Some(lister)) = (tool.transcript_source(), tool.session_lister()) else {
        return Err(failure(
            format!("{} sessions cannot be listed or read", tool.name()),
            "name another tool",
        ));
    };
    let reference = match reference {
        Some(reference) => reference.to_owned(),
        None => resumed_session(tool, scope)?.ok_or_else(|| {
            failure(
                format!("this {} has no {} session yet", scope.kind(), tool.name()),
                format!(
                    "name one: 'ai-session-manager sessions {}' lists them",
                    tool.name()
                ),
            )
        })?,
    };
    let path = source.find_session(&scope.cwd, &reference)?;
    Ok((source, lister.describe(&path)?))
}
