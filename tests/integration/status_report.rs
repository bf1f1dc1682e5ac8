//! `status`: the wrapper state of each tool and this project's session, for people and as JSON.

use crate::common;

use std::process::Output;

use common::*;
use serde_json::{Value, json};

const CLAUDE_ID: &str = "0b5c6f0e-3f7e-4c1b-9d55-2f5a8f1e9c11";
const CODEX_ID: &str = "019a8f10-0000-7000-8000-00000000000a";

fn status_json(sb: &Sandbox, tools: &[&str]) -> (Output, Value) {
    let out = sb.manage([&["status", "--json"][..], tools].concat());
    let report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|error| panic!("{error}: {}\n{}", stdout(&out), stderr(&out)));
    (out, report)
}

fn tool<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|entry| entry["tool"] == name)
        .unwrap_or_else(|| panic!("no {name} in {report:#}"))
}

fn claude_tool(sb: &Sandbox) -> std::path::PathBuf {
    let path = sb.bin.join("claude");
    write_executable(&path, &fake_tool_script("claude"));
    path
}

#[test]
fn json_status_has_the_documented_keys_and_follows_the_wrapper() {
    let sb = Sandbox::new();
    let claude = claude_tool(&sb);
    let (out, report) = status_json(&sb, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut keys: Vec<&str> = report
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    assert_eq!(keys, ["executable", "platform", "project", "tools"]);
    assert_eq!(report["executable"], canonical_bin().to_str().unwrap());
    assert_eq!(
        report["project"],
        json!({"root": sb.project, "kind": "repository", "branch": null, "archive": null, "settings": [
            {"key": "scope", "value": "project", "from": "default"},
            {"key": "worktree", "value": "fresh", "from": "default"},
            {"key": "branch-start", "value": "fork", "from": "default"},
            {"key": "archive", "value": "on", "from": "default"},
            {"key": "sync.remote", "value": "origin", "from": "default"},
            {"key": "sync.auto", "value": "off", "from": "default"},
            {"key": "sync.user", "value": "(git's user.email)", "from": "default"},
        ]})
    );
    let names: Vec<&str> = report["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["tool"].as_str().unwrap())
        .collect();
    assert_eq!(names, registered_tools());
    let mut tool_keys: Vec<&str> = tool(&report, "claude")
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    tool_keys.sort();
    assert_eq!(
        tool_keys,
        [
            "discovered",
            "error",
            "links_to",
            "moved_from",
            "origin",
            "path",
            "real",
            "real_links_to",
            "session",
            "session_exists",
            "state_exists",
            "state_file",
            "state_problem",
            "tool",
            "wrapper",
            "wrapper_note"
        ]
    );
    assert_eq!(tool(&report, "claude")["wrapper"], "not-installed");
    assert_eq!(tool(&report, "claude")["path"], claude.to_str().unwrap());
    assert_eq!(tool(&report, "codex")["path"], Value::Null);
    assert_eq!(tool(&report, "codex")["wrapper"], "not-installed");

    assert!(sb.manage(["setup"]).status.success());
    let (_, report) = status_json(&sb, &["claude"]);
    let claude_status = tool(&report, "claude");
    assert_eq!(claude_status["wrapper"], "active");
    assert_eq!(claude_status["links_to"], canonical_bin().to_str().unwrap());
    assert_eq!(
        claude_status["real"],
        sb.bin.join("claude-real").to_str().unwrap()
    );
    assert_eq!(claude_status["real_links_to"], Value::Null);

    // An update writes its new binary over the wrapper.
    std::fs::remove_file(&claude).unwrap();
    write_executable(&claude, "#!/bin/sh\n# v2\n");
    let (_, report) = status_json(&sb, &["claude"]);
    assert_eq!(tool(&report, "claude")["wrapper"], "overwritten");
    assert_eq!(tool(&report, "claude")["links_to"], Value::Null);

    let out = sb.manage(["status", "claude"]);
    assert!(
        stdout(&out).contains(
            "wrapper:     overwritten by an update: real binary present but wrapper missing \
             (run 'ai-session-manager setup claude')"
        ),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_wrapper_without_its_real_binary_is_broken() {
    let sb = Sandbox::new();
    std::os::unix::fs::symlink(BIN, sb.bin.join("claude")).unwrap();
    let (_, report) = status_json(&sb, &["claude"]);
    assert_eq!(tool(&report, "claude")["wrapper"], "broken");
    assert_eq!(tool(&report, "claude")["real"], Value::Null);
    let out = stdout(&sb.manage(["status", "claude"]));
    assert!(
        out.contains("wrapper:     broken: wrapper present, but"),
        "{out}"
    );
}

#[test]
fn a_named_tool_that_is_absent_still_reports_then_exits_1() {
    let sb = Sandbox::new();
    let (out, report) = status_json(&sb, &["codex"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(report["tools"].as_array().unwrap().len(), 1);
    assert_eq!(tool(&report, "codex")["path"], Value::Null);
    assert!(stderr(&out).contains("error: codex was not found on PATH"));
}

#[test]
fn the_stored_session_and_whether_the_tool_still_has_it() {
    let sb = Sandbox::new();
    claude_tool(&sb);
    let (_, report) = status_json(&sb, &["claude"]);
    let claude = tool(&report, "claude");
    assert_eq!(claude["state_exists"], false);
    assert_eq!(claude["session"], Value::Null);
    assert_eq!(
        claude["state_file"],
        sb.state_path("claude").to_str().unwrap()
    );
    assert!(!sb.state_dir().exists(), "status must not create state");

    sb.write_state(
        "claude",
        &json!({"version": 1, "tool": "claude", "session_mode": "managed-id",
            "resume_target": CLAUDE_ID, "cwd": sb.project}),
    );
    let (_, report) = status_json(&sb, &["claude"]);
    assert_eq!(tool(&report, "claude")["state_exists"], true);
    assert_eq!(tool(&report, "claude")["session"], CLAUDE_ID);
    assert_eq!(tool(&report, "claude")["session_exists"], false);

    sb.write(
        claude_transcript(&sb.home, &sb.project, CLAUDE_ID),
        claude_user_line(CLAUDE_ID, &sb.project, "hello"),
    );
    let (_, report) = status_json(&sb, &["claude"]);
    assert_eq!(tool(&report, "claude")["session_exists"], true);
    let out = stdout(&sb.manage(["status", "claude"]));
    assert!(
        out.contains(&format!(
            "session:     {CLAUDE_ID} (exists in Claude Code's store)"
        )),
        "{out}"
    );
}

#[test]
fn codex_and_agy_sessions_found_but_not_yet_stored_are_shown_and_left_for_the_launch() {
    let sb = Sandbox::new();
    sb.write_python_state("codex", "auto-resume", None);
    sb.write(
        sb.home
            .join(".codex/sessions/2026/11/20")
            .join(format!("rollout-2026-11-20T09-00-00-{CODEX_ID}.jsonl")),
        json!({"timestamp": "2026-11-20T09:00:00.000Z", "type": "session_meta",
            "payload": {"id": CODEX_ID, "cwd": sb.project, "source": "cli"}})
        .to_string()
            + "\n",
    );
    sb.write_python_state("agy", "auto-resume", None);
    sb.write(
        sb.home
            .join(".gemini/antigravity-cli/cache/last_conversations.json"),
        json!({ sb.project.to_str().unwrap(): "conv-7" }).to_string(),
    );
    let before = tree(&sb.state_dir());

    let (_, report) = status_json(&sb, &[]);
    assert_eq!(tool(&report, "codex")["discovered"], CODEX_ID);
    assert_eq!(tool(&report, "codex")["session"], Value::Null);
    assert_eq!(tool(&report, "agy")["discovered"], "conv-7");
    assert_eq!(tool(&report, "claude")["discovered"], Value::Null);
    assert_eq!(tree(&sb.state_dir()), before);
    let out = stdout(&sb.manage(["status", "codex"]));
    assert!(
        out.contains(&format!(
            "discovered:  {CODEX_ID} (not stored yet; the next launch resumes it)"
        )),
        "{out}"
    );

    // Once stored, it is the session, and no longer "discovered".
    sb.write_python_state("codex", "auto-resume", Some(CODEX_ID));
    let (_, report) = status_json(&sb, &["codex"]);
    assert_eq!(tool(&report, "codex")["session"], CODEX_ID);
    assert_eq!(tool(&report, "codex")["session_exists"], true);
    assert_eq!(tool(&report, "codex")["discovered"], Value::Null);
}

#[test]
fn human_status_has_one_block_per_tool() {
    let sb = Sandbox::new();
    claude_tool(&sb);
    assert!(sb.manage(["setup"]).status.success());
    let out = sb.manage(["status"]);
    assert!(out.status.success());
    let text = stdout(&out);
    let claude = sb.bin.join("claude");
    let expected = format!(
        "claude\n  platform:    {}\n  tool:        {} -> {}\n  real binary: {}-real\n  \
         wrapper:     active\n  state file:  {} (none yet)\n  session:     none yet: the next \
         launch starts one\n",
        platform_line(&text),
        claude.display(),
        canonical_bin().display(),
        claude.display(),
        sb.state_path("claude").display(),
    );
    assert!(text.contains(&expected), "{text}\n---\n{expected}");
    for name in registered_tools().iter().filter(|name| *name != "claude") {
        assert!(text.contains(&format!("\n{name}\n  platform:")), "{text}");
    }
}

/// The platform line as printed, checked against what this test runs on.
fn platform_line(text: &str) -> String {
    let line = text
        .lines()
        .find_map(|line| line.strip_prefix("  platform:    "))
        .unwrap()
        .to_owned();
    assert_eq!(
        line,
        format!(
            "{} {} ({})",
            std::env::consts::OS,
            std::env::consts::ARCH,
            std::env::consts::FAMILY
        )
    );
    line
}

/// `status` only looks: a state the next launch would set aside, or migrate, is reported and
/// left exactly where it is.
#[test]
fn status_changes_nothing_it_looks_at() {
    let sb = Sandbox::new();
    sb.wrap("claude");
    sb.write(sb.state_path("claude"), "{ not json");
    let before = tree(&sb.project);
    let out = sb.manage(["status", "claude"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("the next launch moves it aside"),
        "{}",
        stdout(&out)
    );
    assert_eq!(tree(&sb.project), before);

    // A legacy file of the Python tool, not yet migrated.
    std::fs::remove_file(sb.state_path("claude")).unwrap();
    let legacy = sb.project.join(".git/ai-session-manager/claude.json");
    sb.write(
        &legacy,
        serde_json::json!({"version": 1, "tool": "claude", "session_mode": "managed-id",
            "resume_target": "44444444-2222-4333-8444-555555555555"})
        .to_string(),
    );
    let before = tree(&sb.project);
    let out = sb.manage(["status", "claude"]);
    assert!(
        stdout(&out).contains("the next launch migrates it"),
        "{}",
        stdout(&out)
    );
    assert_eq!(tree(&sb.project), before);
    // The launch repairs.
    assert!(sb.run("claude", ["hi"]).status.success());
    assert!(!legacy.exists());
    assert_eq!(sb.args("claude")[1], "44444444-2222-4333-8444-555555555555");
}
