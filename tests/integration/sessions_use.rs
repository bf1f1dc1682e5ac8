//! `use TOOL ID|PREFIX`: the next launch resumes the pinned session, in the folder it started
//! in; anything that cannot be pinned is an error that leaves the state as it was.

use crate::common;
use crate::sessions_support;

use std::path::Path;

use common::*;
use serde_json::json;
use sessions_support::*;

fn pin(sb: &Sandbox, tool: &str, reference: &str) -> std::process::Output {
    sb.cli().args(["use", tool, reference]).output().unwrap()
}

fn assert_pinned(sb: &Sandbox, tool: &str, id: &str, cwd: Option<&Path>) {
    let state = sb.state(tool);
    assert_eq!(state["resume_target"], id, "{state}");
    assert_eq!(state["tool"], tool);
    assert_eq!(state["cwd"], json!(cwd.map(|cwd| cwd.to_str().unwrap())));
    assert!(
        state["pinned_at"].as_str().unwrap().ends_with('Z'),
        "{state}"
    );
}

/// Everything the state folder holds, byte for byte.
fn state_bytes(sb: &Sandbox) -> Option<std::collections::BTreeMap<std::path::PathBuf, Node>> {
    sb.state_dir().exists().then(|| tree(&sb.state_dir()))
}

#[test]
fn claude_resumes_the_pinned_session_in_its_folder() {
    let sb = Sandbox::new();
    sb.wrap("claude");
    let at = places(&sb);
    let transcript = sb.write(
        claude_transcript(&sb.home, &at.sub, CLAUDE_MAIN),
        fixture_in(
            "convert/claude-session.jsonl",
            "/home/dev/src/parser",
            &at.sub,
        ),
    );
    sb.write_python_state(
        "claude",
        "managed-id",
        Some("0b5c6f0e-3f7e-4c1b-9d55-2f5a8f1e9c11"),
    );

    let out = pin(&sb, "claude", "5f1c");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!(
            "claude: this repository now resumes session {CLAUDE_MAIN}\n  \
             title:   Why does the parser drop the last token?\n  \
             runs in: {}\n  next:    claude --resume {CLAUDE_MAIN}\n  state:   {}\n",
            at.sub.display(),
            sb.state_path("claude").display()
        )
    );
    assert_pinned(&sb, "claude", CLAUDE_MAIN, Some(&at.sub));

    let out = sb.run("claude", ["--model", "opus"]);
    assert_eq!(
        sb.args("claude"),
        ["--resume", CLAUDE_MAIN, "--model", "opus"]
    );
    assert_eq!(sb.tool_cwd("claude"), at.sub);
    assert!(stderr(&out).contains(&format!("Resuming session {CLAUDE_MAIN} (proj)")));
    assert!(transcript.exists());
}

#[test]
fn a_session_of_another_project_is_pinned_with_a_warning_and_runs_here() {
    let sb = Sandbox::new();
    sb.wrap("claude");
    let at = places(&sb);
    sb.write(
        claude_transcript(&sb.home, &at.other, CLAUDE_MAIN),
        fixture_in(
            "convert/claude-session.jsonl",
            "/home/dev/src/parser",
            &at.other,
        ),
    );
    let out = pin(&sb, "claude", CLAUDE_MAIN);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        format!(
            "warning: claude session {CLAUDE_MAIN} started in {}, outside this repository; it will run in {}\n",
            at.other.display(),
            sb.project.display()
        )
    );
    assert_pinned(&sb, "claude", CLAUDE_MAIN, None);
    sb.run("claude", Vec::<&str>::new());
    // Claude 2.1.240+ finds a transcript filed under another folder.
    assert_eq!(sb.args("claude"), ["--resume", CLAUDE_MAIN]);
    assert_eq!(sb.tool_cwd("claude"), sb.project);
}

fn codex_rollout(sb: &Sandbox, day: &str, started: &str, id: &str, cwd: &Path) {
    let meta = json!({"timestamp": started, "type": "session_meta",
        "payload": {"id": id, "timestamp": started, "cwd": cwd, "source": "cli",
            "base_instructions": {"text": "x".repeat(10_000)}}});
    let prompt = json!({"timestamp": started, "type": "event_msg",
        "payload": {"type": "user_message", "message": format!("prompt of {id}")}});
    sb.write(
        sb.home
            .join(".codex/sessions")
            .join(day.replace('-', "/"))
            .join(format!("rollout-{day}T10-00-00-{id}.jsonl")),
        format!("{meta}\n{prompt}\n"),
    );
}

const CODEX_OLD: &str = "019a8f10-0000-7000-8000-00000000000a";
const CODEX_NEWER: &str = "019a8f20-0000-7000-8000-00000000000b";
const CODEX_AFTER: &str = "019a8f30-0000-7000-8000-00000000000c";

#[test]
fn codex_resumes_a_pinned_older_session_until_a_session_starts_after_the_pin() {
    let sb = Sandbox::new();
    sb.wrap("codex");
    let at = places(&sb);
    codex_rollout(
        &sb,
        "2026-11-19",
        "2026-11-19T10:00:00Z",
        CODEX_OLD,
        &at.sub,
    );
    codex_rollout(
        &sb,
        "2026-11-20",
        "2026-11-20T10:00:00Z",
        CODEX_NEWER,
        &at.sub,
    );
    sb.write_python_state("codex", "auto-resume", Some(CODEX_NEWER));

    let out = pin(&sb, "codex", "019a8f10");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_pinned(&sb, "codex", CODEX_OLD, Some(&at.sub));
    // The newer session of the same folder started before the pin: it does not take over.
    sb.run("codex", ["-m", "o3"]);
    assert_eq!(sb.args("codex"), ["resume", CODEX_OLD, "-m", "o3"]);
    assert_eq!(sb.tool_cwd("codex"), at.sub);
    sb.run("codex", Vec::<&str>::new());
    assert_eq!(sb.args("codex"), ["resume", CODEX_OLD]);

    // One started after the pin (`/new` inside the pinned session) does.
    let later = (chrono::Utc::now() + chrono::Duration::minutes(1))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    codex_rollout(&sb, "2026-11-21", &later, CODEX_AFTER, &at.sub);
    sb.run("codex", Vec::<&str>::new());
    assert_eq!(sb.args("codex"), ["resume", CODEX_AFTER]);
    let state = sb.state("codex");
    assert_eq!(state["resume_target"], CODEX_AFTER);
    assert!(state.get("pinned_at").is_none(), "{state}");
}

#[test]
fn gemini_resumes_the_pinned_session_in_the_folder_gemini_filed_it_under() {
    let sb = Sandbox::new();
    sb.wrap("gemini");
    let at = places(&sb);
    gemini_store(&sb, &at);
    let out = pin(&sb, "gemini", "3b24");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_pinned(&sb, "gemini", GEMINI_LEGACY, Some(&at.sub));
    sb.run("gemini", Vec::<&str>::new());
    assert_eq!(sb.args("gemini"), ["--resume", GEMINI_LEGACY]);
    assert_eq!(sb.tool_cwd("gemini"), at.sub);
}

#[test]
fn copilot_gets_the_pinned_id() {
    let sb = Sandbox::new();
    sb.wrap("copilot");
    let at = places(&sb);
    copilot_store(&sb, &at);
    let out = pin(&sb, "copilot", "c0b10004");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_pinned(&sb, "copilot", COPILOT_EVENTS_ONLY, Some(&at.sub));
    sb.run("copilot", ["-i", "x"]);
    assert_eq!(
        sb.args("copilot"),
        ["--session-id", COPILOT_EVENTS_ONLY, "-i", "x"]
    );
    assert_eq!(sb.tool_cwd("copilot"), at.sub);
}

#[test]
fn agy_resumes_the_pinned_conversation_until_its_folder_moves_on_to_another() {
    let sb = Sandbox::new();
    sb.wrap("agy");
    let at = places(&sb);
    agy_store(&sb, &at);
    // agy's own latest for the folder is another conversation, last written before the pin.
    let cache = sb
        .home
        .join(".gemini/antigravity-cli/cache/last_conversations.json");
    sb.write(
        &cache,
        json!({at.project.to_str().unwrap(): AGY_MAIN, at.sub.to_str().unwrap(): AGY_UNKNOWN})
            .to_string(),
    );

    let out = pin(&sb, "agy", "a9e00003");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_pinned(&sb, "agy", AGY_BY_PROMPT, Some(&at.sub));
    sb.run("agy", Vec::<&str>::new());
    assert_eq!(sb.args("agy"), ["--conversation", AGY_BY_PROMPT]);
    assert_eq!(sb.tool_cwd("agy"), at.sub);

    // That conversation is written to after the pin: it is the folder's latest again.
    let transcript = sb
        .home
        .join(".gemini/antigravity-cli/brain")
        .join(AGY_UNKNOWN)
        .join(".system_generated/logs/transcript.jsonl");
    touch(
        &transcript,
        std::time::SystemTime::now() + std::time::Duration::from_secs(60),
    );
    sb.run("agy", Vec::<&str>::new());
    assert_eq!(sb.args("agy"), ["--conversation", AGY_UNKNOWN]);
}

// ---------------------------------------------------------------- refusals

#[test]
fn an_unknown_id_changes_nothing() {
    let sb = Sandbox::new();
    let at = places(&sb);
    claude_store(&sb, &at);
    let before = state_bytes(&sb);
    let out = pin(&sb, "claude", "deadbeef");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "error: no claude session matches deadbeef\n\
         help: give a session id, a unique id prefix, or the session file's path\n"
    );
    assert_eq!(state_bytes(&sb), before);
    assert!(before.is_some());
}

#[test]
fn an_ambiguous_prefix_names_the_candidates_and_changes_nothing() {
    let sb = Sandbox::new();
    let at = places(&sb);
    claude_store(&sb, &at);
    let before = state_bytes(&sb);
    let out = pin(&sb, "claude", "c1a0000");
    assert_eq!(out.status.code(), Some(1));
    let error = stderr(&out);
    assert!(
        error.starts_with("error: c1a0000 matches 6 claude sessions: "),
        "{error}"
    );
    // The first five, by id and file.
    assert_eq!(
        error.matches("-0000-4000-8000-00000000000").count(),
        10,
        "{error}"
    );
    assert!(
        error.ends_with(", …\nhelp: give more of the id, or the session file's path\n"),
        "{error}"
    );
    assert_eq!(state_bytes(&sb), before);
}

#[test]
fn with_no_state_yet_a_refusal_creates_nothing() {
    let sb = Sandbox::new();
    let out = pin(&sb, "codex", "019a");
    assert_eq!(out.status.code(), Some(1));
    assert!(!sb.state_dir().exists());
}

#[test]
fn a_gemini_session_of_another_folder_cannot_be_resumed_here_and_changes_nothing() {
    let sb = Sandbox::new();
    let at = places(&sb);
    gemini_store(&sb, &at);
    sb.write_python_state("gemini", "managed-id", Some(GEMINI_MAIN));
    let before = state_bytes(&sb);
    // Registered for a folder outside the project: gemini resumes it only there.
    let out = pin(&sb, "gemini", "9e000005");
    assert_eq!(out.status.code(), Some(1));
    let error = stderr(&out);
    assert!(
        error.contains(&format!(
            "error: the next gemini launch in this repository would not resume session {GEMINI_OTHER} (it started in {})",
            at.other.display()
        )),
        "{error}"
    );
    assert_eq!(state_bytes(&sb), before);
}

#[test]
fn an_empty_gemini_session_cannot_be_resumed_and_changes_nothing() {
    let sb = Sandbox::new();
    let at = places(&sb);
    gemini_store(&sb, &at);
    let chats = sb.home.join(".gemini/tmp/proj/chats");
    let id = "9e000006-0000-4000-8000-000000000006";
    sb.write(
        chats.join("session-2026-11-21T13-00-9e000006.jsonl"),
        json!({"sessionId": id, "projectHash": "p", "kind": "main"}).to_string() + "\n",
    );
    let out = pin(&sb, "gemini", id);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(&format!("Session {id} holds no messages")),
        "{}",
        stderr(&out)
    );
    assert!(!sb.state_dir().exists());
}

#[test]
fn use_needs_a_tool_and_a_session() {
    let sb = Sandbox::new();
    let out = sb.cli().args(["use", "claude"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = sb.cli().args(["use", "vim", "x"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}
