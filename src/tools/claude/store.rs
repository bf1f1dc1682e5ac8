//! Where Claude keeps sessions: `<root>/projects/<name>/<id>.jsonl`, `<root>` being
//! `$CLAUDE_CONFIG_DIR` or `~/.claude` and `<name>` derived from the working directory.

use std::path::{Path, PathBuf};

use anyhow::Result;
use unicode_normalization::UnicodeNormalization;

use crate::base::files::{self, STORE_FILE_CAP, read_store_file};
use crate::base::ids::is_uuid;
use crate::base::{env, json_prefix};
use crate::contract::{Context, root_from};
use crate::transcript::listing::{Projects, store_entries};

/// Moves claude's whole folder.
pub const CONFIG_DIR: &str = "CLAUDE_CONFIG_DIR";
/// Names the project folder claude files this directory's sessions under.
pub const PROJECT_DIR_NAME: &str = "CLAUDE_CODE_PROJECT_DIR_NAME";

/// `$CLAUDE_CONFIG_DIR`, else `~/.claude`.
pub fn root() -> Result<PathBuf> {
    root_from(CONFIG_DIR, ".claude")
}

/// The folder Claude keeps this directory's transcripts in. `cwd` is already a real path, as
/// Claude names it: the current directory from getcwd, or a recorded one that
/// `Scope::contains` resolved.
pub fn project_dir(cwd: &Path) -> Result<PathBuf> {
    let name = match (env::path(CONFIG_DIR), env::os(PROJECT_DIR_NAME)) {
        // The override counts only together with CLAUDE_CONFIG_DIR (2.1.234+).
        (Some(_), Some(name)) if is_folder_name(Path::new(&name)) => {
            name.to_string_lossy().into_owned()
        }
        _ => project_dir_name(cwd),
    };
    Ok(root()?.join("projects").join(name))
}

/// A single plain folder name: not `..`, not a path.
fn is_folder_name(name: &Path) -> bool {
    let mut components = name.components();
    matches!(
        (components.next(), components.next()),
        (Some(std::path::Component::Normal(_)), None)
    )
}

/// The transcript of session `id` for a launch in `cwd`. Claude 2.1.240+ also resumes a session
/// filed under another directory's folder when exactly one folder holds it.
pub fn transcript(cwd: &Path, id: &str) -> Result<Option<PathBuf>> {
    let file_name = format!("{id}.jsonl");
    let primary = project_dir(cwd)?.join(&file_name);
    if primary.is_file() {
        return Ok(Some(primary));
    }
    let Ok(folders) = std::fs::read_dir(root()?.join("projects")) else {
        return Ok(None);
    };
    let mut found = folders
        .flatten()
        .map(|folder| folder.path().join(&file_name))
        .filter(|path| path.is_file());
    match (found.next(), found.next()) {
        (Some(only), None) => Ok(Some(only)),
        _ => Ok(None),
    }
}

/// How much of a transcript is read for the folder it records: the first record with a `cwd`
/// comes within a few lines, after at most a summary or a snapshot, which may be long.
const CWD_LINES: usize = 32;
const CWD_BYTES: u64 = 4 * 1024 * 1024;

/// The folder a transcript's first record with a `cwd` names. Claude files `/w/a/b-c` and
/// `/w/a/b/c` under one folder name, so only this tells whose a transcript is.
pub fn recorded_cwd(transcript: &Path) -> Option<PathBuf> {
    use std::io::{BufRead, Read};
    let (file, _) = files::open_regular(transcript, true).ok()?;
    let mut reader = std::io::BufReader::new(file.take(CWD_BYTES));
    let mut line = Vec::new();
    for _ in 0..CWD_LINES {
        line.clear();
        if reader.read_until(b'\n', &mut line).ok()? == 0 {
            return None;
        }
        let [cwd] = json_prefix::strings(&line, &[&["cwd"]]);
        if let Some(cwd) = cwd {
            return Some(PathBuf::from(cwd));
        }
    }
    None
}

/// How long claude keeps a session nobody uses: `cleanupPeriodDays` of its settings, 30 by
/// default.
fn cleanup_period_days() -> Option<u64> {
    let settings = root().ok()?.join("settings.json");
    let days = read_store_file(&settings, STORE_FILE_CAP)
        .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
        .and_then(|value| value.get("cleanupPeriodDays")?.as_u64());
    Some(days.unwrap_or(30))
}

/// The cleanup period, when a state that has not changed in longer than that found its
/// transcript missing: claude deleted it, rather than it never having been written.
pub fn cleaned_up(context: &Context) -> Option<u64> {
    let since = context.updated_at.or(context.created_at)?;
    let idle_days = (chrono::Utc::now() - since).num_days();
    // Cheap first: no settings are read for a state younger than a day.
    if idle_days < 1 {
        return None;
    }
    let days = cleanup_period_days()?;
    (idle_days >= i64::try_from(days).unwrap_or(i64::MAX)).then_some(days)
}

/// Every transcript in every project folder, as (id, file).
pub fn all_transcripts() -> Result<impl Iterator<Item = (String, PathBuf)>> {
    let folders = std::fs::read_dir(root()?.join("projects"))
        .into_iter()
        .flatten();
    Ok(folders.flatten().flat_map(|folder| {
        let files = std::fs::read_dir(folder.path()).into_iter().flatten();
        files.flatten().filter_map(|file| {
            let name = file.file_name().into_string().ok()?;
            let id = name.strip_suffix(".jsonl")?.to_owned();
            Some((id, file.path()))
        })
    }))
}

/// How a project folder relates to the project being listed.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Belongs {
    /// The project's own folder: its sessions belong unless their `cwd` says otherwise (`a.b`
    /// and `a-b` share a folder name).
    Own,
    /// A folder whose name starts like the project's (a subfolder, or a sibling such as
    /// `shop-old`): only the `cwd` of its sessions tells.
    ByCwd,
    Any,
}

impl Belongs {
    /// Whether a session of such a folder, started in `cwd`, belongs to `projects`.
    pub fn keeps(self, projects: &Projects, cwd: Option<&Path>) -> bool {
        match self {
            Belongs::Own => cwd.is_none() || projects.includes(cwd),
            Belongs::ByCwd => projects.includes(cwd),
            Belongs::Any => true,
        }
    }
}

/// Hands each transcript that may belong to `projects` to `found`, with its id and how its
/// folder relates: Claude files sessions by the folder they started in (docs/formats.md), so a
/// project's are in its own folder and in its subfolders' folders, whose names start with its
/// name.
pub fn listed_transcripts(
    projects: &Projects,
    skipped: &mut Vec<anyhow::Error>,
    found: &mut dyn FnMut(&str, PathBuf, Belongs),
) -> Result<()> {
    let own = match projects.root() {
        Some(root) => Some(project_dir(root)?),
        None => None,
    };
    let own_name = own
        .as_ref()
        .and_then(|dir| dir.file_name())
        .and_then(|name| name.to_str());
    // Names past 200 characters end in a hash of the whole path: compare the cut part.
    let prefix = own_name.map(|name| name.get(..200).unwrap_or(name));
    for folder in store_entries(&root()?.join("projects"))? {
        let name = folder.file_name();
        let Some(name) = name.to_str() else { continue };
        let belongs = match (own_name, prefix) {
            (Some(own), _) if name == own => Belongs::Own,
            (_, Some(prefix)) if name.starts_with(prefix) => Belongs::ByCwd,
            (Some(_), _) => continue,
            (None, _) => Belongs::Any,
        };
        let files = match std::fs::read_dir(folder.path()) {
            Ok(files) => files,
            Err(error) => {
                skipped.push(
                    anyhow::Error::new(error)
                        .context(format!("cannot read {}", folder.path().display())),
                );
                continue;
            }
        };
        for file in files.flatten() {
            let file_name = file.file_name();
            let Some(id) = file_name.to_str().and_then(|n| n.strip_suffix(".jsonl")) else {
                continue;
            };
            // Sub-agent transcripts (`agent-….jsonl`) are not sessions claude resumes.
            if is_uuid(id) {
                found(id, file.path(), belongs);
            }
        }
    }
    Ok(())
}

/// Claude's folder name for a directory: the NFC form of its real path with every UTF-16 code
/// unit that is not an ASCII letter or digit turned into `-`; past 200 characters it is cut and
/// gets `-` plus the base-36 of the absolute Java `hashCode` of the path.
pub fn project_dir_name(real_path: &Path) -> String {
    let text = real_path.to_string_lossy();
    let text: String = if text.is_ascii() {
        text.into_owned()
    } else {
        text.nfc().collect()
    };
    let units: Vec<u16> = text.encode_utf16().collect();
    let mut name: String = units
        .iter()
        .map(|&unit| match u8::try_from(unit) {
            Ok(byte) if byte.is_ascii_alphanumeric() => byte as char,
            _ => '-',
        })
        .collect();
    if name.len() > 200 {
        let hash = units.iter().fold(0i32, |hash, &unit| {
            hash.wrapping_mul(31).wrapping_add(unit as i32)
        });
        name.truncate(200);
        name.push('-');
        name.push_str(&base36(u64::from(hash.unsigned_abs())));
    }
    name
}

fn base36(mut value: u64) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut digits = Vec::new();
    loop {
        digits.push(char::from(DIGITS[(value % 36) as usize]));
        value /= 36;
        if value == 0 {
            break;
        }
    }
    digits.iter().rev().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn the_recorded_folder_is_read_from_regular_files_only_and_within_a_budget() {
        let dir = tempfile::tempdir().unwrap();
        let zero = dir.path().join("zero.jsonl");
        std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
        assert_eq!(recorded_cwd(&zero), None);
        let fifo = dir.path().join("fifo.jsonl");
        let name = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o644) }, 0);
        assert_eq!(recorded_cwd(&fifo), None);
        // One endless line without a newline: the budget ends it.
        let long = dir.path().join("long.jsonl");
        std::fs::write(&long, "x".repeat(5 * 1024 * 1024)).unwrap();
        assert_eq!(recorded_cwd(&long), None);
        let good = dir.path().join("good.jsonl");
        std::fs::write(&good, "{\"type\":\"summary\"}\n{\"cwd\":\"/w/a/b-c\"}\n").unwrap();
        assert_eq!(recorded_cwd(&good), Some(PathBuf::from("/w/a/b-c")));
    }

    #[test]
    fn folder_names_follow_claude() {
        assert_eq!(
            project_dir_name(Path::new("/tmp/work/My.Proj_dir-1")),
            "-tmp-work-My-Proj-dir-1"
        );
        assert_eq!(project_dir_name(Path::new("/a b/ü😀")), "-a-b----");
    }

    /// Expected values computed by an independent implementation of the docs/formats.md rule.
    #[test]
    fn folder_names_match_the_documented_rule() {
        let cases = [
            ("/home/dev/with space/naïve", "-home-dev-with-space-na-ve"),
            // A decomposed é is NFC-normalised to one code unit first.
            ("/home/dev/cafe\u{301}", "-home-dev-caf-"),
            ("/home/dev/emoji😀x", "-home-dev-emoji--x"),
        ];
        for (path, expected) in cases {
            assert_eq!(project_dir_name(Path::new(path)), expected, "{path}");
        }
        let long: Vec<String> = (0..12)
            .map(|i| format!("segment{i:02}_long.name"))
            .collect();
        let long = format!("/srv/{}", long.join("/"));
        assert_eq!(
            project_dir_name(Path::new(&long)),
            "-srv-segment00-long-name-segment01-long-name-segment02-long-name-segment03-long-name-\
             segment04-long-name-segment05-long-name-segment06-long-name-segment07-long-name-\
             segment08-long-name-segment09-long--hnwnak"
        );
    }

    #[test]
    fn long_names_get_the_hash_suffix() {
        let path = format!("/{}", "x".repeat(250));
        let name = project_dir_name(Path::new(&path));
        assert_eq!(&name[..200], &format!("-{}", "x".repeat(199)));
        assert_eq!(
            name.len(),
            200 + 1 + base36(java_hash_reference(&path)).len()
        );
    }

    fn java_hash_reference(text: &str) -> u64 {
        let mut hash: i64 = 0;
        for unit in text.encode_utf16() {
            hash = (hash * 31 + i64::from(unit)) & 0xffff_ffff;
        }
        let signed = hash as u32 as i32;
        u64::from(signed.unsigned_abs())
    }

    #[test]
    fn base36_matches_javascript() {
        assert_eq!(base36(0), "0");
        assert_eq!(base36(35), "z");
        assert_eq!(base36(2147483648), "zik0zk");
    }
}
