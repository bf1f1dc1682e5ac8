//! Unusable state files are moved aside, never deleted, under the state folder's lock.

use std::path::Path;

use anyhow::{Context as _, Result, anyhow};

use crate::base::files;
use crate::base::platform::{self, FileKey};
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
    let aside = files::rename_aside(path, "bad")?;
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
