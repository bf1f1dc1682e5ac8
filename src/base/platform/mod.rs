//! Everything that differs between Unix and Windows, behind `cfg`, in one place.

mod terminal;

pub use terminal::{Input, catch_interrupts, interrupted, stdin_input, stdout_terminal_width};

use std::ffi::OsStr;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The name the management CLI answers to; under any other name the binary is a wrapper.
pub const BIN_NAME: &str = "ai-session-manager";

/// Identity of a file after following links: two paths name the same file when their ids match.
#[derive(Debug, PartialEq, Eq)]
pub struct FileId(#[cfg(unix)] (u64, u64), #[cfg(not(unix))] same_file::Handle);

/// A file's device and inode, from metadata already at hand.
pub type FileKey = (u64, u64);

#[cfg(unix)]
pub fn meta_id(meta: &std::fs::Metadata) -> Option<FileKey> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
pub fn meta_id(_meta: &std::fs::Metadata) -> Option<FileKey> {
    None
}

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
    // Unset means unset: guessing another home could resume the wrong user's sessions.
    crate::base::env::path(crate::base::env::HOME).filter(|home| home.is_absolute())
}

#[cfg(not(unix))]
pub fn home_dir() -> Option<PathBuf> {
    dirs::home_dir().filter(|home| home.is_absolute())
}

/// This program's data of the user's, outside every project: `~/.local/share/ai-session-manager`
/// (or where `XDG_DATA_HOME` says), the local application data folder on Windows and macOS.
pub fn user_data_dir() -> Option<PathBuf> {
    let base = match home_dir() {
        // The same HOME the rest of the program goes by.
        Some(_) => dirs::data_local_dir(),
        None => None,
    };
    base.filter(|dir| dir.is_absolute())
        .map(|dir| dir.join(BIN_NAME))
}

/// Whether a hard link failed because the file system has none, rather than for lack of rights.
pub fn links_unsupported(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::Unsupported | io::ErrorKind::PermissionDenied
    ) && error.raw_os_error() != Some(13)
}

/// This program's settings of the user's: `~/.config/ai-session-manager` (or where
/// `XDG_CONFIG_HOME` says), the roaming application data folder on Windows.
pub fn user_config_dir() -> Option<PathBuf> {
    let base = match home_dir() {
        Some(_) => dirs::config_dir(),
        None => None,
    };
    base.filter(|dir| dir.is_absolute())
        .map(|dir| dir.join(BIN_NAME))
}

/// Lets a closed pipe (`ai-session-manager status | head`) end the management CLI quietly, as
/// it ends other Unix tools, instead of failing every later write. Not for the wrapper: the real
/// tool gets its signals as they were.
#[cfg(unix)]
pub fn quiet_broken_pipe() {
    use nix::sys::signal::{SigHandler, Signal, signal};
    // SAFETY: restores the default disposition before any other thread exists.
    let _ = unsafe { signal(Signal::SIGPIPE, SigHandler::SigDfl) };
}

#[cfg(not(unix))]
pub fn quiet_broken_pipe() {}

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

    /// Opens a regular file in the folder, without waiting on it (a FIFO would hang a plain
    /// open); anything else is an error.
    #[cfg(unix)]
    pub fn open_file(&self, name: &OsStr) -> io::Result<File> {
        use nix::fcntl::OFlag;
        let flags = OFlag::O_RDONLY | OFlag::O_CLOEXEC | OFlag::O_NONBLOCK;
        let fd = nix::fcntl::openat(&self.fd, name, flags, nix::sys::stat::Mode::empty())?;
        let file = File::from(fd);
        if !file.metadata()?.is_file() {
            return Err(io::Error::other("not a regular file"));
        }
        Ok(file)
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

/// Opens a file for reading without waiting on it: a FIFO or a device opens at once instead of
/// blocking the launch. With `follow` false, a final symlink fails the open instead of being
/// followed (see [`is_unfollowed_link`]).
#[cfg(unix)]
pub fn open_nonblocking(path: &Path, follow: bool) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut flags = nix::libc::O_NONBLOCK;
    if !follow {
        flags |= nix::libc::O_NOFOLLOW;
    }
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(flags)
        .open(path)
}

#[cfg(not(unix))]
pub fn open_nonblocking(path: &Path, _follow: bool) -> io::Result<File> {
    File::open(path)
}

/// Whether an open without following links failed because the path is a link.
#[cfg(unix)]
pub fn is_unfollowed_link(error: &io::Error) -> bool {
    error.raw_os_error() == Some(nix::libc::ELOOP)
}

#[cfg(not(unix))]
pub fn is_unfollowed_link(_error: &io::Error) -> bool {
    false
}

/// Whether this user can enter `dir`: a folder with search permission.
#[cfg(unix)]
pub fn can_enter(dir: &Path) -> bool {
    use nix::unistd::{AccessFlags, access};
    dir.is_dir() && access(dir, AccessFlags::X_OK).is_ok()
}

#[cfg(not(unix))]
pub fn can_enter(dir: &Path) -> bool {
    dir.is_dir()
}

/// An exclusive lock on a folder, held until dropped. On Unix it is `flock` on the folder itself,
/// so nothing is created in it, and every process that changes the folder through this program
/// takes the same lock, whoever runs it.
pub struct FolderLock {
    #[cfg(unix)]
    _lock: nix::fcntl::Flock<File>,
}

/// Takes the lock on `dir`, waiting for another holder up to `patience`; `Ok(None)` when it is
/// still held then.
#[cfg(unix)]
pub fn lock_folder(dir: &Path, patience: std::time::Duration) -> io::Result<Option<FolderLock>> {
    use nix::errno::Errno;
    use nix::fcntl::{Flock, FlockArg};
    let deadline = std::time::Instant::now() + patience;
    let mut folder = File::open(dir)?;
    loop {
        match Flock::lock(folder, FlockArg::LockExclusiveNonblock) {
            Ok(lock) => return Ok(Some(FolderLock { _lock: lock })),
            Err((file, Errno::EWOULDBLOCK)) if std::time::Instant::now() < deadline => {
                folder = file;
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            Err((_, Errno::EWOULDBLOCK)) => return Ok(None),
            Err((_, errno)) => return Err(errno.into()),
        }
    }
}

/// Windows has no `flock`; folders are not locked there.
#[cfg(not(unix))]
pub fn lock_folder(_dir: &Path, _patience: std::time::Duration) -> io::Result<Option<FolderLock>> {
    Ok(Some(FolderLock {}))
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

// ---------------------------------------------------------------- wrappers (setup, teardown)

/// What a wrapper starts: this executable, as `tool`, with the real binary at `real`.
pub struct WrapperSpec<'a> {
    pub exe: &'a Path,
    // The Unix wrapper is a bare link; the Windows one names these.
    #[cfg_attr(not(windows), allow(dead_code))]
    pub tool: &'a str,
    #[cfg_attr(not(windows), allow(dead_code))]
    pub real: &'a Path,
}

/// Whether `path` is a wrapper that setup made: for this executable, for another copy of it (or
/// one that is gone), or the Python ai-session-manager's script. Only provable ownership
/// counts; anything else is the user's.
#[cfg(unix)]
pub fn is_our_wrapper(path: &Path, exe: &Path) -> bool {
    starts_this_executable(path, exe)
        || std::fs::read_link(path)
            .is_ok_and(|target| target.file_stem() == Some(OsStr::new(BIN_NAME)))
        || read_small_file(path).is_some_and(|bytes| is_wrapper_script(&bytes))
}

/// Whether the wrapper at `path` is exactly what setup would write now.
#[cfg(unix)]
pub fn wrapper_is_current(path: &Path, spec: &WrapperSpec) -> bool {
    starts_this_executable(path, spec.exe)
}

#[cfg(unix)]
fn starts_this_executable(path: &Path, exe: &Path) -> bool {
    let id = file_id(path);
    id.is_some() && id == file_id(exe)
}

/// Writes a new wrapper at `at`: a symlink to this executable.
#[cfg(unix)]
pub fn make_wrapper(at: &Path, spec: &WrapperSpec) -> io::Result<()> {
    std::os::unix::fs::symlink(spec.exe, at)
}

/// Makes `to` the same install as `from`: for a link, a new link with the same target (so a
/// relative npm link still resolves, and its target is untouched); else a hard link, or a copy
/// on file systems without hard links.
#[cfg(unix)]
pub fn copy_install(from: &Path, to: &Path) -> io::Result<()> {
    if std::fs::symlink_metadata(from)?.file_type().is_symlink() {
        return std::os::unix::fs::symlink(std::fs::read_link(from)?, to);
    }
    match std::fs::hard_link(from, to) {
        Err(error) if links_unsupported(&error) => std::fs::copy(from, to).map(drop),
        result => result,
    }
}

/// Whether two paths hold the same install: one file under two names, or two links with the
/// same target.
#[cfg(unix)]
pub fn same_install(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    let (Ok(meta_a), Ok(meta_b)) = (std::fs::symlink_metadata(a), std::fs::symlink_metadata(b))
    else {
        return false;
    };
    match (
        meta_a.file_type().is_symlink(),
        meta_b.file_type().is_symlink(),
    ) {
        (true, true) => matches!(
            (std::fs::read_link(a), std::fs::read_link(b)),
            (Ok(target_a), Ok(target_b)) if target_a == target_b
        ),
        (false, false) => (meta_a.dev(), meta_a.ino()) == (meta_b.dev(), meta_b.ino()),
        _ => false,
    }
}

// Windows: the wrapper is a `.cmd` file from `shims/wrapper.cmd`, and installs are copies
// (symlinks need privileges, hard links are capped).

#[cfg(windows)]
pub fn is_our_wrapper(path: &Path, _exe: &Path) -> bool {
    is_cmd_file(path) && read_small_file(path).is_some_and(|bytes| is_wrapper_script(&bytes))
}

#[cfg(windows)]
pub fn wrapper_is_current(path: &Path, spec: &WrapperSpec) -> bool {
    is_cmd_file(path)
        && std::fs::read(path).is_ok_and(|bytes| bytes == render_cmd_wrapper(spec).as_bytes())
}

#[cfg(windows)]
fn is_cmd_file(path: &Path) -> bool {
    path.extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("cmd"))
}

#[cfg(windows)]
pub fn make_wrapper(at: &Path, spec: &WrapperSpec) -> io::Result<()> {
    std::fs::write(at, render_cmd_wrapper(spec))
}

#[cfg(windows)]
pub fn copy_install(from: &Path, to: &Path) -> io::Result<()> {
    std::fs::copy(from, to).map(drop)
}

#[cfg(windows)]
pub fn same_install(a: &Path, b: &Path) -> bool {
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(meta_a), Ok(meta_b)) if meta_a.len() == meta_b.len() => {
            matches!((std::fs::read(a), std::fs::read(b)), (Ok(x), Ok(y)) if x == y)
        }
        _ => false,
    }
}

/// Wrapper scripts are a few lines; a bigger file is a tool, and is not read.
const WRAPPER_SCRIPT_MAX_LEN: u64 = 4096;

/// A regular file's bytes, if it is small enough to be a wrapper script. Links are not followed.
fn read_small_file(path: &Path) -> Option<Vec<u8>> {
    let meta = std::fs::symlink_metadata(path).ok()?;
    (meta.is_file() && meta.len() <= WRAPPER_SCRIPT_MAX_LEN)
        .then(|| std::fs::read(path).ok())
        .flatten()
}

/// What the Python ai-session-manager's wrappers (a script at `<tool>`, a `.cmd` on Windows)
/// import. It renamed the tool to `<tool>-real` too, so replacing its wrapper is a migration.
const PYTHON_WRAPPER_MARKER: &[u8] = b"ai_session_manager.wrapper";

/// Whether a small file is a wrapper script: our `.cmd`, or the Python tool's.
pub fn is_wrapper_script(bytes: &[u8]) -> bool {
    is_cmd_wrapper(bytes) || memchr::memmem::find(bytes, PYTHON_WRAPPER_MARKER).is_some()
}

/// The Windows wrapper template; `{…}` fields are filled by [`render_cmd_wrapper`].
#[cfg_attr(not(windows), allow(dead_code))]
const CMD_TEMPLATE: &str = include_str!("../../shims/wrapper.cmd");
/// The line that marks a `.cmd` file as ours.
const CMD_MARKER: &str = "rem ai-session-manager wrapper for ";

/// The Windows `.cmd` wrapper for `spec`, with CRLF line ends as cmd.exe expects. Built on every
/// platform, so that it is tested here.
#[cfg_attr(not(windows), allow(dead_code))]
pub fn render_cmd_wrapper(spec: &WrapperSpec) -> String {
    CMD_TEMPLATE
        .replace("{tool_var}", crate::base::env::TOOL)
        .replace("{real_var}", crate::base::env::REAL_BIN)
        .replace("{tool}", spec.tool)
        .replace("{real}", &cmd_path(spec.real))
        .replace("{exe}", &cmd_path(spec.exe))
        .replace("\r\n", "\n")
        .replace('\n', "\r\n")
}

/// Whether a `.cmd` file's bytes are a wrapper setup wrote.
pub fn is_cmd_wrapper(bytes: &[u8]) -> bool {
    bytes
        .split(|byte| *byte == b'\n')
        .take(3)
        .any(|line| line.starts_with(CMD_MARKER.as_bytes()))
}

/// A path as cmd.exe reads it in a script: without the `\\?\` prefix that canonical Windows
/// paths carry, and with `%` doubled so it is not expanded.
#[cfg_attr(not(windows), allow(dead_code))]
fn cmd_path(path: &Path) -> String {
    let text = path.to_string_lossy();
    let plain = match text.strip_prefix(r"\\?\") {
        Some(rest) => match rest.strip_prefix(r"UNC\") {
            Some(share) => format!(r"\\{share}"),
            None => rest.to_owned(),
        },
        None => text.into_owned(),
    };
    plain.replace('%', "%%")
}

/// The kernel's name and release, as Node's `os.type()` and `os.release()` give them.
#[cfg(unix)]
pub fn os_version() -> String {
    match nix::sys::utsname::uname() {
        Ok(name) => format!(
            "{} {}",
            name.sysname().to_string_lossy(),
            name.release().to_string_lossy()
        ),
        Err(_) => std::env::consts::OS.to_owned(),
    }
}

#[cfg(not(unix))]
pub fn os_version() -> String {
    "Windows_NT".to_owned()
}

/// The platform, as status reports it.
pub fn description() -> String {
    format!(
        "{} {} ({})",
        std::env::consts::OS,
        std::env::consts::ARCH,
        std::env::consts::FAMILY
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec<'a>(exe: &'a str, real: &'a str) -> WrapperSpec<'a> {
        WrapperSpec {
            exe: Path::new(exe),
            tool: "claude",
            real: Path::new(real),
        }
    }

    #[test]
    fn the_cmd_wrapper_names_the_tool_and_real_binary_and_passes_all_arguments() {
        let text = render_cmd_wrapper(&spec(
            r"C:\Users\me\.cargo\bin\ai-session-manager.exe",
            r"C:\npm\claude-real.cmd",
        ));
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert!(
            lines.contains(&r#"set "AI_SESSION_MANAGER_TOOL=claude""#),
            "{text}"
        );
        assert!(
            lines.contains(&r#"set "AI_SESSION_MANAGER_REAL_BIN=C:\npm\claude-real.cmd""#),
            "{text}"
        );
        assert!(
            lines.contains(&r#""C:\Users\me\.cargo\bin\ai-session-manager.exe" %*"#),
            "{text}"
        );
        assert!(lines.contains(&"exit /b %ERRORLEVEL%"), "{text}");
        assert!(
            !text.replace("\r\n", "").contains('\n'),
            "bare LF in {text:?}"
        );
        assert!(!text.contains('{'), "unfilled field in {text}");
        assert!(is_cmd_wrapper(text.as_bytes()));
    }

    #[test]
    fn cmd_paths_lose_the_verbatim_prefix_and_keep_percent_signs_literal() {
        let text = render_cmd_wrapper(&spec(
            r"\\?\C:\tools\ai-session-manager.exe",
            r"\\?\UNC\server\share\100%\claude-real.exe",
        ));
        assert!(
            text.contains(r#""C:\tools\ai-session-manager.exe" %*"#),
            "{text}"
        );
        assert!(
            text.contains(r"REAL_BIN=\\server\share\100%%\claude-real.exe"),
            "{text}"
        );
    }

    #[test]
    fn only_files_with_a_marker_are_wrapper_scripts() {
        assert!(!is_wrapper_script(
            b"@ECHO off\r\nnode \"%~dp0\\cli.js\" %*\r\n"
        ));
        assert!(!is_wrapper_script(b""));
        assert!(is_wrapper_script(
            b"@echo off\r\nrem ai-session-manager wrapper for gemini. x\r\n"
        ));
        // The Python tool's wrappers, on Unix and on Windows.
        assert!(is_wrapper_script(
            b"#!/usr/bin/env python3\nfrom ai_session_manager.wrapper import run\nrun('codex')\n"
        ));
        assert!(is_wrapper_script(
            b"@echo off\r\npython -c \"from ai_session_manager.wrapper import run; run()\" %*\r\n"
        ));
    }
}
