//! File primitives: temp names beside a target, atomic writes, and create-if-absent placement.
//! Everything is written beside its final place, so a rename or link stays on one file system.

use std::fs::File;
use std::io::{self, BufWriter, ErrorKind, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};

/// A fresh hidden name beside `path`, for something that is then renamed or linked over it; being
/// beside it keeps that on one file system.
pub fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(
        ".{name}.tmp-{}-{}",
        std::process::id(),
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    ))
}

/// A new, empty temp file beside `path`.
pub fn create_temp(path: &Path) -> Result<(PathBuf, std::fs::File)> {
    let temp = temp_path(path);
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temp)
        .with_context(|| format!("cannot create {}", temp.display()))?;
    Ok((temp, file))
}

/// A temp file beside `path`, written in full.
fn write_temp(path: &Path, bytes: &[u8]) -> Result<PathBuf> {
    use std::io::Write;
    let (temp, mut file) = create_temp(path)?;
    if let Err(error) = file.write_all(bytes) {
        let _ = std::fs::remove_file(&temp);
        return Err(error).with_context(|| format!("cannot write {}", temp.display()));
    }
    Ok(temp)
}

/// Writes `bytes` to `path` through a temp file and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let temp = write_temp(path, bytes)?;
    std::fs::rename(&temp, path).map_err(|error| {
        let _ = std::fs::remove_file(&temp);
        anyhow::Error::new(error).context(format!("cannot replace {}", path.display()))
    })
}

/// Writes `bytes` to `path` only if nothing is there, atomically: the full temp file is linked
/// into place, which fails if the target exists. Returns false if it existed.
pub fn create_new_atomic(path: &Path, bytes: &[u8]) -> Result<bool> {
    let temp = write_temp(path, bytes)?;
    match link_into_place(&temp, path)? {
        Some(placed) => Ok(placed),
        None => {
            let _ = std::fs::remove_file(&temp);
            // No hard links here (some network and FAT file systems): fall back to an exclusive
            // create, which is still create-if-absent.
            create_new_plain(path, bytes)
        }
    }
}

/// Moves a fully written temp file to `path` unless something is there already; never replaces
/// an existing file. Returns false if `path` existed (the temp file is then removed).
pub fn place_new(temp: &Path, path: &Path) -> Result<bool> {
    if let Some(placed) = link_into_place(temp, path)? {
        return Ok(placed);
    }
    // No hard links on this file system: a rename after a check is the closest we can get.
    if path.symlink_metadata().is_ok() {
        let _ = std::fs::remove_file(temp);
        return Ok(false);
    }
    std::fs::rename(temp, path).map_err(|error| {
        let _ = std::fs::remove_file(temp);
        anyhow::Error::new(error).context(format!("cannot create {}", path.display()))
    })?;
    Ok(true)
}

/// Links `temp` to `path`, which fails if `path` exists, then removes `temp`. `None` when the
/// file system has no hard links; `temp` is then left in place.
fn link_into_place(temp: &Path, path: &Path) -> Result<Option<bool>> {
    let linked = std::fs::hard_link(temp, path);
    if let Err(error) = &linked
        && links_unsupported(error)
    {
        return Ok(None);
    }
    let _ = std::fs::remove_file(temp);
    match linked {
        Ok(()) => Ok(Some(true)),
        Err(error) if error.kind() == ErrorKind::AlreadyExists => Ok(Some(false)),
        Err(error) => Err(error).with_context(|| format!("cannot create {}", path.display())),
    }
}

/// Whether a hard link failed because the file system has none, rather than for lack of rights.
pub fn links_unsupported(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        ErrorKind::Unsupported | ErrorKind::PermissionDenied
    ) && error.raw_os_error() != Some(13)
}

fn create_new_plain(path: &Path, bytes: &[u8]) -> Result<bool> {
    use std::io::Write;
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
    {
        Ok(mut file) => {
            file.write_all(bytes)
                .with_context(|| format!("cannot write {}", path.display()))?;
            Ok(true)
        }
        Err(error) if error.kind() == ErrorKind::AlreadyExists => Ok(false),
        Err(error) => Err(error).with_context(|| format!("cannot create {}", path.display())),
    }
}

/// A new file being written: a temp file beside its final place, linked into place by
/// `commit`. Dropped before that, it removes the temp file and any folder it created.
pub struct NewFile {
    // Declared before `temp` so that it is closed before the temp file is removed: Windows
    // cannot remove an open file.
    out: BufWriter<File>,
    temp: TempFile,
}

/// The temp file and the folders made for it, removed on drop unless placed.
struct TempFile {
    path: PathBuf,
    temp: PathBuf,
    /// Folders created for the file, deepest first.
    created_dirs: Vec<PathBuf>,
    placed: bool,
}

impl NewFile {
    pub fn create(path: &Path) -> Result<NewFile> {
        let parent = path
            .parent()
            .with_context(|| format!("{} has no folder", path.display()))?;
        let created_dirs = create_dirs(parent)?;
        let (temp, file) = match create_temp(path) {
            Ok(created) => created,
            Err(error) => {
                remove_dirs(&created_dirs);
                return Err(error);
            }
        };
        Ok(NewFile {
            out: BufWriter::with_capacity(64 * 1024, file),
            temp: TempFile {
                path: path.to_path_buf(),
                temp,
                created_dirs,
                placed: false,
            },
        })
    }

    pub fn out(&mut self) -> &mut dyn Write {
        &mut self.out
    }

    /// Puts the complete file in place; false if something appeared there meanwhile.
    pub fn commit(self) -> Result<bool> {
        let NewFile { out, mut temp } = self;
        let file = out
            .into_inner()
            .map_err(|error| error.into_error())
            .with_context(|| format!("cannot write {}", temp.temp.display()))?;
        file.sync_all()
            .with_context(|| format!("cannot write {}", temp.temp.display()))?;
        drop(file);
        temp.placed = place_new(&temp.temp, &temp.path)?;
        Ok(temp.placed)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.placed {
            let _ = std::fs::remove_file(&self.temp);
            remove_dirs(&self.created_dirs);
        }
    }
}

/// Creates `dir` and its missing parents; returns the ones it created, deepest first.
fn create_dirs(dir: &Path) -> Result<Vec<PathBuf>> {
    let missing: Vec<PathBuf> = dir
        .ancestors()
        .take_while(|ancestor| !ancestor.as_os_str().is_empty() && !ancestor.exists())
        .map(Path::to_path_buf)
        .collect();
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(missing)
}

fn remove_dirs(dirs: &[PathBuf]) {
    for dir in dirs {
        // Only empty folders go: anything another process put there stays.
        let _ = std::fs::remove_dir(dir);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unfinished_file_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/session.jsonl");
        let mut file = NewFile::create(&path).unwrap();
        file.out().write_all(b"{}\n").unwrap();
        drop(file);
        assert!(!dir.path().join("a").exists());
    }

    #[test]
    fn a_committed_file_never_replaces_another() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("session.jsonl");
        let mut file = NewFile::create(&path).unwrap();
        file.out().write_all(b"new\n").unwrap();
        std::fs::write(&path, "old\n").unwrap();
        assert!(!file.commit().unwrap());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old\n");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);

        let other = dir.path().join("other.jsonl");
        let mut file = NewFile::create(&other).unwrap();
        file.out().write_all(b"new\n").unwrap();
        assert!(file.commit().unwrap());
        assert_eq!(std::fs::read_to_string(&other).unwrap(), "new\n");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }
}
