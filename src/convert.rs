//! `session convert`: rebuild one tool's conversation as a session another tool resumes.
//!
//! The source tool's reader streams messages straight into the target tool's encoder, which
//! writes them to a temp file beside the final one; the file is linked into place, never over an
//! existing one, only once it holds at least one message. Memory thus stays flat whatever the
//! transcript size, and a failed conversion leaves nothing behind.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::cli::failure;
use crate::listing::resumed_session;
use crate::state::{self, Scope, State, StateStore, now_rfc3339};
use crate::tools::{self, NewSession, Tool};
use crate::transcript::{Message, Tally};

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
        return Err(exists(to, &session.id, &path));
    }
    // Reading the target's state now means a state folder we cannot use fails the conversion
    // before anything is written.
    let store = StateStore::new(scope, to);
    let previous = match request.apply {
        true => Some(store.load()?),
        false => None,
    };

    let mut file = SessionFile::create(&path)?;
    let mut encoder = target.encoder(&session)?;
    let mut messages = 0u64;
    let tally = source.read_transcript(&source_path, &mut |message| {
        encoder.message(&message, file.out())?;
        messages += 1;
        Ok(())
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
        return Err(exists(to, &session.id, &path));
    }
    if path.starts_with(store.dir()) {
        // A file in the state folder (gemini's import file) must not show in `git status`.
        store.prepare_dir()?;
    }

    let applied = match previous {
        Some(previous) => {
            let target_value = target.resume_target(&session, &path);
            store.save(&applied_state(to, scope, previous, target_value))?;
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

/// The target's state after applying: the new session, started here.
fn applied_state(tool: &dyn Tool, scope: &Scope, previous: Option<State>, target: String) -> State {
    match previous {
        Some(previous) => State {
            resume_target: Some(target),
            cwd: scope.cwd.to_str().map(str::to_owned),
            updated_at: Some(now_rfc3339()),
            import: None,
            pinned_at: None,
            ..previous
        },
        None => State::new(tool, Some(target), &scope.cwd),
    }
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

/// The error for a target session that is already there.
pub fn exists(tool: &dyn Tool, id: &str, path: &Path) -> anyhow::Error {
    failure(
        format!(
            "{} session {id} already exists ({}); it is never overwritten",
            tool.name(),
            path.display()
        ),
        "leave out --target-session for a new id",
    )
}

/// Writes one JSON value as a line.
pub fn json_line(out: &mut dyn Write, value: &impl Serialize) -> Result<()> {
    serde_json::to_writer(&mut *out, value).context("cannot encode a session line")?;
    out.write_all(b"\n").context("cannot write the session")?;
    Ok(())
}

/// Timestamps for written messages: a message's own, else the one before it, else the time of
/// the conversion; so they never go backwards past a message that had one.
pub struct Stamps {
    last: DateTime<Utc>,
}

impl Stamps {
    pub fn new(start: DateTime<Utc>) -> Stamps {
        Stamps { last: start }
    }

    pub fn next(&mut self, message: &Message) -> DateTime<Utc> {
        if let Some(time) = message.timestamp {
            self.last = time;
        }
        self.last
    }
}

/// A session file being written: a temp file beside its final place, linked into place by
/// `commit`. Dropped before that, it removes the temp file and any folder it created.
struct SessionFile {
    // Declared before `temp` so that it is closed before the temp file is removed: Windows
    // cannot remove an open file.
    out: BufWriter<File>,
    temp: TempFile,
}

/// The temp file and the folders made for it, removed on drop unless placed.
struct TempFile {
    path: PathBuf,
    temp: PathBuf,
    /// Folders created for the file, deepest first.
    created_dirs: Vec<PathBuf>,
    placed: bool,
}

impl SessionFile {
    fn create(path: &Path) -> Result<SessionFile> {
        let parent = path
            .parent()
            .with_context(|| format!("{} has no folder", path.display()))?;
        let created_dirs = create_dirs(parent)?;
        let (temp, file) = match state::create_temp(path) {
            Ok(created) => created,
            Err(error) => {
                remove_dirs(&created_dirs);
                return Err(error);
            }
        };
        Ok(SessionFile {
            out: BufWriter::with_capacity(64 * 1024, file),
            temp: TempFile {
                path: path.to_path_buf(),
                temp,
                created_dirs,
                placed: false,
            },
        })
    }

    fn out(&mut self) -> &mut dyn Write {
        &mut self.out
    }

    /// Puts the complete file in place; false if something appeared there meanwhile.
    fn commit(self) -> Result<bool> {
        let SessionFile { out, mut temp } = self;
        let file = out
            .into_inner()
            .map_err(|error| error.into_error())
            .with_context(|| format!("cannot write {}", temp.temp.display()))?;
        file.sync_all()
            .with_context(|| format!("cannot write {}", temp.temp.display()))?;
        drop(file);
        temp.placed = state::place_new(&temp.temp, &temp.path)?;
        Ok(temp.placed)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.placed {
            let _ = std::fs::remove_file(&self.temp);
            remove_dirs(&self.created_dirs);
        }
    }
}

/// Creates `dir` and its missing parents; returns the ones it created, deepest first.
fn create_dirs(dir: &Path) -> Result<Vec<PathBuf>> {
    let missing: Vec<PathBuf> = dir
        .ancestors()
        .take_while(|ancestor| !ancestor.as_os_str().is_empty() && !ancestor.exists())
        .map(Path::to_path_buf)
        .collect();
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(missing)
}

fn remove_dirs(dirs: &[PathBuf]) {
    for dir in dirs {
        // Only empty folders go: anything another process put there stays.
        let _ = std::fs::remove_dir(dir);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unfinished_file_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/session.jsonl");
        let mut file = SessionFile::create(&path).unwrap();
        file.out().write_all(b"{}\n").unwrap();
        drop(file);
        assert!(!dir.path().join("a").exists());
    }

    #[test]
    fn a_committed_file_never_replaces_another() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("session.jsonl");
        let mut file = SessionFile::create(&path).unwrap();
        file.out().write_all(b"new\n").unwrap();
        std::fs::write(&path, "old\n").unwrap();
        assert!(!file.commit().unwrap());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old\n");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);

        let other = dir.path().join("other.jsonl");
        let mut file = SessionFile::create(&other).unwrap();
        file.out().write_all(b"new\n").unwrap();
        assert!(file.commit().unwrap());
        assert_eq!(std::fs::read_to_string(&other).unwrap(), "new\n");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }

    #[test]
    fn stamps_fill_gaps_with_the_previous_time() {
        let start = Utc::now();
        let earlier = crate::transcript::parse_time(Some("2026-01-01T00:00:00Z")).unwrap();
        let mut stamps = Stamps::new(start);
        let message = |timestamp| Message {
            role: crate::transcript::Role::User,
            text: "x".into(),
            timestamp,
        };
        assert_eq!(stamps.next(&message(None)), start);
        assert_eq!(stamps.next(&message(Some(earlier))), earlier);
        assert_eq!(stamps.next(&message(None)), earlier);
    }
}
