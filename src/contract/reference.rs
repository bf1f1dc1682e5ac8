//! What a reference the user typed means to a tool's store: a path, an id, or a unique id
//! prefix. Each tool's `find_session` reads it with these; `sessions::locate` is the operation.

use std::path::{Path, PathBuf};

use anyhow::Result;

use super::Tool;
use crate::base::failure::failure;
use crate::base::ids::is_native_id;

/// How `--source-session` names a session.
pub enum SessionRef<'a> {
    Path(PathBuf),
    /// An id or an id prefix.
    Id(&'a str),
}

impl<'a> SessionRef<'a> {
    /// A reference that looks like a path must be one; anything else must be a plausible id, so
    /// it can never act as a pattern or a flag.
    pub fn parse(tool: &dyn Tool, reference: &'a str) -> Result<SessionRef<'a>> {
        let looks_like_path = reference.contains(['/', '\\'])
            || reference.starts_with('.')
            || reference.ends_with(".jsonl")
            || reference.ends_with(".json");
        if looks_like_path {
            let path = Path::new(reference);
            if path.exists() {
                return Ok(SessionRef::Path(path.to_path_buf()));
            }
            return Err(failure(
                format!("{reference} does not exist"),
                format!("give the path of a {} session file", tool.name()),
            ));
        }
        if is_native_id(reference) {
            return Ok(SessionRef::Id(reference));
        }
        Err(failure(
            format!(
                "{reference:?} is neither a {} session id nor a path",
                tool.name()
            ),
            "give a session id, a unique id prefix, or the session file's path",
        ))
    }
}

/// A path given as a session must be a file.
pub fn session_file(tool: &dyn Tool, path: PathBuf) -> Result<PathBuf> {
    if path.is_file() {
        return Ok(path);
    }
    Err(failure(
        format!("{} is not a {} session file", path.display(), tool.name()),
        "give the session file's path, or the session id",
    ))
}

/// The session, among `candidates` (id, file), whose id is `reference` or the only one that
/// starts with it.
pub fn pick_session(
    tool: &dyn Tool,
    reference: &str,
    candidates: impl IntoIterator<Item = (String, PathBuf)>,
) -> Result<PathBuf> {
    const SHOWN: usize = 5;
    let mut exact: Vec<(String, PathBuf)> = Vec::new();
    let mut prefixed: Vec<(String, PathBuf)> = Vec::new();
    let (mut exact_count, mut prefixed_count) = (0usize, 0usize);
    for (id, path) in candidates {
        let (list, count) = if id == reference {
            (&mut exact, &mut exact_count)
        } else if id.starts_with(reference) {
            (&mut prefixed, &mut prefixed_count)
        } else {
            continue;
        };
        *count += 1;
        if list.len() < SHOWN {
            list.push((id, path));
        }
    }
    let (mut matches, count) = if exact_count > 0 {
        (exact, exact_count)
    } else {
        (prefixed, prefixed_count)
    };
    if count == 1
        && let Some((_, path)) = matches.pop()
    {
        return Ok(path);
    }
    if count == 0 {
        return Err(failure(
            format!("no {} session matches {reference}", tool.name()),
            "give a session id, a unique id prefix, or the session file's path",
        ));
    }
    let shown: Vec<String> = matches
        .iter()
        .map(|(id, path)| format!("{id} ({})", path.display()))
        .collect();
    let more = if count > SHOWN { ", …" } else { "" };
    Err(failure(
        format!(
            "{reference} matches {count} {} sessions: {}{more}",
            tool.name(),
            shown.join(", ")
        ),
        "give more of the id, or the session file's path",
    ))
}

/// The error for a target session that is already there.
pub fn session_id_taken(tool: &dyn Tool, id: &str, path: &Path) -> anyhow::Error {
    failure(
        format!(
            "{} session {id} already exists ({}); it is never overwritten",
            tool.name(),
            path.display()
        ),
        "leave out --target-session for a new id",
    )
}
