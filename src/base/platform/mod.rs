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

/// A path's bytes as this platform keeps them, for a temporary file this process reads back.
#[cfg(unix)]
pub fn path_bytes(path: &Path) -> std::borrow::Cow<'_, [u8]> {
    use std::os::unix::ffi::OsStrExt;
    std::borrow::Cow::Borrowed(path.as_os_str().as_bytes())
}

/// The path [`path_bytes`] gave.
#[cfg(unix)]
pub fn path_from_bytes(bytes: Vec<u8>) -> PathBuf {
    use std::os::unix::ffi::OsStringExt;
    PathBuf::from(std::ffi::OsString::from_vec(bytes))
}

#[cfg(windows)]
pub fn path_bytes(path: &Path) -> std::borrow::Cow<'_, [u8]> {
    use std::os::windows::ffi::OsStrExt;
    let wide = path.as_os_str().encode_wide();
    std::borrow::Cow::Owned(wide.flat_map(u16::to_le_bytes).collect())
}

#[cfg(windows)]
pub fn path_from_bytes(bytes: Vec<u8>) -> PathBuf {
    use std::os::windows::ffi::OsStringExt;
    let wide: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|pair| u16::from_le_bytes([pair[0], pair[1]]))
        .collect();
    PathBuf::from(std::ffi::OsString::from_wide(&wide))
}

/// Starts `program` (as `arg0`, with `args`, in `cwd`) detached from this process: in a session
/// of its own, its standard streams on the null device, and not this process's child, so that
/// nobody waits for it and a process this one becomes (`exec`) never sees it end. Returns once
/// it is on its way; the wait is for a fork, never for the program.
#[cfg(unix)]
pub fn spawn_detached(program: &Path, arg0: &str, args: &[&str], cwd: &Path) -> io::Result<()> {
    use nix::libc;
    use std::ffi::CString;
    use std::os::fd::AsRawFd;
    use std::os::unix::ffi::OsStrExt;
    let invalid = |_| io::Error::from(io::ErrorKind::InvalidInput);
    // Everything the child needs is made before the fork: after it, only async-signal-safe calls.
    let program = CString::new(program.as_os_str().as_bytes()).map_err(invalid)?;
    let cwd = CString::new(cwd.as_os_str().as_bytes()).map_err(invalid)?;
    let argv: Vec<CString> = std::iter::once(arg0)
        .chain(args.iter().copied())
        .map(|arg| CString::new(arg).map_err(invalid))
        .collect::<io::Result<_>>()?;
    let mut argv_ptrs: Vec<*const libc::c_char> = argv.iter().map(|arg| arg.as_ptr()).collect();
    argv_ptrs.push(std::ptr::null());
    let null = File::options().read(true).write(true).open("/dev/null")?;
    let null_fd = null.as_raw_fd();
    // SAFETY: between fork and exec the children call only async-signal-safe functions (setsid,
    // fork, dup2, chdir, execv, _exit) on memory prepared before the fork.
    unsafe {
        match libc::fork() {
            -1 => Err(io::Error::last_os_error()),
            0 => {
                libc::setsid();
                if libc::fork() == 0 {
                    for fd in 0..3 {
                        libc::dup2(null_fd, fd);
                    }
                    libc::chdir(cwd.as_ptr());
                    libc::execv(program.as_ptr(), argv_ptrs.as_ptr());
                }
                libc::_exit(0)
            }
            child => {
                let mut status = 0;
                while libc::waitpid(child, &mut status, 0) == -1
                    && io::Error::last_os_error().kind() == io::ErrorKind::Interrupted
                {
                }
                Ok(())
            }
        }
    }
}

#[cfg(not(unix))]
pub fn spawn_detached(_program: &Path, _arg0: &str, _args: &[&str], _cwd: &Path) -> io::Result<()> {
    Err(io::ErrorKind::Unsupported.into())
}
