//! `session convert` failures: each is an `error:` with a `help:`, exit 1, and nothing written.

use crate::common;
use crate::convert_support;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Output;

use common::*;
use convert_support::*;

/// Every file and folder under the sandbox (but the fake tools' logs), with its contents.
fn snapshot(sb: &Sandbox) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut found = BTreeMap::new();
    let mut dirs = vec![sb.root.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.starts_with(&sb.log) {
                continue;
            }
            if path.is_dir() {
                dirs.push(path.clone());
                found.insert(path, Vec::new());
            } else {
                found.insert(path.clone(), std::fs::read(&path).unwrap());
            }
        }
    }
    found
}

/// Runs a conversion that must fail without touching anything; returns its stderr.
fn fails(sb: &Sandbox, from: &str, to: &str, args: &[&str]) -> String {
    let before = snapshot(sb);
    let out: Output = convert(sb, from, to, args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(stdout(&out), "");
    assert!(err.starts_with("error: "), "{err}");
    assert!(
        err.lines()
            .nth(1)
            .is_some_and(|line| line.starts_with("help: ")),
        "{err}"
    );
    assert_eq!(snapshot(sb), before, "something was written");
    err
}

fn claude_session(sb: &Sandbox, id: &str, body: &str) -> PathBuf {
    sb.write(
        sb.home
            .join(".claude/projects/-elsewhere")
            .join(format!("{id}.jsonl")),
        body,
    )
}

#[test]
fn an_unsupported_pair_lists_the_supported_ones() {
    let sb = Sandbox::new();
    claude_source(&sb);
    let err = fails(&sb, "claude", "copilot", &["--source-session", CLAUDE_ID]);
    assert_eq!(
        err,
        "error: cannot convert claude sessions to copilot\n\
         help: supported pairs: --from any of claude, codex, gemini, copilot, agy \
         with --to any of claude, codex, gemini\n"
    );
    fails(&sb, "codex", "agy", &[]);
}

#[test]
fn an_ambiguous_prefix_names_the_matches() {
    let sb = Sandbox::new();
    claude_source(&sb);
    claude_session(
        &sb,
        "5f1c9999-0000-4000-8000-000000000000",
        &fixture("convert/claude-session.jsonl"),
    );
    let err = fails(&sb, "claude", "codex", &["--source-session", "5f1c"]);
    assert!(err.contains("5f1c matches 2 claude sessions"), "{err}");
    assert!(
        err.contains(CLAUDE_ID) && err.contains("5f1c9999-"),
        "{err}"
    );
    assert!(err.contains("help: give more of the id"), "{err}");

    // More of the id picks one.
    let out = convert(&sb, "claude", "codex", &["--source-session", "5f1c2"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn a_missing_session_is_an_error() {
    let sb = Sandbox::new();
    claude_source(&sb);
    for reference in ["deadbeef", "deadbeef-0000-4000-8000-000000000000"] {
        let err = fails(&sb, "claude", "gemini", &["--source-session", reference]);
        assert!(
            err.contains(&format!("no claude session matches {reference}")),
            "{err}"
        );
    }
    let err = fails(
        &sb,
        "codex",
        "claude",
        &["--source-session", "/no/such/rollout.jsonl"],
    );
    assert!(
        err.contains("/no/such/rollout.jsonl does not exist"),
        "{err}"
    );
    // An id can never act as a flag or a pattern.
    for reference in ["--source-session=-rf", "--source-session=a*"] {
        let err = fails(&sb, "copilot", "claude", &[reference]);
        assert!(
            err.contains("neither a copilot session id nor a path"),
            "{err}"
        );
    }
    let err = fails(&sb, "agy", "codex", &["--source-session", "c0ffee"]);
    assert!(err.contains("no agy session matches c0ffee"), "{err}");
}

#[test]
fn no_stored_session_asks_for_one() {
    let sb = Sandbox::new();
    let err = fails(&sb, "claude", "codex", &[]);
    assert!(
        err.contains("error: no stored claude session for this repository"),
        "{err}"
    );
    assert!(
        err.contains("help: name one with --source-session"),
        "{err}"
    );
    // codex and agy look for the project's newest session first; there is none.
    fails(&sb, "codex", "claude", &[]);
    fails(&sb, "agy", "claude", &[]);
}

#[test]
fn a_stored_session_without_a_transcript_is_an_error() {
    let sb = Sandbox::new();
    sb.write_python_state("claude", "managed-id", Some(CLAUDE_ID));
    let err = fails(&sb, "claude", "gemini", &[]);
    assert!(
        err.contains(&format!("claude session {CLAUDE_ID} cannot be read")),
        "{err}"
    );
}

#[test]
fn an_empty_transcript_writes_nothing() {
    let sb = Sandbox::new();
    let id = "0e0e0e0e-0000-4000-8000-000000000000";
    let lines = [
        r#"{"type":"queue-operation","operation":"enqueue","sessionId":"x"}"#,
        r#"{"type":"user","isMeta":true,"message":{"role":"user","content":"<local-command-caveat>x</local-command-caveat>"}}"#,
        r#"{"type":"assistant","message":{"role":"assistant","content":[{"type":"tool_use","id":"t","name":"Bash","input":{}}]}}"#,
        r#"{"type":"user","message":{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":"ok"}]}}"#,
        r#"{"type":"user","message":{"role":"user","content":"   "}}"#,
    ];
    claude_session(&sb, id, &(lines.join("\n") + "\n"));
    for target in ["claude", "codex", "gemini"] {
        let err = fails(&sb, "claude", target, &["--source-session", id]);
        assert!(
            err.contains("holds no user or assistant text to carry"),
            "{err}"
        );
    }
}

#[test]
fn an_existing_target_session_is_never_overwritten() {
    let sb = Sandbox::new();
    claude_source(&sb);
    let taken = "1e1e1e1e-0000-4000-8000-000000000000";
    let existing = claude_transcript(&sb.home, &sb.project, taken);
    sb.write(&existing, claude_user_line(taken, &sb.project, "mine"));
    let err = fails(
        &sb,
        "claude",
        "claude",
        &["--source-session", CLAUDE_ID, "--target-session", taken],
    );
    assert!(
        err.contains(&format!("claude session {taken} already exists")),
        "{err}"
    );

    let rollout = sb.home.join(format!(
        ".codex/sessions/2026/11/20/rollout-2026-11-20T09-00-00-{taken}.jsonl"
    ));
    sb.write(&rollout, "{}\n");
    let err = fails(
        &sb,
        "claude",
        "codex",
        &["--source-session", CLAUDE_ID, "--target-session", taken],
    );
    assert!(
        err.contains(&format!("codex session {taken} already exists")),
        "{err}"
    );

    let import = sb.state_dir().join(format!("gemini-session-{taken}.jsonl"));
    sb.write(&import, "{}\n");
    fails(
        &sb,
        "claude",
        "gemini",
        &["--source-session", CLAUDE_ID, "--target-session", taken],
    );
}

#[test]
fn a_target_id_the_tool_cannot_take_is_refused() {
    let sb = Sandbox::new();
    claude_source(&sb);
    for (target, id) in [
        ("claude", "not-a-uuid"),
        ("codex", "1234"),
        ("gemini", "../escape"),
    ] {
        let err = fails(
            &sb,
            "claude",
            target,
            &["--source-session", CLAUDE_ID, "--target-session", id],
        );
        assert!(err.contains(id), "{err}");
    }
}

#[test]
fn no_apply_writes_the_session_but_not_the_state() {
    let sb = Sandbox::new();
    claude_source(&sb);
    let id = "2e2e2e2e-0000-4000-8000-000000000000";
    let out = convert(
        &sb,
        "claude",
        "codex",
        &[
            "--source-session",
            CLAUDE_ID,
            "--target-session",
            id,
            "--no-apply",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!sb.state_path("codex").exists());
    assert_eq!(
        codex_messages(&codex_rollout(&sb, id), id, &sb.project).len(),
        6
    );
    assert!(stdout(&out).contains(&format!("resume it with `codex resume {id}`")));
}

#[test]
fn a_gemini_import_file_stays_out_of_git_status() {
    let sb = Sandbox::new();
    claude_source(&sb);
    let out = convert(
        &sb,
        "claude",
        "gemini",
        &["--source-session", CLAUDE_ID, "--no-apply"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(sb.state_dir().join(".gitignore")).unwrap(),
        "*\n"
    );
    assert!(!sb.state_path("gemini").exists());
}

#[test]
fn real_files_convert() {
    let sb = Sandbox::new();
    let id = "01a1fdd5-3174-7111-9ffd-8a808cf1cb1d";
    let rollout = sb.write(
        sb.home
            .join(".codex/sessions/2026/11/21")
            .join(format!("rollout-2026-11-21T11-19-29-{id}.jsonl")),
        fixture("real/codex-0.169-rollout.jsonl"),
    );
    let out = convert(
        &sb,
        "codex",
        "claude",
        &["--source-session", rollout.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let target = sb.target("claude").unwrap();
    let file = claude_transcript(&sb.home, &sb.project, &target);
    let texts: Vec<String> = claude_messages(&file, &target, &sb.project)
        .into_iter()
        .map(|(role, text, _)| format!("{role}: {text}"))
        .collect();
    assert_eq!(
        texts,
        ["user: first tui prompt", "assistant: MOCK_REPLY hello"]
    );

    let session = claude_session(
        &sb,
        "44444444-2222-4333-8444-555555555555",
        &fixture("real/claude-2.1.330-session.jsonl"),
    );
    let out = convert(
        &sb,
        "claude",
        "codex",
        &["--source-session", session.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "warning: 3 error and info notices not carried\n"
    );
    let target = sb.target("codex").unwrap();
    let texts: Vec<String> = codex_messages(&codex_rollout(&sb, &target), &target, &sb.project)
        .into_iter()
        .map(|(_, text, _)| text)
        .collect();
    assert_eq!(texts, ["first", "second", "third"]);
}
