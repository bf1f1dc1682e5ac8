//! Where gemini keeps sessions: per exact working directory, registered in `projects.json` with a
//! slug, the chats in `<root>/tmp/<slug>/chats/session-<time>-<first 8 of id>.jsonl`, `<root>`
//! being `$GEMINI_CLI_HOME/.gemini` or `~/.gemini`. `projects.json` is only ever read: gemini
//! resets it if it sees a slug it dislikes.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::Result;
use serde::Deserialize;

use super::transcript::{describe_chat, one_per_session, read_legacy_from};
use crate::base::env;
use crate::base::files;
use crate::base::files::{STORE_FILE_CAP, read_store_file};
use crate::base::json_prefix::{self, Found};
use crate::base::lines::LineReader;
use crate::contract::home;
use crate::transcript::listing::{HEAD_BYTES, Projects, store_entries};

/// The folder that holds gemini's `.gemini`.
pub const HOME_VARIABLE: &str = "GEMINI_CLI_HOME";

/// `$GEMINI_CLI_HOME/.gemini`, else `~/.gemini`.
pub fn root() -> Result<PathBuf> {
    let home = match env::path(HOME_VARIABLE) {
        Some(home) => home,
        None => home()?,
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
pub fn registry(root: &Path) -> HashMap<String, String> {
    let Some(bytes) = read_store_file(&root.join("projects.json"), STORE_FILE_CAP) else {
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
}

fn is_message(record: &Record) -> bool {
    matches!(record.kind.as_deref(), Some("user" | "gemini"))
}

/// `None` if the file is not session `id`; else whether it holds a message. Reads only until the
/// first message.
fn file_status(path: &Path, id: &str) -> Option<bool> {
    if path.extension().is_some_and(|ext| ext == "json") {
        return legacy_status(path, id);
    }
    let mut lines = LineReader::open(path).ok()?;
    let (_, first) = lines.next_line().ok()??;
    let first: Record = serde_json::from_slice(first).ok()?;
    if first.session_id.as_deref() != Some(id) {
        return None;
    }
    while let Ok(Some((_, line))) = lines.next_line() {
        if serde_json::from_slice::<Record>(line).is_ok_and(|record| is_message(&record)) {
            return Some(true);
        }
    }
    Some(false)
}

/// [`file_status`] of the older format, one JSON object holding every message: from its head
/// alone, since such a file can be hundreds of megabytes. A file that goes on past its head
/// holds more than a header.
fn legacy_status(path: &Path, id: &str) -> Option<bool> {
    let (file, meta) = files::open_regular(path, true).ok()?;
    let mut head = Vec::new();
    file.take(HEAD_BYTES).read_to_end(&mut head).ok()?;
    let [session_id] = json_prefix::strings(&head, &[&["sessionId"]]);
    if session_id.as_deref() != Some(id) {
        return None;
    }
    let mut found = false;
    let _ = read_legacy_from(&head[..], &mut |_| {
        found = true;
        Err(anyhow::anyhow!("enough"))
    });
    Some(found || meta.len() > head.len() as u64)
}

/// A session file name: `session-….jsonl`, or an older `session-….json` that gemini has not
/// rewritten as `.jsonl`.
pub fn is_session_file(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|name| name.to_str()) else {
        return false;
    };
    name.starts_with("session-")
        && (name.ends_with(".jsonl")
            || (name.ends_with(".json") && !path.with_extension("jsonl").exists()))
}

/// Session files that may be `reference`, as (session id, file): this directory's chats first,
/// then every other project's.
pub fn session_files(cwd: &Path, reference: &str) -> Result<Vec<(String, PathBuf)>> {
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
    let head = files::read_head(path, 64 * 1024)?;
    match json_prefix::scan(&head, &[&["sessionId"]]).pop().flatten() {
        Some(Found::Str(id)) => Some(id),
        _ => None,
    }
}

/// The chats folders of `projects`, with the directory each is registered for: gemini keeps
/// sessions per exact directory (docs/formats.md), so a project's are the chats of every registered
/// directory inside it. `tmp/` folders of the older hashed layout have no registered directory,
/// and belong only to the listing of every project.
pub fn project_chats(projects: &Projects) -> Result<Vec<(PathBuf, Option<PathBuf>)>> {
    let root = root()?;
    let mut registered: HashMap<String, PathBuf> = registry(&root)
        .into_iter()
        .map(|(dir, slug)| (slug, PathBuf::from(dir)))
        .collect();
    let mut found = Vec::new();
    for folder in store_entries(&root.join("tmp"))? {
        let slug = folder.file_name().to_string_lossy().into_owned();
        let cwd = registered.remove(&slug);
        if projects.includes(cwd.as_deref()) {
            found.push((folder.path().join("chats"), cwd));
        }
    }
    Ok(found)
}

/// The directory a chat file's folder is registered for: `<root>/tmp/<slug>/chats/<file>`.
pub fn registered_dir(path: &Path) -> Result<Option<PathBuf>> {
    let root = root()?;
    let chats = path.parent().filter(|chats| chats.ends_with("chats"));
    let slug_dir = chats
        .and_then(Path::parent)
        .filter(|dir| dir.parent() == Some(&root.join("tmp")));
    let slug = slug_dir
        .and_then(Path::file_name)
        .and_then(|slug| slug.to_str());
    Ok(slug.and_then(|slug| {
        registry(&root)
            .into_iter()
            .find_map(|(dir, known)| (known == slug).then(|| PathBuf::from(dir)))
    }))
}
