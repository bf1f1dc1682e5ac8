//! File primitives: temp names beside a target, atomic writes, and create-if-absent placement.
//! Everything is written beside its final place, so a rename or link stays on one file system.

use std::fs::File;
use std::io::{self, BufWriter, ErrorKind, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};

use crate::base::{platform, ui};

/// Why a file was not read.
#[derive(Debug)]
pub enum Unread {
    Missing,
    /// A symbolic link, where links are not followed.
    Link,
    /// A FIFO, a device, a socket or a folder: nothing to read, or never done reading.
    NotRegular(&'static str),
    /// More bytes than the cap.
    TooBig(u64),
    Failed(io::Error),
}

impl std::fmt::Display for Unread {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unread::Missing => f.write_str("it is missing"),
            Unread::Link => f.write_str("it is a symbolic link"),
            Unread::NotRegular(kind) => write!(f, "it is {kind}, not a file"),
            Unread::TooBig(len) => write!(f, "it is {len} bytes, more than is read"),
            Unread::Failed(error) => write!(f, "{error}"),
        }
    }
}

/// What kind of thing a metadata describes, for a message.
fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    let kind = meta.file_type();
    if kind.is_dir() {
        return "a folder";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a FIFO";
        }
        if kind.is_socket() {
            return "a socket";
        }
        if kind.is_char_device() || kind.is_block_device() {
            return "a device";
        }
    }
    "not a regular file"
}

/// A regular file, opened for reading without blocking (a FIFO would hang a plain open) and,
/// unless `follow`, without following a final link; with its metadata.
pub fn open_regular(path: &Path, follow: bool) -> Result<(File, std::fs::Metadata), Unread> {
    let file = match platform::open_nonblocking(path, follow) {
        Ok(file) => file,
        Err(error) if error.kind() == ErrorKind::NotFound => return Err(Unread::Missing),
        Err(error) if platform::is_unfollowed_link(&error) => return Err(Unread::Link),
        Err(error) => return Err(Unread::Failed(error)),
    };
    let meta = file.metadata().map_err(Unread::Failed)?;
    if !meta.is_file() {
        return Err(Unread::NotRegular(kind_of(&meta)));
    }
    Ok((file, meta))
}

/// The whole of a regular file of at most `cap` bytes, and its metadata; the read stops at the
/// cap even if the file grows meanwhile.
pub fn read_regular(
    path: &Path,
    cap: u64,
    follow: bool,
) -> Result<(Vec<u8>, std::fs::Metadata), Unread> {
    use std::io::Read;
    let (file, meta) = open_regular(path, follow)?;
    if meta.len() > cap {
        return Err(Unread::TooBig(meta.len()));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(cap + 1)
        .read_to_end(&mut bytes)
        .map_err(Unread::Failed)?;
    if bytes.len() as u64 > cap {
        return Err(Unread::TooBig(bytes.len() as u64));
    }
    Ok((bytes, meta))
}

/// A small file of a tool's store (an index, a cache, a config) is read whole up to this size.
pub const STORE_FILE_CAP: u64 = 1024 * 1024;

/// A file of a tool's store, read whole only when it is a regular file of at most `cap` bytes.
/// Anything else is skipped, with one warning when something is there but not read: a FIFO or a
/// huge file must not hold up a launch.
pub fn read_store_file(path: &Path, cap: u64) -> Option<Vec<u8>> {
    match read_regular(path, cap, true) {
        Ok((bytes, _)) => Some(bytes),
        Err(Unread::Missing) => None,
        Err(why) => {
            ui::warn(&format!("skipped {}: {why}", path.display()));
            None
        }
    }
}

/// The first `max` bytes of a regular file (following links, never waiting on a FIFO).
pub fn read_head(path: &Path, max: u64) -> Option<Vec<u8>> {
    use std::io::Read;
    let (file, _) = open_regular(path, true).ok()?;
    let mut head = Vec::new();
    file.take(max).read_to_end(&mut head).ok()?;
    Some(head)
}

/// Renames `path` to `<name>.<label>-<unix time>` beside it, or with a counter after that, never
/// over another file: what is set aside is kept, and never replaces an earlier copy. Callers
/// that may race hold the folder's lock, so no two pick the same name.
pub fn rename_aside(path: &Path, label: &str) -> Result<PathBuf> {
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stamp = crate::base::time::unix_time();
    for attempt in 0..1000u32 {
        let aside = path.with_file_name(match attempt {
            0 => format!("{name}.{label}-{stamp}"),
            n => format!("{name}.{label}-{stamp}-{n}"),
        });
        if aside.symlink_metadata().is_ok() {
            continue;
        }
        std::fs::rename(path, &aside)
            .with_context(|| format!("cannot move {} aside", path.display()))?;
        return Ok(aside);
    }
    anyhow::bail!("too many copies of {} set aside", path.display())
}

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
        && platform::links_unsupported(error)
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
