//! Everything that differs between Unix and Windows, behind `cfg`, in one place.

use std::ffi::OsStr;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Identity of a file after following links: two paths name the same file when their ids match.
#[derive(Debug, PartialEq, Eq)]
pub struct FileId(#[cfg(unix)] (u64, u64), #[cfg(not(unix))] same_file::Handle);

#[cfg(unix)]
pub fn file_id(path: &Path) -> Option<FileId> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path).ok()?;
    Some(FileId((meta.dev(), meta.ino())))
}

#[cfg(not(unix))]
pub fn file_id(path: &Path) -> Option<FileId> {
    same_file::Handle::from_path(path).ok().map(FileId)
}

#[cfg(unix)]
pub fn home_dir() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|home| !home.is_empty())
        .map(PathBuf::from)
}

#[cfg(not(unix))]
pub fn home_dir() -> Option<PathBuf> {
    dirs::home_dir()
}

/// The running executable's identity.
pub fn current_exe_id() -> Option<FileId> {
    file_id(&std::env::current_exe().ok()?)
}

#[cfg(unix)]
pub fn is_executable_file(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .map(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

#[cfg(not(unix))]
pub fn is_executable_file(path: &Path) -> bool {
    path.is_file()
}

/// A folder whose files are opened relative to it. On Unix each open then resolves one path
/// component rather than the whole path, which counts when discovery opens thousands of files.
pub struct Folder {
    #[cfg(unix)]
    fd: std::os::fd::OwnedFd,
    #[cfg(not(unix))]
    path: PathBuf,
}

impl Folder {
    #[cfg(unix)]
    pub fn open(path: &Path) -> io::Result<Folder> {
        use nix::fcntl::OFlag;
        let flags = OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC;
        let fd = nix::fcntl::open(path, flags, nix::sys::stat::Mode::empty())?;
        Ok(Folder { fd })
    }

    #[cfg(unix)]
    pub fn open_file(&self, name: &OsStr) -> io::Result<File> {
        use nix::fcntl::OFlag;
        let flags = OFlag::O_RDONLY | OFlag::O_CLOEXEC;
        let fd = nix::fcntl::openat(&self.fd, name, flags, nix::sys::stat::Mode::empty())?;
        Ok(File::from(fd))
    }

    #[cfg(not(unix))]
    pub fn open(path: &Path) -> io::Result<Folder> {
        Ok(Folder {
            path: path.to_path_buf(),
        })
    }

    #[cfg(not(unix))]
    pub fn open_file(&self, name: &OsStr) -> io::Result<File> {
        File::open(self.path.join(name))
    }
}

/// The tool name argv[0] stands for: its file stem, case-folded on Windows (where `.exe` is the
/// extension `file_stem` drops).
pub fn invoked_name(argv0: &OsStr) -> Option<String> {
    let stem = Path::new(argv0).file_stem()?.to_str()?;
    if cfg!(windows) {
        Some(stem.to_ascii_lowercase())
    } else {
        Some(stem.to_owned())
    }
}

/// File names the real binary may have beside the wrapper.
pub fn real_binary_names(tool: &str) -> Vec<String> {
    if cfg!(windows) {
        vec![format!("{tool}-real.exe"), format!("{tool}-real.cmd")]
    } else {
        vec![format!("{tool}-real")]
    }
}

/// File names the tool itself may have in a PATH folder.
pub fn tool_file_names(tool: &str) -> Vec<String> {
    if cfg!(windows) {
        vec![
            format!("{tool}.exe"),
            format!("{tool}.cmd"),
            format!("{tool}.bat"),
        ]
    } else {
        vec![tool.to_owned()]
    }
}

/// Replace this process with `command` (Unix), so exit codes, signals and the terminal are the
/// tool's own. Returns only if the exec failed.
#[cfg(unix)]
pub fn run_replacing(mut command: Command) -> io::Error {
    use std::os::unix::process::CommandExt;
    command.exec()
}

/// Windows has no exec: run the tool as a child, let it alone handle Ctrl-C, and exit with its
/// full exit code. Returns only if the spawn failed.
#[cfg(windows)]
pub fn run_replacing(mut command: Command) -> io::Error {
    use windows_sys::Win32::System::Console::SetConsoleCtrlHandler;
    // SAFETY: a null handler with TRUE makes this process ignore Ctrl-C; the child still gets it.
    unsafe {
        SetConsoleCtrlHandler(None, 1);
    }
    match command.status() {
        Ok(status) => std::process::exit(status.code().unwrap_or(1)),
        Err(error) => error,
    }
}
