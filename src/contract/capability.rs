//! What a tool may offer beyond its launch rule: listing its store, reading its transcripts,
//! writing sessions it resumes.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Result;
use chrono::{DateTime, Utc};

use super::Context;
use crate::base::lines::ReadOptions;
use crate::project::Scope;
use crate::transcript::listing::{Projects, SessionInfo};
use crate::transcript::{Message, Sink, Tally};

/// A tool whose store `status` can look into.
pub trait SessionStore {
    /// The folder the tool keeps its sessions in: under HOME, or where its root variable says.
    fn root(&self) -> Result<PathBuf>;

    /// Whether the store holds session `id` of the project `context` is for.
    fn has_session(&self, context: &Context, id: &str) -> Result<bool>;

    /// The folder of the store under which each session is one file, which the project's
    /// archive keeps (`project::archive`); `None` for a tool whose sessions are folders.
    fn archive_area(&self) -> Option<&'static str> {
        None
    }
}

/// A tool whose sessions `sync pull` can place in this machine's store, byte for byte but for
/// the project's folder (and, for a fork, the id).
pub trait SessionPlacement {
    /// Where session `id` goes, relative to the store root, for the project whose folder here is
    /// `root`; `kept_at` is where the other machine kept it (relative, already checked).
    fn placed_path(&self, root: &Path, id: &str, kept_id: &str, kept_at: &Path) -> Result<PathBuf>;

    /// A new id, for a fork.
    fn new_id(&self) -> String;
}

/// A tool whose stored sessions can be listed, metadata-first (see [`crate::transcript::listing`]).
pub trait SessionLister {
    /// Hands each session of the projects `projects` admits to `found`, in any order, as it is
    /// read: a lister holds no list, so that a store of a million sessions lists in the memory
    /// of one. Which sessions belong to a project is decided as the tool's own resume decides
    /// it. A file that cannot be read is listed with a placeholder title; only a store that
    /// cannot be read at all is an error. Each folder of the store that could not be read is
    /// noted in `skipped`, so that a search says it could not look everywhere.
    fn list(
        &self,
        projects: &Projects,
        skipped: &mut Vec<anyhow::Error>,
        found: &mut dyn FnMut(SessionInfo),
    ) -> Result<()>;

    /// What the session file at `path`, as `TranscriptSource::find_session` gives it, says
    /// about itself.
    fn describe(&self, path: &Path) -> Result<SessionInfo>;
}

/// A tool whose transcripts `session convert` can read.
pub trait TranscriptSource {
    /// The session file that `reference` names: a path, an exact id or a unique id prefix.
    /// `cwd` is where the user stands; a tool that files sessions per folder looks there first.
    fn find_session(&self, cwd: &Path, reference: &str) -> Result<PathBuf>;

    /// Streams the visible messages of a session file to `sink`, in order, holding one record at
    /// a time, until the sink says stop; returns what could not be carried. Unknown record types
    /// are ignored; malformed lines are skipped and counted. Lines `options` refuses are not
    /// parsed; a reader that must see every line to know which messages survive (gemini's
    /// rewinds) applies the gate only to the lines that hold messages.
    fn read_transcript(&self, path: &Path, options: &ReadOptions, sink: Sink) -> Result<Tally>;
}

/// A tool that `session convert` can write sessions for.
pub trait ConversionTarget {
    /// The id for the new session: the one the user asked for, if the tool accepts it, else a
    /// new one.
    fn session_id(&self, requested: Option<&str>) -> Result<String>;

    /// Where the session file goes. Fails if the tool already holds a session with this id.
    fn session_path(&self, session: &NewSession) -> Result<PathBuf>;

    /// Turns messages into the tool's lines, one message at a time.
    fn encoder(&self, session: &NewSession) -> Result<Box<dyn SessionEncoder>>;

    /// The state `resume_target` that makes the next launch resume the written session: its id,
    /// unless the tool needs more.
    fn resume_target(&self, session: &NewSession, _path: &Path) -> String {
        session.id.clone()
    }

    /// Called once the session file is in place, for what the tool keeps about it.
    fn written(&self, _session: &NewSession, _path: &Path) -> Result<()> {
        Ok(())
    }

    /// How to resume the written session by hand.
    fn resume_hint(&self, session: &NewSession, path: &Path) -> String;
}

/// A session `session convert` is writing.
pub struct NewSession {
    /// The target tool's id for it.
    pub id: String,
    /// The directory it belongs to: where the user converts it.
    pub cwd: PathBuf,
    pub scope: Scope,
    /// When the conversion started; the fallback time of messages that have none.
    pub created: DateTime<Utc>,
}

/// Writes a converted session's lines. A header that depends on the first message is written
/// with it.
pub trait SessionEncoder {
    fn message(&mut self, message: &Message, out: &mut dyn Write) -> Result<()>;

    /// Lines that can only be written once every message is known.
    fn finish(&mut self, _out: &mut dyn Write) -> Result<()> {
        Ok(())
    }
}
