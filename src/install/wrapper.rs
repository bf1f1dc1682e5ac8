//! The wrapper setup puts where a tool was, per platform: a link to this executable on Unix, a
//! `.cmd` script from `shims/wrapper.cmd` on Windows; and how setup recognises one it made.

#[cfg(unix)]
use std::ffi::OsStr;
use std::io;
use std::path::Path;

#[cfg(unix)]
use crate::base::platform::{self, BIN_NAME};

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
    let id = platform::file_id(path);
    id.is_some() && id == platform::file_id(exe)
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
        Err(error) if platform::links_unsupported(&error) => std::fs::copy(from, to).map(drop),
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
const CMD_TEMPLATE: &str = include_str!("../shims/wrapper.cmd");
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
