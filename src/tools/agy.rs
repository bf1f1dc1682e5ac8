//! Antigravity CLI (`agy`): agy picks its own conversation id and has no flag to set one, so the
//! wrapper learns it afterwards.
//!
//! Its root is `~/.gemini/antigravity-cli/` (under `$GEMINI_CLI_HOME` when that is set). The
//! latest conversation of each workspace is in `cache/last_conversations.json`, which `agy -c`
//! itself uses; `history.jsonl` and the `brain/<id>/` transcripts are the fallbacks.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::Result;
use serde::Deserialize;
use serde_json::Value;

use super::{
    Announce, ArgRules, Context, Plan, SessionLister, SessionMode, SessionRef, Tool, ToolInfo,
    TranscriptSource, is_native_id, pick_session,
};
use crate::listing::{Head, Projects, SessionInfo, store_entries, until};
use crate::reverse_lines::ReverseLines;
use crate::transcript::{
    Dropped, Loose, Message, Record, Role, Sink, Tally, parse_line, parse_time, read_records,
};

pub struct Agy;

static INFO: ToolInfo = ToolInfo {
    name: "agy",
    display_name: "Antigravity CLI",
    session_mode: SessionMode::AutoResume,
    args: ArgRules {
        value_flags: &["--model", "--dir"],
        subcommands: &["install", "update", "plugin", "auth"],
        pass_flags: &[
            // explicit sessions
            "-c",
            "--continue",
            "--conversation",
            // non-interactive
            "-p",
            "--prompt",
        ],
        positional_prompt_is_one_shot: false,
        interactive_flags: &[],
    },
};

/// How far back from its end `history.jsonl` is read.
const HISTORY_TAIL_BYTES: u64 = 4 * 1024 * 1024;
/// How many of the newest `brain/` conversations are compared with a history entry.
const BRAIN_CANDIDATES: usize = 64;

impl Tool for Agy {
    fn info(&self) -> &'static ToolInfo {
        &INFO
    }

    fn plan(&self, context: &Context, stored: Option<&str>, fresh: bool) -> Result<Plan> {
        if fresh {
            return Ok(Plan::untouched(None, Announce::StartingNew));
        }
        let root = root()?;
        let resume =
            |id: &str| Plan::resume(id.to_owned(), vec!["--conversation".into(), id.into()]);
        // The workspace's latest conversation is the one to continue, even if it is not ours.
        if let Some(latest) = latest_conversation(&root, context) {
            return Ok(resume(&latest));
        }
        let continue_latest = || Plan {
            inject: vec!["-c".into()],
            ..Plan::untouched(None, Announce::ResumingLatest)
        };
        Ok(match stored {
            Some(id) if is_known(&root, id) => resume(id),
            Some(id) => continue_latest()
                .with_notice(format!("Antigravity conversation {id} no longer exists")),
            None => continue_latest(),
        })
    }

    fn has_session(&self, _context: &Context, id: &str) -> Result<bool> {
        Ok(is_known(&root()?, id))
    }

    fn discover(&self, context: &Context) -> Result<Option<String>> {
        Ok(latest_conversation(&root()?, context))
    }

    fn transcript_source(&self) -> Option<&dyn TranscriptSource> {
        Some(self)
    }

    fn session_lister(&self) -> Option<&dyn SessionLister> {
        Some(self)
    }
}

/// `~/.gemini/antigravity-cli`.
pub fn root() -> Result<PathBuf> {
    Ok(super::gemini::root()?.join("antigravity-cli"))
}

pub fn brain_dir(root: &Path, id: &str) -> PathBuf {
    root.join("brain").join(id)
}

fn is_known(root: &Path, id: &str) -> bool {
    brain_dir(root, id).is_dir()
}

/// The newest conversation of this workspace: from agy's own cache, else from its history. After
/// `use` pinned a conversation, only one that has changed since then counts.
fn latest_conversation(root: &Path, context: &Context) -> Option<String> {
    from_cache(root, context)
        .or_else(|| from_history(root, context))
        .filter(|id| is_native_id(id))
        .filter(|id| {
            context
                .pinned_at
                .is_none_or(|pinned| changed_since(root, id, pinned))
        })
}

/// Whether conversation `id` was written to after `time`.
fn changed_since(root: &Path, id: &str, time: chrono::DateTime<chrono::Utc>) -> bool {
    let written = transcript(root, id).unwrap_or_else(|| brain_dir(root, id));
    std::fs::metadata(written)
        .and_then(|meta| meta.modified())
        .is_ok_and(|modified| chrono::DateTime::<chrono::Utc>::from(modified) > time)
}

fn from_cache(root: &Path, context: &Context) -> Option<String> {
    let bytes = std::fs::read(root.join("cache").join("last_conversations.json")).ok()?;
    let map: HashMap<String, Value> = serde_json::from_slice(&bytes).ok()?;
    let mut matches: Vec<(&String, &Value)> = map
        .iter()
        .filter(|(workspace, _)| context.is_session_dir(Path::new(workspace)))
        .collect();
    // The exact directory first when several of the project's folders are listed.
    matches.sort_by_key(|(workspace, _)| Path::new(workspace) != context.session_cwd);
    matches
        .into_iter()
        .find_map(|(_, value)| conversation_id(value))
}

fn conversation_id(value: &Value) -> Option<String> {
    match value {
        Value::String(id) => Some(id.clone()),
        Value::Object(fields) => ["conversationId", "conversation_id", "id"]
            .iter()
            .find_map(|key| fields.get(*key)?.as_str().map(str::to_owned)),
        _ => None,
    }
}

#[derive(Deserialize)]
struct HistoryEntry {
    #[serde(default)]
    display: Option<String>,
    #[serde(default)]
    workspace: Option<String>,
    #[serde(default, rename = "conversationId")]
    conversation_id: Option<String>,
}

/// The newest history line for this workspace: its `conversationId`, or, in builds that did not
/// record one, the newest `brain/` conversation whose first request is that line's text.
fn from_history(root: &Path, context: &Context) -> Option<String> {
    let lines = ReverseLines::open(&root.join("history.jsonl"), HISTORY_TAIL_BYTES).ok()?;
    // Every workspace of this project contains the project folder's name, so lines without it are
    // skipped unparsed: a history that never mentions the project costs a scan, not a parse. Only
    // names no JSON writer escapes are looked for this way.
    let project_name = context
        .scope
        .root
        .file_name()
        .and_then(|name| name.to_str())
        .filter(|name| {
            !name.is_empty()
                && name
                    .bytes()
                    .all(|byte| byte.is_ascii_alphanumeric() || b"-_. ".contains(&byte))
        });
    let finder = project_name.map(memchr::memmem::Finder::new);
    let entry = lines
        .filter(|line| {
            finder
                .as_ref()
                .is_none_or(|finder| finder.find(line).is_some())
        })
        .filter_map(|line| serde_json::from_slice::<HistoryEntry>(&line).ok())
        .find(|entry| {
            entry
                .workspace
                .as_deref()
                .is_some_and(|workspace| context.is_session_dir(Path::new(workspace)))
        })?;
    if let Some(id) = entry.conversation_id.filter(|id| !id.is_empty()) {
        return Some(id);
    }
    let display = entry.display?;
    let display = display.trim();
    newest_brains(root)
        .into_iter()
        .take(BRAIN_CANDIDATES)
        .find(|(id, _)| first_request(root, id).as_deref() == Some(display))
        .map(|(id, _)| id)
}

fn newest_brains(root: &Path) -> Vec<(String, std::time::SystemTime)> {
    let Ok(entries) = std::fs::read_dir(root.join("brain")) else {
        return Vec::new();
    };
    let mut brains: Vec<(String, std::time::SystemTime)> = entries
        .flatten()
        .filter_map(|entry| {
            let id = entry.file_name().into_string().ok()?;
            let modified = entry.metadata().ok()?.modified().ok()?;
            is_native_id(&id).then_some((id, modified))
        })
        .collect();
    brains.sort_by_key(|brain| std::cmp::Reverse(brain.1));
    brains
}

/// A conversation's transcript: the full one if agy kept it.
pub fn transcript(root: &Path, id: &str) -> Option<PathBuf> {
    let logs = brain_dir(root, id).join(".system_generated").join("logs");
    ["transcript_full.jsonl", "transcript.jsonl"]
        .iter()
        .map(|name| logs.join(name))
        .find(|path| path.is_file())
}

/// The text of `<USER_REQUEST>…</USER_REQUEST>` in a user step.
pub fn user_request(content: &str) -> Option<&str> {
    let start = content.find("<USER_REQUEST>")? + "<USER_REQUEST>".len();
    let end = start + content[start..].find("</USER_REQUEST>")?;
    Some(content[start..end].trim())
}

#[derive(Deserialize)]
struct Step {
    #[serde(rename = "type")]
    kind: Option<String>,
    content: Option<Value>,
}

fn first_request(root: &Path, id: &str) -> Option<String> {
    use std::io::BufRead;
    let file = std::fs::File::open(transcript(root, id)?).ok()?;
    std::io::BufReader::new(file)
        .split(b'\n')
        .map_while(Result::ok)
        .filter_map(|line| serde_json::from_slice::<Step>(&line).ok())
        .find(|step| step.kind.as_deref() == Some("USER_INPUT"))
        .and_then(|step| user_request(step.content?.as_str()?).map(str::to_owned))
}

impl TranscriptSource for Agy {
    fn find_session(&self, _cwd: &Path, reference: &str) -> Result<PathBuf> {
        let root = root()?;
        let transcript_of = |id: &str| {
            transcript(&root, id).ok_or_else(|| {
                crate::cli::failure(
                    format!("Antigravity conversation {id} has no transcript"),
                    "give the path of a transcript.jsonl or transcript_full.jsonl",
                )
            })
        };
        match SessionRef::parse(self, reference)? {
            // A `brain/<id>` folder stands for its transcript.
            SessionRef::Path(path) if path.is_dir() => {
                let id = path.file_name().and_then(|name| name.to_str());
                match id.filter(|_| path.parent().is_some_and(|p| p.ends_with("brain"))) {
                    Some(id) => transcript_of(id),
                    None => super::session_file(self, path),
                }
            }
            SessionRef::Path(path) => super::session_file(self, path),
            SessionRef::Id(id) => {
                let brains = std::fs::read_dir(root.join("brain"));
                let candidates = brains.into_iter().flatten().flatten().filter_map(|entry| {
                    let id = entry.file_name().into_string().ok()?;
                    Some((id, entry.path()))
                });
                let brain = pick_session(self, id, candidates)?;
                let id = brain
                    .file_name()
                    .and_then(|name| name.to_str())
                    .unwrap_or(id);
                transcript_of(id)
            }
        }
    }

    fn read_transcript(&self, path: &Path, sink: Sink) -> Result<Tally> {
        read_records::<TranscriptStep>(path, sink)
    }
}

/// Which workspace each conversation belongs to, as agy records it.
#[derive(Default)]
struct Workspaces {
    /// By conversation id: `cache/last_conversations.json` and history lines that name one.
    by_id: HashMap<String, PathBuf>,
    /// By the prompt, for history lines of builds that did not record the id.
    by_prompt: HashMap<String, PathBuf>,
}

impl Workspaces {
    fn read(root: &Path) -> Workspaces {
        let mut workspaces = Workspaces::default();
        let history = root.join("history.jsonl");
        let _ = crate::transcript::for_each_line(&history, |_, line| {
            let Ok(entry) = serde_json::from_slice::<HistoryEntry>(line) else {
                return Ok(());
            };
            let Some(workspace) = entry.workspace.map(PathBuf::from) else {
                return Ok(());
            };
            match (
                entry.conversation_id.filter(|id| !id.is_empty()),
                entry.display,
            ) {
                (Some(id), _) => workspaces.by_id.insert(id, workspace),
                (None, Some(display)) => workspaces
                    .by_prompt
                    .insert(display.trim().into(), workspace),
                (None, None) => None,
            };
            Ok(())
        });
        let cache = std::fs::read(root.join("cache").join("last_conversations.json"));
        let cache: HashMap<String, Value> = cache
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default();
        for (workspace, value) in cache {
            if let Some(id) = conversation_id(&value) {
                workspaces.by_id.insert(id, PathBuf::from(workspace));
            }
        }
        workspaces
    }
}

impl SessionLister for Agy {
    /// agy keys conversations by workspace (FORMATS.md): its cache and history say which
    /// workspace each `brain/<id>` conversation is from, by id or, in early builds, by prompt.
    fn list(&self, projects: &Projects) -> Result<Vec<SessionInfo>> {
        let root = root()?;
        let workspaces = Workspaces::read(&root);
        let mut sessions = Vec::new();
        for entry in store_entries(&root.join("brain"))? {
            let Some(id) = entry.file_name().to_str().map(str::to_owned) else {
                continue;
            };
            if !is_native_id(&id) || !entry.path().is_dir() {
                continue;
            }
            let path = transcript(&root, &id).unwrap_or_else(|| entry.path());
            let info = describe_conversation(id, path, &workspaces);
            if projects.includes(info.cwd.as_deref()) {
                sessions.push(info);
            }
        }
        Ok(sessions)
    }

    fn describe(&self, path: &Path) -> Result<SessionInfo> {
        let root = root()?;
        // `brain/<id>/.system_generated/logs/<transcript>`, or any file given by its path.
        let brain = path
            .ancestors()
            .find(|dir| dir.parent().is_some_and(|parent| parent.ends_with("brain")));
        let id = match brain {
            Some(brain) => brain.file_name(),
            None => path.file_stem(),
        };
        let id = id.map(|id| id.to_string_lossy().into_owned());
        let workspaces = Workspaces::read(&root);
        Ok(describe_conversation(
            id.unwrap_or_default(),
            path.to_path_buf(),
            &workspaces,
        ))
    }
}

/// A conversation's start and first request from the first steps of its transcript (`path`; a
/// conversation without one is its `brain/<id>` folder), and its workspace.
fn describe_conversation(id: String, path: PathBuf, workspaces: &Workspaces) -> SessionInfo {
    let mut request = None;
    let head = match path.is_dir() {
        true => Some(Head::default()),
        false => Head::read(&path, |head, line| {
            let [kind, time] = crate::json_prefix::strings(line, &[&["type"], &["created_at"]]);
            head.recognised |= kind.is_some();
            if head.started_at.is_none() {
                head.started_at = parse_time(time.as_deref());
            }
            if kind.as_deref() == Some("USER_INPUT") {
                let mut tally = Tally::default();
                let step = parse_line::<TranscriptStep>(line, &mut tally);
                let message = step.and_then(|step| step.visible(&mut tally));
                if request.is_none() {
                    request = message.as_ref().map(|message| message.text.clone());
                }
                head.offer(message);
            }
            until(head.prompt.is_some())
        }),
    };
    let mut info = SessionInfo::new(id, path, head);
    if info.updated_at.is_none() {
        // A conversation without a transcript: its folder's time.
        let modified = std::fs::metadata(&info.path).and_then(|meta| meta.modified());
        info.updated_at = modified.ok().map(Into::into);
    }
    info.cwd = workspaces.by_id.get(&info.id).cloned().or_else(|| {
        let request = request?;
        workspaces.by_prompt.get(request.trim()).cloned()
    });
    info
}

/// One step of a transcript: `{type, source, created_at, content, tool_calls}`.
#[derive(Deserialize)]
struct TranscriptStep {
    #[serde(rename = "type")]
    kind: Option<Loose<String>>,
    created_at: Option<Loose<String>>,
    content: Option<Loose<String>>,
    tool_calls: Option<Loose<Vec<serde::de::IgnoredAny>>>,
}

impl Record for TranscriptStep {
    fn visible(self, tally: &mut Tally) -> Option<Message> {
        let role = match self.kind.and_then(Loose::valid).as_deref() {
            Some("USER_INPUT") => Role::User,
            Some("PLANNER_RESPONSE") => Role::Assistant,
            _ => return None,
        };
        let calls = self.tool_calls.and_then(Loose::valid);
        tally.add(
            Dropped::ToolCalls,
            calls.map_or(0, |calls| calls.len() as u64),
        );
        let content = self.content.and_then(Loose::valid)?;
        let text = match role {
            // agy wraps what the user typed in context it adds; the request is the typed part.
            Role::User => user_request(&content).unwrap_or(&content).to_owned(),
            Role::Assistant => content,
        };
        let time = parse_time(self.created_at.and_then(Loose::valid).as_deref());
        Message::new(role, text, time)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transcript::Dropped::*;
    use crate::transcript::testing::{fixture, read, tally, triples};

    #[test]
    fn takes_the_user_request_and_the_planner_responses() {
        let (messages, counted) = read(&Agy, &fixture("convert/agy-transcript.jsonl"));
        assert_eq!(
            messages,
            triples(&[
                ("user", "Refactor the parser", "2026-11-21T13:00:01.000Z"),
                (
                    "assistant",
                    "I will split it into two functions.",
                    "2026-11-21T13:00:05.000Z"
                ),
                (
                    "assistant",
                    "Done: `lex` and `parse`.",
                    "2026-11-21T13:00:20.000Z"
                ),
                ("user", "Thanks", "2026-11-21T13:01:00.000Z"),
            ])
        );
        assert_eq!(counted, tally(&[(ToolCalls, 1)], 1));
    }
}
