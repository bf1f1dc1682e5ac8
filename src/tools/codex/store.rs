//! Where codex keeps sessions: `<root>/sessions/YYYY/MM/DD/rollout-<local time>-<id>.jsonl`,
//! `<root>` being `$CODEX_HOME` or `~/.codex`. The first line is `session_meta`, holding the
//! directory codex started in. Discovery walks the date folders newest first, reads only the
//! start of each first line, and stops at the first match, so its cost follows recent sessions,
//! not history size.

use std::ffi::OsStr;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use anyhow::{Context as _, Result};
use chrono::{DateTime, Days, NaiveDate, Utc};

use crate::base::env;
use crate::base::failure::failure;
use crate::base::ids::is_native_id;
use crate::base::json_prefix::{self, Found};
use crate::base::platform::Folder;
use crate::base::time::parse_time;
use crate::tool::{Context, root_from};
use crate::transcript::summary::Projects;

/// The start of a first line that is read first: `cwd` and `source` sit in its first few hundred
/// bytes, before ~25 KB of instructions.
const META_PREFIX: usize = 4 * 1024;
/// How much of the first line is read when `cwd` is not in the prefix.
const META_LINE_LIMIT: u64 = 1024 * 1024;
/// How many newer rollouts are checked for a session that took over from the stored one.
const NEWER_SCAN_LIMIT: usize = 256;

/// A session of the project found in codex's store, and where it started.
pub struct Discovered {
    pub id: String,
    pub cwd: Option<PathBuf>,
}

/// `$CODEX_HOME`, else `~/.codex`.
pub fn root() -> Result<PathBuf> {
    root_from(env::CODEX_HOME, ".codex")
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

pub fn rollouts_in(dir: &Path) -> impl Iterator<Item = Rollout> + use<> {
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

pub fn read_meta_in(folder: &Folder, name: &OsStr) -> Option<Meta> {
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
pub fn find_newer(sessions: &Path, context: &Context, stored: &Path) -> Option<Discovered> {
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
pub fn find_newest(
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

/// The interactive rollouts of `projects`, with what their first lines say: codex finds a session
/// by the `cwd` of its `session_meta` (FORMATS.md), and leaves archived and `exec` sessions out
/// of its own resume.
pub fn project_rollouts(projects: &Projects) -> Result<Vec<(Rollout, Option<Meta>)>> {
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
                found.push((rollout, meta));
            }
        }
    }
    Ok(found)
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
        failure(
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
