//! Codex CLI (`codex`): codex picks its own session id; the wrapper learns it from the rollouts.
//!
//! Rollouts live at `<root>/sessions/YYYY/MM/DD/rollout-<local time>-<id>.jsonl`, where `<root>`
//! is `$CODEX_HOME` or `~/.codex`. The first line is `session_meta`, holding the directory codex
//! started in. Discovery walks the date folders newest first, reads only the start of each first
//! line, and stops at the first match, so its cost follows recent sessions, not history size.

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use anyhow::Result;
use chrono::{DateTime, Days, NaiveDate, Utc};

use super::{Announce, ArgRules, Context, Plan, SessionMode, Tool, is_native_id};
use crate::env;
use crate::json_prefix::{self, Found};
use crate::platform::Folder;

pub struct Codex;

static RULES: ArgRules = ArgRules {
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
};

/// The start of a first line that is read first: `cwd` and `source` sit in its first few hundred
/// bytes, before ~25 KB of instructions.
const META_PREFIX: usize = 4 * 1024;
/// How much of the first line is read when `cwd` is not in the prefix.
const META_LINE_LIMIT: u64 = 1024 * 1024;
/// How many newer rollouts are checked for a session that took over from the stored one.
const NEWER_SCAN_LIMIT: usize = 256;

impl Tool for Codex {
    fn name(&self) -> &'static str {
        "codex"
    }

    fn display_name(&self) -> &'static str {
        "Codex"
    }

    fn session_mode(&self) -> SessionMode {
        SessionMode::AutoResume
    }

    fn arg_rules(&self) -> &'static ArgRules {
        &RULES
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
                    let newer = find_newest(&sessions, context, Stop::At(&path));
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
        let plan = match find_newest(&sessions, context, Stop::Before(context.created_at)) {
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
        let found = find_newest(&sessions_dir()?, context, Stop::Before(context.created_at));
        Ok(found.map(|found| found.id))
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

/// Where a search through history stops.
enum Stop<'a> {
    /// At this rollout: only newer ones are considered, and at most `NEWER_SCAN_LIMIT` of them.
    At(&'a Path),
    /// At date folders older than the day before this time (folders are in local time).
    Before(Option<DateTime<Utc>>),
}

/// What the first line of a rollout says.
pub struct Meta {
    pub cwd: Option<String>,
    /// False for `codex exec`, MCP and sub-agent sessions, which nobody resumes by hand.
    pub interactive: bool,
}

/// Reads the start of a rollout's first line: enough for `cwd` and `source`, not the instructions
/// that follow them.
pub fn read_meta(path: &Path) -> Option<Meta> {
    let folder = Folder::open(path.parent()?).ok()?;
    read_meta_in(&folder, path.file_name()?)
}

fn read_meta_in(folder: &Folder, name: &OsStr) -> Option<Meta> {
    const WANTED: &[&[&str]] = &[&["type"], &["payload", "cwd"], &["payload", "source"]];
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
    Some(Meta { cwd, interactive })
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

/// The newest interactive rollout of this project.
fn find_newest(sessions: &Path, context: &Context, stop: Stop) -> Option<Discovered> {
    let oldest_day = match stop {
        Stop::Before(Some(time)) => time.date_naive().checked_sub_days(Days::new(1)),
        _ => None,
    };
    let mut checked = 0usize;
    for (day, dir) in days_newest_first(sessions) {
        if oldest_day.is_some_and(|oldest| day < oldest) {
            return None;
        }
        let Ok(folder) = Folder::open(&dir) else {
            continue;
        };
        for rollout in rollouts_in(&dir) {
            match stop {
                Stop::At(path) if rollout.path == path => return None,
                Stop::At(_) if checked >= NEWER_SCAN_LIMIT => return None,
                _ => {}
            }
            checked += 1;
            let Some(name) = rollout.path.file_name() else {
                continue;
            };
            let Some(meta) = read_meta_in(&folder, name) else {
                continue;
            };
            let Some(cwd) = meta.cwd.filter(|_| meta.interactive) else {
                continue;
            };
            if context.is_session_dir(Path::new(&cwd)) {
                return Some(Discovered {
                    id: rollout.id,
                    cwd: Some(PathBuf::from(cwd)),
                });
            }
        }
    }
    None
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

    #[test]
    fn reads_the_real_first_line() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/real/codex-0.169-rollout.jsonl");
        let meta = read_meta(&path).expect("session_meta");
        assert_eq!(meta.cwd.as_deref(), Some("/tmp/research-cc/work/cx2"));
        assert!(meta.interactive);
    }
}
