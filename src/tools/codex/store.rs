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

use crate::base::failure::failure;
use crate::base::ids::is_native_id;
use crate::base::json_prefix::{self, Found};
use crate::base::platform::Folder;
use crate::base::time::parse_time;
use crate::contract::{Context, root_from};
use crate::transcript::listing::Projects;

/// Moves codex's folder.
pub const HOME_VARIABLE: &str = "CODEX_HOME";

/// The start of a first line that is read first: `cwd` and `source` sit in its first few hundred
/// bytes, before ~25 KB of instructions.
const META_PREFIX: usize = 4 * 1024;
/// How much of the first line is read when `cwd` is not in the prefix.
const META_LINE_LIMIT: u64 = 1024 * 1024;
/// How many newer rollouts are checked for a session that took over from the stored one.
const NEWER_SCAN_LIMIT: usize = 256;
/// How many first lines one discovery reads at most: a store holding thousands of other
/// projects' sessions costs a launch a few milliseconds, not a second.
pub const DISCOVERY_BUDGET: usize = 2000;
/// The newest rollouts, read on one thread before the rest is listed.
const FIRST_READS: usize = 64;
/// A date folder bigger than this (about 6,000 rollouts on ext4) takes longer to list than a
/// launch may spend; discovery skips it and says so.
const MAX_DAY_FOLDER_BYTES: u64 = 512 * 1024;

/// Whether a date folder holds more rollouts than a launch lists.
fn too_big_to_list(dir: &Path) -> bool {
    dir.metadata()
        .is_ok_and(|meta| meta.len() > MAX_DAY_FOLDER_BYTES)
}

/// A session of the project found in codex's store, and where it started.
pub struct Discovered {
    pub id: String,
    pub cwd: Option<PathBuf>,
}

/// `$CODEX_HOME`, else `~/.codex`.
pub fn root() -> Result<PathBuf> {
    root_from(HOME_VARIABLE, ".codex")
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
    // Codex names the file by the local time its v7 id was made: try that name first, so that a
    // day folder with thousands of rollouts is not listed.
    if let Some(path) = v7_rollout_names(sessions, id).find(|path| path.is_file()) {
        return Some(path);
    }
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

/// The names a rollout of v7 `id` has when codex named it by the id's own time, to the second or
/// one either side (the id and the name are made a moment apart).
fn v7_rollout_names(sessions: &Path, id: &str) -> impl Iterator<Item = PathBuf> {
    let made = uuid::Uuid::try_parse(id)
        .ok()
        .and_then(|uuid| uuid.get_timestamp())
        .and_then(|stamp| i64::try_from(stamp.to_unix().0).ok())
        .and_then(|seconds| DateTime::<Utc>::from_timestamp(seconds, 0));
    let sessions = sessions.to_path_buf();
    let id = id.to_owned();
    made.into_iter()
        .flat_map(|time| [0, -1, 1].map(|delta| time + chrono::Duration::seconds(delta)))
        .map(move |time| {
            let local = time.with_timezone(&chrono::Local);
            sessions
                .join(local.format("%Y/%m/%d").to_string())
                .join(format!(
                    "rollout-{}-{id}.jsonl",
                    local.format("%Y-%m-%dT%H-%M-%S")
                ))
        })
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

/// Whether a rollout's first line makes it this launch's session; its start folder if so.
fn matches(folder: &Folder, name: &OsStr, meta: Meta, context: &Context) -> Option<PathBuf> {
    let cwd = meta.cwd.filter(|_| meta.interactive)?;
    // A pinned session gives way only to one started after the pin.
    if let Some(pinned) = context.pinned_at
        && meta.started.is_none_or(|started| started <= pinned)
    {
        return None;
    }
    if !context.is_session_dir(Path::new(&cwd)) {
        return None;
    }
    // One session per branch: of one folder's sessions, those started on this branch. Codex
    // records the branch at the end of the first line, so only these candidates are read whole.
    if let Some(branch) = &context.branch
        && rollout_branch(folder, name).is_some_and(|started_on| started_on != *branch)
    {
        return None;
    }
    Some(PathBuf::from(cwd))
}

/// The git branch a rollout started on (`session_meta.payload.git.branch`), if it says.
fn rollout_branch(folder: &Folder, name: &OsStr) -> Option<Vec<u8>> {
    let file = folder.open_file(name).ok()?.take(META_LINE_LIMIT);
    let mut line = Vec::new();
    BufReader::new(file).read_until(b'\n', &mut line).ok()?;
    match json_prefix::scan(&line, &[&["payload", "git", "branch"]])
        .pop()
        .flatten()
    {
        Some(Found::Str(branch)) => Some(branch.into_bytes()),
        _ => None,
    }
}

/// A session of this project newer than the stored rollout at `stored`, such as one started with
/// `/new` or `codex fork` in the same place. At most [`NEWER_SCAN_LIMIT`] rollouts are read.
pub fn find_newer(sessions: &Path, context: &Context, stored: &Path) -> Option<Discovered> {
    let mut budget = NEWER_SCAN_LIMIT;
    for (_, dir) in days_newest_first(sessions) {
        // A huge folder is not listed at a launch; no newer session is found in it.
        if too_big_to_list(&dir) {
            continue;
        }
        let folder = Folder::open(&dir).ok()?;
        for rollout in rollouts_in(&dir) {
            if rollout.path == stored || budget == 0 {
                return None;
            }
            budget -= 1;
            let Some(name) = rollout.path.file_name() else {
                continue;
            };
            let meta = read_meta_in(&folder, name);
            if let Some(cwd) = meta.and_then(|meta| matches(&folder, name, meta, context)) {
                return Some(Discovered {
                    id: rollout.id,
                    cwd: Some(cwd),
                });
            }
        }
    }
    None
}

/// What a discovery found, and whether it stopped at its budget before the end of the history.
pub struct Search {
    pub found: Option<Discovered>,
    pub exhausted: bool,
    /// A date folder with more rollouts than a launch lists, which was skipped.
    pub skipped: Option<PathBuf>,
}

/// The newest interactive rollout of this project, in date folders no older than the day before
/// `not_before` (folder dates are local time), among the newest [`DISCOVERY_BUDGET`] rollouts.
/// The newest few are read on this thread, as the session is usually among them; the rest on two
/// threads, since a session far back means reading thousands of first lines.
pub fn find_newest(
    sessions: &Path,
    context: &Context,
    not_before: Option<DateTime<Utc>>,
) -> Search {
    let oldest = not_before.and_then(|time| time.date_naive().checked_sub_days(Days::new(1)));
    let mut days = days_newest_first(sessions)
        .take_while(|(day, _)| oldest.is_none_or(|oldest| *day >= oldest))
        .map(|(_, dir)| dir);
    let mut candidates = Candidates::default();
    candidates.fill(&mut days, FIRST_READS);
    let first = candidates.rollouts.len().min(FIRST_READS);
    if let Some(found) = (0..first).find_map(|index| candidates.read(index, context)) {
        return Search {
            found: Some(found),
            exhausted: false,
            skipped: candidates.skipped,
        };
    }
    candidates.fill(&mut days, DISCOVERY_BUDGET);
    let rest: Vec<usize> = (first..candidates.rollouts.len()).collect();
    let found = newest_in_parallel(&rest, |at| candidates.read(rest[at], context));
    Search {
        found,
        exhausted: candidates.exhausted,
        skipped: candidates.skipped,
    }
}

/// Rollouts to read, newest first, with the date folders they are opened in.
#[derive(Default)]
struct Candidates {
    folders: Vec<Folder>,
    rollouts: Vec<(usize, Rollout)>,
    /// More rollouts were left than the budget allowed.
    exhausted: bool,
    skipped: Option<PathBuf>,
}

impl Candidates {
    /// Lists whole date folders from `days` until there are `wanted` rollouts, cut at the
    /// budget.
    fn fill(&mut self, days: &mut impl Iterator<Item = PathBuf>, wanted: usize) {
        while self.rollouts.len() < wanted && !self.exhausted {
            let Some(dir) = days.next() else {
                return;
            };
            if too_big_to_list(&dir) {
                self.skipped.get_or_insert(dir);
                continue;
            }
            let Ok(folder) = Folder::open(&dir) else {
                continue;
            };
            self.folders.push(folder);
            for rollout in rollouts_in(&dir) {
                if self.rollouts.len() == DISCOVERY_BUDGET {
                    self.exhausted = true;
                    break;
                }
                self.rollouts.push((self.folders.len() - 1, rollout));
            }
        }
    }

    fn read(&self, index: usize, context: &Context) -> Option<Discovered> {
        let (folder, rollout) = &self.rollouts[index];
        let (folder, name) = (&self.folders[*folder], rollout.path.file_name()?);
        let cwd = matches(folder, name, read_meta_in(folder, name)?, context)?;
        Some(Discovered {
            id: rollout.id.clone(),
            cwd: Some(cwd),
        })
    }
}

/// The first of `items` (newest first) for which `read` finds something, read on two threads:
/// each claims the next chunk; a chunk past the newest match is not started, and every newer one
/// has finished when the threads join.
fn newest_in_parallel<T: Sync>(
    items: &[T],
    read: impl Fn(usize) -> Option<Discovered> + Sync,
) -> Option<Discovered> {
    const CHUNK: usize = 32;
    let next = AtomicUsize::new(0);
    let newest_match = AtomicUsize::new(usize::MAX);
    let found: Mutex<Vec<(usize, Discovered)>> = Mutex::new(Vec::new());
    let work = || {
        loop {
            let start = next.fetch_add(CHUNK, Ordering::Relaxed);
            if start >= items.len() || start > newest_match.load(Ordering::Acquire) {
                return;
            }
            for index in start..(start + CHUNK).min(items.len()) {
                if let Some(discovered) = read(index) {
                    found
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push((index, discovered));
                    newest_match.fetch_min(index, Ordering::AcqRel);
                    break;
                }
            }
        }
    };
    std::thread::scope(|scope| {
        // Without a second thread the scan is just slower.
        let _helper = std::thread::Builder::new().spawn_scoped(scope, work);
        work();
    });
    let found = found.into_inner().unwrap_or_else(PoisonError::into_inner);
    found
        .into_iter()
        .min_by_key(|(index, _)| *index)
        .map(|(_, discovered)| discovered)
}

/// Hands each interactive rollout of `projects` to `found`, with what its first lines say: codex
/// finds a session by the `cwd` of its `session_meta` (docs/formats.md), and leaves archived and
/// `exec` sessions out of its own resume.
pub fn project_rollouts(
    projects: &Projects,
    skipped: &mut Vec<anyhow::Error>,
    found: &mut dyn FnMut(Rollout, Option<Meta>),
) -> Result<()> {
    let sessions = sessions_dir()?;
    for (_, dir) in days_newest_first(&sessions) {
        let folder = match Folder::open(&dir) {
            Ok(folder) => folder,
            Err(error) => {
                skipped.push(
                    anyhow::Error::new(error).context(format!("cannot read {}", dir.display())),
                );
                continue;
            }
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
                found(rollout, meta);
            }
        }
    }
    Ok(())
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
