//! `search`: the visible conversation of every tool's sessions, grouped by session, with grep's
//! exit codes.

use crate::common;
use crate::convert_support;

use std::process::Output;

use common::*;
use convert_support::{CLAUDE_ID, place_source};
use serde_json::{Value, json};

const ID: &str = "44444444-2222-4333-8444-555555555555";
const OTHER: &str = "55555555-2222-4333-8444-555555555555";

fn search(sb: &Sandbox, args: &[&str]) -> Output {
    sb.cli().arg("search").args(args).output().unwrap()
}

fn json_matches(out: &Output) -> Vec<Value> {
    stdout(out)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

/// A claude session of this project: visible messages, and the word in places `show` does not
/// print (a tool result, a tool call, thinking).
fn claude_session(sb: &Sandbox, id: &str, user_text: &str) {
    let cwd = sb.project.to_str().unwrap();
    let lines = [
        claude_user_line(id, &sb.project, user_text),
        json!({"type": "user", "sessionId": id, "cwd": cwd, "timestamp": "2026-11-21T10:00:01Z",
            "message": {"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": "t1", "content": "coupon table dump"}]}})
        .to_string()
            + "\n",
        json!({"type": "assistant", "sessionId": id, "cwd": cwd, "timestamp": "2026-11-21T10:00:02Z",
            "message": {"role": "assistant", "content": [
                {"type": "thinking", "thinking": "the coupon again"},
                {"type": "tool_use", "id": "t2", "name": "grep", "input": {"q": "coupon"}},
                {"type": "text", "text": "The \"coupon\" rounds down in café prices."}]}})
        .to_string()
            + "\n",
    ];
    sb.write(claude_transcript(&sb.home, &sb.project, id), lines.concat());
}

#[test]
fn only_the_visible_conversation_matches_with_its_message_numbers() {
    let sb = Sandbox::new();
    claude_session(&sb, ID, "Why is the coupon wrong?");
    let out = search(&sb, &["coupon", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let matches = json_matches(&out);
    let found: Vec<(&str, u64)> = matches
        .iter()
        .map(|m| (m["role"].as_str().unwrap(), m["message"].as_u64().unwrap()))
        .collect();
    assert_eq!(found, [("user", 0), ("assistant", 1)]);
    let first = &matches[0];
    assert_eq!(first["tool"], "claude");
    assert_eq!(first["id"], ID);
    assert_eq!(first["timestamp"], "2026-11-21T11:13:38.603Z");
    assert!(
        first["path"]
            .as_str()
            .unwrap()
            .ends_with(&format!("{ID}.jsonl"))
    );
    for found in &matches {
        let snippet = found["snippet"].as_str().unwrap();
        for range in found["snippet_offsets"].as_array().unwrap() {
            let (s, e) = (
                range[0].as_u64().unwrap() as usize,
                range[1].as_u64().unwrap() as usize,
            );
            assert_eq!(&snippet[s..e].to_lowercase(), "coupon");
        }
    }
    assert_eq!(matches[1]["offsets"], json!([[5, 11]]));
}

#[test]
fn text_behind_json_escapes_is_found() {
    let sb = Sandbox::new();
    claude_session(&sb, ID, "nothing to see");
    // The raw line holds `\"coupon\"` and `café`; both match their decoded text.
    let out = search(&sb, &["\"coupon\" rounds", "--json"]);
    assert_eq!(json_matches(&out).len(), 1, "{}", stderr(&out));
    let escaped = json!({"type": "user", "sessionId": OTHER, "cwd": sb.project,
        "message": {"role": "user", "content": "prix caf\u{e9}"}});
    // As an encoder that escapes every non-ASCII character writes it.
    let raw = escaped.to_string().replace('é', "\\u00e9") + "\n";
    sb.write(claude_transcript(&sb.home, &sb.project, OTHER), raw);
    let out = search(&sb, &["prix café", "--json"]);
    let matches = json_matches(&out);
    assert_eq!(matches.len(), 1, "{}", stdout(&out));
    assert_eq!(matches[0]["id"], OTHER);
}

#[test]
fn smart_case_and_regex_and_exit_codes_follow_grep() {
    let sb = Sandbox::new();
    claude_session(&sb, ID, "Why is the coupon wrong?");
    assert_eq!(
        search(&sb, &["COUPON"]).status.code(),
        Some(1),
        "upper case matches exactly"
    );
    assert_eq!(
        search(&sb, &["COUPON", "--case-sensitive"]).status.code(),
        Some(1)
    );
    assert_eq!(search(&sb, &["Why"]).status.code(), Some(0));
    assert_eq!(
        search(&sb, &["why", "--case-sensitive"]).status.code(),
        Some(1)
    );
    assert_eq!(
        search(&sb, &["c.upon"]).status.code(),
        Some(1),
        "literal by default"
    );
    assert_eq!(search(&sb, &["c.upon", "--regex"]).status.code(), Some(0));
    let bad = search(&sb, &["(", "--regex"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("error:"), "{}", stderr(&bad));
    assert_eq!(search(&sb, &["nowhere at all"]).status.code(), Some(1));
}

#[test]
fn a_replaced_gemini_message_matches_only_in_its_final_form() {
    let sb = Sandbox::new();
    let chats = convert_support::gemini_chats(&sb);
    let lines = [
        json!({"sessionId": ID, "projectHash": "h", "startTime": "2026-11-21T11:00:00Z"}),
        json!({"id": "u1", "type": "user", "content": [{"text": "question"}]}),
        json!({"id": "g1", "type": "gemini", "content": "a draft about zebras"}),
        json!({"id": "g1", "type": "gemini", "content": "the final answer"}),
    ];
    let body: String = lines.iter().map(|line| line.to_string() + "\n").collect();
    sb.write(
        chats.join(format!("session-2026-11-21T11-00-{}.jsonl", &ID[..8])),
        body,
    );
    assert_eq!(search(&sb, &["zebras"]).status.code(), Some(1));
    assert_eq!(search(&sb, &["final answer"]).status.code(), Some(0));
}

#[test]
fn every_tool_is_searched_and_results_are_grouped_by_session() {
    let sb = Sandbox::new();
    let words = [
        ("claude", "parser drop"),
        ("codex", "Renamed in 3 files"),
        ("gemini", "CONTRIBUTING"),
        ("copilot", "failing tests"),
        ("agy", "split it into two"),
    ];
    for (tool, _) in words {
        place_source(&sb, tool);
    }
    for (tool, word) in words {
        let out = search(&sb, &[word, "--all-projects", "--json"]);
        assert_eq!(out.status.code(), Some(0), "{tool}: {}", stderr(&out));
        let tools: Vec<String> = json_matches(&out)
            .iter()
            .map(|m| m["tool"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(tools, [tool], "{word}");
    }
    // Only the named tools.
    assert_eq!(
        search(&sb, &["parser drop", "--all-projects", "codex"])
            .status
            .code(),
        Some(1)
    );

    let out = search(&sb, &["the", "--all-projects"]);
    let text = stdout(&out);
    assert!(!text.contains('\x1b'), "no colour off a terminal");
    let headers: Vec<&str> = text.lines().filter(|line| !line.starts_with(' ')).collect();
    let claude_header = headers
        .iter()
        .find(|line| line.starts_with("claude "))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        claude_header.starts_with(&format!("claude {}", &CLAUDE_ID[..8])),
        "{claude_header}"
    );
    assert!(claude_header.contains("Why does the parser drop the last token?"));
    let claude_lines: Vec<&str> = text
        .split("\n\n")
        .find(|group| group.starts_with("claude "))
        .unwrap()
        .lines()
        .skip(1)
        .collect();
    assert!(
        claude_lines.iter().all(|line| line.starts_with("  ")),
        "{claude_lines:?}"
    );
    assert!(claude_lines[0].contains("user"), "{claude_lines:?}");
}

#[test]
fn limit_keeps_the_newest_sessions() {
    let sb = Sandbox::new();
    claude_session(&sb, ID, "old coupon");
    claude_session(&sb, OTHER, "new coupon");
    let old = claude_transcript(&sb.home, &sb.project, ID);
    let file = std::fs::File::options().write(true).open(&old).unwrap();
    file.set_modified(
        std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000),
    )
    .unwrap();
    let out = search(&sb, &["coupon", "--json", "--limit", "1"]);
    let ids: Vec<String> = json_matches(&out)
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(ids.iter().all(|id| id == OTHER), "{ids:?}");
}

fn mkfifo(path: &std::path::Path) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let name = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o644) }, 0);
}

#[test]
fn what_could_not_be_searched_is_said_and_exits_2_when_nothing_matched() {
    let sb = Sandbox::new();
    // A session that cannot be read.
    mkfifo(&claude_transcript(&sb.home, &sb.project, ID));
    let out = search(&sb, &["coupon"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("cannot search claude session"),
        "{}",
        stderr(&out)
    );

    // A store folder that cannot be listed: codex's day folder is a file.
    let sb = Sandbox::new();
    sb.write(sb.home.join(".codex/sessions/2026/11/21"), "not a folder");
    let out = search(&sb, &["coupon"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("2026/11/21"), "{}", stderr(&out));
    // A match elsewhere is still a match: exit 0, the warning said.
    claude_session(&sb, OTHER, "the coupon");
    let out = search(&sb, &["coupon"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("2026/11/21"), "{}", stderr(&out));
    // Claude's project folder is a file.
    let sb = Sandbox::new();
    let folder = claude_transcript(&sb.home, &sb.project, ID)
        .parent()
        .unwrap()
        .to_path_buf();
    std::fs::create_dir_all(folder.parent().unwrap()).unwrap();
    std::fs::write(&folder, "x").unwrap();
    let out = search(&sb, &["coupon"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("cannot read"), "{}", stderr(&out));
}

#[test]
fn limit_stops_reading_once_enough_sessions_are_printed() {
    let sb = Sandbox::new();
    let dir = claude_transcript(&sb.home, &sb.project, ID)
        .parent()
        .unwrap()
        .to_path_buf();
    // 300 sessions, newest first by mtime; the oldest cannot be read, and a search that read it
    // would say so.
    for n in 0..300u32 {
        let id = format!("{n:08x}-2222-4333-8444-555555555555");
        let path = dir.join(format!("{id}.jsonl"));
        sb.write(&path, claude_user_line(&id, &sb.project, "the coupon"));
        let age = std::time::Duration::from_secs(u64::from(n) * 60);
        let time = std::time::SystemTime::now() - age;
        std::fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(time)
            .unwrap();
    }
    mkfifo(&dir.join("ffffffff-2222-4333-8444-555555555555.jsonl"));
    let out = search(&sb, &["coupon", "--limit", "2", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let ids: Vec<String> = json_matches(&out)
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 2);
    assert!(!stderr(&out).contains("cannot search"), "{}", stderr(&out));
    // Without the limit it is read, and said.
    let out = search(&sb, &["coupon", "--json"]);
    assert!(stderr(&out).contains("cannot search"), "{}", stderr(&out));
    // A reader that went away (`| head`) stops it as well: SIGPIPE on Unix, and where there
    // is none, the failed write.
    let mut child = sb
        .cli()
        .args(["search", "coupon"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(!stderr(&out).contains("cannot search"), "{}", stderr(&out));
}

/// A store larger than the address space the search may use, every message matching: results
/// are printed as they are found, never gathered, so it finishes under the cap.
#[test]
fn a_search_of_a_store_larger_than_its_memory_cap_streams() {
    const CAP: u64 = 128 * 1024 * 1024;
    let sb = Sandbox::new();
    let dir = claude_transcript(&sb.home, &sb.project, ID)
        .parent()
        .unwrap()
        .to_path_buf();
    // 12 sessions of 16 MB, 1 KB messages: 192 MB, more than the cap.
    let message = format!("coupon {}", "x".repeat(1000));
    for n in 0..12u32 {
        let id = format!("{n:08x}-2222-4333-8444-555555555555");
        let line = claude_user_line(&id, &sb.project, &message);
        let body = line.repeat((16 << 20) / line.len());
        sb.write(dir.join(format!("{id}.jsonl")), body);
    }
    for args in [&["coupon", "--json"][..], &["coupon", "--limit", "1"]] {
        let mut command = sb.cli();
        command.arg("search").args(args);
        capped(&mut command, CAP);
        let out = command
            .stdout(std::process::Stdio::piped())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        assert!(stdout(&out).contains("coupon"), "{args:?}");
    }
}

/// Runs `command` with its address space capped at `cap` bytes.
fn capped(command: &mut std::process::Command, cap: u64) {
    use std::os::unix::process::CommandExt;
    // SAFETY: setrlimit is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        command.pre_exec(move || {
            let limit = libc::rlimit {
                rlim_cur: cap,
                rlim_max: cap,
            };
            match libc::setrlimit(libc::RLIMIT_AS, &limit) {
                0 => Ok(()),
                _ => Err(std::io::Error::last_os_error()),
            }
        });
    }
}

/// More sessions than fit in the cap, listed and searched across every project: the listing is
/// sorted through temporary files, never held whole. (With the listing held in memory, as before,
/// each of these aborts under the same cap.)
#[test]
fn listing_and_searching_more_sessions_than_fit_in_memory() {
    const CAP: u64 = 64 * 1024 * 1024;
    const COUNT: usize = 10_000;
    let sb = Sandbox::new();
    heavy_sessions(&sb, COUNT);
    let run = |args: &[&str]| {
        let mut command = sb.cli();
        command.args(args);
        capped(&mut command, CAP);
        let out = command.output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        out
    };
    let listed: Vec<Value> =
        serde_json::from_slice(&run(&["sessions", "--all-projects", "--json"]).stdout).unwrap();
    assert_eq!(listed.len(), COUNT);
    let mut ids: Vec<&str> = listed
        .iter()
        .map(|row| row["id"].as_str().unwrap())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), COUNT, "each session once");
    let times: Vec<&str> = listed
        .iter()
        .map(|row| row["updated_at"].as_str().unwrap())
        .collect();
    assert!(times.is_sorted_by(|a, b| a >= b), "newest first");

    let found = json_matches(&run(&["search", "--all-projects", "coupon", "--json"]));
    assert_eq!(found.len(), COUNT);

    // The table, past a thousand rows, prints whole ids, a block at a time.
    let table = stdout(&run(&["sessions", "--all-projects"]));
    assert_eq!(
        table
            .lines()
            .filter(|line| line.contains("fix the coupon"))
            .count(),
        COUNT
    );
    assert_eq!(
        table.lines().filter(|line| line.contains("TOOL")).count(),
        1
    );
    assert!(
        table.contains(" 00000000-2222-4333-8444-555555555555 "),
        "whole ids"
    );
}

/// `count` claude sessions whose folders have 6 KB names, so that each weighs more than its file.
fn heavy_sessions(sb: &Sandbox, count: usize) {
    let deep = sb.root.join(vec!["folder".repeat(40); 25].join("/"));
    let store = sb.home.join(".claude/projects");
    for n in 0..count {
        let dir = store.join(format!("p{}", n / 500));
        if n % 500 == 0 {
            std::fs::create_dir_all(&dir).unwrap();
        }
        let id = format!("{n:08x}-2222-4333-8444-555555555555");
        let cwd = deep.join(n.to_string());
        let line = claude_user_line(&id, &cwd, &format!("fix the coupon {n}"));
        std::fs::write(dir.join(format!("{id}.jsonl")), line).unwrap();
    }
}

/// A temporary folder that cannot be written (here a file, not a folder): a listing too large to
/// hold is held anyway, with one warning, and is the same.
#[test]
fn a_listing_with_nowhere_to_spill_is_held_in_memory_and_says_so() {
    const COUNT: usize = 2_000;
    let sb = Sandbox::new();
    heavy_sessions(&sb, COUNT);
    let not_a_folder = sb.write(sb.root.join("tmp-file"), "x");
    let listed = |tmp: &std::path::Path| {
        let out = sb
            .cli()
            .args(["sessions", "--all-projects", "--json"])
            .env("TMPDIR", tmp)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        out
    };
    let spilled = listed(&sb.root);
    assert_eq!(stderr(&spilled), "");
    let held = listed(&not_a_folder);
    let warnings = stderr(&held);
    assert_eq!(warnings.lines().count(), 1, "{warnings}");
    assert!(warnings.contains("holding it in memory"), "{warnings}");
    assert_eq!(held.stdout, spilled.stdout);
    let rows: Vec<Value> = serde_json::from_slice(&held.stdout).unwrap();
    assert_eq!(rows.len(), COUNT);
}
