//! A converted session on its way into gemini's store, through `--session-file`.

use std::path::{Component, Path, PathBuf};
use std::time::{Duration, SystemTime};

use anyhow::{Context as _, Result};
use serde::{Deserialize, Serialize};

use super::store::chats_dir;
use crate::base::ids::{is_uuid, new_uuid};
use crate::base::time::{now_rfc3339, parse_time};
use crate::base::{files, json_prefix, platform};
use crate::contract::{Announce, Context, Plan};

/// Bookkeeping for a converted session that gemini must import with `--session-file`. Gemini
/// gives every import a new id, so the wrapper imports once and learns that id on the next launch.
/// It is gemini's own part of the state file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Import {
    /// The id of the converted file's first message; gemini keeps message ids when it imports,
    /// so this is how the imported copy is recognised.
    pub first_message: String,
    /// When the wrapper last started gemini with `--session-file`.
    pub started_at: String,
    /// How many launches have imported the file so far.
    pub attempts: u32,
    /// The session the file was carried from (a moved or forked gemini session), which holds
    /// the same message ids and so is never taken for the import.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_session: Option<String>,
}

impl Import {
    /// The bookkeeping for importing `file`, carried from `source_session` if it was.
    pub fn of_file(file: &Path, source_session: Option<String>) -> Option<Import> {
        Some(Import {
            first_message: first_message_id(file)?,
            started_at: String::new(),
            attempts: 0,
            source_session,
        })
    }

    /// The bookkeeping the state records, if it is gemini's.
    pub fn from_state(tool_state: Option<&serde_json::Value>) -> Option<Import> {
        serde_json::from_value(tool_state?.clone()).ok()
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
pub fn plan_import(context: &Context, file: PathBuf) -> Result<Plan> {
    let new_session =
        |notice: String| Ok(Plan::new_session(new_uuid(), "--session-id").with_notice(notice));
    // Without a record of an import (a file the Python tool converted, which it imported on
    // every launch), any import of the file already in the store counts.
    let import =
        Import::from_state(context.tool_state.as_ref()).or_else(|| Import::of_file(&file, None));
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
    // A state file arrives with `git clone`: a path in it alone never makes gemini import a file.
    if let Err(why) = written_here(&file) {
        return new_session(format!(
            "Not importing {0}: {why}; starting a new session (`gemini --session-file {0}` \
             imports it by hand)",
            file.display()
        ));
    }
    Ok(Plan {
        inject: vec!["--session-file".into(), file.clone().into_os_string()],
        target: Some(file.to_string_lossy().into_owned()),
        announce: Announce::Importing(file.display().to_string()),
        notices: Vec::new(),
        session_cwd: None,
        tool_state: serde_json::to_value(Import {
            started_at: now_rfc3339(),
            attempts: import.attempts + 1,
            ..import
        })
        .ok(),
    })
}

/// The fields an import is recognised by are the first of their lines, within this many bytes of
/// a file's start.
const IMPORT_HEAD_BYTES: u64 = 256 * 1024;

/// The top-level string `key` of the first few lines of `path`, as far as its head holds them.
fn head_fields(path: &Path, key: &str) -> Vec<Option<String>> {
    let Some(head) = files::read_head(path, IMPORT_HEAD_BYTES) else {
        return Vec::new();
    };
    head.split(|byte| *byte == b'\n')
        .filter(|line| !line.iter().all(u8::is_ascii_whitespace))
        .take(IMPORT_HEAD_LINES)
        .map(|line| {
            let [value] = json_prefix::strings(line, &[&[key]]);
            value
        })
        .collect()
}

/// The id of the first message of a converted file, which its imported copy keeps.
pub fn first_message_id(file: &Path) -> Option<String> {
    head_fields(file, "id").into_iter().flatten().next()
}

/// The id gemini gave its import of the converted file, if it is in this directory's store:
/// the newest import since the recorded start, or any, with no recorded start.
pub fn find_imported(cwd: &Path, import: &Import) -> Result<Option<String>> {
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
    Ok(candidates.iter().find_map(|(_, path)| {
        imported_from(path, &import.first_message)
            .filter(|id| import.source_session.as_ref() != Some(id))
    }))
}

/// The session id of `path` if it is an import of the converted file whose first message is
/// `first_message`.
pub fn imported_from(path: &Path, first_message: &str) -> Option<String> {
    let session_id = head_fields(path, "sessionId")
        .into_iter()
        .next()??
        .to_owned();
    if !is_uuid(&session_id) {
        return None;
    }
    let ids = head_fields(path, "id");
    ids.iter()
        .skip(1)
        .any(|id| id.as_deref() == Some(first_message))
        .then_some(session_id)
}

/// What this machine's `session convert` recorded of a file it wrote for gemini to import. It is
/// kept with the user's data, outside every repository.
#[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Written {
    path: PathBuf,
    identity: Option<(u64, u64)>,
    len: u64,
}

fn record_of(file: &Path) -> Option<PathBuf> {
    let name = file.file_name()?.to_str()?;
    Some(
        platform::user_data_dir()?
            .join("gemini-imports")
            .join(format!("{name}.json")),
    )
}

fn written(file: &Path) -> Option<Written> {
    let (_, meta) = files::open_regular(file, false).ok()?;
    Some(Written {
        path: file.to_path_buf(),
        identity: platform::meta_id(&meta),
        len: meta.len(),
    })
}

/// Records that `session convert` wrote `file` on this machine.
pub fn record_written(file: &Path) -> Result<()> {
    let (Some(record), Some(written)) = (record_of(file), written(file)) else {
        anyhow::bail!("cannot tell where to record {}", file.display());
    };
    std::fs::create_dir_all(record.parent().unwrap_or(&record))
        .with_context(|| format!("cannot create {}", record.display()))?;
    files::write_atomic(&record, &serde_json::to_vec(&written)?)
}

/// Whether `file` is the very file this machine's `session convert` wrote, unchanged: the same
/// file (device and inode) of the same size. Its folder may differ, since a project that moved
/// takes its state folder along.
fn written_here(file: &Path) -> Result<(), &'static str> {
    let record = record_of(file).ok_or("there is no record of converting it here")?;
    let bytes = files::read_regular(&record, 64 * 1024, false)
        .map_err(|_| "this machine's `session convert` did not write it")?
        .0;
    let recorded: Written =
        serde_json::from_slice(&bytes).map_err(|_| "its record here is damaged")?;
    match written(file) {
        Some(now)
            if now.identity.is_some()
                && (now.identity, now.len) == (recorded.identity, recorded.len) =>
        {
            Ok(())
        }
        Some(_) => Err("it is not the file this machine converted"),
        None => Err("it is not a regular file"),
    }
}

/// The import file a state target names: a `gemini-….jsonl` file of a state folder, which is
/// this project's state folder (a project that moved names its old one).
pub fn import_file(target: &str, state_dir: &Path) -> Option<PathBuf> {
    let path = Path::new(target);
    let plain = path.is_absolute()
        && path
            .components()
            .all(|c| !matches!(c, Component::ParentDir));
    let name = path.file_name()?.to_str()?;
    let in_a_state_folder = path.parent()?.file_name() == state_dir.file_name();
    let imported = name.starts_with("gemini-") && name.ends_with(".jsonl");
    (plain && in_a_state_folder && imported).then(|| state_dir.join(name))
}
