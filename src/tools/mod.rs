//! The supported tools. Each module owns its flags, its pass-through rules, where the tool keeps
//! its sessions, how the wrapper checks or discovers one, and how `session convert` reads and
//! writes its transcripts. Adding a tool means one new module plus one line in [`ALL`].

pub mod agy;
pub mod claude;
pub mod codex;
pub mod copilot;
pub mod gemini;

use std::ffi::{OsStr, OsString};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Result;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::cli::failure;
use crate::listing::{Projects, SessionInfo};
use crate::state::{Import, Scope};
use crate::transcript::{Message, Sink, Tally};

/// Every supported tool, in the order they are listed to users.
pub static ALL: &[&dyn Tool] = &[
    &claude::Claude,
    &codex::Codex,
    &gemini::Gemini,
    &copilot::Copilot,
    &agy::Agy,
];

pub fn find(name: &str) -> Option<&'static dyn Tool> {
    ALL.iter().copied().find(|tool| tool.name() == name)
}

pub fn names() -> impl Iterator<Item = &'static str> {
    ALL.iter().map(|tool| tool.name())
}

/// How a tool's session id comes about; stored as `session_mode` in the state file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SessionMode {
    /// The wrapper picks a UUID and hands it to the tool.
    ManagedId,
    /// The tool picks its own id; the wrapper learns it from the tool's history.
    AutoResume,
}

/// What never changes about a tool.
pub struct ToolInfo {
    /// The binary name, which is also the argv[0] the wrapper answers to.
    pub name: &'static str,
    /// The name people know it by.
    pub display_name: &'static str,
    pub session_mode: SessionMode,
    pub args: ArgRules,
}

/// What the wrapper needs to know about a tool's command line.
pub struct ArgRules {
    /// Flags that take a value in the next word, so that word is not a positional one.
    pub value_flags: &'static [&'static str],
    /// First positional words that are subcommands rather than prompts.
    pub subcommands: &'static [&'static str],
    /// Flags after which the launch is left alone: explicit sessions, non-interactive runs,
    /// internal relaunches.
    pub pass_flags: &'static [&'static str],
    /// A positional prompt makes a one-shot, non-interactive run (gemini) ...
    pub positional_prompt_is_one_shot: bool,
    /// ... unless one of these flags asks for an interactive session anyway.
    pub interactive_flags: &'static [&'static str],
}

/// Help and version flags every tool understands.
const HELP_AND_VERSION: &[&str] = &["-h", "--help", "-v", "-V", "--version"];

impl ArgRules {
    /// Whether the wrapper must leave this launch exactly as typed.
    pub fn passes_through(&self, args: &[OsString]) -> bool {
        let mut words = args.iter();
        let mut first_positional: Option<&OsStr> = None;
        let mut asked_interactive = false;
        while let Some(word) = words.next() {
            let Some(text) = word.to_str() else {
                first_positional.get_or_insert(word);
                continue;
            };
            if text == "--" {
                break;
            }
            if text.len() > 1 && text.starts_with('-') {
                let (name, inline_value) = match text.split_once('=') {
                    Some((name, _)) => (name, true),
                    None => (text, false),
                };
                if HELP_AND_VERSION.contains(&name) || self.pass_flags.contains(&name) {
                    return true;
                }
                asked_interactive |= self.interactive_flags.contains(&name);
                if !inline_value && self.value_flags.contains(&name) {
                    words.next();
                }
                continue;
            }
            if first_positional.is_none() {
                if self.subcommands.contains(&text) {
                    return true;
                }
                first_positional = Some(word);
            }
        }
        self.positional_prompt_is_one_shot && first_positional.is_some() && !asked_interactive
    }
}

/// Where the wrapper stands when it plans a launch.
pub struct Context<'a> {
    pub scope: &'a Scope,
    /// The directory the tool will run in: where the session started, or the current one.
    pub session_cwd: PathBuf,
    /// Whether the state recorded `session_cwd`; the Python tool's files do not.
    pub cwd_recorded: bool,
    /// When this project's state was first created, if known; bounds history searches.
    pub created_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The folder that holds the state files.
    pub state_dir: PathBuf,
    /// A converted gemini session being imported, as the state records it.
    pub import: Option<Import>,
    /// When `use` pinned the stored session: only sessions started after it may take over.
    pub pinned_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl Context<'_> {
    /// Whether a session that started in `dir` belongs to this launch: the recorded directory
    /// exactly, or with no record, any directory of the project.
    pub fn is_session_dir(&self, dir: &Path) -> bool {
        if self.cwd_recorded {
            dir == self.session_cwd
        } else {
            dir.starts_with(&self.scope.root)
        }
    }
}

/// What the wrapper does for one launch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Arguments put before the user's own.
    pub inject: Vec<OsString>,
    /// The resume target to keep in the state file afterwards.
    pub target: Option<String>,
    pub announce: Announce,
    /// One-line notices, such as a stored session that no longer exists.
    pub notices: Vec<String>,
    /// Where a discovered session started, when the state did not record it.
    pub session_cwd: Option<PathBuf>,
    /// The import bookkeeping to keep in the state file afterwards (gemini only).
    pub import: Option<Import>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Announce {
    New(String),
    Resuming(String),
    StartingNew,
    ResumingLatest,
    /// Importing a converted session into a tool that gives imports a new id.
    Importing(String),
}

impl Plan {
    pub fn new_session(id: String, flag: &str) -> Plan {
        Plan {
            inject: vec![flag.into(), id.clone().into()],
            announce: Announce::New(id.clone()),
            target: Some(id),
            notices: Vec::new(),
            session_cwd: None,
            import: None,
        }
    }

    pub fn resume(id: String, inject: Vec<OsString>) -> Plan {
        Plan {
            inject,
            announce: Announce::Resuming(id.clone()),
            target: Some(id),
            notices: Vec::new(),
            session_cwd: None,
            import: None,
        }
    }

    pub fn untouched(target: Option<String>, announce: Announce) -> Plan {
        Plan {
            inject: Vec::new(),
            target,
            announce,
            notices: Vec::new(),
            session_cwd: None,
            import: None,
        }
    }

    pub fn with_notice(mut self, notice: String) -> Plan {
        self.notices.push(notice);
        self
    }
}

/// One tool's behaviour. The launch path calls only `plan`; the management commands use the rest.
pub trait Tool: Sync {
    /// The tool's fixed facts.
    fn info(&self) -> &'static ToolInfo;

    /// The binary name, which is also the argv[0] the wrapper answers to.
    fn name(&self) -> &'static str {
        self.info().name
    }

    /// The name people know it by.
    fn display_name(&self) -> &'static str {
        self.info().display_name
    }

    fn session_mode(&self) -> SessionMode {
        self.info().session_mode
    }

    fn arg_rules(&self) -> &'static ArgRules {
        &self.info().args
    }

    /// Whether a resume target read from a state file may be used at all.
    fn accepts_target(&self, target: &str, _state_dir: &Path) -> bool {
        match self.session_mode() {
            SessionMode::ManagedId => is_uuid(target),
            SessionMode::AutoResume => is_native_id(target),
        }
    }

    /// The target a brand-new state starts with.
    fn initial_target(&self) -> Option<String> {
        match self.session_mode() {
            SessionMode::ManagedId => Some(new_uuid()),
            SessionMode::AutoResume => None,
        }
    }

    /// Decide the launch. `stored` is the validated target from the state file; `fresh` means
    /// this launch just created that state.
    fn plan(&self, context: &Context, stored: Option<&str>, fresh: bool) -> Result<Plan>;

    /// Whether the tool's own store holds this session.
    fn has_session(&self, context: &Context, id: &str) -> Result<bool>;

    /// The newest native session of this project, for tools that pick their own ids.
    fn discover(&self, _context: &Context) -> Result<Option<String>> {
        Ok(None)
    }

    /// Why `setup` must not put a wrapper in `dir`, the folder PATH finds the tool in, as a
    /// message and a next step; `None` when it may.
    fn wrap_refusal(&self, _dir: &Path) -> Option<(String, String)> {
        None
    }

    /// How `session convert` finds and reads this tool's sessions; `None` if it cannot.
    fn transcript_source(&self) -> Option<&dyn TranscriptSource> {
        None
    }

    /// How `session convert` writes a session this tool resumes; `None` if it cannot.
    fn conversion_target(&self) -> Option<&dyn ConversionTarget> {
        None
    }

    /// How `sessions`, `show` and `use` see the tool's store; `None` if they cannot.
    fn session_lister(&self) -> Option<&dyn SessionLister> {
        None
    }
}

/// A tool whose stored sessions can be listed, metadata-first (see [`crate::listing`]).
pub trait SessionLister {
    /// The sessions of the projects `projects` admits, in any order. Which sessions belong to a
    /// project is decided as the tool's own resume decides it. A file that cannot be read is
    /// listed with a placeholder title; only a store that cannot be read at all is an error.
    fn list(&self, projects: &Projects) -> Result<Vec<SessionInfo>>;

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
    /// a time; returns what could not be carried. Unknown record types are ignored; malformed
    /// lines are skipped and counted.
    fn read_transcript(&self, path: &Path, sink: Sink) -> Result<Tally>;
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

/// How `--source-session` names a session.
pub enum SessionRef<'a> {
    Path(PathBuf),
    /// An id or an id prefix.
    Id(&'a str),
}

impl<'a> SessionRef<'a> {
    /// A reference that looks like a path must be one; anything else must be a plausible id, so
    /// it can never act as a pattern or a flag.
    pub fn parse(tool: &dyn Tool, reference: &'a str) -> Result<SessionRef<'a>> {
        let looks_like_path = reference.contains(['/', '\\'])
            || reference.starts_with('.')
            || reference.ends_with(".jsonl")
            || reference.ends_with(".json");
        if looks_like_path {
            let path = Path::new(reference);
            if path.exists() {
                return Ok(SessionRef::Path(path.to_path_buf()));
            }
            return Err(failure(
                format!("{reference} does not exist"),
                format!("give the path of a {} session file", tool.name()),
            ));
        }
        if is_native_id(reference) {
            return Ok(SessionRef::Id(reference));
        }
        Err(failure(
            format!(
                "{reference:?} is neither a {} session id nor a path",
                tool.name()
            ),
            "give a session id, a unique id prefix, or the session file's path",
        ))
    }
}

/// A path given as a session must be a file.
pub fn session_file(tool: &dyn Tool, path: PathBuf) -> Result<PathBuf> {
    if path.is_file() {
        return Ok(path);
    }
    Err(failure(
        format!("{} is not a {} session file", path.display(), tool.name()),
        "give the session file's path, or the session id",
    ))
}

/// The session, among `candidates` (id, file), whose id is `reference` or the only one that
/// starts with it.
pub fn pick_session(
    tool: &dyn Tool,
    reference: &str,
    candidates: impl IntoIterator<Item = (String, PathBuf)>,
) -> Result<PathBuf> {
    const SHOWN: usize = 5;
    let mut exact: Vec<(String, PathBuf)> = Vec::new();
    let mut prefixed: Vec<(String, PathBuf)> = Vec::new();
    let (mut exact_count, mut prefixed_count) = (0usize, 0usize);
    for (id, path) in candidates {
        let (list, count) = if id == reference {
            (&mut exact, &mut exact_count)
        } else if id.starts_with(reference) {
            (&mut prefixed, &mut prefixed_count)
        } else {
            continue;
        };
        *count += 1;
        if list.len() < SHOWN {
            list.push((id, path));
        }
    }
    let (mut matches, count) = if exact_count > 0 {
        (exact, exact_count)
    } else {
        (prefixed, prefixed_count)
    };
    if count == 1
        && let Some((_, path)) = matches.pop()
    {
        return Ok(path);
    }
    if count == 0 {
        return Err(failure(
            format!("no {} session matches {reference}", tool.name()),
            "give a session id, a unique id prefix, or the session file's path",
        ));
    }
    let shown: Vec<String> = matches
        .iter()
        .map(|(id, path)| format!("{id} ({})", path.display()))
        .collect();
    let more = if count > SHOWN { ", …" } else { "" };
    Err(failure(
        format!(
            "{reference} matches {count} {} sessions: {}{more}",
            tool.name(),
            shown.join(", ")
        ),
        "give more of the id, or the session file's path",
    ))
}

/// What a managed tool's store says about a stored id.
pub enum Existing {
    /// The session exists: launch with these arguments.
    Resume(Vec<OsString>),
    /// Nothing recorded yet: start it under the same id.
    NotStarted,
    /// The id cannot be started or resumed (an empty gemini session): pick a new one.
    Unusable,
}

/// The launch rule shared by the tools that take an id from the wrapper.
pub fn plan_managed(
    stored: Option<&str>,
    fresh: bool,
    new_flag: &str,
    check: impl FnOnce(&str) -> Result<Existing>,
) -> Result<Plan> {
    let Some(id) = stored else {
        return Ok(Plan::new_session(new_uuid(), new_flag));
    };
    if fresh {
        return Ok(Plan::new_session(id.to_owned(), new_flag));
    }
    Ok(match check(id)? {
        Existing::Resume(inject) => Plan::resume(id.to_owned(), inject),
        Existing::NotStarted => Plan::new_session(id.to_owned(), new_flag),
        Existing::Unusable => Plan::new_session(new_uuid(), new_flag).with_notice(format!(
            "Session {id} holds no messages; starting a new one"
        )),
    })
}

/// A new managed session id.
pub fn new_uuid() -> String {
    uuid::Uuid::new_v4().hyphenated().to_string()
}

/// A managed id: a hyphenated 8-4-4-4-12 hex UUID, as every tool's `--session-id` wants it.
pub fn is_uuid(text: &str) -> bool {
    text.len() == 36
        && text.bytes().enumerate().all(|(index, byte)| match index {
            8 | 13 | 18 | 23 => byte == b'-',
            _ => byte.is_ascii_hexdigit(),
        })
}

/// A native id (codex, agy): `^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`, so it can never read as a flag
/// or a path.
pub fn is_native_id(text: &str) -> bool {
    let bytes = text.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 128
        && bytes[0].is_ascii_alphanumeric()
        && bytes
            .iter()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'_' | b'-'))
}

/// A tool's root folder: an override from the environment, else a folder under HOME.
pub fn root_from(env_var: &str, home_relative: &str) -> Result<PathBuf> {
    match crate::env::path(env_var) {
        Some(root) => Ok(root),
        None => Ok(home()?.join(home_relative)),
    }
}

pub fn home() -> Result<PathBuf> {
    crate::env::home().ok_or_else(|| anyhow::anyhow!("HOME is not set"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    #[test]
    fn ids_that_could_read_as_flags_or_paths_are_refused() {
        assert!(is_uuid("44444444-2222-4333-8444-555555555555"));
        assert!(!is_uuid("--44444-2222-4333-8444-555555555555"));
        assert!(!is_uuid("4444444422224333844455555555555500000"));
        assert!(is_native_id("01a1fdd5-3174-7111-9ffd-8a808cf1cb1d"));
        assert!(!is_native_id("-c"));
        assert!(!is_native_id("../../etc"));
        assert!(!is_native_id(""));
        assert!(!is_native_id(&"a".repeat(129)));
    }

    #[test]
    fn first_positional_skips_flag_values() {
        let rules = codex::Codex.arg_rules();
        assert!(rules.passes_through(&words(&["-m", "o3", "review"])));
        assert!(rules.passes_through(&words(&["--model=o3", "exec", "x"])));
        assert!(!rules.passes_through(&words(&["-m", "review"])));
        assert!(!rules.passes_through(&words(&["fix the review comments"])));
        assert!(!rules.passes_through(&words(&["--", "--help"])));
    }
}
