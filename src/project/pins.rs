//! The sessions the user made a project's own with `use`, on this machine. The record lives in
//! the user's data folder, outside every project, so a cloned or downloaded state file cannot
//! claim another folder's session by saying it was pinned.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};

use crate::base::{files, platform};

/// A record is one root a line; more than this is not ours.
const RECORD_CAP: u64 = 64 * 1024;

/// `<data>/pins/<tool>/<id>`, for an id that is safe as a file name.
fn record_path(tool: &str, id: &str) -> Option<PathBuf> {
    let safe = !id.is_empty()
        && !id.starts_with('.')
        && id
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.'));
    safe.then(platform::user_data_dir)
        .flatten()
        .map(|dir| dir.join("pins").join(tool).join(id))
}

fn roots(path: &Path) -> Vec<String> {
    match files::read_regular(path, RECORD_CAP, false) {
        Ok((bytes, _)) => String::from_utf8_lossy(&bytes)
            .lines()
            .map(str::to_owned)
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// Notes that the user pinned `tool`'s session `id` for the project at `root`.
pub fn record(tool: &str, id: &str, root: &Path) -> Result<()> {
    let path = record_path(tool, id).context("no data folder to record the pin in")?;
    let root = root.to_str().context("a project root that is not UTF-8")?;
    let mut known = roots(&path);
    if known.iter().any(|known| known == root) {
        return Ok(());
    }
    known.push(root.to_owned());
    if let Some(folder) = path.parent() {
        std::fs::create_dir_all(folder)
            .with_context(|| format!("cannot create {}", folder.display()))?;
    }
    files::write_atomic(&path, (known.join("\n") + "\n").as_bytes())
}

/// Whether the user pinned `tool`'s session `id` for the project at `root` on this machine.
pub fn holds(tool: &str, id: &str, root: &Path) -> bool {
    let Some(path) = record_path(tool, id) else {
        return false;
    };
    let root = root.to_string_lossy();
    roots(&path).iter().any(|known| *known == root)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_that_are_not_plain_names_are_never_a_path() {
        for id in [
            "",
            "..",
            ".hidden",
            "a/b",
            "../../etc/passwd",
            "a\0b",
            "x\u{1b}",
        ] {
            assert_eq!(record_path("codex", id), None, "{id:?}");
        }
    }
}
