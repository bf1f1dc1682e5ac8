//! docs/behaviour.md §2, §3, §5 and §6: pass-through, state safety, the real binary, and
//! transparency.

use crate::common;

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::ExitStatusExt;

use common::*;
use serde_json::json;

// ---------------------------------------------------------------- pass-through (§5)

/// Runs `tool args` and checks the tool got exactly `args` and no state was read or written.
fn assert_untouched(tool: &str, args: &[&str]) {
    let sb = Sandbox::new();
    sb.wrap(tool);
    let out = sb.run(tool, args);
    assert!(out.status.success(), "{tool} {args:?}: {}", stderr(&out));
    assert_eq!(sb.args(tool), args, "{tool} {args:?}");
    assert!(!sb.state_dir().exists(), "{tool} {args:?} wrote state");
    assert_eq!(stderr(&out), "", "{tool} {args:?} said something");
}

#[test]
fn help_and_version_pass_through() {
    for tool in registered_tools() {
        let tool = tool.as_str();
        for flag in ["-h", "--help", "-v", "-V", "--version"] {
            assert_untouched(tool, &[flag]);
        }
    }
}

#[test]
fn subcommands_pass_through_after_flag_values() {
    assert_untouched("codex", &["-m", "o3", "review"]);
    assert_untouched("codex", &["exec", "fix it"]);
    assert_untouched("codex", &["-c", "model=o3", "resume", "--last"]);
    assert_untouched("codex", &["fork", "abc"]);
    assert_untouched("claude", &["--model", "opus", "mcp", "list"]);
    assert_untouched("claude", &["update"]);
    assert_untouched("gemini", &["-m", "pro", "extensions", "list"]);
    assert_untouched("copilot", &["login"]);
    assert_untouched("agy", &["update"]);
}

#[test]
fn claude_internal_relaunch_flags_pass_through() {
    for flag in [
        "--daemon-worker",
        "--bg-pty-host",
        "--bg-spare",
        "--preload",
        "--chrome-native-host",
        "--claude-in-chrome-mcp",
    ] {
        assert_untouched("claude", &[flag]);
    }
}

#[test]
fn explicit_session_flags_pass_through() {
    let cases: &[(&str, &[&str])] = &[
        ("claude", &["-c"]),
        ("claude", &["--continue"]),
        ("claude", &["-r"]),
        ("claude", &["--resume", "abc"]),
        ("claude", &["--resume=abc"]),
        (
            "claude",
            &["--session-id", "0b5c6f0e-3f7e-4c1b-9d55-2f5a8f1e9c11"],
        ),
        ("claude", &["--fork-session"]),
        ("gemini", &["-r", "latest"]),
        ("gemini", &["--resume"]),
        ("gemini", &["--session-id=x"]),
        ("gemini", &["--session-file", "f.json"]),
        ("gemini", &["--list-sessions"]),
        ("gemini", &["--delete-session", "2"]),
        ("copilot", &["-r"]),
        ("copilot", &["--resume=abc"]),
        ("copilot", &["--continue"]),
        ("copilot", &["--session-id", "x"]),
        ("copilot", &["--new-session-id", "x"]),
        ("copilot", &["-n", "name"]),
        ("copilot", &["--name", "name"]),
        ("copilot", &["--connect"]),
        ("copilot", &["--cloud"]),
        ("codex", &["resume", "abc"]),
        ("agy", &["-c"]),
        ("agy", &["--continue"]),
        ("agy", &["--conversation", "abc"]),
    ];
    for (tool, args) in cases {
        assert_untouched(tool, args);
    }
}

#[test]
fn non_interactive_runs_pass_through() {
    let cases: &[(&str, &[&str])] = &[
        ("claude", &["-p", "hi"]),
        ("claude", &["--print", "hi"]),
        ("claude", &["hi", "--print"]),
        ("gemini", &["-p", "hi"]),
        ("gemini", &["--prompt=hi"]),
        ("gemini", &["--acp"]),
        ("gemini", &["--server"]),
        ("gemini", &["--headless"]),
        ("gemini", &["what is 2+2"]),
        ("copilot", &["-p", "hi"]),
        ("copilot", &["--prompt", "hi"]),
        ("copilot", &["--acp"]),
        ("copilot", &["--server"]),
        ("copilot", &["--headless"]),
        ("codex", &["exec", "hi"]),
        ("agy", &["-p", "hi"]),
        ("agy", &["--prompt", "hi"]),
    ];
    for (tool, args) in cases {
        assert_untouched(tool, args);
    }
}

#[test]
fn disable_passes_everything_through() {
    let sb = Sandbox::new();
    sb.wrap("claude");
    let out = sb
        .tool("claude")
        .arg("hello")
        .env("AI_SESSION_MANAGER_DISABLE", "1")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(sb.args("claude"), ["hello"]);
    assert!(!sb.state_dir().exists());
}

#[test]
fn launches_nested_in_a_wrapped_tool_pass_through() {
    let sb = Sandbox::new();
    sb.wrap("claude");
    sb.wrap("codex");
    // claude-real starts codex through its wrapper, as an agent calling another agent would.
    write_executable(
        &sb.bin.join("claude-real"),
        "#!/bin/sh\nexec codex nested-prompt\n",
    );
    let out = sb.run("claude", ["hello"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(sb.args("codex"), ["nested-prompt"]);
    assert!(sb.tool_env("codex").contains("ACTIVE=codex"));
    assert!(sb.tool_env("codex").contains("DEPTH=2"));
    // The outer claude launch made state; the nested codex one did not.
    assert!(sb.state_path("claude").exists());
    assert!(!sb.state_path("codex").exists());
}

#[test]
fn the_tool_knows_it_runs_wrapped() {
    let sb = Sandbox::new();
    sb.wrap("claude");
    sb.run("claude", Vec::<&str>::new());
    let env = sb.tool_env("claude");
    assert!(env.contains("ACTIVE=claude"), "{env}");
    assert!(env.contains("DEPTH=1"), "{env}");
    assert!(env.contains("REAL_BIN=\n"), "{env}");
}

// ---------------------------------------------------------------- state (§3)

#[test]
fn legacy_repo_state_is_migrated() {
    let sb = Sandbox::new();
    sb.wrap("claude");
    let id = "0b5c6f0e-3f7e-4c1b-9d55-2f5a8f1e9c11";
    let legacy = sb.write(
        sb.project.join(".git/ai-session-manager/claude.json"),
        json!({"version":1,"tool":"claude","session_mode":"managed-id","resume_target":id})
            .to_string(),
    );
    sb.run("claude", Vec::<&str>::new());
    assert_eq!(sb.args("claude"), ["--session-id", id]);
    assert_eq!(sb.target("claude").unwrap(), id);
    assert!(!legacy.exists());
}

#[test]
fn legacy_copilot_files_are_migrated() {
    let id = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
    // In a repository: .git/copilot-session.
    let sb = Sandbox::new();
    sb.wrap("copilot");
    let legacy = sb.write(sb.project.join(".git/copilot-session"), format!("{id}\n"));
    sb.run("copilot", Vec::<&str>::new());
    assert_eq!(sb.args("copilot"), ["--session-id", id]);
    assert!(!legacy.exists());
    assert_eq!(sb.target("copilot").unwrap(), id);

    // In a plain folder: .copilot-session.
    let sb = Sandbox::without_git();
    sb.wrap("copilot");
    let legacy = sb.write(sb.project.join(".copilot-session"), id);
    sb.run("copilot", Vec::<&str>::new());
    assert_eq!(sb.args("copilot"), ["--session-id", id]);
    assert!(!legacy.exists());
}

#[test]
fn a_corrupt_state_file_is_moved_aside_and_the_tool_still_runs() {
    let sb = Sandbox::new();
    sb.wrap("claude");
    sb.write(sb.state_path("claude"), "{not json");
    let out = sb.run("claude", ["hi"]);
    assert!(out.status.success());
    let aside: Vec<_> = std::fs::read_dir(sb.state_dir())
        .unwrap()
        .flatten()
        .filter(|entry| {
            entry
                .file_name()
                .to_string_lossy()
                .starts_with("claude.json.bad-")
        })
        .collect();
    assert_eq!(aside.len(), 1);
    assert_eq!(std::fs::read(aside[0].path()).unwrap(), b"{not json");
    let id = sb.target("claude").unwrap();
    assert_eq!(sb.args("claude"), ["--session-id", id.as_str(), "hi"]);
    assert_eq!(
        stderr(&out).matches("warning:").count(),
        1,
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_flag_like_id_never_reaches_the_tool() {
    for (tool, mode, evil) in [
        ("claude", "managed-id", "--dangerously-skip-permissions"),
        ("gemini", "managed-id", "--yolo"),
        ("copilot", "managed-id", "--allow-all-tools"),
        (
            "codex",
            "auto-resume",
            "--dangerously-bypass-approvals-and-sandbox",
        ),
        ("agy", "auto-resume", "-y"),
        ("codex", "auto-resume", "../../../etc/passwd"),
        ("gemini", "managed-id", "/etc/passwd"),
    ] {
        let sb = Sandbox::new();
        sb.wrap(tool);
        sb.write_python_state(tool, mode, Some(evil));
        let out = sb.run(tool, ["--debug"]);
        assert!(out.status.success());
        let args = sb.args(tool);
        assert!(!args.iter().any(|arg| arg == evil), "{tool}: {args:?}");
        assert_eq!(args.last().unwrap(), "--debug");
        assert!(
            stderr(&out).contains("invalid resume_target"),
            "{}",
            stderr(&out)
        );
    }
}

#[test]
fn a_symlinked_state_file_is_replaced_not_written_through() {
    let sb = Sandbox::new();
    sb.wrap("codex");
    let target = sb.write(
        sb.root.join("elsewhere.json"),
        json!({"version":1,"tool":"codex","session_mode":"auto-resume"}).to_string(),
    );
    let before = std::fs::read(&target).unwrap();
    std::fs::create_dir_all(sb.state_dir()).unwrap();
    std::os::unix::fs::symlink(&target, sb.state_path("codex")).unwrap();
    // Discovery finds a session, so the launch writes state.
    let meta = json!({"type":"session_meta","payload":{"id":"019a8f10-0000-7000-8000-00000000000a","cwd":sb.project}});
    sb.write(
        sb.home.join(
            ".codex/sessions/2026/11/20/rollout-2026-11-20T09-00-00-019a8f10-0000-7000-8000-00000000000a.jsonl",
        ),
        meta.to_string() + "\n",
    );
    sb.run("codex", Vec::<&str>::new());
    assert_eq!(
        sb.args("codex"),
        ["resume", "019a8f10-0000-7000-8000-00000000000a"]
    );
    assert_eq!(std::fs::read(&target).unwrap(), before);
    let meta = std::fs::symlink_metadata(sb.state_path("codex")).unwrap();
    assert!(meta.file_type().is_file());
    assert_eq!(
        sb.target("codex").unwrap(),
        "019a8f10-0000-7000-8000-00000000000a"
    );
}

#[test]
fn a_symlinked_state_folder_is_not_used() {
    let sb = Sandbox::new();
    sb.wrap("claude");
    let elsewhere = sb.root.join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, sb.state_dir()).unwrap();
    let out = sb.run("claude", ["hi"]);
    assert!(out.status.success());
    assert_eq!(sb.args("claude"), ["hi"]);
    assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);
    assert!(stderr(&out).contains("warning:"));
}

#[test]
fn simultaneous_first_launches_agree_on_one_session() {
    let sb = Sandbox::new();
    sb.wrap("claude");
    let children: Vec<_> = (0..16)
        .map(|_| {
            sb.tool("claude")
                .stderr(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut child in children {
        assert!(child.wait().unwrap().success());
    }
    let id = sb.target("claude").unwrap();
    let history = std::fs::read_to_string(sb.log.join("claude.history")).unwrap();
    let launches: Vec<&str> = history.lines().collect();
    assert_eq!(launches.len(), 16);
    for launch in launches {
        assert_eq!(launch, format!("--session-id {id}"));
    }
    // Only the state, its .gitignore: no temp files left behind.
    let mut names: Vec<String> = std::fs::read_dir(sb.state_dir())
        .unwrap()
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, [".gitignore", "claude.json"]);
}

// ---------------------------------------------------------------- never in the way (§6)

#[test]
fn an_unwritable_state_folder_still_launches_the_tool_as_typed() {
    let sb = Sandbox::new();
    sb.wrap("claude");
    // A file where the state folder should be: nothing can be written there, even by root.
    sb.write(sb.state_dir(), "not a folder");
    let out = sb.run("claude", ["hi"]);
    assert!(out.status.success());
    assert_eq!(sb.args("claude"), ["hi"]);
    let err = stderr(&out);
    assert!(
        err.contains("warning:") && err.contains("is not a folder"),
        "{err}"
    );
    assert!(err.contains("starting claude as typed"), "{err}");
}

#[test]
fn no_home_still_launches_the_tool_as_typed() {
    let sb = Sandbox::new();
    sb.wrap("codex");
    sb.write_python_state("codex", "auto-resume", None);
    let out = sb
        .tool("codex")
        .arg("hi")
        .env_remove("HOME")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(sb.args("codex"), ["hi"]);
    assert!(stderr(&out).contains("warning:"));
}

#[test]
fn arguments_pass_byte_for_byte() {
    let sb = Sandbox::new();
    sb.wrap("claude");
    let weird = [
        OsStr::from_bytes(b"\xff\xfe not utf-8"),
        OsStr::new("with\nnewline"),
        OsStr::new(""),
        OsStr::new("--flag=value with spaces"),
        OsStr::new("ünïcödé"),
    ];
    sb.run("claude", weird);
    let argv = sb.argv("claude");
    assert_eq!(argv.len(), 2 + weird.len());
    assert_eq!(argv[0], "--session-id");
    assert_eq!(&argv[2..], &weird.map(OsStr::to_owned)[..]);
}

#[test]
fn stdout_holds_only_the_tools_output() {
    let sb = Sandbox::new();
    sb.wrap("claude");
    let out = sb.run("claude", Vec::<&str>::new());
    assert_eq!(stdout(&out), "claude output\n");
    assert!(stderr(&out).starts_with("[ai-session-manager] New session"));
}

#[test]
fn quiet_silences_the_wrapper() {
    let sb = Sandbox::new();
    sb.wrap("claude");
    let out = sb
        .tool("claude")
        .env("AI_SESSION_MANAGER_QUIET", "1")
        .output()
        .unwrap();
    assert_eq!(stderr(&out), "");
    assert!(sb.state_path("claude").exists());
}

#[test]
fn exit_codes_pass_through() {
    let sb = Sandbox::new();
    sb.wrap("gemini");
    let out = sb.tool("gemini").env("FAKE_EXIT", "42").output().unwrap();
    assert_eq!(out.status.code(), Some(42));
    sb.wrap("copilot");
    let out = sb.tool("copilot").env("FAKE_EXIT", "75").output().unwrap();
    assert_eq!(out.status.code(), Some(75));
}

#[test]
fn a_signal_death_passes_through() {
    let sb = Sandbox::new();
    sb.wrap("claude");
    let out = sb
        .tool("claude")
        .env("FAKE_SIGNAL", "TERM")
        .output()
        .unwrap();
    assert_eq!(out.status.signal(), Some(15));
    assert_eq!(out.status.code(), None);
}

// ---------------------------------------------------------------- the real binary (§2)

#[test]
fn a_missing_real_binary_is_a_clear_error() {
    let sb = Sandbox::new();
    std::os::unix::fs::symlink(BIN, sb.bin.join("claude")).unwrap();
    let out = sb.run("claude", ["hi"]);
    assert_eq!(out.status.code(), Some(127));
    let err = stderr(&out);
    assert!(err.contains("error: cannot find claude-real"), "{err}");
    assert!(
        err.contains("help: run 'ai-session-manager setup claude'"),
        "{err}"
    );
    assert_eq!(stdout(&out), "");
}

#[test]
fn a_real_binary_that_is_the_wrapper_is_refused() {
    let sb = Sandbox::new();
    std::os::unix::fs::symlink(BIN, sb.bin.join("claude")).unwrap();
    std::os::unix::fs::symlink(BIN, sb.bin.join("claude-real")).unwrap();
    let out = sb.run("claude", Vec::<&str>::new());
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("leads back to this wrapper"), "{err}");
    assert!(err.contains("help:"), "{err}");
}

#[test]
fn a_loop_through_another_path_is_refused_after_eight_hops() {
    let sb = Sandbox::new();
    std::os::unix::fs::symlink(BIN, sb.bin.join("claude")).unwrap();
    // A "real" claude that starts the wrapper again, by path, each time without the marker, and
    // counts how often it ran.
    let hops = sb.log.join("hops");
    write_executable(
        &sb.bin.join("claude-real"),
        &format!(
            "#!/bin/sh\necho hop >> {}\nunset AI_SESSION_MANAGER_ACTIVE\nexec {} \"$@\"\n",
            hops.display(),
            sb.bin.join("claude").display()
        ),
    );
    let out = sb.run("claude", Vec::<&str>::new());
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(std::fs::read_to_string(&hops).unwrap().lines().count(), 8);
    assert!(
        stderr(&out).contains("went through the wrapper 8 times"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn real_bin_variable_wins() {
    let sb = Sandbox::new();
    sb.wrap("claude");
    let custom = sb.root.join("custom-claude");
    write_executable(&custom, &fake_tool_script("custom"));
    sb.tool("claude")
        .env("AI_SESSION_MANAGER_REAL_BIN", &custom)
        .arg("--version")
        .output()
        .unwrap();
    assert_eq!(sb.args("custom"), ["--version"]);
    assert!(!sb.ran("claude"));
}

#[test]
fn the_real_binary_is_found_beside_the_wrapper_on_path_not_by_name() {
    let sb = Sandbox::new();
    // An earlier PATH folder has a claude-real, but no claude: the wrapper's own folder wins.
    let early = sb.root.join("early");
    std::fs::create_dir_all(&early).unwrap();
    write_executable(&early.join("claude-real"), &fake_tool_script("early"));
    let wrapped = sb.root.join("wrapped");
    std::fs::create_dir_all(&wrapped).unwrap();
    write_executable(&wrapped.join("claude-real"), &fake_tool_script("claude"));
    std::os::unix::fs::symlink(BIN, wrapped.join("claude")).unwrap();
    let path = format!("{}:{}:/usr/bin:/bin", early.display(), wrapped.display());
    let out = std::process::Command::new("claude")
        .env_clear()
        .env("HOME", &sb.home)
        .env("PATH", &path)
        .env("FAKE_LOG_DIR", &sb.log)
        .current_dir(&sb.project)
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(sb.args("claude"), ["--help"]);
    assert!(!sb.ran("early"));
}

#[test]
fn a_real_binary_that_is_not_executable_is_an_error() {
    let sb = Sandbox::new();
    std::os::unix::fs::symlink(BIN, sb.bin.join("claude")).unwrap();
    std::fs::write(sb.bin.join("claude-real"), "not a program").unwrap();
    let out = sb.run("claude", Vec::<&str>::new());
    assert_eq!(out.status.code(), Some(126));
    assert!(stderr(&out).contains("is not executable"));
}

#[test]
fn a_wrapper_started_by_path_uses_the_real_binary_beside_it() {
    let sb = Sandbox::new();
    // Not on PATH at all: only argv[0] says where the wrapper is.
    let elsewhere = sb.root.join("opt");
    std::fs::create_dir_all(&elsewhere).unwrap();
    write_executable(&elsewhere.join("claude-real"), &fake_tool_script("claude"));
    std::os::unix::fs::symlink(BIN, elsewhere.join("claude")).unwrap();
    let out = std::process::Command::new(elsewhere.join("claude"))
        .env_clear()
        .env("HOME", &sb.home)
        .env("PATH", "/usr/bin:/bin")
        .env("FAKE_LOG_DIR", &sb.log)
        .current_dir(&sb.project)
        .arg("--version")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(sb.args("claude"), ["--version"]);
}

#[test]
fn without_a_real_binary_beside_it_the_first_one_on_path_is_used() {
    let sb = Sandbox::new();
    std::os::unix::fs::symlink(BIN, sb.bin.join("claude")).unwrap();
    let later = sb.root.join("later");
    std::fs::create_dir_all(&later).unwrap();
    write_executable(&later.join("claude-real"), &fake_tool_script("claude"));
    let path = format!("{}:{}:/usr/bin:/bin", sb.bin.display(), later.display());
    let out = sb
        .tool("claude")
        .env("PATH", &path)
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(sb.args("claude"), ["--help"]);
}
