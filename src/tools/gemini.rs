//! Gemini CLI (`gemini`): the wrapper picks the session id.
//!
//! Sessions are kept per exact working directory: `projects.json` maps the directory to a slug,
//! and the chats live in `<root>/tmp/<slug>/chats/session-<time>-<first 8 of id>.jsonl`, where
//! `<root>` is `$GEMINI_CLI_HOME/.gemini` or `~/.gemini`. `--session-id` fails (exit 42) when the
//! session already exists and `--resume` fails when it does not, so the store decides which one
//! to pass. `projects.json` is only ever read: gemini resets it if it sees a slug it dislikes.
//!
//! A converted session reaches gemini through `--session-file`, which imports it under a new id;
//! see `plan_import` for how the wrapper imports it once and resumes the imported copy after.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::io::{BufRead, BufReader, Read, Write};
use std::ops::ControlFlow;
use std::path::{Component, Path, PathBuf};
use std::time::{Duration, SystemTime};

use anyhow::{Result, anyhow};
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use super::{
    Announce, ArgRules, Context, ConversionTarget, Existing, NewSession, Plan, SessionEncoder,
    SessionLister, SessionMode, SessionRef, Tool, ToolInfo, TranscriptSource, is_uuid, new_uuid,
    pick_session, plan_managed,
};
use crate::convert::{Stamps, json_line};
use crate::env;
use crate::json_prefix::{self, Found};
use crate::listing::{HEAD_BYTES, Head, Projects, SessionInfo, store_entries, until};
use crate::state::{Import, StateStore, now_rfc3339};
use crate::transcript::{
    Dropped, LineReader, Loose, Message, Role, Sink, Tally, format_time, join_texts, parse_line,
    parse_time,
};

pub struct Gemini;

static INFO: ToolInfo = ToolInfo {
    name: "gemini",
    display_name: "Gemini CLI",
    session_mode: SessionMode::ManagedId,
    args: ArgRules {
        value_flags: &[
            "-m",
            "--model",
            "-i",
            "--prompt-interactive",
            "--approval-mode",
            "--allowed-mcp-server-names",
            "--allowed-tools",
            "-e",
            "--extensions",
            "--include-directories",
            "-o",
            "--output-format",
            "--proxy",
            "--policy",
            "--sandbox-image",
            "--telemetry-target",
            "--telemetry-otlp-endpoint",
            "--telemetry-otlp-protocol",
            "--telemetry-outfile",
        ],
        subcommands: &[
            "mcp",
            "extensions",
            "extension",
            "skills",
            "skill",
            "hooks",
            "hook",
            "gemma",
        ],
        pass_flags: &[
            // explicit sessions
            "-r",
            "--resume",
            "--session-id",
            "--session-file",
            "--list-sessions",
            "--delete-session",
            // non-interactive, or print-and-exit
            "-p",
            "--prompt",
            "--acp",
            "--experimental-acp",
            "--server",
            "--headless",
            "-l",
            "--list-extensions",
        ],
        // `gemini "question"` answers once and exits; `-i "question"` stays interactive.
        positional_prompt_is_one_shot: true,
        interactive_flags: &["-i", "--prompt-interactive"],
    },
};

impl Tool for Gemini {
    fn info(&self) -> &'static ToolInfo {
        &INFO
    }

    fn accepts_target(&self, target: &str, state_dir: &Path) -> bool {
        is_uuid(target) || import_file(target, state_dir).is_some()
    }

    fn plan(&self, context: &Context, stored: Option<&str>, fresh: bool) -> Result<Plan> {
        if let Some(file) = stored.and_then(|target| import_file(target, &context.state_dir)) {
            return plan_import(context, file);
        }
        plan_managed(stored, fresh, "--session-id", |id| {
            Ok(match session_status(&context.session_cwd, id)? {
                SessionStatus::HasMessages => Existing::Resume(vec!["--resume".into(), id.into()]),
                SessionStatus::Missing => Existing::NotStarted,
                SessionStatus::Empty => Existing::Unusable,
            })
        })
    }

    fn has_session(&self, context: &Context, id: &str) -> Result<bool> {
        // A converted session being imported is in the store once gemini has imported it.
        if import_file(id, &context.state_dir).is_some() {
            return Ok(match &context.import {
                Some(import) => find_imported(&context.session_cwd, import)?.is_some(),
                None => false,
            });
        }
        Ok(matches!(
            session_status(&context.session_cwd, id)?,
            SessionStatus::HasMessages | SessionStatus::Empty
        ))
    }

    fn transcript_source(&self) -> Option<&dyn TranscriptSource> {
        Some(self)
    }

    fn conversion_target(&self) -> Option<&dyn ConversionTarget> {
        Some(self)
    }

    fn session_lister(&self) -> Option<&dyn SessionLister> {
        Some(self)
    }
}

/// How many launches import one converted file before the wrapper stops looking for the result.
const MAX_IMPORTS: u32 = 2;
/// How far file times may lag the recorded start of an import (file system time granularity,
/// clock adjustments).
const CLOCK_SLACK: Duration = Duration::from_secs(120);
/// Gemini writes an imported session's metadata line, its "Imported session from …" notice, then
/// the converted messages; the first of them is within this many lines.
const IMPORT_HEAD_LINES: usize = 4;

/// A converted session on its way into gemini's store. Its state target is the converted file,
/// which lies in the state folder (the Python tool stored such paths too, and re-imported them on
/// every launch).
///
/// Why import rather than write into gemini's store: the store is keyed by a per-directory slug
/// registered in `projects.json`, which only gemini may write (it resets the registry when it
/// dislikes a slug), so a directory gemini has never run in has no place for a session yet; and
/// the file names and `projectHash` are gemini's to change. `--session-file` is gemini's own way
/// in, and it writes the imported session into the right store itself. Its catch: every import
/// makes a new session with a new id. So the wrapper imports once, recording when and which
/// file, and since exec leaves no chance to look afterwards, the next launch finds the imported
/// copy in gemini's store: a session file of this directory, written after the import started,
/// holding the converted first message under its original id. From then on that id is the
/// managed session, resumed with `--resume` and never imported again.
///
/// If the next launch finds no imported copy (gemini failed before importing, or is too old for
/// `--session-file`), it imports once more; after [`MAX_IMPORTS`] it gives up with a notice and
/// starts a new session, keeping the file for a manual import.
fn plan_import(context: &Context, file: PathBuf) -> Result<Plan> {
    let new_session =
        |notice: String| Ok(Plan::new_session(new_uuid(), "--session-id").with_notice(notice));
    // Without a record of an import (a file the Python tool converted, which it imported on
    // every launch), any import of the file already in the store counts.
    let import = context.import.clone().or_else(|| {
        first_message_id(&file).map(|first_message| Import {
            first_message,
            started_at: String::new(),
            attempts: 0,
        })
    });
    let Some(import) = import else {
        return new_session(format!("Converted session {} is gone", file.display()));
    };
    if let Some(id) = find_imported(&context.session_cwd, &import)? {
        let inject = vec!["--resume".into(), id.clone().into()];
        return Ok(Plan::resume(id.clone(), inject)
            .with_notice(format!("Gemini imported the converted session as {id}")));
    }
    if import.attempts >= MAX_IMPORTS {
        return new_session(format!(
            "Gemini kept no session imported from {0}; starting a new one \
             (`gemini --session-file {0}` imports it by hand)",
            file.display()
        ));
    }
    if !file.is_file() {
        return new_session(format!("Converted session {} is gone", file.display()));
    }
    Ok(Plan {
        inject: vec!["--session-file".into(), file.clone().into_os_string()],
        target: Some(file.to_string_lossy().into_owned()),
        announce: Announce::Importing(file.display().to_string()),
        notices: Vec::new(),
        session_cwd: None,
        import: Some(Import {
            started_at: now_rfc3339(),
            attempts: import.attempts + 1,
            ..import
        }),
    })
}

/// The id of the first message of a converted file, which its imported copy keeps.
fn first_message_id(file: &Path) -> Option<String> {
    let mut lines = LineReader::open(file).ok()?;
    for _ in 0..IMPORT_HEAD_LINES {
        let (_, line) = lines.next_line().ok()??;
        if let Ok(head) = serde_json::from_slice::<ImportHead>(line)
            && let Some(id) = head.id.and_then(Loose::valid)
        {
            return Some(id);
        }
    }
    None
}

#[derive(Deserialize)]
struct ImportHead {
    #[serde(rename = "sessionId")]
    session_id: Option<Loose<String>>,
    id: Option<Loose<String>>,
}

/// The id gemini gave its import of the converted file, if it is in this directory's store:
/// the newest import since the recorded start, or any, with no recorded start.
fn find_imported(cwd: &Path, import: &Import) -> Result<Option<String>> {
    let Some(chats) = chats_dir(cwd)? else {
        return Ok(None);
    };
    let Ok(entries) = std::fs::read_dir(&chats) else {
        return Ok(None);
    };
    let since = parse_time(Some(&import.started_at))
        .and_then(|time| SystemTime::from(time).checked_sub(CLOCK_SLACK))
        .unwrap_or(SystemTime::UNIX_EPOCH);
    let mut candidates: Vec<(SystemTime, PathBuf)> = entries
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name();
            let name = name.to_str()?;
            if !name.starts_with("session-") || !name.ends_with(".jsonl") {
                return None;
            }
            let modified = entry.metadata().ok()?.modified().ok()?;
            (modified >= since).then(|| (modified, entry.path()))
        })
        .collect();
    candidates.sort_by_key(|candidate| std::cmp::Reverse(candidate.0));
    Ok(candidates
        .iter()
        .find_map(|(_, path)| imported_from(path, &import.first_message)))
}

/// The session id of `path` if it is an import of the converted file whose first message is
/// `first_message`.
fn imported_from(path: &Path, first_message: &str) -> Option<String> {
    let mut lines = LineReader::open(path).ok()?;
    let (_, line) = lines.next_line().ok()??;
    let session_id = serde_json::from_slice::<ImportHead>(line)
        .ok()?
        .session_id?
        .valid()
        .filter(|id| is_uuid(id))?;
    for _ in 1..IMPORT_HEAD_LINES {
        let (_, line) = lines.next_line().ok()??;
        let Ok(head) = serde_json::from_slice::<ImportHead>(line) else {
            continue;
        };
        if head.id.and_then(Loose::valid).as_deref() == Some(first_message) {
            return Some(session_id);
        }
    }
    None
}

/// The import file a state target names, if it is a plain file inside the state folder.
pub fn import_file(target: &str, state_dir: &Path) -> Option<PathBuf> {
    let path = Path::new(target);
    let plain = path.is_absolute()
        && path
            .components()
            .all(|c| !matches!(c, Component::ParentDir));
    (plain && path.parent() == Some(state_dir)).then(|| path.to_path_buf())
}

/// `$GEMINI_CLI_HOME/.gemini`, else `~/.gemini`.
pub fn root() -> Result<PathBuf> {
    let home = match env::path(env::GEMINI_CLI_HOME) {
        Some(home) => home,
        None => super::home()?,
    };
    Ok(home.join(".gemini"))
}

/// `projects.json`: each directory gemini has run in, and the slug of its folder under `tmp/`.
#[derive(Deserialize)]
struct Registry {
    #[serde(default)]
    projects: HashMap<String, String>,
}

/// The registered directories and their slugs; none if `projects.json` is missing or broken.
fn registry(root: &Path) -> HashMap<String, String> {
    let Ok(bytes) = std::fs::read(root.join("projects.json")) else {
        return HashMap::new();
    };
    let registry = serde_json::from_slice::<Registry>(&bytes).map(|registry| registry.projects);
    let mut projects = registry.unwrap_or_default();
    projects.retain(|_, slug| is_slug(slug));
    projects
}

/// The chats folder gemini uses for `cwd`, if gemini has registered that directory.
pub fn chats_dir(cwd: &Path) -> Result<Option<PathBuf>> {
    let root = root()?;
    let Some(key) = cwd.to_str() else {
        return Ok(None);
    };
    let slug = registry(&root).remove(key);
    Ok(slug.map(|slug| root.join("tmp").join(slug).join("chats")))
}

fn is_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug
            .bytes()
            .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-')
}

pub enum SessionStatus {
    Missing,
    /// The file exists but holds no user or model message.
    Empty,
    HasMessages,
}

/// What gemini's store for `cwd` holds of session `id`.
pub fn session_status(cwd: &Path, id: &str) -> Result<SessionStatus> {
    let Some(chats) = chats_dir(cwd)? else {
        return Ok(SessionStatus::Missing);
    };
    let Ok(entries) = std::fs::read_dir(&chats) else {
        return Ok(SessionStatus::Missing);
    };
    let short = id.get(..8).unwrap_or(id);
    let mut status = SessionStatus::Missing;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let stem = name
            .strip_suffix(".jsonl")
            .or_else(|| name.strip_suffix(".json"));
        if !name.starts_with("session-") || !stem.is_some_and(|stem| stem.ends_with(short)) {
            continue;
        }
        match file_status(&entry.path(), id) {
            Some(true) => return Ok(SessionStatus::HasMessages),
            Some(false) => status = SessionStatus::Empty,
            None => {}
        }
    }
    Ok(status)
}

#[derive(Deserialize)]
struct Record {
    #[serde(rename = "sessionId")]
    session_id: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    messages: Vec<Record>,
}

fn is_message(record: &Record) -> bool {
    matches!(record.kind.as_deref(), Some("user" | "gemini"))
}

/// `None` if the file is not session `id`; else whether it holds a message. Reads only until the
/// first message.
fn file_status(path: &Path, id: &str) -> Option<bool> {
    let file = std::fs::File::open(path).ok()?;
    if path.extension().is_some_and(|ext| ext == "json") {
        // The older format: one JSON object holding every message.
        let session: Record = serde_json::from_reader(BufReader::new(file)).ok()?;
        return (session.session_id.as_deref() == Some(id))
            .then(|| session.messages.iter().any(is_message));
    }
    let mut lines = BufReader::new(file).split(b'\n');
    let first: Record = serde_json::from_slice(&lines.next()?.ok()?).ok()?;
    if first.session_id.as_deref() != Some(id) {
        return None;
    }
    let has_message = lines.map_while(Result::ok).any(|line| {
        serde_json::from_slice::<Record>(&line).is_ok_and(|record| is_message(&record))
    });
    Some(has_message)
}

// ---------------------------------------------------------------- reading sessions

impl TranscriptSource for Gemini {
    fn find_session(&self, cwd: &Path, reference: &str) -> Result<PathBuf> {
        match SessionRef::parse(self, reference)? {
            SessionRef::Path(path) => super::session_file(self, path),
            SessionRef::Id(id) => pick_session(self, id, session_files(cwd, id)?),
        }
    }

    fn read_transcript(&self, path: &Path, sink: Sink) -> Result<Tally> {
        if path.extension().is_some_and(|ext| ext == "json") {
            read_legacy(path, sink)
        } else {
            read_jsonl(path, sink)
        }
    }
}

impl SessionLister for Gemini {
    /// Gemini keeps sessions per exact directory, registered in `projects.json` (FORMATS.md):
    /// this project's are the chats of every registered directory inside it. Sub-agent sessions
    /// are left out; `tmp/` folders of the older hashed layout have no registered directory, and
    /// are listed only with every project.
    fn list(&self, projects: &Projects) -> Result<Vec<SessionInfo>> {
        let root = root()?;
        let mut registered: HashMap<String, PathBuf> = registry(&root)
            .into_iter()
            .map(|(dir, slug)| (slug, PathBuf::from(dir)))
            .collect();
        let mut sessions = Vec::new();
        for folder in store_entries(&root.join("tmp"))? {
            let slug = folder.file_name().to_string_lossy().into_owned();
            let cwd = registered.remove(&slug);
            if !projects.includes(cwd.as_deref()) {
                continue;
            }
            let chats = folder.path().join("chats");
            let Ok(files) = std::fs::read_dir(&chats) else {
                continue;
            };
            let chats = files.flatten().filter_map(|file| {
                let path = file.path();
                is_session_file(&path)
                    .then(|| describe_chat(path, cwd.clone()))
                    .flatten()
                    .filter(|chat| !chat.subagent)
            });
            sessions.extend(one_per_session(chats).into_iter().map(|chat| chat.info));
        }
        Ok(sessions)
    }

    fn describe(&self, path: &Path) -> Result<SessionInfo> {
        // `<root>/tmp/<slug>/chats/<file>`: the slug names the directory.
        let root = root()?;
        let chats = path.parent().filter(|chats| chats.ends_with("chats"));
        let slug_dir = chats
            .and_then(Path::parent)
            .filter(|dir| dir.parent() == Some(&root.join("tmp")));
        let slug = slug_dir
            .and_then(Path::file_name)
            .and_then(|slug| slug.to_str());
        let cwd = slug.and_then(|slug| {
            registry(&root)
                .into_iter()
                .find_map(|(dir, known)| (known == slug).then(|| PathBuf::from(dir)))
        });
        let described = describe_chat(path.to_path_buf(), cwd);
        Ok(described.map_or_else(
            || SessionInfo::new(String::new(), path.to_path_buf(), None),
            |chat| chat.info,
        ))
    }
}

/// A session file name: `session-….jsonl`, or an older `session-….json` that gemini has not
/// rewritten as `.jsonl`.
fn is_session_file(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|name| name.to_str()) else {
        return false;
    };
    name.starts_with("session-")
        && (name.ends_with(".jsonl")
            || (name.ends_with(".json") && !path.with_extension("jsonl").exists()))
}

/// Gemini starts a new file for a session it resumes in a later minute (0.61 also writes one at
/// an import), so one id can have several files; gemini reads them as one session, the newest
/// file that holds a conversation. This keeps that file of each id.
fn one_per_session(chats: impl IntoIterator<Item = Chat>) -> Vec<Chat> {
    let rank = |chat: &Chat| (chat.info.title.prompt().is_some(), chat.info.updated_at);
    let mut chosen: HashMap<String, Chat> = HashMap::new();
    for chat in chats {
        match chosen.get(&chat.info.id) {
            Some(kept) if rank(kept) >= rank(&chat) => {}
            _ => {
                chosen.insert(chat.info.id.clone(), chat);
            }
        }
    }
    chosen.into_values().collect()
}

/// A session file as `sessions` sees it.
struct Chat {
    info: SessionInfo,
    /// A sub-agent's session, which is not the user's conversation.
    subagent: bool,
}

/// A chat's id, start and first prompt from its head; `None` for a file whose id cannot be told
/// even from its name.
fn describe_chat(path: PathBuf, cwd: Option<PathBuf>) -> Option<Chat> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Meta {
        session_id: Option<Loose<String>>,
        start_time: Option<Loose<String>>,
        kind: Option<Loose<String>>,
    }
    let mut id = None;
    let mut subagent = false;
    let head = if path.extension().is_some_and(|ext| ext == "json") {
        legacy_head(&path, &mut id)
    } else {
        Head::read(&path, |head, line| {
            if !head.recognised {
                // The first line is the session's metadata.
                let Ok(meta) = serde_json::from_slice::<Meta>(line) else {
                    return ControlFlow::Break(());
                };
                head.recognised = true;
                id = meta.session_id.and_then(Loose::valid);
                head.started_at = parse_time(meta.start_time.and_then(Loose::valid).as_deref());
                subagent = meta.kind.and_then(Loose::valid).as_deref() == Some("subagent");
                return ControlFlow::Continue(());
            }
            let mut tally = Tally::default();
            let message = parse_line::<StoredMessage>(line, &mut tally);
            head.offer(message.and_then(|message| message.visible(&mut tally)));
            until(head.prompt.is_some())
        })
    };
    // A file whose id cannot be read is still listed, by the part of the id in its name.
    let id = id.or_else(|| {
        let stem = path.file_stem()?.to_str()?;
        Some(stem.get(stem.len().saturating_sub(8)..)?.to_owned())
    })?;
    let mut info = SessionInfo::new(id, path, head);
    info.cwd = cwd;
    Some(Chat { info, subagent })
}

/// The head of an older single-object session: its id and start, and the first prompt that the
/// streaming reader finds within the first [`HEAD_BYTES`].
fn legacy_head(path: &Path, id: &mut Option<String>) -> Option<Head> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .ok()?
        .take(HEAD_BYTES)
        .read_to_end(&mut bytes)
        .ok()?;
    let mut head = Head::default();
    let [session_id, start] = json_prefix::strings(&bytes, &[&["sessionId"], &["startTime"]]);
    head.recognised = session_id.is_some();
    head.started_at = parse_time(start.as_deref());
    *id = session_id;
    // Stopped at the first prompt, or by the end of the head: either way it has read enough.
    let _ = read_legacy_from(&bytes[..], &mut |message| {
        let user = message.role == Role::User;
        head.offer(Some(message));
        match user {
            true => Err(anyhow!("enough")),
            false => Ok(()),
        }
    });
    Some(head)
}

/// Session files that may be `reference`, as (session id, file): this directory's chats first,
/// then every other project's.
fn session_files(cwd: &Path, reference: &str) -> Result<Vec<(String, PathBuf)>> {
    let mut folders: Vec<PathBuf> = chats_dir(cwd)?.into_iter().collect();
    if let Ok(projects) = std::fs::read_dir(root()?.join("tmp")) {
        for project in projects.flatten() {
            let chats = project.path().join("chats");
            if !folders.contains(&chats) {
                folders.push(chats);
            }
        }
    }
    // File names end in the id's first 8 characters, so most files need not be opened.
    let short = reference.get(..8).unwrap_or(reference);
    let mut found = Vec::new();
    for folder in folders {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if !is_session_file(&path) {
                continue;
            }
            let Some(stem) = path.file_stem().and_then(|stem| stem.to_str()) else {
                continue;
            };
            let tail = stem.get(stem.len().saturating_sub(8)..).unwrap_or(stem);
            if !tail.starts_with(short) || !path.is_file() {
                continue;
            }
            if let Some(id) = file_session_id(&path) {
                found.push((id, path));
            }
        }
    }
    // The files of one id are one session.
    let chats = found.into_iter().filter_map(|(id, path)| {
        let mut chat = describe_chat(path, None)?;
        chat.info.id = id;
        Some(chat)
    });
    Ok(one_per_session(chats)
        .into_iter()
        .map(|chat| (chat.info.id, chat.info.path))
        .collect())
}

/// The `sessionId` at the start of a session file, either format.
fn file_session_id(path: &Path) -> Option<String> {
    let mut head = Vec::new();
    std::fs::File::open(path)
        .ok()?
        .take(64 * 1024)
        .read_to_end(&mut head)
        .ok()?;
    match json_prefix::scan(&head, &[&["sessionId"]]).pop().flatten() {
        Some(Found::Str(id)) => Some(id),
        _ => None,
    }
}

/// Where the current version of one message is: a whole line, or an entry of a `messages`
/// array on that line.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Place {
    offset: u64,
    index: Option<usize>,
}

/// The messages of a session in order, as gemini rebuilds them: a message appended again with
/// the same id replaces the earlier one in its place, `$rewindTo` drops a message and all after
/// it, and a `$set` of `messages` starts over. Only ids (hashed) and places are held, never text.
#[derive(Default)]
struct Order {
    places: Vec<(u64, Place)>,
    positions: HashMap<u64, usize>,
}

impl Order {
    fn key(id: &str) -> u64 {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        id.hash(&mut hasher);
        hasher.finish()
    }

    fn set(&mut self, id: &str, place: Place) {
        let key = Order::key(id);
        match self.positions.get(&key) {
            Some(&position) => self.places[position].1 = place,
            None => {
                self.positions.insert(key, self.places.len());
                self.places.push((key, place));
            }
        }
    }

    fn rewind(&mut self, id: &str) {
        match self.positions.get(&Order::key(id)) {
            Some(&position) => {
                for (key, _) in self.places.drain(position..) {
                    self.positions.remove(&key);
                }
            }
            // Gemini rewinds to the start when it does not know the id.
            None => self.clear(),
        }
    }

    fn clear(&mut self) {
        self.places.clear();
        self.positions.clear();
    }
}

/// What the first pass needs from a line.
#[derive(Deserialize)]
struct LineHead {
    id: Option<Loose<String>>,
    #[serde(rename = "$rewindTo")]
    rewind_to: Option<Loose<String>>,
    #[serde(rename = "$set")]
    set: Option<Loose<SetHead>>,
    /// A whole older-format session written on one line.
    messages: Option<Loose<Vec<Loose<IdOnly>>>>,
}

#[derive(Deserialize)]
struct SetHead {
    messages: Option<Loose<Vec<Loose<IdOnly>>>>,
}

#[derive(Deserialize)]
struct IdOnly {
    id: Option<Loose<String>>,
}

fn ids(messages: Option<Loose<Vec<Loose<IdOnly>>>>) -> Option<Vec<Option<String>>> {
    let messages = messages?.valid()?;
    Some(
        messages
            .into_iter()
            .map(|message| message.valid()?.id?.valid())
            .collect(),
    )
}

/// Reads a `.jsonl` session in two passes: the first finds which version of which message
/// survives, holding only their places; the second reads just those, in order.
fn read_jsonl(path: &Path, sink: Sink) -> Result<Tally> {
    let mut tally = Tally::default();
    let mut order = Order::default();
    let mut lines = LineReader::open(path)?;
    while let Some((offset, line)) = lines.next_line()? {
        let Some(head) = parse_line::<LineHead>(line, &mut tally) else {
            continue;
        };
        let whole = Place {
            offset,
            index: None,
        };
        // The same precedence as gemini's own loader.
        if let Some(target) = head.rewind_to.and_then(Loose::valid) {
            order.rewind(&target);
        } else if let Some(id) = head.id.and_then(Loose::valid) {
            order.set(&id, whole);
        } else if let Some(set) = head.set.and_then(Loose::valid) {
            if let Some(ids) = ids(set.messages) {
                order.clear();
                add_array(&mut order, offset, ids);
            }
        } else if let Some(ids) = ids(head.messages) {
            add_array(&mut order, offset, ids);
        }
    }

    // The line last parsed for an array of messages, which usually holds several of them.
    let mut array: Option<(u64, Vec<Option<StoredMessage>>)> = None;
    for (_, place) in std::mem::take(&mut order.places) {
        let message = match place.index {
            None => {
                lines.seek(place.offset)?;
                let Some((_, line)) = lines.next_line()? else {
                    continue;
                };
                serde_json::from_slice::<StoredMessage>(line).ok()
            }
            Some(index) => {
                if array.as_ref().is_none_or(|(at, _)| *at != place.offset) {
                    lines.seek(place.offset)?;
                    let Some((_, line)) = lines.next_line()? else {
                        continue;
                    };
                    array = Some((place.offset, message_array(line)));
                }
                array
                    .as_mut()
                    .and_then(|(_, messages)| messages.get_mut(index)?.take())
            }
        };
        if let Some(message) = message.and_then(|message| message.visible(&mut tally)) {
            sink(message)?;
        }
    }
    Ok(tally)
}

fn add_array(order: &mut Order, offset: u64, ids: Vec<Option<String>>) {
    for (index, id) in ids.into_iter().enumerate() {
        if let Some(id) = id {
            let index = Some(index);
            order.set(&id, Place { offset, index });
        }
    }
}

/// The messages of a `$set` line or a one-line older session.
fn message_array(line: &[u8]) -> Vec<Option<StoredMessage>> {
    #[derive(Deserialize)]
    struct Holder {
        #[serde(rename = "$set")]
        set: Option<Loose<ArrayHolder>>,
        messages: Option<Loose<Vec<Loose<StoredMessage>>>>,
    }
    #[derive(Deserialize)]
    struct ArrayHolder {
        messages: Option<Loose<Vec<Loose<StoredMessage>>>>,
    }
    let Ok(holder) = serde_json::from_slice::<Holder>(line) else {
        return Vec::new();
    };
    let messages = match holder.set.and_then(Loose::valid) {
        Some(set) => set.messages,
        None => holder.messages,
    };
    messages
        .and_then(Loose::valid)
        .unwrap_or_default()
        .into_iter()
        .map(Loose::valid)
        .collect()
}

/// Reads an older single-object `.json` session, streaming its `messages` array one element at
/// a time.
fn read_legacy(path: &Path, sink: Sink) -> Result<Tally> {
    let file = std::fs::File::open(path)
        .map_err(|error| anyhow!("cannot open {}: {error}", path.display()))?;
    read_legacy_from(BufReader::new(file), sink)
        .map_err(|error| anyhow!("{} is not a gemini session: {error:#}", path.display()))
}

/// Streams an older single-object session from `input`; a sink's error stops it.
fn read_legacy_from(input: impl Read, sink: Sink) -> Result<Tally> {
    let mut reading = Legacy {
        sink,
        tally: Tally::default(),
        failed: None,
    };
    let mut input = serde_json::Deserializer::from_reader(input);
    let parsed = LegacyRoot(&mut reading).deserialize(&mut input);
    if let Some(error) = reading.failed {
        return Err(error);
    }
    parsed?;
    Ok(reading.tally)
}

struct Legacy<'a> {
    sink: Sink<'a>,
    tally: Tally,
    /// An error of the sink, which serde cannot carry.
    failed: Option<anyhow::Error>,
}

struct LegacyRoot<'r, 'a>(&'r mut Legacy<'a>);
struct LegacyMessages<'r, 'a>(&'r mut Legacy<'a>);

impl<'de> DeserializeSeed<'de> for LegacyRoot<'_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, input: D) -> Result<(), D::Error> {
        input.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for LegacyRoot<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a gemini session object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if key == "messages" {
                map.next_value_seed(LegacyMessages(&mut *self.0))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for LegacyMessages<'_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, input: D) -> Result<(), D::Error> {
        input.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for LegacyMessages<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list of messages")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let reading = self.0;
        while let Some(message) = seq.next_element::<Loose<StoredMessage>>()? {
            let Some(message) = message.valid() else {
                reading.tally.malformed += 1;
                continue;
            };
            if let Some(message) = message.visible(&mut reading.tally)
                && let Err(error) = (reading.sink)(message)
            {
                reading.failed = Some(error);
                return Err(serde::de::Error::custom("stopped"));
            }
        }
        Ok(())
    }
}

/// A message record, either format.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StoredMessage {
    #[serde(rename = "type")]
    kind: Option<Loose<String>>,
    timestamp: Option<Loose<String>>,
    content: Option<Loose<PartList>>,
    tool_calls: Option<Loose<Vec<IgnoredAny>>>,
    thoughts: Option<Loose<Vec<IgnoredAny>>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum PartList {
    Text(String),
    Parts(Vec<Loose<Part>>),
    One(Part),
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Part {
    text: Option<Loose<String>>,
    thought: Option<Loose<bool>>,
    inline_data: Option<Loose<InlineData>>,
    file_data: Option<IgnoredAny>,
    function_call: Option<IgnoredAny>,
    function_response: Option<IgnoredAny>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InlineData {
    mime_type: Option<Loose<String>>,
}

/// User texts gemini itself leaves out when it resumes: slash commands and `?` help, and context
/// blocks it injected.
fn is_command(text: &str) -> bool {
    let text = text.trim_start();
    text.starts_with('/') || text.starts_with('?')
}

fn is_injected(text: &str) -> bool {
    let text = text.trim_start();
    text.starts_with("<session_context>") || text.starts_with("<hook_context>")
}

impl StoredMessage {
    fn visible(self, tally: &mut Tally) -> Option<Message> {
        let role = match self.kind.and_then(Loose::valid).as_deref() {
            Some("user") => Role::User,
            Some("gemini") => Role::Assistant,
            Some("info" | "error" | "warning") => {
                tally.add(Dropped::Notices, 1);
                return None;
            }
            _ => return None,
        };
        let count = |list: Option<Loose<Vec<IgnoredAny>>>| {
            list.and_then(Loose::valid)
                .map_or(0, |list| list.len() as u64)
        };
        tally.add(Dropped::ToolCalls, count(self.tool_calls));
        tally.add(Dropped::Thinking, count(self.thoughts));
        let mut texts = Vec::new();
        match self.content.and_then(Loose::valid) {
            Some(PartList::Text(text)) => texts.push(text),
            Some(PartList::Parts(parts)) => {
                for part in parts.into_iter().filter_map(Loose::valid) {
                    texts.extend(part.text_counting(tally));
                }
            }
            Some(PartList::One(part)) => texts.extend(part.text_counting(tally)),
            None => {}
        }
        let text = join_texts(texts.iter().map(String::as_str));
        if role == Role::User && is_injected(&text) {
            return None;
        }
        if role == Role::User && is_command(&text) {
            tally.add(Dropped::Commands, 1);
            return None;
        }
        let time = parse_time(self.timestamp.and_then(Loose::valid).as_deref());
        Message::new(role, text, time)
    }
}

impl Part {
    /// The part's visible text; anything else it holds is counted.
    fn text_counting(self, tally: &mut Tally) -> Option<String> {
        if let Some(data) = self.inline_data.and_then(Loose::valid) {
            let mime = data.mime_type.and_then(Loose::valid).unwrap_or_default();
            let kind = match mime.starts_with("image/") {
                true => Dropped::Images,
                false => Dropped::Attachments,
            };
            tally.add(kind, 1);
        }
        if self.file_data.is_some() {
            tally.add(Dropped::Attachments, 1);
        }
        if self.function_call.is_some() {
            tally.add(Dropped::ToolCalls, 1);
        }
        if self.function_response.is_some() {
            tally.add(Dropped::ToolResults, 1);
        }
        let text = self.text.and_then(Loose::valid)?;
        if self.thought.and_then(Loose::valid) == Some(true) {
            tally.add(Dropped::Thinking, 1);
            return None;
        }
        Some(text)
    }
}

// ---------------------------------------------------------------- writing sessions

/// Gemini's rule for session ids, kept to names that are also safe as a file name part.
fn is_session_id(id: &str) -> bool {
    super::is_native_id(id) && !id.contains('.')
}

impl ConversionTarget for Gemini {
    fn session_id(&self, requested: Option<&str>) -> Result<String> {
        match requested {
            None => Ok(new_uuid()),
            Some(id) if is_session_id(id) => Ok(id.to_owned()),
            Some(id) => Err(crate::cli::failure(
                format!("{id:?} is not a gemini session id (letters, digits, - and _)"),
                "leave out --target-session for a new one",
            )),
        }
    }

    /// The converted file goes in the project's state folder, where the wrapper imports it from;
    /// gemini gives the import its own id.
    fn session_path(&self, session: &NewSession) -> Result<PathBuf> {
        let store = StateStore::new(&session.scope, self);
        store.check_dir()?;
        Ok(store
            .dir()
            .join(format!("gemini-session-{}.jsonl", session.id)))
    }

    fn encoder(&self, session: &NewSession) -> Result<Box<dyn SessionEncoder>> {
        Ok(Box::new(Encoder {
            session_id: session.id.clone(),
            project: project_label(&session.cwd),
            stamps: Stamps::new(session.created),
            last: None,
        }))
    }

    fn resume_target(&self, _session: &NewSession, path: &Path) -> String {
        path.to_string_lossy().into_owned()
    }

    fn resume_hint(&self, _session: &NewSession, path: &Path) -> String {
        format!("gemini --session-file {}", path.display())
    }
}

/// A non-empty `projectHash`, which gemini requires of a session file and replaces with its own
/// on import: the directory's name in the shape of gemini's slugs.
fn project_label(cwd: &Path) -> String {
    let name = cwd
        .file_name()
        .map(|name| name.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let label: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    if label.is_empty() {
        "project".into()
    } else {
        label
    }
}

/// Writes gemini's `.jsonl` session: the metadata line, one record per message, and a closing
/// `$set` of `lastUpdated`, which is only known at the end.
struct Encoder {
    session_id: String,
    project: String,
    stamps: Stamps,
    /// The time of the last message written; `None` before the first.
    last: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OutMeta<'a> {
    session_id: &'a str,
    project_hash: &'a str,
    start_time: &'a str,
    last_updated: &'a str,
    kind: &'a str,
}

#[derive(Serialize)]
struct OutMessage<'a, C> {
    id: String,
    timestamp: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    content: C,
}

#[derive(Serialize)]
struct OutPart<'a> {
    text: &'a str,
}

#[derive(Serialize)]
struct OutUpdate<'a> {
    #[serde(rename = "$set")]
    set: OutLastUpdated<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OutLastUpdated<'a> {
    last_updated: &'a str,
}

impl SessionEncoder for Encoder {
    fn message(&mut self, message: &Message, out: &mut dyn Write) -> Result<()> {
        let time = format_time(self.stamps.next(message));
        if self.last.is_none() {
            let meta = OutMeta {
                session_id: &self.session_id,
                project_hash: &self.project,
                start_time: &time,
                last_updated: &time,
                kind: "main",
            };
            json_line(out, &meta)?;
        }
        // Gemini's own message ids are random UUIDs; the import keeps them.
        let id = new_uuid();
        match message.role {
            Role::User => {
                let content = [OutPart {
                    text: &message.text,
                }];
                let kind = "user";
                json_line(
                    out,
                    &OutMessage {
                        id,
                        timestamp: &time,
                        kind,
                        content,
                    },
                )?;
            }
            Role::Assistant => {
                let content = message.text.as_str();
                let kind = "gemini";
                json_line(
                    out,
                    &OutMessage {
                        id,
                        timestamp: &time,
                        kind,
                        content,
                    },
                )?;
            }
        }
        self.last = Some(time);
        Ok(())
    }

    fn finish(&mut self, out: &mut dyn Write) -> Result<()> {
        match &self.last {
            Some(last) => json_line(
                out,
                &OutUpdate {
                    set: OutLastUpdated { last_updated: last },
                },
            ),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transcript::Dropped::*;
    use crate::transcript::testing::{fixture, read, tally, triples};

    #[test]
    fn replaced_and_rewound_messages_count_as_gemini_counts_them() {
        let (messages, counted) = read(&Gemini, &fixture("convert/gemini-session.jsonl"));
        assert_eq!(
            messages,
            triples(&[
                ("user", "Summarise README.md", "2026-11-21T11:00:01.000Z"),
                (
                    "assistant",
                    "It explains setup and usage.",
                    "2026-11-21T11:00:02.000Z"
                ),
                ("user", "Now CONTRIBUTING.md", "2026-11-21T11:03:00.000Z"),
                (
                    "assistant",
                    "It covers the review process.",
                    "2026-11-21T11:03:05.000Z"
                ),
            ])
        );
        // Only the surviving version of a replaced message is counted.
        let expected = [
            (ToolCalls, 1),
            (Thinking, 1),
            (Notices, 1),
            (Commands, 1),
            (Images, 1),
        ];
        assert_eq!(counted, tally(&expected, 1));
    }

    #[test]
    fn a_replaced_message_keeps_its_place_and_a_checkpoint_starts_over() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("session.jsonl");
        let lines = [
            r#"{"sessionId":"s","projectHash":"p"}"#,
            r#"{"id":"a","type":"user","content":[{"text":"one"}]}"#,
            r#"{"id":"b","type":"gemini","content":"draft"}"#,
            r#"{"id":"c","type":"user","content":"three"}"#,
            r#"{"id":"b","type":"gemini","content":"two"}"#,
            r#"{"$rewindTo":"unknown"}"#,
            r#"{"$set":{"messages":[{"id":"x","type":"user","content":"kept"},{"id":"y","type":"gemini","content":"old"}]}}"#,
            r#"{"id":"z","type":"user","content":"after"}"#,
            r#"{"id":"y","type":"gemini","content":"new"}"#,
        ];
        std::fs::write(&path, lines[..5].join("\n")).unwrap();
        let (messages, _) = read(&Gemini, &path);
        let texts: Vec<&str> = messages.iter().map(|m| m.1.as_str()).collect();
        assert_eq!(texts, ["one", "two", "three"]);

        std::fs::write(&path, lines.join("\n")).unwrap();
        let (messages, _) = read(&Gemini, &path);
        let texts: Vec<&str> = messages.iter().map(|m| m.1.as_str()).collect();
        assert_eq!(texts, ["kept", "new", "after"]);
    }

    #[test]
    fn streams_the_older_single_object_format() {
        let (messages, counted) = read(&Gemini, &fixture("convert/gemini-legacy.json"));
        assert_eq!(
            messages,
            triples(&[
                ("user", "Explain the build", "2025-08-01T12:00:01.000Z"),
                ("assistant", "It uses cargo.", "2025-08-01T12:00:05.000Z"),
                ("user", "And the tests?", "2025-08-01T12:02:00.000Z"),
                (
                    "assistant",
                    "cargo test runs them.",
                    "2025-08-01T12:02:05.000Z"
                ),
            ])
        );
        assert_eq!(counted, tally(&[(Thinking, 1), (Notices, 1)], 0));
    }

    #[test]
    fn a_broken_single_object_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("session-x.json");
        std::fs::write(
            &path,
            r#"{"sessionId":"s","messages":[{"type":"user","content":"a"},"#,
        )
        .unwrap();
        let result = Gemini.read_transcript(&path, &mut |_| Ok(()));
        assert!(result.is_err());
    }

    #[test]
    fn an_import_is_recognised_by_its_first_message() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("session-1795259969000-0a1b2c3d.jsonl");
        let imported = "0a1b2c3d-1111-4222-8333-444455556666";
        let lines = [
            format!(r#"{{"sessionId":"{imported}","projectHash":"h","kind":"main"}}"#),
            r#"{"id":"import-1","type":"info","content":"Imported session from /p/x.jsonl"}"#
                .to_owned(),
            r#"{"id":"m-first","type":"user","content":[{"text":"hi"}]}"#.to_owned(),
        ];
        std::fs::write(&path, lines.join("\n")).unwrap();
        assert_eq!(imported_from(&path, "m-first").as_deref(), Some(imported));
        assert_eq!(imported_from(&path, "m-other"), None);
    }

    #[test]
    fn written_sessions_read_back_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.jsonl");
        let session = NewSession {
            id: "s-1".into(),
            cwd: dir.path().to_path_buf(),
            scope: crate::state::Scope::containing(dir.path().to_path_buf()),
            created: chrono::Utc::now(),
        };
        let mut out = Vec::new();
        let mut encoder = Gemini.encoder(&session).unwrap();
        let (source, _) = read(&Gemini, &fixture("convert/gemini-session.jsonl"));
        for (role, text, time) in &source {
            let role = if role == "user" {
                Role::User
            } else {
                Role::Assistant
            };
            let message = Message::new(role, text.clone(), parse_time(Some(time))).unwrap();
            encoder.message(&message, &mut out).unwrap();
        }
        encoder.finish(&mut out).unwrap();
        std::fs::write(&path, &out).unwrap();
        let (back, counted) = read(&Gemini, &path);
        assert_eq!(back, source);
        assert_eq!(counted, Tally::default());
        assert_eq!(first_message_id(&path).map(|id| id.len()), Some(36));
    }
}
