//! Codex CLI (`codex`): codex picks its own session id; the wrapper learns it from the rollouts.
//!
//! Rollouts live at `<root>/sessions/YYYY/MM/DD/rollout-<local time>-<id>.jsonl`, where `<root>`
//! is `$CODEX_HOME` or `~/.codex`. The first line is `session_meta`, holding the directory codex
//! started in. Discovery walks the date folders newest first, reads only the start of each first
//! line, and stops at the first match, so its cost follows recent sessions, not history size.

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use anyhow::{Context as _, Result};
use chrono::{DateTime, Days, Local, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{
    Announce, ArgRules, Context, ConversionTarget, NewSession, Plan, SessionEncoder, SessionLister,
    SessionMode, SessionRef, Tool, ToolInfo, TranscriptSource, is_native_id, is_uuid, pick_session,
};
use crate::convert::{Stamps, json_line};
use crate::env;
use crate::json_prefix::{self, Found};
use crate::listing::{Head, Projects, SessionInfo, until};
use crate::platform::Folder;
use crate::transcript::{
    Dropped, LineReader, Message, Role, Sink, Tally, for_each_line, format_time, join_texts,
    parse_line, parse_time,
};

pub struct Codex;

static INFO: ToolInfo = ToolInfo {
    name: "codex",
    display_name: "Codex",
    session_mode: SessionMode::AutoResume,
    args: ArgRules {
        value_flags: &[
            "-c",
            "--config",
            "--enable",
            "--disable",
            "--remote",
            "--remote-auth-token-env",
            "-i",
            "--image",
            "-m",
            "--model",
            "--local-provider",
            "-p",
            "--profile",
            "-s",
            "--sandbox",
            "-C",
            "--cd",
            "--add-dir",
            "-a",
            "--ask-for-approval",
        ],
        subcommands: &[
            "exec",
            "e",
            "review",
            "login",
            "logout",
            "mcp",
            "mcp-server",
            "plugin",
            "app-server",
            "remote-control",
            "completion",
            "update",
            "doctor",
            "sandbox",
            "debug",
            "apply",
            "a",
            "resume",
            "queue",
            "archive",
            "delete",
            "migrate-rollouts",
            "unarchive",
            "fork",
            "cloud",
            "exec-server",
            "features",
            "help",
            "agents",
        ],
        pass_flags: &[],
        positional_prompt_is_one_shot: false,
        interactive_flags: &[],
    },
};

/// The start of a first line that is read first: `cwd` and `source` sit in its first few hundred
/// bytes, before ~25 KB of instructions.
const META_PREFIX: usize = 4 * 1024;
/// How much of the first line is read when `cwd` is not in the prefix.
const META_LINE_LIMIT: u64 = 1024 * 1024;
/// How many newer rollouts are checked for a session that took over from the stored one.
const NEWER_SCAN_LIMIT: usize = 256;

impl Tool for Codex {
    fn info(&self) -> &'static ToolInfo {
        &INFO
    }

    fn plan(&self, context: &Context, stored: Option<&str>, fresh: bool) -> Result<Plan> {
        if fresh {
            return Ok(Plan::untouched(None, Announce::StartingNew));
        }
        let sessions = sessions_dir()?;
        let mut notice = None;
        if let Some(id) = stored {
            match locate(&sessions, id) {
                Some(path) => {
                    // A session started later in the same place (`/new`, `codex fork`) takes over.
                    let newer = find_newer(&sessions, context, &path);
                    return Ok(match newer {
                        Some(found) => resume(found).with_notice(format!(
                            "Following the newer Codex session of this project (was {id})"
                        )),
                        None => resume(Discovered {
                            id: id.to_owned(),
                            cwd: None,
                        }),
                    });
                }
                None => notice = Some(format!("Codex session {id} no longer exists")),
            }
        }
        let plan = match find_newest(&sessions, context, context.created_at) {
            Some(found) => resume(found),
            None => Plan::untouched(None, Announce::StartingNew),
        };
        Ok(match notice {
            Some(notice) => plan.with_notice(notice),
            None => plan,
        })
    }

    fn has_session(&self, _context: &Context, id: &str) -> Result<bool> {
        Ok(locate(&sessions_dir()?, id).is_some())
    }

    fn discover(&self, context: &Context) -> Result<Option<String>> {
        let found = find_newest(&sessions_dir()?, context, context.created_at);
        Ok(found.map(|found| found.id))
    }

    /// Codex copies its own package (`codex-package.json` beside `bin/`) to start its background
    /// server, and refuses a package whose `bin/codex` links outside it ("package link escapes
    /// its root"). The npm platform package put on PATH directly is such a folder.
    fn wrap_refusal(&self, dir: &Path) -> Option<(String, String)> {
        let package = dir.parent()?;
        if !package.join("codex-package.json").is_file() {
            return None;
        }
        let tool = dir.join("codex");
        Some((
            format!(
                "{} is inside codex's own package ({}); codex stops working with a wrapper                  there, so nothing changed",
                dir.display(),
                package.display()
            ),
            format!(
                "wrap a link to it instead: mkdir -p ~/.local/bin && ln -s {} ~/.local/bin/codex,                  put ~/.local/bin before {} on PATH, then run 'ai-session-manager setup codex'",
                tool.display(),
                dir.display()
            ),
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

struct Discovered {
    id: String,
    cwd: Option<PathBuf>,
}

fn resume(found: Discovered) -> Plan {
    let inject: Vec<OsString> = vec!["resume".into(), found.id.clone().into()];
    let mut plan = Plan::resume(found.id, inject);
    plan.session_cwd = found.cwd;
    plan
}

/// `$CODEX_HOME`, else `~/.codex`.
pub fn root() -> Result<PathBuf> {
    super::root_from(env::CODEX_HOME, ".codex")
}

pub fn sessions_dir() -> Result<PathBuf> {
    Ok(root()?.join("sessions"))
}

/// A rollout file and the id in its name.
pub struct Rollout {
    pub path: PathBuf,
    pub id: String,
}

/// The id in a rollout's file name: `rollout-<time>-<id>.jsonl`.
pub fn rollout_id(file_name: &str) -> Option<&str> {
    let stem = file_name.strip_prefix("rollout-")?.strip_suffix(".jsonl")?;
    let id = stem.get(stem.len().checked_sub(36)?..)?;
    is_native_id(id).then_some(id)
}

fn sorted_children(dir: &Path, keep: impl Fn(&str) -> bool) -> Vec<(String, PathBuf)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut children: Vec<(String, PathBuf)> = entries
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            keep(&name).then(|| (name, entry.path()))
        })
        .collect();
    children.sort_unstable_by(|a, b| b.0.cmp(&a.0));
    children
}

fn is_number(name: &str, len: usize) -> bool {
    name.len() == len && name.bytes().all(|byte| byte.is_ascii_digit())
}

/// Date folders, newest first, listed lazily so that a search that stops early lists little.
pub fn days_newest_first(sessions: &Path) -> impl Iterator<Item = (NaiveDate, PathBuf)> {
    sorted_children(sessions, |name| is_number(name, 4))
        .into_iter()
        .flat_map(|(year, year_dir)| {
            sorted_children(&year_dir, |name| is_number(name, 2))
                .into_iter()
                .map(move |(month, month_dir)| (year.clone(), month, month_dir))
        })
        .flat_map(|(year, month, month_dir)| {
            sorted_children(&month_dir, |name| is_number(name, 2))
                .into_iter()
                .filter_map(move |(day, day_dir)| {
                    let date = NaiveDate::from_ymd_opt(
                        year.parse().ok()?,
                        month.parse().ok()?,
                        day.parse().ok()?,
                    )?;
                    Some((date, day_dir))
                })
        })
}

fn rollouts_in(dir: &Path) -> impl Iterator<Item = Rollout> + use<> {
    sorted_children(dir, |name| rollout_id(name).is_some())
        .into_iter()
        .filter_map(|(name, path)| {
            Some(Rollout {
                id: rollout_id(&name)?.to_owned(),
                path,
            })
        })
}

/// Every rollout, newest first.
pub fn rollouts_newest_first(sessions: &Path) -> impl Iterator<Item = Rollout> {
    days_newest_first(sessions).flat_map(|(_, dir)| rollouts_in(&dir))
}

/// The rollout file of session `id`, if it still exists (archived ones do not count). A UUIDv7
/// carries its creation time, so only the date folders around it are listed; other ids fall back
/// to listing every folder, reading no file.
pub fn locate(sessions: &Path, id: &str) -> Option<PathBuf> {
    let suffix = format!("-{id}.jsonl");
    let matches = |rollout: &Rollout| rollout.path.to_string_lossy().ends_with(&suffix);
    if let Some(day) = uuid_v7_day(id) {
        // Folder dates are local time: look a day either side.
        let near = [day.pred_opt(), Some(day), day.succ_opt()];
        for day in near.into_iter().flatten() {
            let dir = sessions.join(day.format("%Y/%m/%d").to_string());
            if let Some(found) = rollouts_in(&dir).find(|r| matches(r)) {
                return Some(found.path);
            }
        }
    }
    rollouts_newest_first(sessions)
        .find(|r| matches(r))
        .map(|rollout| rollout.path)
}

fn uuid_v7_day(id: &str) -> Option<NaiveDate> {
    let uuid = uuid::Uuid::try_parse(id).ok()?;
    let (seconds, _) = uuid.get_timestamp()?.to_unix();
    let time = DateTime::<Utc>::from_timestamp(i64::try_from(seconds).ok()?, 0)?;
    Some(time.date_naive())
}

/// What the first line of a rollout says.
pub struct Meta {
    pub cwd: Option<String>,
    /// False for `codex exec`, MCP and sub-agent sessions, which nobody resumes by hand.
    pub interactive: bool,
    /// When the session started.
    pub started: Option<DateTime<Utc>>,
}

/// Reads the start of a rollout's first line: enough for `cwd`, `source` and the start time, not
/// the instructions that follow them.
pub fn read_meta(path: &Path) -> Option<Meta> {
    let folder = Folder::open(path.parent()?).ok()?;
    read_meta_in(&folder, path.file_name()?)
}

fn read_meta_in(folder: &Folder, name: &OsStr) -> Option<Meta> {
    const WANTED: &[&[&str]] = &[
        &["type"],
        &["payload", "cwd"],
        &["payload", "source"],
        &["payload", "timestamp"],
    ];
    let mut prefix = [0u8; META_PREFIX];
    let read = read_prefix(folder.open_file(name).ok()?, &mut prefix).ok()?;
    let mut found = json_prefix::scan(&prefix[..read], WANTED);
    let line_goes_on = read == META_PREFIX && !prefix.contains(&b'\n');
    if found[1].is_none() && line_goes_on {
        let file = folder.open_file(name).ok()?.take(META_LINE_LIMIT);
        let mut line = Vec::new();
        BufReader::new(file).read_until(b'\n', &mut line).ok()?;
        found = json_prefix::scan(&line, WANTED);
    }
    if found[0] != Some(Found::Str("session_meta".into())) {
        return None;
    }
    let mut fields = found.into_iter().skip(1);
    let cwd = match fields.next().flatten() {
        Some(Found::Str(cwd)) => Some(cwd),
        _ => None,
    };
    let interactive = match fields.next().flatten() {
        None => true,
        Some(Found::Str(source)) => !matches!(source.as_str(), "exec" | "mcp"),
        Some(Found::Other) => false,
    };
    let started = match fields.next().flatten() {
        Some(Found::Str(time)) => parse_time(Some(&time)),
        _ => None,
    };
    Some(Meta {
        cwd,
        interactive,
        started,
    })
}

/// Fills `buffer` from the start of the file with as few reads as possible.
fn read_prefix(mut file: File, buffer: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match file.read(&mut buffer[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

/// What one date folder holds for this project.
enum DayScan {
    Found(Discovered),
    /// The scan reached the stored rollout, or its budget of reads.
    Stopped,
    Nothing,
}

/// Reads one date folder's rollouts newest first, for the newest session of this project.
/// `stop_at` ends the scan at that rollout; every read spends one unit of `budget`.
fn scan_day(dir: &Path, context: &Context, stop_at: Option<&Path>, budget: &mut usize) -> DayScan {
    let Ok(folder) = Folder::open(dir) else {
        return DayScan::Nothing;
    };
    for rollout in rollouts_in(dir) {
        if stop_at == Some(rollout.path.as_path()) || *budget == 0 {
            return DayScan::Stopped;
        }
        *budget -= 1;
        let Some(meta) = rollout
            .path
            .file_name()
            .and_then(|name| read_meta_in(&folder, name))
        else {
            continue;
        };
        let Some(cwd) = meta.cwd.filter(|_| meta.interactive) else {
            continue;
        };
        // A pinned session gives way only to one started after the pin.
        if let Some(pinned) = context.pinned_at
            && meta.started.is_none_or(|started| started <= pinned)
        {
            continue;
        }
        if context.is_session_dir(Path::new(&cwd)) {
            return DayScan::Found(Discovered {
                id: rollout.id,
                cwd: Some(PathBuf::from(cwd)),
            });
        }
    }
    DayScan::Nothing
}

/// A session of this project newer than the stored rollout at `stored`, such as one started with
/// `/new` or `codex fork` in the same place.
fn find_newer(sessions: &Path, context: &Context, stored: &Path) -> Option<Discovered> {
    let mut budget = NEWER_SCAN_LIMIT;
    for (_, dir) in days_newest_first(sessions) {
        match scan_day(&dir, context, Some(stored), &mut budget) {
            DayScan::Found(found) => return Some(found),
            DayScan::Stopped => return None,
            DayScan::Nothing => {}
        }
    }
    None
}

/// The newest interactive rollout of this project, in date folders no older than the day
/// before `not_before` (folder dates are local time).
fn find_newest(
    sessions: &Path,
    context: &Context,
    not_before: Option<DateTime<Utc>>,
) -> Option<Discovered> {
    let oldest = not_before.and_then(|time| time.date_naive().checked_sub_days(Days::new(1)));
    let mut days = days_newest_first(sessions)
        .take_while(|(day, _)| oldest.is_none_or(|oldest| *day >= oldest))
        .map(|(_, dir)| dir);
    // The common case: the session is among the newest, found before any thread is worth it.
    for dir in days.by_ref().take(2) {
        let mut unlimited = usize::MAX;
        if let DayScan::Found(found) = scan_day(&dir, context, None, &mut unlimited) {
            return Some(found);
        }
    }
    newest_in_parallel(&days.collect::<Vec<_>>(), context)
}

/// Scans `days` (newest first) on two threads, since a session far back means reading thousands
/// of first lines. Each thread claims the next folder; a folder older than the newest match is
/// not started, and every newer one has finished when the threads join.
fn newest_in_parallel(days: &[PathBuf], context: &Context) -> Option<Discovered> {
    let next = AtomicUsize::new(0);
    let newest_match = AtomicUsize::new(usize::MAX);
    let found: Vec<Mutex<Option<Discovered>>> = days.iter().map(|_| Mutex::new(None)).collect();
    let work = || {
        loop {
            let index = next.fetch_add(1, Ordering::Relaxed);
            if index >= days.len() || index > newest_match.load(Ordering::Acquire) {
                return;
            }
            let mut unlimited = usize::MAX;
            if let DayScan::Found(discovered) =
                scan_day(&days[index], context, None, &mut unlimited)
            {
                *found[index].lock().unwrap_or_else(PoisonError::into_inner) = Some(discovered);
                newest_match.fetch_min(index, Ordering::AcqRel);
            }
        }
    };
    std::thread::scope(|scope| {
        // Without a second thread the scan is just slower.
        let _helper = std::thread::Builder::new().spawn_scoped(scope, work);
        work();
    });
    let index = newest_match.into_inner();
    found
        .into_iter()
        .nth(index)?
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner)
}

impl TranscriptSource for Codex {
    fn find_session(&self, _cwd: &Path, reference: &str) -> Result<PathBuf> {
        match SessionRef::parse(self, reference)? {
            SessionRef::Path(path) => super::session_file(self, path),
            SessionRef::Id(id) => {
                let sessions = sessions_dir()?;
                if let Some(path) = locate(&sessions, id) {
                    return Ok(path);
                }
                let rollouts = rollouts_newest_first(&sessions);
                pick_session(self, id, rollouts.map(|rollout| (rollout.id, rollout.path)))
            }
        }
    }

    /// Codex records every visible message twice: as a `response_item` (what the model saw) and
    /// as an `event_msg` (what the UI showed). One form per file is taken, so nothing is doubled:
    /// the response items when the file has them, else the events of older or newer versions.
    fn read_transcript(&self, path: &Path, sink: Sink) -> Result<Tally> {
        let form = if has_response_messages(path)? {
            Form::ResponseItems
        } else {
            Form::Events
        };
        let mut tally = Tally::default();
        for_each_line(path, |_, line| {
            let [kind, payload_kind] = line_kinds(line);
            let role = match (form, kind.as_deref(), payload_kind.as_deref()) {
                (Form::ResponseItems, Some("response_item"), Some(kind)) => match kind {
                    "message" => None,
                    "reasoning" => return count(&mut tally, Dropped::Thinking),
                    kind if kind.ends_with("_output") => {
                        return count(&mut tally, Dropped::ToolResults);
                    }
                    kind if kind.ends_with("_call") => {
                        return count(&mut tally, Dropped::ToolCalls);
                    }
                    _ => return Ok(()),
                },
                (Form::Events, Some("event_msg"), Some(kind)) => match kind {
                    "user_message" => Some(Role::User),
                    "agent_message" => Some(Role::Assistant),
                    "item_completed" => None,
                    "agent_reasoning" => return count(&mut tally, Dropped::Thinking),
                    "exec_command_end" | "mcp_tool_call_end" | "patch_apply_end"
                    | "web_search_end" => return count(&mut tally, Dropped::ToolCalls),
                    _ => return Ok(()),
                },
                // A line whose kinds cannot be read is parsed, so that damage is counted.
                (_, None, _) => None,
                _ => return Ok(()),
            };
            let Some(line) = parse_line::<Line>(line, &mut tally) else {
                return Ok(());
            };
            match line.visible(form, role, &mut tally) {
                Some(message) => sink(message),
                None => Ok(()),
            }
        })?;
        Ok(tally)
    }
}

impl SessionLister for Codex {
    /// Codex finds a session by the `cwd` of its `session_meta` (FORMATS.md): every rollout's
    /// first line is read, only as far as that field. Archived and non-interactive (`exec`)
    /// sessions are left out, as codex's own resume leaves them out.
    fn list(&self, projects: &Projects) -> Result<Vec<SessionInfo>> {
        let sessions = sessions_dir()?;
        let mut found = Vec::new();
        for (_, dir) in days_newest_first(&sessions) {
            let Ok(folder) = Folder::open(&dir) else {
                continue;
            };
            for rollout in rollouts_in(&dir) {
                let Some(name) = rollout.path.file_name() else {
                    continue;
                };
                let meta = read_meta_in(&folder, name);
                if meta.as_ref().is_some_and(|meta| !meta.interactive) {
                    continue;
                }
                let cwd = meta.as_ref().and_then(|meta| meta.cwd.as_deref());
                if projects.includes(cwd.map(Path::new)) {
                    found.push(describe_rollout(rollout.id, rollout.path, meta));
                }
            }
        }
        Ok(found)
    }

    fn describe(&self, path: &Path) -> Result<SessionInfo> {
        let name = path
            .file_name()
            .and_then(|name| name.to_str())
            .unwrap_or("");
        let id = rollout_id(name).unwrap_or(name).to_owned();
        Ok(describe_rollout(id, path.to_path_buf(), read_meta(path)))
    }
}

/// A rollout's folder and start from its `session_meta`; its title from the first user message
/// the reader finds, in either of the forms codex records.
fn describe_rollout(id: String, path: PathBuf, meta: Option<Meta>) -> SessionInfo {
    let head = Head::read(&path, |head, line| {
        let [kind, payload_kind] = line_kinds(line);
        let (form, role) = match (kind.as_deref(), payload_kind.as_deref()) {
            (Some("session_meta"), _) => {
                head.recognised = true;
                return ControlFlow::Continue(());
            }
            (Some("response_item"), Some("message")) => (Form::ResponseItems, None),
            (Some("event_msg"), Some("user_message")) => (Form::Events, Some(Role::User)),
            (Some("event_msg"), Some("item_completed")) => (Form::Events, None),
            _ => return ControlFlow::Continue(()),
        };
        if let Ok(line) = serde_json::from_slice::<Line>(line) {
            head.recognised = true;
            head.offer(line.visible(form, role, &mut Tally::default()));
        }
        until(head.prompt.is_some())
    });
    let mut info = SessionInfo::new(id, path, head);
    if let Some(meta) = meta {
        info.cwd = meta.cwd.map(PathBuf::from);
        info.started_at = meta.started.or(info.started_at);
    }
    info
}

fn count(tally: &mut Tally, kind: Dropped) -> Result<()> {
    tally.add(kind, 1);
    Ok(())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Form {
    ResponseItems,
    Events,
}

/// The line's `type` and `payload.type`, read without parsing the rest.
fn line_kinds(line: &[u8]) -> [Option<String>; 2] {
    json_prefix::strings(line, &[&["type"], &["payload", "type"]])
}

/// Whether the rollout records user or assistant messages as response items. The injected
/// environment block comes first in every such file, so this reads a few lines.
fn has_response_messages(path: &Path) -> Result<bool> {
    let mut lines = LineReader::open(path)?;
    while let Some((_, line)) = lines.next_line()? {
        if let [Some(kind), Some(payload_kind)] = line_kinds(line)
            && kind == "response_item"
            && payload_kind == "message"
            && let Ok(line) = serde_json::from_slice::<Line>(line)
            && let Some(payload) = line.payload
            && matches!(payload.role.as_deref(), Some("user" | "assistant"))
        {
            return Ok(true);
        }
    }
    Ok(false)
}

#[derive(Deserialize)]
struct Line {
    timestamp: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    payload: Option<Payload>,
}

/// The payload fields of the lines that hold messages: response-item messages, `user_message`
/// and `agent_message` events, and `item_completed` events.
#[derive(Deserialize)]
struct Payload {
    role: Option<String>,
    content: Option<Vec<ContentItem>>,
    message: Option<String>,
    images: Option<Vec<serde::de::IgnoredAny>>,
    item: Option<EventItem>,
}

#[derive(Deserialize)]
struct EventItem {
    #[serde(rename = "type")]
    kind: Option<String>,
    content: Option<Vec<ContentItem>>,
}

#[derive(Deserialize)]
struct ContentItem {
    #[serde(rename = "type")]
    kind: Option<String>,
    text: Option<String>,
}

/// Blocks codex adds to the user's turn itself: environment, instructions, skills.
const INJECTED: &[&str] = &[
    "<environment_context>",
    "<user_instructions>",
    "# AGENTS.md",
    "<skills_instructions>",
];

fn is_injected(text: &str) -> bool {
    let text = text.trim_start();
    INJECTED.iter().any(|block| text.starts_with(block))
}

impl Line {
    fn visible(self, form: Form, role: Option<Role>, tally: &mut Tally) -> Option<Message> {
        let time = parse_time(self.timestamp.as_deref());
        let payload = self.payload?;
        let (role, items) = match (form, role, self.kind.as_deref()) {
            (Form::ResponseItems, _, Some("response_item")) => {
                let role = match payload.role.as_deref() {
                    Some("user") => Role::User,
                    Some("assistant") => Role::Assistant,
                    // developer and system messages are instructions, not conversation
                    _ => return None,
                };
                (role, payload.content.unwrap_or_default())
            }
            (Form::Events, Some(role), _) => {
                let images = payload.images.map_or(0, |images| images.len());
                tally.add(Dropped::Images, images as u64);
                let text = payload.message?;
                if role == Role::User && is_injected(&text) {
                    return None;
                }
                return Message::new(role, text, time);
            }
            (Form::Events, None, Some("event_msg")) => {
                let item = payload.item?;
                let role = match item.kind.as_deref() {
                    Some("UserMessage") => Role::User,
                    Some("AgentMessage") => Role::Assistant,
                    Some("Reasoning") => {
                        tally.add(Dropped::Thinking, 1);
                        return None;
                    }
                    _ => return None,
                };
                (role, item.content.unwrap_or_default())
            }
            _ => return None,
        };
        let mut texts = Vec::new();
        for item in &items {
            match (item.kind.as_deref(), &item.text) {
                (Some(kind), _) if kind.contains("image") => tally.add(Dropped::Images, 1),
                (_, Some(text)) if !(role == Role::User && is_injected(text)) => texts.push(text),
                _ => {}
            }
        }
        Message::new(
            role,
            join_texts(texts.into_iter().map(String::as_str)),
            time,
        )
    }
}

impl ConversionTarget for Codex {
    fn session_id(&self, requested: Option<&str>) -> Result<String> {
        match requested {
            // Current codex ids are UUIDv7: time-ordered, and `locate` finds them by their date.
            None => Ok(uuid::Uuid::now_v7().hyphenated().to_string()),
            Some(id) if is_uuid(id) => Ok(id.to_ascii_lowercase()),
            Some(id) => Err(crate::cli::failure(
                format!("{id:?} is not a UUID, which codex needs as a session id"),
                "leave out --target-session for a new one",
            )),
        }
    }

    fn session_path(&self, session: &NewSession) -> Result<PathBuf> {
        let sessions = sessions_dir()?;
        if let Some(existing) = locate(&sessions, &session.id) {
            return Err(crate::convert::exists(self, &session.id, &existing));
        }
        // Codex names rollouts by local time, in local date folders.
        let local = session.created.with_timezone(&Local);
        Ok(sessions
            .join(local.format("%Y/%m/%d").to_string())
            .join(format!(
                "rollout-{}-{}.jsonl",
                local.format("%Y-%m-%dT%H-%M-%S"),
                session.id
            )))
    }

    fn encoder(&self, session: &NewSession) -> Result<Box<dyn SessionEncoder>> {
        Ok(Box::new(Encoder {
            id: session.id.clone(),
            cwd: session.cwd.to_string_lossy().into_owned(),
            created: format_time(session.created),
            provider: configured_provider()?,
            stamps: Stamps::new(session.created),
            ordinal: 0,
        }))
    }

    fn resume_hint(&self, session: &NewSession, _path: &Path) -> String {
        format!("codex resume {}", session.id)
    }
}

/// The model provider codex uses: the active profile's `model_provider`, else the top-level one,
/// else codex's default `openai`. Codex resumes a session only with the provider it names, and a
/// provider other than the configured one would send the conversation somewhere else.
pub fn configured_provider() -> Result<String> {
    let path = root()?.join("config.toml");
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok("openai".into()),
        Err(error) => {
            return Err(error).with_context(|| format!("cannot read {}", path.display()));
        }
    };
    let config: toml::Table = text.parse().map_err(|error| {
        crate::cli::failure(
            format!("{} is not valid TOML: {error}", path.display()),
            "fix it (codex cannot start with it either), then convert again",
        )
    })?;
    let text_at = |table: &toml::Table, key: &str| {
        table
            .get(key)
            .and_then(toml::Value::as_str)
            .map(str::to_owned)
    };
    let profile = text_at(&config, "profile").and_then(|name| {
        let profiles = config.get("profiles")?.as_table()?;
        text_at(profiles.get(&name)?.as_table()?, "model_provider")
    });
    Ok(profile
        .or_else(|| text_at(&config, "model_provider"))
        .unwrap_or_else(|| "openai".into()))
}

/// Writes a rollout as codex does: `session_meta` naming the configured provider, then each
/// message twice, as the `response_item` codex rebuilds the model's history from and as the
/// event its screen redraws the turn from.
struct Encoder {
    id: String,
    cwd: String,
    created: String,
    provider: String,
    stamps: Stamps,
    ordinal: u64,
}

#[derive(Serialize)]
struct OutLine<'a, P> {
    timestamp: &'a str,
    ordinal: u64,
    #[serde(rename = "type")]
    kind: &'a str,
    payload: P,
}

#[derive(Serialize)]
struct OutMeta<'a> {
    session_id: &'a str,
    id: &'a str,
    timestamp: &'a str,
    /// Where the session runs: codex resumes it there.
    cwd: &'a str,
    originator: &'a str,
    cli_version: &'a str,
    /// An interactive session, so the wrapper and `codex resume` list it.
    source: &'a str,
    /// Codex resumes a session only with this provider.
    model_provider: &'a str,
}

/// The events codex redraws a resumed session's turns from (0.169 still reads this form).
#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum OutEvent<'a> {
    UserMessage {
        message: &'a str,
        images: [&'a str; 0],
        kind: &'a str,
    },
    AgentMessage {
        message: &'a str,
    },
}

#[derive(Serialize)]
struct OutItem<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    role: &'a str,
    content: [OutText<'a>; 1],
}

#[derive(Serialize)]
struct OutText<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    text: &'a str,
}

impl Encoder {
    fn line<P: Serialize>(
        &mut self,
        out: &mut dyn Write,
        timestamp: &str,
        kind: &str,
        payload: P,
    ) -> Result<()> {
        let ordinal = self.ordinal;
        self.ordinal += 1;
        json_line(
            out,
            &OutLine {
                timestamp,
                ordinal,
                kind,
                payload,
            },
        )
    }
}

impl SessionEncoder for Encoder {
    fn message(&mut self, message: &Message, out: &mut dyn Write) -> Result<()> {
        if self.ordinal == 0 {
            let (id, cwd, created) = (self.id.clone(), self.cwd.clone(), self.created.clone());
            let provider = self.provider.clone();
            let meta = OutMeta {
                session_id: &id,
                id: &id,
                timestamp: &created,
                cwd: &cwd,
                originator: "codex-tui",
                cli_version: "0.169.0",
                source: "cli",
                model_provider: &provider,
            };
            self.line(out, &created, "session_meta", meta)?;
        }
        let (role, text_kind) = match message.role {
            Role::User => ("user", "input_text"),
            Role::Assistant => ("assistant", "output_text"),
        };
        let item = OutItem {
            kind: "message",
            role,
            content: [OutText {
                kind: text_kind,
                text: &message.text,
            }],
        };
        let time = format_time(self.stamps.next(message));
        self.line(out, &time, "response_item", item)?;
        let event = match message.role {
            Role::User => OutEvent::UserMessage {
                message: &message.text,
                images: [],
                kind: "plain",
            },
            Role::Assistant => OutEvent::AgentMessage {
                message: &message.text,
            },
        };
        self.line(out, &time, "event_msg", event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transcript::Dropped::*;
    use crate::transcript::testing::{fixture, read, tally, triples};

    #[test]
    fn takes_the_response_items_once_and_drops_injected_blocks() {
        let (messages, counted) = read(&Codex, &fixture("convert/codex-rollout.jsonl"));
        assert_eq!(
            messages,
            triples(&[
                (
                    "user",
                    "Rename `foo` to `bar` everywhere.",
                    "2026-11-21T10:00:01.000Z"
                ),
                (
                    "assistant",
                    "Renamed in 3 files.",
                    "2026-11-21T10:00:05.010Z"
                ),
                ("user", "And this screenshot?", "2026-11-21T10:01:00.000Z"),
                (
                    "assistant",
                    "That is the old name in the docs; updated too.",
                    "2026-11-21T10:01:01.010Z"
                ),
            ])
        );
        let expected = [(Thinking, 1), (ToolCalls, 1), (ToolResults, 1), (Images, 1)];
        assert_eq!(counted, tally(&expected, 1));
    }

    #[test]
    fn reads_the_real_rollout_without_doubling() {
        let (messages, counted) = read(&Codex, &fixture("real/codex-0.169-rollout.jsonl"));
        assert_eq!(
            messages,
            triples(&[
                ("user", "first tui prompt", "2026-11-21T11:19:30.020Z"),
                ("assistant", "MOCK_REPLY hello", "2026-11-21T11:19:30.064Z"),
            ])
        );
        assert_eq!(counted, Tally::default());
    }

    #[test]
    fn reads_the_event_form_of_older_rollouts() {
        let (messages, counted) = read(&Codex, &fixture("convert/codex-events.jsonl"));
        assert_eq!(
            messages,
            triples(&[
                ("user", "What does main.rs do?", "2025-09-01T08:00:02.000Z"),
                (
                    "assistant",
                    "It starts the server.",
                    "2025-09-01T08:00:05.000Z"
                ),
            ])
        );
        assert_eq!(
            counted,
            tally(&[(Images, 1), (Thinking, 1), (ToolCalls, 1)], 0)
        );
    }

    #[test]
    fn reads_the_item_completed_events_when_there_are_no_response_items() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rollout.jsonl");
        let real = std::fs::read_to_string(fixture("real/codex-0.169-rollout.jsonl")).unwrap();
        let events: Vec<&str> = real
            .lines()
            .filter(|line| !line.contains("\"type\": \"response_item\""))
            .collect();
        std::fs::write(&path, events.join("\n")).unwrap();
        let (messages, _) = read(&Codex, &path);
        assert_eq!(
            messages,
            triples(&[
                ("user", "first tui prompt", "2026-11-21T11:19:30.023Z"),
                ("assistant", "MOCK_REPLY hello", "2026-11-21T11:19:30.057Z"),
            ])
        );
    }

    #[test]
    fn ids_come_from_file_names() {
        assert_eq!(
            rollout_id("rollout-2026-11-21T11-19-29-01a1fdd5-3174-7111-9ffd-8a808cf1cb1d.jsonl"),
            Some("01a1fdd5-3174-7111-9ffd-8a808cf1cb1d")
        );
        assert_eq!(rollout_id("rollout-x.jsonl"), None);
        assert_eq!(rollout_id("notes.jsonl"), None);
    }

    #[test]
    fn v7_ids_carry_their_day() {
        assert_eq!(
            uuid_v7_day("01a1fdd5-3174-7111-9ffd-8a808cf1cb1d"),
            NaiveDate::from_ymd_opt(2026, 11, 21)
        );
        assert_eq!(uuid_v7_day("44444444-2222-4333-8444-555555555555"), None);
    }

    #[test]
    fn reads_the_real_first_line() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/real/codex-0.169-rollout.jsonl");
        let meta = read_meta(&path).expect("session_meta");
        assert_eq!(meta.cwd.as_deref(), Some("/tmp/research-cc/work/cx2"));
        assert!(meta.interactive);
    }
}
