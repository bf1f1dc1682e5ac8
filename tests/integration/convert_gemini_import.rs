//! Gemini as the target: `--session-file` imports under a new id every time it is used, so the
//! wrapper imports once, learns the imported id from gemini's store on the next launch, and
//! resumes that id from then on.

use crate::common;
use crate::convert_support;

use std::path::Path;

use common::*;
use convert_support::*;
use serde_json::{Value, json};

const IMPORTED: &str = "0d1c2b3a-4f5e-4a6b-8c7d-9e0f1a2b3c4d";

/// Converts the claude fixture for gemini; returns the converted file.
fn converted(sb: &Sandbox) -> String {
    sb.wrap("gemini");
    claude_source(sb);
    let out = convert(sb, "claude", "gemini", &["--source-session", CLAUDE_ID]);
    assert!(out.status.success(), "{}", stderr(&out));
    sb.target("gemini").unwrap()
}

/// What gemini itself does with `--session-file FILE` (0.43+): a new session in this directory's
/// chats, with a new id, its own metadata, an "Imported session from" notice, then the file's
/// user and gemini messages as they were, ids included.
fn gemini_imports(sb: &Sandbox, file: &Path, id: &str) {
    let lines = json_lines(file);
    let mut meta = lines[0].clone();
    meta["sessionId"] = id.into();
    meta["projectHash"] = "5f0c3a1e9d2b".into();
    meta["startTime"] = "2026-11-21T12:00:00.000Z".into();
    meta["lastUpdated"] = "2026-11-21T12:00:00.000Z".into();
    let mut out = vec![
        meta,
        json!({"id": "import-1795259969000", "type": "info", "timestamp": "2026-11-21T12:00:00.000Z",
            "content": format!("Imported session from {}", file.display())}),
    ];
    out.extend(
        lines
            .into_iter()
            .filter(|line| matches!(line["type"].as_str(), Some("user" | "gemini"))),
    );
    let body: String = out.iter().map(|line| line.to_string() + "\n").collect();
    sb.write(
        gemini_chats(sb).join(format!("session-1795259969000-{}.jsonl", &id[..8])),
        body,
    );
}

/// Another session of the same directory that is not the import.
fn unrelated_session(sb: &Sandbox) {
    let id = "99999999-4f5e-4a6b-8c7d-9e0f1a2b3c4d";
    let lines = [
        json!({"sessionId": id, "projectHash": "h", "startTime": "2026-11-21T12:00:00.000Z",
            "lastUpdated": "2026-11-21T12:00:00.000Z", "kind": "main"}),
        json!({"id": "x1", "type": "user", "timestamp": "2026-11-21T12:00:00.000Z",
            "content": [{"text": "something else"}]}),
    ];
    let body: String = lines.iter().map(|line| line.to_string() + "\n").collect();
    sb.write(
        gemini_chats(sb).join(format!("session-1795259999000-{}.jsonl", &id[..8])),
        body,
    );
}

#[test]
fn the_first_launch_imports_and_later_ones_resume_the_imported_id() {
    let sb = Sandbox::new();
    let file = converted(&sb);

    let out = sb.run("gemini", ["-i", "go on"]);
    assert_eq!(
        sb.args("gemini"),
        ["--session-file", file.as_str(), "-i", "go on"]
    );
    assert!(stderr(&out).contains("Importing converted session"));
    let import = &sb.state("gemini")["import"];
    assert_eq!(import["attempts"], 1);
    assert_eq!(
        import["first_message"],
        json_lines(Path::new(&file))[1]["id"],
        "the converted file's first message"
    );

    gemini_imports(&sb, Path::new(&file), IMPORTED);
    unrelated_session(&sb);

    let out = sb.run("gemini", ["-i", "and then"]);
    assert_eq!(sb.args("gemini"), ["--resume", IMPORTED, "-i", "and then"]);
    assert!(stderr(&out).contains(&format!(
        "Gemini imported the converted session as {IMPORTED}"
    )));
    let state = sb.state("gemini");
    assert_eq!(state["resume_target"], IMPORTED);
    assert_eq!(state.get("import"), None);

    // Never imported again.
    sb.run("gemini", Vec::<&str>::new());
    assert_eq!(sb.args("gemini"), ["--resume", IMPORTED]);
    sb.run("gemini", Vec::<&str>::new());
    assert_eq!(sb.args("gemini"), ["--resume", IMPORTED]);
}

#[test]
fn an_import_that_left_nothing_is_tried_once_more_then_given_up() {
    let sb = Sandbox::new();
    let file = converted(&sb);
    gemini_chats(&sb);
    unrelated_session(&sb);

    sb.run("gemini", Vec::<&str>::new());
    assert_eq!(sb.args("gemini"), ["--session-file", file.as_str()]);
    // Gemini quit before importing: the next launch imports again.
    sb.run("gemini", Vec::<&str>::new());
    assert_eq!(sb.args("gemini"), ["--session-file", file.as_str()]);
    assert_eq!(sb.state("gemini")["import"]["attempts"], 2);

    let out = sb.run("gemini", Vec::<&str>::new());
    let id = sb.target("gemini").unwrap();
    assert!(is_uuid(&id));
    assert_eq!(sb.args("gemini"), ["--session-id", id.as_str()]);
    assert!(stderr(&out).contains("Gemini kept no session imported from"));
    assert_eq!(sb.state("gemini").get("import"), None);
    // The converted file stays for a manual import.
    assert!(Path::new(&file).is_file());
}

/// The Python tool's converted file and state: the file's path as the resume target, no import
/// record.
fn python_converted(sb: &Sandbox) -> std::path::PathBuf {
    sb.wrap("gemini");
    let file = sb
        .state_dir()
        .join("gemini-session-1b4e28ba-2fa1-11d2-883f-0016d3cca427.jsonl");
    let lines: Vec<Value> = vec![
        json!({"kind": "main", "sessionId": "1b4e28ba-2fa1-11d2-883f-0016d3cca427",
            "projectHash": "-tmp-proj", "startTime": "2026-01-01T00:00:00Z",
            "lastUpdated": "2026-01-01T00:01:00Z"}),
        json!({"type": "user", "id": "6f1d2c3b-0000-4000-8000-000000000001",
            "timestamp": "2026-01-01T00:00:00Z", "content": [{"text": "hello"}]}),
        json!({"type": "gemini", "id": "6f1d2c3b-0000-4000-8000-000000000002",
            "timestamp": "2026-01-01T00:01:00Z", "content": "hi", "thoughts": [],
            "tokens": {"cached": 0, "input": 0, "output": 0, "thoughts": 0, "tool": 0, "total": 0},
            "model": "synthetic"}),
    ];
    let body: String = lines.iter().map(|line| line.to_string() + "\n").collect();
    sb.write(&file, body);
    sb.write_python_state("gemini", "managed-id", Some(file.to_str().unwrap()));
    file
}

/// A file this machine's `session convert` did not write may have come with the repository, so
/// it is not imported; the notice says how to import it by hand.
#[test]
fn a_converted_file_from_the_python_tool_is_not_imported_by_itself() {
    let sb = Sandbox::new();
    let file = python_converted(&sb);
    let out = sb.run("gemini", Vec::<&str>::new());
    let id = sb.target("gemini").unwrap();
    assert!(is_uuid(&id));
    assert_eq!(sb.args("gemini"), ["--session-id", id.as_str()]);
    let text = stderr(&out);
    assert!(
        text.contains(&format!("Not importing {}", file.display())),
        "{text}"
    );
    assert!(
        text.contains(&format!("gemini --session-file {}", file.display())),
        "{text}"
    );
    assert!(file.is_file(), "the file stays");
}

/// Imported already, by hand or by the Python tool (which imported on every launch): the
/// import in gemini's store is resumed.
#[test]
fn a_python_converted_file_already_in_geminis_store_is_resumed() {
    let sb = Sandbox::new();
    let file = python_converted(&sb);
    gemini_imports(&sb, &file, IMPORTED);
    sb.run("gemini", Vec::<&str>::new());
    assert_eq!(sb.args("gemini"), ["--resume", IMPORTED]);
    sb.run("gemini", Vec::<&str>::new());
    assert_eq!(sb.args("gemini"), ["--resume", IMPORTED]);
}

#[test]
fn an_earlier_import_of_the_file_is_resumed_rather_than_imported_again() {
    let sb = Sandbox::new();
    let file = converted(&sb);
    // Imported before, by hand or by the Python tool, which imported on every launch.
    gemini_imports(&sb, Path::new(&file), IMPORTED);
    unrelated_session(&sb);
    sb.run("gemini", Vec::<&str>::new());
    assert_eq!(sb.args("gemini"), ["--resume", IMPORTED]);
    assert_eq!(sb.target("gemini").unwrap(), IMPORTED);
}

#[test]
fn a_vanished_converted_file_starts_a_new_session() {
    let sb = Sandbox::new();
    let file = converted(&sb);
    std::fs::remove_file(&file).unwrap();
    let out = sb.run("gemini", Vec::<&str>::new());
    let id = sb.target("gemini").unwrap();
    assert!(is_uuid(&id));
    assert_eq!(sb.args("gemini"), ["--session-id", id.as_str()]);
    assert!(stderr(&out).contains("is gone"));
}
