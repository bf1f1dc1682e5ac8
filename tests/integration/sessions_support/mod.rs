//! Stores of all five tools holding sessions of the sandbox project (some in a subfolder) and of
//! other projects, plus empty and malformed files, each with a known age; and what `sessions`
//! must make of them.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use crate::common::*;

pub const HOUR: u64 = 3_600;
pub const DAY: u64 = 86_400;

/// Reads a fixture of `tests/fixtures`, with `from` replaced by `to` (a recorded folder).
pub fn fixture_in(name: &str, from: &str, to: &Path) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read_to_string(path)
        .unwrap()
        .replace(from, to.to_str().unwrap())
}

/// Sets the file's modification time `seconds` ago, on a whole second; returns that time as
/// the listing prints it.
pub fn age(path: &Path, seconds: u64) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let time = UNIX_EPOCH + Duration::from_secs(now - seconds);
    touch(path, time);
    chrono::DateTime::<chrono::Utc>::from(time).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Sets the file's modification time.
pub fn touch(path: &Path, time: SystemTime) {
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(time)
        .unwrap();
}

/// The file's birth time as the listing prints it, where a file has no start of its own.
pub fn birth(path: &Path) -> Value {
    match std::fs::metadata(path).unwrap().created() {
        Ok(time) => chrono::DateTime::<chrono::Utc>::from(time)
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
            .into(),
        Err(_) => Value::Null,
    }
}

fn lines(values: &[Value]) -> String {
    values
        .iter()
        .map(|value| value.to_string() + "\n")
        .collect()
}

pub fn len(path: &Path) -> u64 {
    std::fs::metadata(path).unwrap().len()
}

/// One row `sessions --json` must print.
pub struct Row<'a> {
    pub tool: &'a str,
    pub id: &'a str,
    pub project: Option<&'a Path>,
    pub started_at: Value,
    pub updated_at: String,
    pub path: &'a Path,
    pub title: Option<&'a str>,
    pub current: bool,
}

impl Row<'_> {
    pub fn json(self) -> Value {
        json!({
            "tool": self.tool,
            "id": self.id,
            "project": self.project.map(|p| p.to_str().unwrap()),
            "started_at": self.started_at,
            "updated_at": self.updated_at,
            "size_bytes": len(self.path),
            "title": self.title,
            "current": self.current,
            "path": self.path.to_str().unwrap(),
        })
    }
}

pub const CLAUDE_MAIN: &str = "5f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b";
pub const CLAUDE_SUB: &str = "c1a00002-0000-4000-8000-000000000002";
pub const CLAUDE_EMPTY: &str = "c1a00003-0000-4000-8000-000000000003";
pub const CLAUDE_BROKEN: &str = "c1a00004-0000-4000-8000-000000000004";
pub const CLAUDE_OTHER: &str = "c1a00005-0000-4000-8000-000000000005";
pub const CLAUDE_SIBLING: &str = "c1a00006-0000-4000-8000-000000000006";
pub const CLAUDE_SAME_NAME: &str = "c1a00007-0000-4000-8000-000000000007";

pub const CODEX_MAIN: &str = "019a8f10-1111-7222-8333-444455556666";
pub const CODEX_SUB: &str = "5d2e7c1a-0b3f-4e8d-9a6c-7f1e2d3c4b5a";
pub const CODEX_OTHER: &str = "019a8f10-3333-7222-8333-444455556666";
pub const CODEX_EXEC: &str = "019a8f10-4444-7222-8333-444455556666";
pub const CODEX_BROKEN: &str = "019a8f10-5555-7222-8333-444455556666";

pub const GEMINI_MAIN: &str = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
pub const GEMINI_LEGACY: &str = "3b241101-e2bb-4255-8caf-4136c566a962";
pub const GEMINI_EMPTY_SHORT: &str = "9e000003";
pub const GEMINI_SUBAGENT: &str = "9e000004-0000-4000-8000-000000000004";
pub const GEMINI_OTHER: &str = "9e000005-0000-4000-8000-000000000005";

pub const COPILOT_MAIN: &str = "a3f1c2d4-5b6e-4f70-8a9b-0c1d2e3f4a5b";
pub const COPILOT_OTHER: &str = "c0b10002-0000-4000-8000-000000000002";
pub const COPILOT_GIT_ROOT: &str = "c0b10003-0000-4000-8000-000000000003";
pub const COPILOT_EVENTS_ONLY: &str = "c0b10004-0000-4000-8000-000000000004";

pub const AGY_MAIN: &str = "c0ffee00-1111-4222-8333-444444444444";
pub const AGY_OTHER: &str = "a9e00002-1111-4222-8333-444444444444";
pub const AGY_BY_PROMPT: &str = "a9e00003-1111-4222-8333-444444444444";
pub const AGY_UNKNOWN: &str = "a9e00004-1111-4222-8333-444444444444";

/// The folders sessions started in.
pub struct Places {
    pub project: PathBuf,
    pub sub: PathBuf,
    pub other: PathBuf,
    /// `work/proj-old`: claude's folder name for it starts with the project's.
    pub sibling: PathBuf,
    /// `work-proj`: claude gives it the very folder name of `work/proj`.
    pub same_name: PathBuf,
}

pub fn places(sb: &Sandbox) -> Places {
    let places = Places {
        project: sb.project.clone(),
        sub: sb.project.join("sub"),
        other: sb.root.join("work/other"),
        sibling: sb.root.join("work/proj-old"),
        same_name: sb.root.join("work-proj"),
    };
    for dir in [
        &places.sub,
        &places.other,
        &places.sibling,
        &places.same_name,
    ] {
        std::fs::create_dir_all(dir).unwrap();
    }
    places
}

fn claude_file(sb: &Sandbox, cwd: &Path, id: &str) -> PathBuf {
    claude_transcript(&sb.home, cwd, id)
}

fn claude_record(id: &str, cwd: &Path, kind: &str, text: &str, time: &str) -> Value {
    json!({"parentUuid": null, "isSidechain": false, "type": kind,
        "message": {"role": kind, "content": text}, "uuid": format!("u-{time}"),
        "timestamp": time, "cwd": cwd, "sessionId": id, "version": "2.1.330"})
}

/// Builds every store; returns the rows `sessions --json` must print for the project, in order.
pub fn build_stores(sb: &Sandbox) -> Vec<Value> {
    let at = places(sb);
    let mut rows = Vec::new();
    rows.extend(claude_store(sb, &at));
    rows.extend(codex_store(sb, &at));
    rows.extend(gemini_store(sb, &at));
    rows.extend(copilot_store(sb, &at));
    rows.extend(agy_store(sb, &at));
    rows
}

pub fn claude_store(sb: &Sandbox, at: &Places) -> Vec<Value> {
    let main = sb.write(
        claude_file(sb, &at.project, CLAUDE_MAIN),
        fixture_in(
            "convert/claude-session.jsonl",
            "/home/dev/src/parser",
            &at.project,
        ),
    );
    // Started in a subfolder: filed under that folder's name. Its first record is Claude's own
    // caveat, then a slash command; the prompt comes after.
    let sub_lines = [
        json!({"type": "summary", "summary": "Sub work", "leafUuid": "x"}),
        json!({"type": "user", "isMeta": true, "message": {"role": "user", "content": "Caveat: the messages below were generated by the user"}, "timestamp": "2026-11-20T08:00:00.000Z", "cwd": at.sub, "sessionId": CLAUDE_SUB}),
        claude_record(
            CLAUDE_SUB,
            &at.sub,
            "user",
            "<command-name>/model</command-name>",
            "2026-11-20T08:00:01.000Z",
        ),
        claude_record(
            CLAUDE_SUB,
            &at.sub,
            "user",
            "Port the\n  sub crate",
            "2026-11-20T08:00:02.000Z",
        ),
    ];
    let sub = sb.write(claude_file(sb, &at.sub, CLAUDE_SUB), lines(&sub_lines));
    let empty = sb.write(claude_file(sb, &at.project, CLAUDE_EMPTY), "");
    let broken = sb.write(
        claude_file(sb, &at.project, CLAUDE_BROKEN),
        "not json at all\n{\"mess",
    );
    for (cwd, id, text) in [
        (&at.other, CLAUDE_OTHER, "elsewhere"),
        (&at.sibling, CLAUDE_SIBLING, "in proj-old"),
        (&at.same_name, CLAUDE_SAME_NAME, "in work-proj"),
    ] {
        let record = claude_record(id, cwd, "user", text, "2026-11-21T08:00:00.000Z");
        let path = sb.write(claude_file(sb, cwd, id), lines(&[record]));
        age(&path, 10 * 60);
    }
    assert_eq!(
        claude_file(sb, &at.same_name, CLAUDE_SAME_NAME).parent(),
        main.parent(),
        "work-proj and work/proj share a folder"
    );
    sb.write_python_state("claude", "managed-id", Some(CLAUDE_MAIN));
    vec![
        Row {
            tool: "claude",
            id: CLAUDE_SUB,
            project: Some(&at.sub),
            started_at: "2026-11-20T08:00:00.000Z".into(),
            updated_at: age(&sub, HOUR),
            path: &sub,
            title: Some("Port the sub crate"),
            current: false,
        }
        .json(),
        Row {
            tool: "claude",
            id: CLAUDE_MAIN,
            project: Some(&at.project),
            started_at: "2026-11-21T09:00:00.000Z".into(),
            updated_at: age(&main, 3 * HOUR),
            path: &main,
            title: Some("Why does the parser drop the last token?"),
            current: true,
        }
        .json(),
        Row {
            tool: "claude",
            id: CLAUDE_EMPTY,
            project: None,
            started_at: birth(&empty),
            updated_at: age(&empty, 2 * DAY),
            path: &empty,
            title: None,
            current: false,
        }
        .json(),
        Row {
            tool: "claude",
            id: CLAUDE_BROKEN,
            project: None,
            started_at: birth(&broken),
            updated_at: age(&broken, 3 * DAY),
            path: &broken,
            title: None,
            current: false,
        }
        .json(),
    ]
}

fn codex_path(sb: &Sandbox, id: &str) -> PathBuf {
    sb.home
        .join(".codex/sessions/2026/11/21")
        .join(format!("rollout-2026-11-21T10-00-00-{id}.jsonl"))
}

fn codex_meta(id: &str, cwd: &Path, source: &str) -> Value {
    json!({"timestamp": "2026-11-21T07:00:00.000Z", "type": "session_meta",
        "payload": {"id": id, "timestamp": "2026-11-21T07:00:00.000Z", "cwd": cwd,
            "originator": "codex-tui", "source": source,
            "base_instructions": {"text": "x".repeat(30_000)}}})
}

pub fn codex_store(sb: &Sandbox, at: &Places) -> Vec<Value> {
    let main = sb.write(
        codex_path(sb, CODEX_MAIN),
        fixture_in(
            "convert/codex-rollout.jsonl",
            "/home/dev/src/renamer",
            &at.project,
        ),
    );
    // An older rollout in the event form, started in a subfolder, in an older date folder.
    let sub = sb.write(
        sb.home
            .join(".codex/sessions/2025/09/01")
            .join(format!("rollout-2025-09-01T08-00-00-{CODEX_SUB}.jsonl")),
        fixture_in("convert/codex-events.jsonl", "/home/dev/old", &at.sub),
    );
    let other = sb.write(
        codex_path(sb, CODEX_OTHER),
        lines(&[codex_meta(CODEX_OTHER, &at.other, "cli")]),
    );
    let exec = sb.write(
        codex_path(sb, CODEX_EXEC),
        lines(&[codex_meta(CODEX_EXEC, &at.project, "exec")]),
    );
    age(&other, 60);
    age(&exec, 60);
    let broken = sb.write(
        codex_path(sb, CODEX_BROKEN),
        lines(&[codex_meta(CODEX_BROKEN, &at.project, "cli")])
            + "{\"type\": \"response_item\", \"payl\n",
    );
    sb.write_python_state("codex", "auto-resume", Some(CODEX_SUB));
    vec![
        Row {
            tool: "codex",
            id: CODEX_MAIN,
            project: Some(&at.project),
            started_at: "2026-11-21T10:00:00.000Z".into(),
            updated_at: age(&main, 2 * HOUR),
            path: &main,
            title: Some("Rename `foo` to `bar` everywhere."),
            current: false,
        }
        .json(),
        Row {
            tool: "codex",
            id: CODEX_SUB,
            project: Some(&at.sub),
            started_at: "2025-09-01T08:00:00.000Z".into(),
            updated_at: age(&sub, 5 * HOUR),
            path: &sub,
            title: Some("What does main.rs do?"),
            current: true,
        }
        .json(),
        Row {
            tool: "codex",
            id: CODEX_BROKEN,
            project: Some(&at.project),
            started_at: "2026-11-21T07:00:00.000Z".into(),
            updated_at: age(&broken, 4 * DAY),
            path: &broken,
            title: None,
            current: false,
        }
        .json(),
    ]
}

fn gemini_chats(sb: &Sandbox, slug: &str) -> PathBuf {
    sb.home.join(".gemini/tmp").join(slug).join("chats")
}

pub fn gemini_store(sb: &Sandbox, at: &Places) -> Vec<Value> {
    let registry = json!({"projects": {
        at.project.to_str().unwrap(): "proj",
        at.sub.to_str().unwrap(): "sub",
        at.other.to_str().unwrap(): "other",
    }});
    sb.write(sb.home.join(".gemini/projects.json"), registry.to_string());
    let main = sb.write(
        gemini_chats(sb, "proj").join("session-2026-11-21T11-00-7c9e6679.jsonl"),
        fixture_in("convert/gemini-session.jsonl", "unused", &at.project),
    );
    let legacy = sb.write(
        gemini_chats(sb, "sub").join("session-2025-08-01T12-00-3b241101.json"),
        fixture_in("convert/gemini-legacy.json", "unused", &at.sub),
    );
    let empty = sb.write(
        gemini_chats(sb, "proj").join(format!(
            "session-2026-11-21T12-00-{GEMINI_EMPTY_SHORT}.jsonl"
        )),
        "",
    );
    let subagent_head = json!({"sessionId": GEMINI_SUBAGENT, "projectHash": "p",
        "startTime": "2026-11-21T11:00:00.000Z", "kind": "subagent"});
    let subagent = sb.write(
        gemini_chats(sb, "proj").join("session-2026-11-21T11-30-9e000004.jsonl"),
        lines(&[subagent_head]),
    );
    let other_head = json!({"sessionId": GEMINI_OTHER, "projectHash": "p",
        "startTime": "2026-11-21T11:00:00.000Z", "kind": "main"});
    let other = sb.write(
        gemini_chats(sb, "other").join("session-2026-11-21T11-30-9e000005.jsonl"),
        lines(&[other_head]),
    );
    age(&subagent, 60);
    age(&other, 60);
    vec![
        Row {
            tool: "gemini",
            id: GEMINI_MAIN,
            project: Some(&at.project),
            started_at: "2026-11-21T11:00:00.000Z".into(),
            updated_at: age(&main, 6 * HOUR),
            path: &main,
            title: Some("Summarise README.md"),
            current: false,
        }
        .json(),
        Row {
            tool: "gemini",
            id: GEMINI_LEGACY,
            project: Some(&at.sub),
            started_at: "2025-08-01T12:00:00.000Z".into(),
            updated_at: age(&legacy, 7 * HOUR),
            path: &legacy,
            title: Some("Explain the build"),
            current: false,
        }
        .json(),
        Row {
            tool: "gemini",
            id: GEMINI_EMPTY_SHORT,
            project: Some(&at.project),
            started_at: birth(&empty),
            updated_at: age(&empty, 8 * HOUR),
            path: &empty,
            title: None,
            current: false,
        }
        .json(),
    ]
}

fn copilot_dir(sb: &Sandbox, id: &str) -> PathBuf {
    sb.home.join(".copilot/session-state").join(id)
}

fn copilot_start(id: &str, cwd: &Path) -> Value {
    json!({"id": "e1", "timestamp": "2026-11-21T12:00:00.000Z", "type": "session.start",
        "data": {"sessionId": id, "startTime": "2026-11-21T12:00:00.000Z",
            "context": {"cwd": cwd, "gitRoot": cwd}}})
}

pub fn copilot_store(sb: &Sandbox, at: &Places) -> Vec<Value> {
    let main_dir = copilot_dir(sb, COPILOT_MAIN);
    sb.write(
        main_dir.join("workspace.yaml"),
        format!(
            "id: {COPILOT_MAIN}\ncwd: {}\ngit_root: {}\nbranch: main\ncreated_at: 2026-11-21T12:00:00.000Z\n",
            at.project.display(),
            at.project.display()
        ),
    );
    let main = sb.write(
        main_dir.join("events.jsonl"),
        fixture_in("convert/copilot-events.jsonl", "unused", &at.project),
    );
    let other_dir = copilot_dir(sb, COPILOT_OTHER);
    sb.write(
        other_dir.join("workspace.yaml"),
        format!("id: {COPILOT_OTHER}\ncwd: \"{}\"\n", at.other.display()),
    );
    let other = sb.write(
        other_dir.join("events.jsonl"),
        lines(&[copilot_start(COPILOT_OTHER, &at.other)]),
    );
    age(&other, 60);
    // Started in a checkout outside, but copilot recorded this project as its git root.
    let git_dir = copilot_dir(sb, COPILOT_GIT_ROOT);
    sb.write(
        git_dir.join("workspace.yaml"),
        format!(
            "id: {COPILOT_GIT_ROOT}\ncwd: '{}'\ngit_root: '{}'\n",
            at.other.display(),
            at.project.display()
        ),
    );
    let git = sb.write(
        git_dir.join("events.jsonl"),
        lines(&[copilot_start(COPILOT_GIT_ROOT, &at.other)]) + "garbage\n",
    );
    // No workspace.yaml: the session.start event tells the folder.
    let events_dir = copilot_dir(sb, COPILOT_EVENTS_ONLY);
    let prompt = json!({"id": "e2", "timestamp": "2026-11-21T12:00:05.000Z", "type": "user.message",
        "data": {"content": "Run the sub tests"}});
    let events_only = sb.write(
        events_dir.join("events.jsonl"),
        lines(&[copilot_start(COPILOT_EVENTS_ONLY, &at.sub), prompt]),
    );
    sb.write_python_state("copilot", "managed-id", Some(COPILOT_MAIN));
    vec![
        Row {
            tool: "copilot",
            id: COPILOT_MAIN,
            project: Some(&at.project),
            started_at: "2026-11-21T12:00:00.000Z".into(),
            updated_at: age(&main, 9 * HOUR),
            path: &main,
            title: Some("List the failing tests"),
            current: true,
        }
        .json(),
        Row {
            tool: "copilot",
            id: COPILOT_GIT_ROOT,
            project: Some(&at.other),
            started_at: "2026-11-21T12:00:00.000Z".into(),
            updated_at: age(&git, 10 * HOUR),
            path: &git,
            title: None,
            current: false,
        }
        .json(),
        Row {
            tool: "copilot",
            id: COPILOT_EVENTS_ONLY,
            project: Some(&at.sub),
            started_at: "2026-11-21T12:00:00.000Z".into(),
            updated_at: age(&events_only, 11 * HOUR),
            path: &events_only,
            title: Some("Run the sub tests"),
            current: false,
        }
        .json(),
    ]
}

fn agy_root(sb: &Sandbox) -> PathBuf {
    sb.home.join(".gemini/antigravity-cli")
}

fn agy_transcript(sb: &Sandbox, id: &str, content: String) -> PathBuf {
    sb.write(
        agy_root(sb)
            .join("brain")
            .join(id)
            .join(".system_generated/logs/transcript.jsonl"),
        content,
    )
}

fn agy_request(text: &str) -> String {
    lines(&[
        json!({"type": "USER_INPUT", "source": "USER_EXPLICIT", "created_at": "2026-11-21T14:00:00Z",
        "content": format!("<USER_REQUEST>\n{text}\n</USER_REQUEST>\n<ADDITIONAL_METADATA>x</ADDITIONAL_METADATA>")}),
    ])
}

pub fn agy_store(sb: &Sandbox, at: &Places) -> Vec<Value> {
    let main = agy_transcript(
        sb,
        AGY_MAIN,
        fixture_in("convert/agy-transcript.jsonl", "unused", &at.project),
    );
    let other = agy_transcript(sb, AGY_OTHER, agy_request("Elsewhere"));
    let by_prompt = agy_transcript(sb, AGY_BY_PROMPT, agy_request("Tidy the docs"));
    let unknown = agy_transcript(sb, AGY_UNKNOWN, agy_request("Who knows"));
    age(&other, 60);
    age(&unknown, 60);
    sb.write(
        agy_root(sb).join("cache/last_conversations.json"),
        json!({at.project.to_str().unwrap(): AGY_MAIN}).to_string(),
    );
    let history = [
        json!({"display": "Elsewhere", "timestamp": 1, "workspace": at.other, "conversationId": AGY_OTHER}),
        // An early build: no conversation id, so the prompt tells.
        json!({"display": "Tidy the docs", "timestamp": 2, "workspace": at.sub}),
    ];
    sb.write(agy_root(sb).join("history.jsonl"), lines(&history));
    vec![
        Row {
            tool: "agy",
            id: AGY_MAIN,
            project: Some(&at.project),
            started_at: "2026-11-21T13:00:00.000Z".into(),
            updated_at: age(&main, 12 * HOUR),
            path: &main,
            title: Some("Refactor the parser"),
            current: true,
        }
        .json(),
        Row {
            tool: "agy",
            id: AGY_BY_PROMPT,
            project: Some(&at.sub),
            started_at: "2026-11-21T14:00:00.000Z".into(),
            updated_at: age(&by_prompt, 13 * HOUR),
            path: &by_prompt,
            title: Some("Tidy the docs"),
            current: false,
        }
        .json(),
    ]
}

/// `ai-session-manager sessions ARGS --json`, parsed.
pub fn sessions_json(sb: &Sandbox, args: &[&str]) -> Vec<Value> {
    let out = sb
        .cli()
        .arg("sessions")
        .args(args)
        .arg("--json")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice::<Vec<Value>>(&out.stdout).unwrap()
}
