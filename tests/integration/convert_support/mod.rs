//! Fixture sessions for every source tool, placed in a sandbox's tool stores, and independent
//! readers of what `session convert` writes for every target tool.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::{Value, json};

use crate::common::*;

pub const CLAUDE_ID: &str = "5f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b";
pub const CODEX_ID: &str = "019a8f10-1111-7222-8333-444455556666";
pub const GEMINI_ID: &str = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
pub const COPILOT_ID: &str = "a3f1c2d4-5b6e-4f70-8a9b-0c1d2e3f4a5b";
pub const AGY_ID: &str = "c0ffee00-1111-4222-8333-444444444444";

/// (role, text, timestamp) of one message.
pub type Triple = (String, String, String);

pub fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read_to_string(path).unwrap()
}

/// A source session placed in a sandbox: what to pass as `--source-session` (none means the
/// project's stored one), and what it must convert to.
pub struct Source {
    pub tool: &'static str,
    pub reference: Option<String>,
    pub expected: Vec<Triple>,
    pub warnings: Vec<&'static str>,
}

fn triples(list: &[(&str, &str, &str)]) -> Vec<Triple> {
    list.iter()
        .map(|(role, text, time)| (role.to_string(), text.to_string(), time.to_string()))
        .collect()
}

pub fn place_source(sb: &Sandbox, tool: &str) -> Source {
    match tool {
        "claude" => claude_source(sb),
        "codex" => codex_source(sb),
        "gemini" => gemini_source(sb),
        "copilot" => copilot_source(sb),
        "agy" => agy_source(sb),
        other => panic!("no fixture for {other}"),
    }
}

/// A claude session filed under another directory, named by a unique id prefix.
pub fn claude_source(sb: &Sandbox) -> Source {
    sb.write(
        sb.home
            .join(".claude/projects/-home-dev-src-parser")
            .join(format!("{CLAUDE_ID}.jsonl")),
        fixture("convert/claude-session.jsonl"),
    );
    Source {
        tool: "claude",
        reference: Some(CLAUDE_ID[..8].to_owned()),
        expected: triples(&[
            (
                "user",
                "Why does the parser drop the last token?",
                "2026-11-21T09:00:00.100Z",
            ),
            (
                "assistant",
                "The loop stops one short:\n`i < len - 1` skips the final token.",
                "2026-11-21T09:00:03.000Z",
            ),
            (
                "assistant",
                "Fixed: the bound is now inclusive ✓",
                "2026-11-21T09:00:05.000Z",
            ),
            (
                "user",
                "Here is the failure, naïve me",
                "2026-11-21T09:02:00.000Z",
            ),
            (
                "user",
                "Thanks! Now add a test.",
                "2026-11-21T09:03:00.000Z",
            ),
            (
                "assistant",
                "Added a test: `parses_trailing_token`.",
                "2026-11-21T09:03:10.000Z",
            ),
        ]),
        warnings: vec![
            "warning: 1 tool call not carried",
            "warning: 1 tool result not carried",
            "warning: 1 thinking block not carried",
            "warning: 1 attachment not carried",
            "warning: 1 image not carried",
            "warning: 2 slash commands and outputs not carried",
            "warning: 1 error or info notice not carried",
            "warning: 1 sub-agent message not carried",
            "warning: 1 malformed line skipped",
        ],
    }
}

/// A codex 0.169 rollout, named by its full id.
pub fn codex_source(sb: &Sandbox) -> Source {
    sb.write(
        sb.home
            .join(".codex/sessions/2026/11/21")
            .join(format!("rollout-2026-11-21T10-00-00-{CODEX_ID}.jsonl")),
        fixture("convert/codex-rollout.jsonl"),
    );
    Source {
        tool: "codex",
        reference: Some(CODEX_ID.to_owned()),
        expected: triples(&[
            (
                "user",
                "Rename `foo` to `bar` everywhere.",
                "2026-11-21T10:00:01.000Z",
            ),
            (
                "assistant",
                "Renamed in 3 files.",
                "2026-11-21T10:00:05.010Z",
            ),
            ("user", "And this screenshot?", "2026-11-21T10:01:00.000Z"),
            (
                "assistant",
                "That is the old name in the docs; updated too.",
                "2026-11-21T10:01:01.010Z",
            ),
        ]),
        warnings: vec![
            "warning: 1 tool call not carried",
            "warning: 1 tool result not carried",
            "warning: 1 thinking block not carried",
            "warning: 1 image not carried",
            "warning: 1 malformed line skipped",
        ],
    }
}

/// Registers the sandbox project in gemini's `projects.json`; returns its chats folder.
pub fn gemini_chats(sb: &Sandbox) -> PathBuf {
    let projects = json!({"projects": {sb.project.to_str().unwrap(): "proj"}});
    sb.write(sb.home.join(".gemini/projects.json"), projects.to_string());
    sb.home.join(".gemini/tmp/proj/chats")
}

/// This project's gemini session, found through the project's state.
pub fn gemini_source(sb: &Sandbox) -> Source {
    let chats = gemini_chats(sb);
    sb.write(
        chats.join(format!(
            "session-2026-11-21T11-00-{}.jsonl",
            &GEMINI_ID[..8]
        )),
        fixture("convert/gemini-session.jsonl"),
    );
    sb.write_python_state("gemini", "managed-id", Some(GEMINI_ID));
    Source {
        tool: "gemini",
        reference: None,
        expected: triples(&[
            ("user", "Summarise README.md", "2026-11-21T11:00:01.000Z"),
            (
                "assistant",
                "It explains setup and usage.",
                "2026-11-21T11:00:02.000Z",
            ),
            ("user", "Now CONTRIBUTING.md", "2026-11-21T11:03:00.000Z"),
            (
                "assistant",
                "It covers the review process.",
                "2026-11-21T11:03:05.000Z",
            ),
        ]),
        warnings: vec![
            "warning: 1 tool call not carried",
            "warning: 1 thinking block not carried",
            "warning: 1 image not carried",
            "warning: 1 slash command or its output not carried",
            "warning: 1 error or info notice not carried",
            "warning: 1 malformed line skipped",
        ],
    }
}

/// A copilot session, named by the path of its folder.
pub fn copilot_source(sb: &Sandbox) -> Source {
    let dir = sb.home.join(".copilot/session-state").join(COPILOT_ID);
    sb.write(
        dir.join("events.jsonl"),
        fixture("convert/copilot-events.jsonl"),
    );
    Source {
        tool: "copilot",
        reference: Some(dir.to_str().unwrap().to_owned()),
        expected: triples(&[
            ("user", "List the failing tests", "2026-11-21T12:00:01.000Z"),
            (
                "assistant",
                "Two tests fail: `a` and `b`.",
                "2026-11-21T12:00:10.000Z",
            ),
            ("user", "Fix a", "2026-11-21T12:01:00.000Z"),
            ("assistant", "Done.", "2026-11-21T12:01:05.000Z"),
        ]),
        warnings: vec![
            "warning: 1 tool call not carried",
            "warning: 1 tool result not carried",
            "warning: 1 thinking block not carried",
            "warning: 1 attachment not carried",
            "warning: 1 malformed line skipped",
        ],
    }
}

/// This workspace's latest agy conversation, discovered from agy's cache (no state yet).
pub fn agy_source(sb: &Sandbox) -> Source {
    let root = sb.home.join(".gemini/antigravity-cli");
    sb.write(
        root.join("brain")
            .join(AGY_ID)
            .join(".system_generated/logs/transcript_full.jsonl"),
        fixture("convert/agy-transcript.jsonl"),
    );
    sb.write(
        root.join("cache/last_conversations.json"),
        json!({sb.project.to_str().unwrap(): AGY_ID}).to_string(),
    );
    Source {
        tool: "agy",
        reference: None,
        expected: triples(&[
            ("user", "Refactor the parser", "2026-11-21T13:00:01.000Z"),
            (
                "assistant",
                "I will split it into two functions.",
                "2026-11-21T13:00:05.000Z",
            ),
            (
                "assistant",
                "Done: `lex` and `parse`.",
                "2026-11-21T13:00:20.000Z",
            ),
            ("user", "Thanks", "2026-11-21T13:01:00.000Z"),
        ]),
        warnings: vec![
            "warning: 1 tool call not carried",
            "warning: 1 malformed line skipped",
        ],
    }
}

/// Runs `ai-session-manager session convert --from FROM --to TO ARGS`.
pub fn convert(sb: &Sandbox, from: &str, to: &str, args: &[&str]) -> Output {
    sb.cli()
        .args(["session", "convert", "--from", from, "--to", to])
        .args(args)
        .output()
        .unwrap()
}

pub fn json_lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

fn text(value: &Value) -> String {
    value.as_str().unwrap().to_owned()
}

/// A written claude transcript's messages, after checking the record shape Claude relies on:
/// each record names the previous one as its parent, and carries the session, folder and
/// version; the first message is followed by the `environment` and `date` attachments Claude
/// records at a session's start, as data only.
pub fn claude_messages(path: &Path, id: &str, cwd: &Path) -> Vec<Triple> {
    let mut parent = Value::Null;
    let mut messages = Vec::new();
    let mut attachments = Vec::new();
    for (index, record) in json_lines(path).into_iter().enumerate() {
        assert_eq!(record["parentUuid"], parent, "{record}");
        assert_eq!(record["sessionId"], id);
        assert_eq!(record["cwd"], cwd.to_str().unwrap());
        assert_eq!(record["isSidechain"], false);
        assert_eq!(record["userType"], "external");
        assert!(!record["version"].as_str().unwrap().is_empty());
        assert!(record["gitBranch"].is_string());
        parent = record["uuid"].clone();
        if record["type"] == "attachment" {
            assert!(
                record.get("rendered").is_none(),
                "Claude renders its own text"
            );
            attachments.push((index, text(&record["attachment"]["type"])));
            if record["attachment"]["type"] == "environment" {
                let snapshot = &record["attachment"]["snapshot"];
                assert_eq!(snapshot["workingDirectory"], cwd.to_str().unwrap());
                assert!(snapshot["isGitRepo"].is_boolean());
                assert!(!snapshot["osVersion"].as_str().unwrap().is_empty());
            }
            continue;
        }
        let role = text(&record["type"]);
        assert_eq!(record["message"]["role"], role.as_str());
        let body = match role.as_str() {
            "user" => text(&record["message"]["content"]),
            "assistant" => {
                assert_eq!(record["message"]["model"], "<synthetic>");
                text(&record["message"]["content"][0]["text"])
            }
            other => panic!("unexpected record type {other}"),
        };
        messages.push((role, body, text(&record["timestamp"])));
    }
    assert_eq!(
        attachments,
        [(1, "environment".to_owned()), (2, "date".to_owned())],
        "the start-of-session attachments follow the first message"
    );
    messages
}

/// The rollout of codex session `id` under the sandbox's codex home.
pub fn codex_rollout(sb: &Sandbox, id: &str) -> PathBuf {
    let suffix = format!("-{id}.jsonl");
    let mut found = Vec::new();
    let mut dirs = vec![sb.home.join(".codex/sessions")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.to_str().unwrap().ends_with(&suffix) {
                found.push(path);
            }
        }
    }
    assert_eq!(found.len(), 1, "{found:?}");
    found.remove(0)
}

/// A written codex rollout's messages, after checking its `session_meta` and that its name and
/// folder follow codex's local-time layout.
pub fn codex_messages(path: &Path, id: &str, cwd: &Path) -> Vec<Triple> {
    let name = path.file_name().unwrap().to_str().unwrap();
    let stamp = &name["rollout-".len()..name.len() - id.len() - ".jsonl".len() - 1];
    assert_eq!(stamp.len(), "2026-11-21T10-00-00".len(), "{name}");
    let folder: Vec<&str> = path
        .parent()
        .unwrap()
        .iter()
        .rev()
        .take(3)
        .map(|part| part.to_str().unwrap())
        .collect();
    assert_eq!(
        format!("{}-{}-{}", folder[2], folder[1], folder[0]),
        stamp[..10]
    );
    let lines = json_lines(path);
    let meta = &lines[0];
    assert_eq!(meta["type"], "session_meta");
    assert_eq!(meta["payload"]["id"], id);
    assert_eq!(meta["payload"]["cwd"], cwd.to_str().unwrap());
    assert!(meta["payload"]["timestamp"].is_string());
    assert!(meta["payload"]["originator"].is_string());
    assert!(meta["payload"]["cli_version"].is_string());
    // Codex resumes only with the provider the session names: the sandbox configures none, so
    // codex's default.
    assert_eq!(meta["payload"]["model_provider"], "openai");
    let ordinals: Vec<u64> = lines
        .iter()
        .map(|line| line["ordinal"].as_u64().unwrap())
        .collect();
    assert_eq!(ordinals, (0..lines.len() as u64).collect::<Vec<_>>());
    // Each message is a response item (the model's history) followed by the event that codex's
    // screen redraws it from.
    lines[1..]
        .chunks(2)
        .map(|pair| {
            let [line, event] = pair else {
                panic!("a response item without its event: {pair:?}")
            };
            assert_eq!(line["type"], "response_item");
            let payload = &line["payload"];
            assert_eq!(payload["type"], "message");
            let role = text(&payload["role"]);
            let kind = if role == "user" {
                "input_text"
            } else {
                "output_text"
            };
            assert_eq!(payload["content"][0]["type"], kind);
            let body = text(&payload["content"][0]["text"]);
            assert_eq!(event["type"], "event_msg");
            let event_kind = if role == "user" {
                "user_message"
            } else {
                "agent_message"
            };
            assert_eq!(event["payload"]["type"], event_kind);
            assert_eq!(event["payload"]["message"], body.as_str());
            assert_eq!(event["timestamp"], line["timestamp"]);
            (role, body, text(&line["timestamp"]))
        })
        .collect()
}

/// A written gemini session file's messages, after checking its metadata line and the closing
/// `$set` of `lastUpdated`.
pub fn gemini_messages(path: &Path) -> Vec<Triple> {
    let lines = json_lines(path);
    let meta = &lines[0];
    assert!(meta["sessionId"].is_string());
    assert!(!meta["projectHash"].as_str().unwrap().is_empty());
    assert_eq!(meta["kind"], "main");
    let last = lines.last().unwrap();
    let messages: Vec<Triple> = lines[1..lines.len() - 1]
        .iter()
        .map(|line| {
            assert!(line["id"].is_string());
            let (role, body) = match line["type"].as_str().unwrap() {
                "user" => ("user", text(&line["content"][0]["text"])),
                "gemini" => ("assistant", text(&line["content"])),
                other => panic!("unexpected message type {other}"),
            };
            (role.to_owned(), body, text(&line["timestamp"]))
        })
        .collect();
    assert_eq!(meta["startTime"].as_str(), Some(messages[0].2.as_str()));
    assert_eq!(
        last["$set"]["lastUpdated"].as_str(),
        Some(messages.last().unwrap().2.as_str())
    );
    messages
}
