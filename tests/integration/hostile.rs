//! Files a cloned repository or a tool's store can hold that must neither hang a launch, nor stop
//! the tool, nor lose anything: links to devices, FIFOs, huge files, paths that lead elsewhere.
//! Each test is named after a failure an adversarial pass found.

use crate::common;
use crate::convert_support;

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::*;
use convert_support::{CLAUDE_ID, claude_source};
use serde_json::json;

const ID: &str = "44444444-2222-4333-8444-555555555555";

/// Runs `command` to its end, or kills it after `limit`: a hang is a failure, not a stuck test.
fn finish(mut command: Command, limit: Duration) -> Output {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + limit;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!("still running after {limit:?}; stderr: {}", stderr(&out));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

const LIMIT: Duration = Duration::from_secs(20);

fn mkfifo(path: &Path) {
    let name = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o644) }, 0);
}

/// The names in the state folder that a state file was set aside under.
fn set_aside(sb: &Sandbox, tool: &str) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(sb.state_dir())
        .unwrap()
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| {
            let name = path.file_name().unwrap().to_string_lossy();
            name.starts_with(&format!("{tool}.json.bad-"))
        })
        .collect();
    found.sort();
    found
}

/// The wrapper's warnings, one a line.
fn warnings(out: &Output) -> Vec<String> {
    stderr(out)
        .lines()
        .filter(|line| line.contains("warning:"))
        .map(str::to_owned)
        .collect()
}

/// A launch of `claude` that got a new session despite what was at the state path.
fn assert_new_claude_session(sb: &Sandbox, out: &Output) {
    assert!(out.status.success(), "{}", stderr(out));
    let id = sb.target("claude").unwrap();
    assert_eq!(sb.args("claude"), ["--session-id", id.as_str()]);
    let meta = std::fs::symlink_metadata(sb.state_path("claude")).unwrap();
    assert!(meta.file_type().is_file());
}

#[test]
fn a_state_file_linked_to_a_device_neither_hangs_nor_stops_the_tool() {
    for device in ["/dev/urandom", "/dev/zero"] {
        let sb = Sandbox::new();
        sb.wrap("claude");
        std::fs::create_dir_all(sb.state_dir()).unwrap();
        std::os::unix::fs::symlink(device, sb.state_path("claude")).unwrap();
        let out = finish(sb.tool("claude"), LIMIT);
        assert_new_claude_session(&sb, &out);
        let warned = warnings(&out);
        assert_eq!(warned.len(), 1, "{warned:?}");
        assert!(warned[0].contains("symbolic link"), "{warned:?}");
        let aside = set_aside(&sb, "claude");
        assert_eq!(aside.len(), 1);
        assert_eq!(std::fs::read_link(&aside[0]).unwrap(), Path::new(device));
    }
}

#[test]
fn a_fifo_at_the_state_path_is_set_aside_and_the_tool_runs() {
    let sb = Sandbox::new();
    sb.wrap("claude");
    std::fs::create_dir_all(sb.state_dir()).unwrap();
    mkfifo(&sb.state_path("claude"));
    let out = finish(sb.tool("claude"), LIMIT);
    assert_new_claude_session(&sb, &out);
    assert!(stderr(&out).contains("it is a FIFO"), "{}", stderr(&out));
    assert_eq!(set_aside(&sb, "claude").len(), 1);
}

#[test]
fn a_dangling_link_at_the_state_path_is_set_aside_once() {
    let sb = Sandbox::new();
    sb.wrap("claude");
    std::fs::create_dir_all(sb.state_dir()).unwrap();
    std::os::unix::fs::symlink(sb.root.join("gone.json"), sb.state_path("claude")).unwrap();
    let out = finish(sb.tool("claude"), LIMIT);
    assert_new_claude_session(&sb, &out);
    assert_eq!(warnings(&out).len(), 1);
    // Session management is back: the next launch says nothing more.
    let out = finish(sb.tool("claude"), LIMIT);
    assert_eq!(warnings(&out), Vec::<String>::new());
}

#[test]
fn a_state_file_over_the_cap_is_set_aside() {
    let sb = Sandbox::new();
    sb.wrap("claude");
    let padding = " ".repeat(2 * 1024 * 1024);
    sb.write(
        sb.state_path("claude"),
        format!(
            r#"{{"version": 1, "tool": "claude", "session_mode": "managed-id", "resume_target": "{ID}"}}{padding}"#
        ),
    );
    let out = finish(sb.tool("claude"), LIMIT);
    assert_new_claude_session(&sb, &out);
    assert!(
        stderr(&out).contains("more than is read"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_legacy_copilot_file_that_is_a_fifo_or_a_device_is_set_aside() {
    for make in [(|path: &Path| mkfifo(path)) as fn(&Path), |path: &Path| {
        std::os::unix::fs::symlink("/dev/zero", path).unwrap()
    }] {
        let sb = Sandbox::without_git();
        sb.wrap("copilot");
        let legacy = sb.project.join(".copilot-session");
        make(&legacy);
        let out = finish(sb.tool("copilot"), LIMIT);
        assert!(out.status.success(), "{}", stderr(&out));
        let id = sb.target("copilot").unwrap();
        assert_eq!(sb.args("copilot"), ["--session-id", id.as_str()]);
        assert!(legacy.symlink_metadata().is_err(), "moved aside");
    }
}

#[test]
fn commands_do_not_hang_on_a_fifo_at_the_state_path() {
    let sb = Sandbox::new();
    claude_source(&sb);
    let commands: &[&[&str]] = &[
        &["status", "claude"],
        &["sessions", "claude"],
        &["show", "claude"],
        &["session", "convert", "--from", "claude", "--to", "codex"],
        &["reset", "claude"],
    ];
    for args in commands {
        std::fs::create_dir_all(sb.state_dir()).unwrap();
        let _ = std::fs::remove_file(sb.state_path("claude"));
        mkfifo(&sb.state_path("claude"));
        let mut command = sb.cli_on(&[&sb.bin]);
        command.args(*args);
        let out = finish(command, LIMIT);
        assert!(out.status.code().is_some(), "{args:?}");
    }
}

#[test]
fn many_unusable_state_files_are_all_kept() {
    let sb = Sandbox::new();
    sb.wrap("claude");
    for round in 0..3 {
        sb.write(sb.state_path("claude"), format!("not json {round}"));
        finish(sb.tool("claude"), LIMIT);
    }
    let kept: Vec<String> = set_aside(&sb, "claude")
        .iter()
        .map(|path| std::fs::read_to_string(path).unwrap())
        .collect();
    assert_eq!(kept.len(), 3, "{kept:?}");
    for round in 0..3 {
        assert!(kept.contains(&format!("not json {round}")), "{kept:?}");
    }
}

// ---------------------------------------------------------------- gemini imports

fn gemini_state(sb: &Sandbox, target: &Path) {
    sb.write_state(
        "gemini",
        &json!({"version": 1, "tool": "gemini", "session_mode": "managed-id",
            "resume_target": target.to_str().unwrap(), "cwd": sb.project}),
    );
}

#[test]
fn a_committed_import_path_does_not_make_gemini_import_the_file() {
    let sb = Sandbox::new();
    sb.wrap("gemini");
    // Both files came with the repository.
    let planted = sb.write(
        sb.state_dir().join("gemini-session-planted.jsonl"),
        json!({"sessionId": "planted", "projectHash": "p", "kind": "main"}).to_string()
            + "\n"
            + &json!({"id": "m1", "type": "user", "content": [{"text": "a fake past"}]})
                .to_string()
            + "\n",
    );
    gemini_state(&sb, &planted);
    let out = finish(sb.tool("gemini"), LIMIT);
    assert!(out.status.success());
    let id = sb.target("gemini").unwrap();
    assert_eq!(sb.args("gemini"), ["--session-id", id.as_str()]);
    assert!(stderr(&out).contains("Not importing"), "{}", stderr(&out));
}

#[test]
fn an_import_file_linked_to_dev_zero_neither_aborts_nor_imports() {
    let sb = Sandbox::new();
    sb.wrap("gemini");
    std::fs::create_dir_all(sb.state_dir()).unwrap();
    let file = sb.state_dir().join("gemini-session-zero.jsonl");
    std::os::unix::fs::symlink("/dev/zero", &file).unwrap();
    gemini_state(&sb, &file);
    let out = finish(sb.tool("gemini"), LIMIT);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!stderr(&out).contains("memory allocation"));
    assert_eq!(sb.args("gemini")[0], "--session-id");
}

// ---------------------------------------------------------------- recorded folders

fn claude_state_in(sb: &Sandbox, cwd: &Path) {
    sb.write_state(
        "claude",
        &json!({"version": 1, "tool": "claude", "session_mode": "managed-id",
            "resume_target": ID, "cwd": cwd}),
    );
}

/// claude ran in the project's folder, not the recorded one, and said why.
fn assert_ran_here_having_warned(sb: &Sandbox, out: &Output) {
    assert!(out.status.success(), "{}", stderr(out));
    assert_eq!(sb.tool_cwd("claude"), sb.project);
    assert!(
        stderr(out).contains("not a folder this user can enter"),
        "{}",
        stderr(out)
    );
}

#[test]
fn a_recorded_folder_that_is_a_file_is_ignored_with_a_warning() {
    let sb = Sandbox::new();
    sb.wrap("claude");
    let file = sb.write(sb.project.join("notes.txt"), "not a folder");
    claude_state_in(&sb, &file);
    let out = finish(sb.tool("claude"), LIMIT);
    assert_ran_here_having_warned(&sb, &out);
}

#[test]
fn a_recorded_folder_the_user_cannot_enter_is_ignored_with_a_warning() {
    let sb = Sandbox::new();
    sb.wrap("claude");
    let locked = sb.project.join("locked");
    std::fs::create_dir(&locked).unwrap();
    claude_state_in(&sb, &locked);
    set_mode(&locked, 0o000);
    // Root enters any folder: the launch runs as a user the permission applies to.
    let mut command = sb.tool("claude");
    if running_as_root() {
        for dir in [&sb.root, &sb.log, &sb.project] {
            set_mode(dir, 0o777);
        }
        set_mode(&sb.state_dir(), 0o777);
        set_mode(&sb.state_path("claude"), 0o666);
        command.uid(65534).gid(65534);
    }
    let out = finish(command, LIMIT);
    assert_ran_here_having_warned(&sb, &out);
}

#[test]
fn a_codex_session_that_started_in_a_file_runs_in_the_current_folder() {
    let sb = Sandbox::new();
    sb.wrap("codex");
    let file = sb.write(sb.project.join("notes.txt"), "not a folder");
    let id = "019a8f10-0000-7000-8000-00000000000b";
    sb.write(
        sb.home.join(format!(
            ".codex/sessions/2026/11/20/rollout-2026-11-20T09-00-00-{id}.jsonl"
        )),
        json!({"type": "session_meta", "payload": {"id": id, "cwd": file}}).to_string() + "\n",
    );
    sb.write_python_state("codex", "auto-resume", None);
    let out = finish(sb.tool("codex"), LIMIT);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(sb.tool_cwd("codex"), sb.project);
}

// ---------------------------------------------------------------- the tools' stores

#[test]
fn fifos_in_the_tools_stores_do_not_hang_a_launch() {
    let sb = Sandbox::new();
    for tool in ["codex", "gemini", "agy"] {
        sb.wrap(tool);
    }
    let day = sb.home.join(".codex/sessions/2026/11/20");
    std::fs::create_dir_all(&day).unwrap();
    mkfifo(&day.join("rollout-2026-11-20T09-00-00-019a8f10-0000-7000-8000-00000000000c.jsonl"));
    sb.write_python_state("codex", "auto-resume", None);
    let agy = sb.home.join(".gemini/antigravity-cli");
    std::fs::create_dir_all(agy.join("cache")).unwrap();
    mkfifo(&agy.join("cache/last_conversations.json"));
    mkfifo(&agy.join("history.jsonl"));
    sb.write_python_state("agy", "auto-resume", None);
    let gemini = sb.home.join(".gemini");
    mkfifo(&gemini.join("projects.json"));
    for tool in ["codex", "agy", "gemini"] {
        let out = finish(sb.tool(tool), LIMIT);
        assert!(out.status.success(), "{tool}: {}", stderr(&out));
        assert!(sb.ran(tool));
    }
    // A chat file that is a FIFO, in a registered folder.
    std::fs::remove_file(gemini.join("projects.json")).unwrap();
    let chats = convert_support::gemini_chats(&sb);
    std::fs::create_dir_all(&chats).unwrap();
    mkfifo(&chats.join(format!("session-2026-11-20T09-00-{}.jsonl", &ID[..8])));
    sb.write_python_state("gemini", "managed-id", Some(ID));
    let out = finish(sb.tool("gemini"), LIMIT);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut listing = sb.cli_on(&[&sb.bin]);
    listing.args(["sessions", "--all-projects"]);
    assert!(finish(listing, LIMIT).status.code().is_some());
}

#[test]
fn store_files_past_the_cap_are_skipped_with_a_word() {
    let sb = Sandbox::new();
    sb.wrap("agy");
    let cache = sb
        .home
        .join(".gemini/antigravity-cli/cache/last_conversations.json");
    let big = format!(
        "{{\"{}\": \"c0ffee00-1111-4222-8333-444444444444\", \"pad\": \"{}\"}}",
        sb.project.display(),
        "x".repeat(2 * 1024 * 1024)
    );
    sb.write(&cache, big);
    sb.write_python_state("agy", "auto-resume", None);
    let out = finish(sb.tool("agy"), LIMIT);
    assert!(out.status.success());
    let text = stderr(&out);
    assert!(
        text.contains(&format!("skipped {}", cache.display())),
        "{text}"
    );
    assert_eq!(sb.args("agy"), ["-c"]);
}

#[test]
fn codex_discovery_stops_at_its_budget_and_says_so() {
    let sb = Sandbox::new();
    sb.wrap("codex");
    let day = sb.home.join(".codex/sessions/2026/11/20");
    // This project's session is older than 2,000 sessions of another project.
    let line = |n: usize, cwd: &Path| {
        let id = format!("019a8f10-0000-7000-8000-{n:012x}");
        let name = format!(
            "rollout-2026-11-20T09-{:02}-{:02}-{id}.jsonl",
            n / 60,
            n % 60
        );
        let meta = json!({"type": "session_meta", "payload": {"id": id, "cwd": cwd}});
        (name, meta.to_string() + "\n")
    };
    let (name, body) = line(0, &sb.project);
    sb.write(day.join(name), body);
    let elsewhere = sb.root.join("elsewhere");
    for n in 1..=2000 {
        let (name, body) = line(n, &elsewhere);
        sb.write(day.join(name), body);
    }
    sb.write_python_state("codex", "auto-resume", None);
    let out = finish(sb.tool("codex"), LIMIT);
    assert!(out.status.success());
    assert_eq!(sb.args("codex"), Vec::<String>::new());
    assert!(
        stderr(&out).contains("Looked through the newest 2000 Codex sessions"),
        "{}",
        stderr(&out)
    );
}

// ---------------------------------------------------------------- output files

#[test]
fn show_and_export_write_regular_files_only() {
    let sb = Sandbox::new();
    claude_source(&sb);
    let fifo = sb.root.join("out.fifo");
    mkfifo(&fifo);
    let null_link = sb.root.join("null-link");
    std::os::unix::fs::symlink("/dev/null", &null_link).unwrap();
    for target in [&fifo, &null_link, &sb.root] {
        for force in [false, true] {
            let mut args = vec![
                "export",
                "claude",
                CLAUDE_ID,
                "-o",
                target.to_str().unwrap(),
            ];
            if force {
                args.push("--force");
            }
            let mut command = sb.cli_on(&[&sb.bin]);
            command.args(&args);
            let out = finish(command, LIMIT);
            assert_eq!(out.status.code(), Some(1), "{args:?}");
            assert!(
                stderr(&out).contains("not a regular file"),
                "{}",
                stderr(&out)
            );
        }
    }
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo_like()
    );
    assert_eq!(
        std::fs::read_link(&null_link).unwrap(),
        Path::new("/dev/null")
    );
    // `-o -` is standard output.
    let out = sb.manage([
        "export", "claude", CLAUDE_ID, "-o", "-", "--format", "jsonl",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("{\"role\":\"user\""),
        "{}",
        stdout(&out)
    );
    assert!(!sb.project.join("-").exists());
    // --force replaces a regular file.
    let file = sb.write(sb.root.join("old.md"), "old");
    let out = sb.manage([
        "export",
        "claude",
        CLAUDE_ID,
        "-o",
        file.to_str().unwrap(),
        "--force",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        std::fs::read_to_string(&file)
            .unwrap()
            .contains("# Claude Code session")
    );
}

trait FifoLike {
    fn is_fifo_like(&self) -> bool;
}

impl FifoLike for std::fs::FileType {
    fn is_fifo_like(&self) -> bool {
        use std::os::unix::fs::FileTypeExt;
        self.is_fifo()
    }
}

// ---------------------------------------------------------------- names

#[test]
fn an_alias_link_to_a_wrapped_tool_is_that_tools_wrapper() {
    let sb = Sandbox::new();
    sb.wrap("claude");
    std::os::unix::fs::symlink("claude", sb.bin.join("claude-code")).unwrap();
    let mut command = Command::new(sb.bin.join("claude-code"));
    command
        .arg0("claude-code")
        .arg("hello")
        .env_clear()
        .env("HOME", &sb.home)
        .env("PATH", sb.path_var())
        .env("FAKE_LOG_DIR", &sb.log)
        .current_dir(&sb.project);
    let out = finish(command, LIMIT);
    assert!(out.status.success(), "{}", stderr(&out));
    let id = sb.target("claude").unwrap();
    assert_eq!(sb.args("claude"), ["--session-id", id.as_str(), "hello"]);
}

#[test]
fn an_unknown_name_is_an_error_that_names_the_valid_ones() {
    let sb = Sandbox::new();
    std::os::unix::fs::symlink(BIN, sb.bin.join("cluade")).unwrap();
    let mut command = Command::new(sb.bin.join("cluade"));
    command
        .arg0("cluade")
        .arg("status")
        .env_clear()
        .env("HOME", &sb.home)
        .env("PATH", sb.path_var())
        .current_dir(&sb.project);
    let out = finish(command, LIMIT);
    assert_eq!(out.status.code(), Some(2));
    let text = stderr(&out);
    assert!(
        text.contains("\"cluade\", which is not a tool it wraps"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "help: run it as ai-session-manager, or under a tool's name: {}",
            registered_tools().join(", ")
        )),
        "{text}"
    );
    assert_eq!(stdout(&out), "");
}

// ---------------------------------------------------------------- leftovers and long lines

#[test]
fn setup_and_teardown_remove_what_an_interrupted_run_left() {
    let sb = Sandbox::new();
    let claude = sb.bin.join("claude");
    write_executable(&claude, "#!/bin/sh\necho the original\n");
    // A run killed halfway left a second name of the original, and a wrapper under a temp name.
    std::fs::hard_link(&claude, sb.bin.join(".claude-real.tmp-4242-deadbeef")).unwrap();
    std::os::unix::fs::symlink(BIN, sb.bin.join(".claude.tmp-4243-cafef00d")).unwrap();
    let out = sb.manage(["setup", "claude"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = sb.manage(["teardown", "claude"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut names: Vec<String> = std::fs::read_dir(&sb.bin)
        .unwrap()
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["claude"]);
    assert_eq!(
        std::fs::read_to_string(&claude).unwrap(),
        "#!/bin/sh\necho the original\n"
    );
}

#[test]
fn a_line_past_the_cap_is_skipped_and_counted_not_held() {
    let sb = Sandbox::new();
    let transcript = claude_transcript(&sb.home, &sb.project, ID);
    // A valid message, just longer than any line is held: it is skipped, not shown.
    let mut body = claude_user_line(ID, &sb.project, "before the long line");
    body += &claude_user_line(ID, &sb.project, &"x".repeat(65 * 1024 * 1024));
    body += &claude_user_line(ID, &sb.project, "after the long line");
    sb.write(&transcript, body);
    let out = sb.manage(["show", "claude", ID, "--format", "jsonl"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let texts: Vec<String> = stdout(&out)
        .lines()
        .map(|line| {
            serde_json::from_str::<serde_json::Value>(line).unwrap()["text"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(texts, ["before the long line", "after the long line"]);
    assert!(
        stderr(&out).contains("1 malformed line skipped"),
        "{}",
        stderr(&out)
    );
}
