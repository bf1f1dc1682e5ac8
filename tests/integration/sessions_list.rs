//! `sessions`: exactly this project's sessions of every tool, newest first, the resumed one
//! marked; decided as each tool's own resume decides (docs/formats.md).

use crate::common;
use crate::sessions_support;

use common::*;
use serde_json::Value;
use sessions_support::*;

#[test]
fn lists_exactly_this_projects_sessions_newest_first_with_every_field() {
    let sb = Sandbox::new();
    let expected = build_stores(&sb);
    let listed = sessions_json(&sb, &[]);
    for (listed, expected) in listed.iter().zip(&expected) {
        assert_eq!(listed, expected);
    }
    assert_eq!(listed.len(), expected.len(), "{listed:#?}");
}

#[test]
fn a_subfolder_lists_the_same_project() {
    let sb = Sandbox::new();
    let expected = build_stores(&sb);
    let out = sb
        .cli()
        .args(["sessions", "--json"])
        .current_dir(sb.project.join("sub"))
        .output()
        .unwrap();
    let listed: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(listed, expected);
}

#[test]
fn named_tools_and_a_limit_per_tool() {
    let sb = Sandbox::new();
    let expected = build_stores(&sb);
    let ids = |rows: &[Value]| -> Vec<String> {
        rows.iter()
            .map(|row| format!("{} {}", row["tool"], row["id"]))
            .collect()
    };
    let listed = sessions_json(&sb, &["agy", "claude", "--limit", "2"]);
    // The tools keep their usual order, whatever the order they are named in.
    let wanted: Vec<Value> = [&expected[0..2], &expected[13..15]].concat();
    assert_eq!(ids(&listed), ids(&wanted));
}

#[test]
fn every_project_with_the_project_column() {
    let sb = Sandbox::new();
    build_stores(&sb);
    let at = places(&sb);
    let listed = sessions_json(&sb, &["claude", "--all-projects"]);
    let found: Vec<(String, Value)> = listed
        .iter()
        .map(|row| {
            (
                row["id"].as_str().unwrap().to_owned(),
                row["project"].clone(),
            )
        })
        .collect();
    // Newest first: the three other projects' sessions are ten minutes old.
    let mut expected = vec![
        (CLAUDE_OTHER, Value::from(at.other.to_str().unwrap())),
        (CLAUDE_SIBLING, Value::from(at.sibling.to_str().unwrap())),
        (
            CLAUDE_SAME_NAME,
            Value::from(at.same_name.to_str().unwrap()),
        ),
        (CLAUDE_SUB, Value::from(at.sub.to_str().unwrap())),
        (CLAUDE_MAIN, Value::from(at.project.to_str().unwrap())),
        (CLAUDE_EMPTY, Value::Null),
        (CLAUDE_BROKEN, Value::Null),
    ];
    expected[..3].sort_by(|a, b| a.0.cmp(b.0));
    let expected: Vec<(String, Value)> = expected
        .into_iter()
        .map(|(id, project)| (id.to_owned(), project))
        .collect();
    assert_eq!(found, expected);

    let out = sb
        .cli()
        .args(["sessions", "gemini", "codex", "--all-projects"])
        .output()
        .unwrap();
    let table = stdout(&out);
    let header = table.lines().next().unwrap();
    assert_eq!(
        header.split_whitespace().collect::<Vec<_>>(),
        ["TOOL", "ID", "LAST", "ACTIVITY", "SIZE", "PROJECT", "TITLE"]
    );
    // Other projects' sessions, and exec sessions, which codex's own resume leaves out too.
    let ids: Vec<&str> = table
        .lines()
        .skip(1)
        .map(|line| {
            line.trim_start_matches('*')
                .split_whitespace()
                .nth(1)
                .unwrap()
        })
        .collect();
    assert_eq!(
        ids,
        [
            "019a8f10-3",
            "019a8f10-1",
            "5d2e7c1a",
            "019a8f10-5",
            "9e000005",
            "7c9e6679",
            "3b241101",
            "9e000003"
        ]
    );
}

#[test]
fn the_table_aligns_columns_marks_the_current_session_and_shows_placeholders() {
    let sb = Sandbox::new();
    let at = places(&sb);
    claude_store(&sb, &at);
    let out = sb.cli().args(["sessions", "claude"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let size = |id: &str| {
        let bytes = len(&claude_transcript(
            &sb.home,
            if id == CLAUDE_SUB {
                &at.sub
            } else {
                &at.project
            },
            id,
        ));
        match bytes {
            0..1000 => format!("{bytes} B"),
            _ => format!("{:.1} KB", bytes as f64 / 1000.0),
        }
    };
    let expected = [
        "  TOOL    ID        LAST ACTIVITY    SIZE  TITLE".to_owned(),
        format!(
            "  claude  c1a00002  1 h ago        {:>6}  Port the sub crate",
            size(CLAUDE_SUB)
        ),
        format!(
            "* claude  5f1c2a3b  3 h ago        {:>6}  Why does the parser drop the last token?",
            size(CLAUDE_MAIN)
        ),
        format!(
            "  claude  c1a00003  2 d ago        {:>6}  (no prompt yet)",
            size(CLAUDE_EMPTY)
        ),
        format!(
            "  claude  c1a00004  3 d ago        {:>6}  (unreadable)",
            size(CLAUDE_BROKEN)
        ),
    ];
    assert_eq!(stdout(&out).lines().collect::<Vec<_>>(), expected);
}

#[test]
fn titles_are_cut_to_the_terminal_width() {
    let sb = Sandbox::new();
    let at = places(&sb);
    claude_store(&sb, &at);
    let out = sb
        .cli()
        .args(["sessions", "claude"])
        .env("COLUMNS", "61")
        .output()
        .unwrap();
    let lines: Vec<String> = stdout(&out).lines().map(str::to_owned).collect();
    assert_eq!(lines[2].chars().count(), 61, "{lines:#?}");
    assert!(lines[2].ends_with("Why does the pars…"), "{lines:#?}");
    // A title that fits is left whole.
    assert!(lines[1].ends_with("Port the sub crate"));
}

#[test]
fn ids_are_shown_as_long_as_it_takes_to_tell_them_apart() {
    let sb = Sandbox::new();
    let today = "2026-11-21";
    for id in [
        "019a8f10-1111-7222-8333-444455556666",
        "019a8f10-1112-7222-8333-444455556666",
    ] {
        let meta = serde_json::json!({"type": "session_meta",
            "payload": {"id": id, "cwd": sb.project, "timestamp": format!("{today}T10:00:00Z")}});
        sb.write(
            sb.home
                .join(".codex/sessions/2026/11/21")
                .join(format!("rollout-{today}T10-00-00-{id}.jsonl")),
            meta.to_string() + "\n",
        );
    }
    let out = sb.cli().args(["sessions", "codex"]).output().unwrap();
    let ids: Vec<String> = stdout(&out)
        .lines()
        .skip(1)
        .map(|line| {
            let line = line.trim_start_matches('*');
            line.split_whitespace().nth(1).unwrap().to_owned()
        })
        .collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(sorted, ["019a8f10-1111", "019a8f10-1112"]);
}

#[test]
fn nothing_stored_is_said_plainly_and_json_is_an_empty_array() {
    let sb = Sandbox::new();
    let out = sb.cli().arg("sessions").output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        stdout(&out),
        format!(
            "No sessions of this repository ({}) in the tools' stores\n",
            sb.project.display()
        )
    );
    assert_eq!(sessions_json(&sb, &[]), Vec::<Value>::new());
}

#[test]
fn a_state_pointing_elsewhere_marks_nothing() {
    let sb = Sandbox::new();
    let at = places(&sb);
    claude_store(&sb, &at);
    sb.write_python_state(
        "claude",
        "managed-id",
        Some("0b5c6f0e-3f7e-4c1b-9d55-2f5a8f1e9c11"),
    );
    let listed = sessions_json(&sb, &["claude"]);
    assert_eq!(listed.len(), 4);
    assert!(listed.iter().all(|row| row["current"] == false));
}

#[test]
fn an_unreadable_store_is_an_error_after_the_rest_is_listed() {
    let sb = Sandbox::new();
    let at = places(&sb);
    codex_store(&sb, &at);
    // A file where claude keeps its project folders: unreadable as a folder, even for root.
    sb.write(sb.home.join(".claude/projects"), "");
    let out = sb.cli().args(["sessions", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let listed: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(listed.len(), 3);
    assert!(
        stderr(&out).starts_with("error: cannot list claude sessions: cannot read"),
        "{}",
        stderr(&out)
    );
}
