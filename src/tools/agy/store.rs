//! Where agy keeps conversations: `~/.gemini/antigravity-cli/` (under `$GEMINI_CLI_HOME` when
//! that is set). The latest conversation of each workspace is in
//! `cache/last_conversations.json`, which `agy -c` itself uses; `history.jsonl` and the
//! `brain/<id>/` transcripts are the fallbacks.

use std::collections::HashMap;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use anyhow::Result;
use serde::Deserialize;
use serde_json::Value;

use crate::base::env;
use crate::base::files::{STORE_FILE_CAP, read_head, read_store_file};
use crate::base::ids::is_native_id;
use crate::base::lines::{ReadOptions, for_each_line};
use crate::base::reverse_lines::ReverseLines;
use crate::contract::{Context, home};
use crate::transcript::listing::HEAD_BYTES;

/// The folder that holds agy's `.gemini/antigravity-cli`: gemini's own variable, which agy
/// reads too.
pub const HOME_VARIABLE: &str = "GEMINI_CLI_HOME";

/// How far back from its end `history.jsonl` is read.
const HISTORY_TAIL_BYTES: u64 = 4 * 1024 * 1024;
/// How many of the newest `brain/` conversations are compared with a history entry.
const BRAIN_CANDIDATES: usize = 64;

/// `$GEMINI_CLI_HOME/.gemini/antigravity-cli`, else `~/.gemini/antigravity-cli`.
pub fn root() -> Result<PathBuf> {
    let home = match env::path(HOME_VARIABLE) {
        Some(home) => home,
        None => home()?,
    };
    Ok(home.join(".gemini").join("antigravity-cli"))
}

pub fn brain_dir(root: &Path, id: &str) -> PathBuf {
    root.join("brain").join(id)
}

pub fn is_known(root: &Path, id: &str) -> bool {
    brain_dir(root, id).is_dir()
}

/// The newest conversation of this workspace: from agy's own cache, else from its history. After
/// `use` pinned a conversation, only one that has changed since then counts.
pub fn latest_conversation(root: &Path, context: &Context) -> Option<String> {
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
    let bytes = read_store_file(
        &root.join("cache").join("last_conversations.json"),
        STORE_FILE_CAP,
    )?;
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

pub fn conversation_id(value: &Value) -> Option<String> {
    match value {
        Value::String(id) => Some(id.clone()),
        Value::Object(fields) => ["conversationId", "conversation_id", "id"]
            .iter()
            .find_map(|key| fields.get(*key)?.as_str().map(str::to_owned)),
        _ => None,
    }
}

#[derive(Deserialize)]
pub struct HistoryEntry {
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

pub fn newest_brains(root: &Path) -> Vec<(String, std::time::SystemTime)> {
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

/// The first request of a conversation, from the start of its transcript.
fn first_request(root: &Path, id: &str) -> Option<String> {
    let head = read_head(&transcript(root, id)?, HEAD_BYTES)?;
    head.split(|byte| *byte == b'\n')
        .filter_map(|line| serde_json::from_slice::<Step>(line).ok())
        .find(|step| step.kind.as_deref() == Some("USER_INPUT"))
        .and_then(|step| user_request(step.content?.as_str()?).map(str::to_owned))
}

/// Which workspace each conversation belongs to, as agy records it.
#[derive(Default)]
pub struct Workspaces {
    /// By conversation id: `cache/last_conversations.json` and history lines that name one.
    pub by_id: HashMap<String, PathBuf>,
    /// By the prompt, for history lines of builds that did not record the id.
    pub by_prompt: HashMap<String, PathBuf>,
}

impl Workspaces {
    pub fn read(root: &Path) -> Workspaces {
        let mut workspaces = Workspaces::default();
        let history = root.join("history.jsonl");
        let _ = for_each_line(&history, &ReadOptions::default(), |_, line| {
            let Ok(entry) = serde_json::from_slice::<HistoryEntry>(line) else {
                return Ok(ControlFlow::Continue(()));
            };
            let Some(workspace) = entry.workspace.map(PathBuf::from) else {
                return Ok(ControlFlow::Continue(()));
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
            Ok(ControlFlow::Continue(()))
        });
        let cache = read_store_file(
            &root.join("cache").join("last_conversations.json"),
            STORE_FILE_CAP,
        );
        let cache: HashMap<String, Value> = cache
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
