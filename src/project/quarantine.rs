//! Unusable state files are moved aside, never deleted, under the state folder's lock.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, anyhow, bail};

use crate::base::platform::{self, FileKey};
use crate::base::time::unix_time;
use crate::base::ui;

/// How long a change to the state folder waits for another launch changing it.
const LOCK_PATIENCE: std::time::Duration = std::time::Duration::from_secs(5);

/// Moves an unusable file aside, never deleting it, with one warning. Only the very file that
/// was judged (`judged`, its identity) is moved: under the state folder's lock, a file another
/// launch has put there since stays where it is.
pub fn set_aside(path: &Path, judged: Option<FileKey>, problem: &str) -> Result<()> {
    let _lock = lock(path.parent().unwrap_or(path))?;
    let current = path.symlink_metadata().ok();
    let current = current.as_ref().and_then(platform::meta_id);
    if path.symlink_metadata().is_err() || current != judged {
        return Ok(());
    }
    let aside = move_aside(path)?;
    ui::warn(&format!(
        "ignored {}: {problem}; moved it to {}",
        path.display(),
        aside.display()
    ));
    Ok(())
}

/// The lock every change to a state folder takes, so that a launch never moves aside a file
/// another one has just written.
pub fn lock(folder: &Path) -> Result<platform::FolderLock> {
    platform::lock_folder(folder, LOCK_PATIENCE)
        .with_context(|| format!("cannot lock {}", folder.display()))?
        .ok_or_else(|| anyhow!("{} stays locked by another launch", folder.display()))
}

/// Renames an unusable file to `<name>.bad-<unix time>`, or with a counter after it, never over
/// an earlier one. Callers hold the folder's lock, so no other launch picks the same name.
fn move_aside(path: &Path) -> Result<PathBuf> {
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stamp = unix_time();
    for attempt in 0..1000u32 {
        let suffix = if attempt == 0 {
            format!("{name}.bad-{stamp}")
        } else {
            format!("{name}.bad-{stamp}-{attempt}")
        };
        let aside = path.with_file_name(suffix);
        if aside.symlink_metadata().is_ok() {
            continue;
        }
        std::fs::rename(path, &aside)
            .with_context(|| format!("{} is unusable and cannot be moved aside", path.display()))?;
        return Ok(aside);
    }
    bail!("too many unusable copies of {}", path.display())
}
