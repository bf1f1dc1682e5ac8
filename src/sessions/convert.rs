//! `session convert`: rebuild one tool's conversation as a session another tool resumes.
//!
//! The source tool's reader streams messages straight into the target tool's encoder, which
//! writes them to a temp file beside the final one; the file is linked into place, never over an
//! existing one, only once it holds at least one message. Memory thus stays flat whatever the
//! transcript size, and a failed conversion leaves nothing behind.

use std::ops::ControlFlow;
use std::path::PathBuf;

use anyhow::Result;
use chrono::Utc;

use super::locate::resumed_session;
use crate::base::failure::failure;
use crate::base::files::NewFile;
use crate::base::lines::ReadOptions;
use crate::contract::reference::session_id_taken;
use crate::contract::{NewSession, Tool};
use crate::project::{Pin, Scope, StateStore};
use crate::tools;
use crate::transcript::Tally;

pub struct Request<'a> {
    pub from: &'static dyn Tool,
    pub to: &'static dyn Tool,
    /// An id, a unique id prefix or a path; else this project's stored session.
    pub source_session: Option<&'a str>,
    pub target_session: Option<&'a str>,
    /// Make the result this project's session for the target tool.
    pub apply: bool,
}

pub struct Outcome {
    pub source: PathBuf,
    pub target_id: String,
    pub file: PathBuf,
    pub messages: u64,
    pub tally: Tally,
    /// The state file that now names the session, unless `--no-apply`.
    pub applied: Option<PathBuf>,
    pub resume_hint: String,
}

pub fn convert(request: &Request, scope: &Scope) -> Result<Outcome> {
    let (from, to) = (request.from, request.to);
    let (Some(source), Some(target)) = (from.transcript_source(), to.conversion_target()) else {
        return Err(unsupported(from, to));
    };
    let source_path = match request.source_session {
        Some(reference) => source.find_session(&scope.cwd, reference)?,
        None => stored_source(from, scope)?,
    };
    let session = NewSession {
        id: target.session_id(request.target_session)?,
        cwd: scope.cwd.clone(),
        scope: scope.clone(),
        created: Utc::now(),
    };
    let path = target.session_path(&session)?;
    if path.symlink_metadata().is_ok() {
        return Err(session_id_taken(to, &session.id, &path));
    }
    // Reading the target's state now means a state folder we cannot use fails the conversion
    // before anything is written.
    let store = StateStore::new(scope, to.state_rules());
    let previous = match request.apply {
        true => Some(store.load()?),
        false => None,
    };

    let mut file = NewFile::create(&path)?;
    let mut encoder = target.encoder(&session)?;
    let mut messages = 0u64;
    let every_line = ReadOptions::default();
    let tally = source.read_transcript(&source_path, &every_line, &mut |message| {
        encoder.message(&message, file.out())?;
        messages += 1;
        Ok(ControlFlow::Continue(()))
    })?;
    if messages == 0 {
        return Err(failure(
            format!(
                "the {} session {} holds no user or assistant text to carry",
                from.name(),
                source_path.display()
            ),
            "nothing was written; pick another session with --source-session",
        ));
    }
    encoder.finish(file.out())?;
    if !file.commit()? {
        return Err(session_id_taken(to, &session.id, &path));
    }
    target.written(&session, &path)?;
    if path.starts_with(store.dir()) {
        // A file in the state folder (gemini's import file) must not show in `git status`.
        store.prepare_dir()?;
    }

    let applied = match previous {
        Some(previous) => {
            // The new session, started here.
            let target_value = target.resume_target(&session, &path);
            let state = previous.unwrap_or_else(|| store.fresh(None));
            let cwd = scope.cwd.to_str().map(str::to_owned);
            store.save(&state.pointed_at(Some(target_value), cwd, None, Pin::Clear))?;
            Some(store.path())
        }
        None => None,
    };
    Ok(Outcome {
        source: source_path,
        resume_hint: target.resume_hint(&session, &path),
        target_id: session.id,
        file: path,
        messages,
        tally,
        applied,
    })
}

/// This project's stored session of `tool`, or for tools that pick their own ids, the newest one
/// found in the tool's store.
fn stored_source(tool: &dyn Tool, scope: &Scope) -> Result<PathBuf> {
    let no_session = || {
        failure(
            format!(
                "no stored {} session for this {}",
                tool.name(),
                scope.kind()
            ),
            "name one with --source-session ID|PREFIX|PATH",
        )
    };
    let source = tool.transcript_source().ok_or_else(no_session)?;
    let reference = resumed_session(tool, scope)?.ok_or_else(no_session)?;
    source
        .find_session(&scope.cwd, &reference)
        .map_err(|error| {
            failure(
                format!(
                    "this {}'s {} session {reference} cannot be read: {error:#}",
                    scope.kind(),
                    tool.name()
                ),
                "name another one with --source-session ID|PREFIX|PATH",
            )
        })
}

fn unsupported(from: &dyn Tool, to: &dyn Tool) -> anyhow::Error {
    let names = |keep: fn(&dyn Tool) -> bool| -> String {
        let names: Vec<&str> = tools::ALL
            .iter()
            .filter(|tool| keep(**tool))
            .map(|tool| tool.name())
            .collect();
        names.join(", ")
    };
    failure(
        format!("cannot convert {} sessions to {}", from.name(), to.name()),
        format!(
            "supported pairs: --from any of {} with --to any of {}",
            names(|tool| tool.transcript_source().is_some()),
            names(|tool| tool.conversion_target().is_some())
        ),
    )
}
