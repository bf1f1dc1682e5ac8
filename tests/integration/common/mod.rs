//! A throwaway world for running the built binary: a temp HOME, a private PATH holding fake tools
//! that record how they were started, and a project folder.

#![allow(dead_code)]

use std::ffi::{OsStr, OsString};
#[cfg(unix)]
use std::os::unix::{ffi::OsStrExt, fs::PermissionsExt, process::CommandExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use tempfile::TempDir;

pub const BIN: &str = env!("CARGO_BIN_EXE_ai-session-manager");

pub struct Sandbox {
    _dir: TempDir,
    pub root: PathBuf,
    pub home: PathBuf,
    pub bin: PathBuf,
    pub project: PathBuf,
    pub log: PathBuf,
}

/// A fake tool: records its argv (NUL-separated, byte for byte), its physical cwd and the
/// wrapper's variables, prints one line on stdout, then exits as `FAKE_EXIT` / `FAKE_SIGNAL` say.
pub fn fake_tool_script(tool: &str) -> String {
    format!(
        r#"#!/bin/sh
log="$FAKE_LOG_DIR/{tool}"
pwd -P > "$log.cwd"
# No arguments leaves an empty file; printf would write one NUL.
if [ $# -gt 0 ]; then printf '%s\0' "$@"; fi > "$log.args"
printf 'ACTIVE=%s\nDEPTH=%s\nREAL_BIN=%s\n' "$AI_SESSION_MANAGER_ACTIVE" "$AI_SESSION_MANAGER_DEPTH" "$AI_SESSION_MANAGER_REAL_BIN" > "$log.env"
printf '%s\n' "$*" >> "$log.history"
echo "{tool} output"
if [ -n "$FAKE_SIGNAL" ]; then kill -"$FAKE_SIGNAL" $$; fi
exit "${{FAKE_EXIT:-0}}"
"#
    )
}

/// Writes an executable through a child process. Written by this process, another test thread
/// could fork while the file is open for writing, and until that child execs, running the file
/// fails with "Text file busy".
pub fn write_executable(path: &Path, content: &str) {
    let draft = path.with_extension("draft");
    std::fs::write(&draft, content).unwrap();
    let copied = Command::new("cp").arg(&draft).arg(path).status().unwrap();
    assert!(copied.success());
    std::fs::remove_file(&draft).unwrap();
    #[cfg(unix)]
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

impl Sandbox {
    /// A sandbox whose project is a git repository (`.git` folder).
    pub fn new() -> Sandbox {
        let sandbox = Sandbox::without_git();
        std::fs::create_dir(sandbox.project.join(".git")).unwrap();
        sandbox
    }

    /// A sandbox whose project is a plain folder.
    pub fn without_git() -> Sandbox {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let home = root.join("home");
        let bin = root.join("bin");
        let project = root.join("work").join("proj");
        let log = root.join("log");
        for folder in [&home, &bin, &project, &log] {
            std::fs::create_dir_all(folder).unwrap();
        }
        Sandbox {
            _dir: dir,
            root,
            home,
            bin,
            project,
            log,
        }
    }

    /// Installs `<tool>-real` (a fake) and `<tool>` → the built binary, as setup would.
    pub fn wrap(&self, tool: &str) -> &Sandbox {
        write_executable(
            &self.bin.join(format!("{tool}-real")),
            &fake_tool_script(tool),
        );
        #[cfg(unix)]
        std::os::unix::fs::symlink(BIN, self.bin.join(tool)).unwrap();
        #[cfg(windows)]
        std::fs::copy(BIN, self.bin.join(format!("{tool}.exe"))).unwrap();
        self
    }

    pub fn path_var(&self) -> OsString {
        std::env::join_paths([self.bin.as_path(), Path::new("/usr/bin"), Path::new("/bin")])
            .unwrap()
    }

    /// The wrapped tool, started the way a shell starts it: by name, through PATH.
    pub fn tool(&self, tool: &str) -> Command {
        let mut command = Command::new(self.bin.join(tool));
        #[cfg(unix)]
        command.arg0(tool);
        self.isolate(&mut command);
        command
    }

    /// The management CLI.
    pub fn cli(&self) -> Command {
        let mut command = Command::new(BIN);
        self.isolate(&mut command);
        command
    }

    fn isolate(&self, command: &mut Command) {
        command
            .env_clear()
            .env("HOME", &self.home)
            .env("PATH", self.path_var())
            .env("FAKE_LOG_DIR", &self.log)
            .current_dir(&self.project);
    }

    pub fn run<I, S>(&self, tool: &str, args: I) -> Output
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.tool(tool).args(args).output().unwrap()
    }

    /// The argv the fake tool last received, byte for byte.
    pub fn argv(&self, tool: &str) -> Vec<OsString> {
        let bytes = std::fs::read(self.log.join(format!("{tool}.args"))).unwrap();
        bytes
            .split(|byte| *byte == 0)
            .filter(|_| !bytes.is_empty())
            .collect::<Vec<_>>()
            .split_last()
            .map(|(_, args)| args.iter().map(|arg| os_string(arg)).collect())
            .unwrap_or_default()
    }

    /// The argv as strings, for readable assertions.
    pub fn args(&self, tool: &str) -> Vec<String> {
        self.argv(tool)
            .into_iter()
            .map(|arg| arg.into_string().unwrap())
            .collect()
    }

    pub fn ran(&self, tool: &str) -> bool {
        self.log.join(format!("{tool}.args")).exists()
    }

    pub fn forget_run(&self, tool: &str) {
        let _ = std::fs::remove_file(self.log.join(format!("{tool}.args")));
    }

    pub fn tool_cwd(&self, tool: &str) -> PathBuf {
        let text = std::fs::read_to_string(self.log.join(format!("{tool}.cwd"))).unwrap();
        PathBuf::from(text.trim_end())
    }

    pub fn tool_env(&self, tool: &str) -> String {
        std::fs::read_to_string(self.log.join(format!("{tool}.env"))).unwrap()
    }

    pub fn state_dir(&self) -> PathBuf {
        self.project.join(".ai-session-manager")
    }

    pub fn state_path(&self, tool: &str) -> PathBuf {
        self.state_dir().join(format!("{tool}.json"))
    }

    pub fn state(&self, tool: &str) -> Value {
        serde_json::from_slice(&std::fs::read(self.state_path(tool)).unwrap()).unwrap()
    }

    pub fn target(&self, tool: &str) -> Option<String> {
        self.state(tool)["resume_target"]
            .as_str()
            .map(str::to_owned)
    }

    pub fn write_state(&self, tool: &str, state: &Value) {
        std::fs::create_dir_all(self.state_dir()).unwrap();
        std::fs::write(
            self.state_path(tool),
            serde_json::to_vec_pretty(state).unwrap(),
        )
        .unwrap();
    }

    /// A state file as the Python tool wrote it.
    pub fn write_python_state(&self, tool: &str, mode: &str, target: Option<&str>) {
        let mut state = serde_json::json!({"version": 1, "tool": tool, "session_mode": mode});
        if let Some(target) = target {
            state["resume_target"] = target.into();
        }
        self.write_state(tool, &state);
    }

    pub fn write(&self, path: impl AsRef<Path>, content: impl AsRef<[u8]>) -> PathBuf {
        let path = path.as_ref().to_path_buf();
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, content).unwrap();
        path
    }
}

/// The tools the registry holds, in its order, as the CLI names them in its help.
pub fn registered_tools() -> Vec<String> {
    let out = Command::new(BIN)
        .env_clear()
        .args(["status", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    let values = help
        .split("[possible values: ")
        .nth(1)
        .and_then(|rest| rest.split(']').next())
        .expect("status --help lists the tools");
    values
        .split(", ")
        .filter(|name| *name != "all")
        .map(str::to_owned)
        .collect()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Claude's project-folder name, computed here independently from docs/formats.md's rule.
pub fn claude_folder_name(path: &Path) -> String {
    let units: Vec<u16> = path.to_str().unwrap().encode_utf16().collect();
    let sanitized: String = units
        .iter()
        .map(|&u| {
            if u < 128 && (u as u8 as char).is_ascii_alphanumeric() {
                u as u8 as char
            } else {
                '-'
            }
        })
        .collect();
    if sanitized.chars().count() <= 200 {
        return sanitized;
    }
    let mut hash: i32 = 0;
    for &u in &units {
        hash = hash.wrapping_mul(31).wrapping_add(i32::from(u));
    }
    let mut value = (hash as i64).abs();
    let mut digits = Vec::new();
    loop {
        digits.push(b"0123456789abcdefghijklmnopqrstuvwxyz"[(value % 36) as usize]);
        value /= 36;
        if value == 0 {
            break;
        }
    }
    digits.reverse();
    format!(
        "{}-{}",
        &sanitized[..200],
        String::from_utf8(digits).unwrap()
    )
}

/// Where a claude transcript for `cwd` lives under the sandbox HOME.
pub fn claude_transcript(home: &Path, cwd: &Path, id: &str) -> PathBuf {
    home.join(".claude")
        .join("projects")
        .join(claude_folder_name(cwd))
        .join(format!("{id}.jsonl"))
}

/// A minimal transcript line shaped like Claude 2.1.330's.
pub fn claude_user_line(id: &str, cwd: &Path, text: &str) -> String {
    serde_json::json!({
        "parentUuid": null, "isSidechain": false, "type": "user",
        "message": {"role": "user", "content": text},
        "uuid": "6dc3ecbe-5847-4d95-986d-234f340f1ff8", "timestamp": "2026-11-21T11:13:38.603Z",
        "cwd": cwd, "sessionId": id, "version": "2.1.330", "gitBranch": "HEAD"
    })
    .to_string()
        + "\n"
}

pub fn is_uuid(text: &str) -> bool {
    uuid::Uuid::try_parse(text).is_ok() && text.len() == 36
}

// ---------------------------------------------------------------- setup / teardown / status

impl Sandbox {
    /// The management CLI with PATH set to exactly `dirs`, so no tool installed on this machine
    /// can be found, let alone wrapped.
    pub fn cli_on(&self, dirs: &[&Path]) -> Command {
        let mut command = self.cli();
        command.env("PATH", std::env::join_paths(dirs).unwrap());
        command
    }

    /// `ai-session-manager ARGS` with only the sandbox's bin folder on PATH.
    pub fn manage<I, S>(&self, args: I) -> Output
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.cli_on(&[&self.bin]).args(args).output().unwrap()
    }
}

/// Bytes a fake tool recorded, as the argument they were. Windows arguments are UTF-16, and the
/// fake tools there record them as UTF-8.
fn os_string(bytes: &[u8]) -> OsString {
    #[cfg(unix)]
    return OsStr::from_bytes(bytes).to_owned();
    #[cfg(not(unix))]
    return String::from_utf8_lossy(bytes).into_owned().into();
}

/// The built binary, resolved: what setup's wrapper links must point to.
pub fn canonical_bin() -> PathBuf {
    Path::new(BIN).canonicalize().unwrap()
}

#[cfg(unix)]
pub fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path)
        .unwrap()
        .permissions()
        .mode()
        & 0o7777
}

#[cfg(unix)]
pub fn inode(path: &Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    std::fs::symlink_metadata(path).unwrap().ino()
}

pub fn link(path: &Path) -> PathBuf {
    std::fs::read_link(path).unwrap()
}

#[cfg(unix)]
pub fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[cfg(unix)]
/// Whether these tests run as root, which ignores folder permissions.
pub fn running_as_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    let probe = tempfile::NamedTempFile::new().unwrap();
    probe.as_file().metadata().unwrap().uid() == 0
}

/// One entry of a [`tree`] snapshot.
#[derive(Debug, PartialEq, Eq)]
pub struct Node {
    pub mode: u32,
    pub inode: u64,
    pub link: Option<PathBuf>,
    pub bytes: Option<Vec<u8>>,
}

#[cfg(unix)]
/// Everything under `root`: modes, inodes, link targets and file bytes. Two equal snapshots
/// mean nothing was created, removed, replaced or rewritten.
pub fn tree(root: &Path) -> std::collections::BTreeMap<PathBuf, Node> {
    let mut nodes = std::collections::BTreeMap::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            let kind = meta.file_type();
            if kind.is_dir() {
                pending.push(path.clone());
            }
            nodes.insert(
                path.strip_prefix(root).unwrap().to_path_buf(),
                Node {
                    mode: mode(&path),
                    inode: inode(&path),
                    link: kind.is_symlink().then(|| link(&path)),
                    bytes: kind.is_file().then(|| std::fs::read(&path).unwrap()),
                },
            );
        }
    }
    nodes
}

#[cfg(unix)]
/// A new pseudo-terminal `rows` by `columns`: (master, slave). Both are close-on-exec, so the
/// children other tests start meanwhile do not hold the terminal open.
pub fn openpty(rows: u16, columns: u16) -> (std::os::fd::OwnedFd, std::os::fd::OwnedFd) {
    use std::os::fd::FromRawFd;
    let (mut master, mut slave) = (0, 0);
    let size = libc::winsize {
        ws_row: rows,
        ws_col: columns,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: openpty fills in two new descriptors; the pointers are valid or null.
    let opened = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            &size,
        )
    };
    assert_eq!(opened, 0);
    for fd in [master, slave] {
        // SAFETY: setting a flag on a descriptor just opened.
        assert_eq!(
            unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) },
            0
        );
    }
    // SAFETY: both descriptors were just opened and are owned here.
    unsafe {
        (
            std::os::fd::OwnedFd::from_raw_fd(master),
            std::os::fd::OwnedFd::from_raw_fd(slave),
        )
    }
}
