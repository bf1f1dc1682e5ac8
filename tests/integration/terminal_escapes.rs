//! Text we print comes from places the user does not control: a transcript (a model's reply, a
//! web page the agent read), a cloned state or settings file, a folder or branch name. None of it
//! may reach the terminal as a control code, to a pipe as well as a terminal. Each test plants the
//! attacks in one source and reads every byte the command printed.

use crate::common;

use std::process::Output;

use common::*;
use serde_json::{Value, json};

const ID: &str = "44444444-2222-4333-8444-555555555555";

/// What an adversarial pass planted: OSC 52 (clipboard), OSC 8 (a disguised link), OSC 0
/// (window title), CSI (clear the screen), iTerm's file transfer, a C1 CSI, BELs, a BiDi
/// override and a zero-width joiner.
const ATTACKS: &[&str] = &[
    "\x1b]52;c;ZWNobyBwd25lZA==\x07",
    "invoice\u{202e}fdp.exe ",
    "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\",
    "\x1b]0;owned\x07",
    "\x1b[2J\x1b[H",
    "\x1b]1337;File=name=eA==;inline=1:AAAA\x07",
    "\u{9b}31m",
    "\x07\x07\x07\x07\x07",
    "zero\u{200d}width\u{200b}",
    "\r\x08\x7f",
];

fn payload() -> String {
    format!("coupon {}", ATTACKS.concat())
}

/// A character no human-readable output may hold: C0 but tab and newline, DEL, C1, BiDi
/// controls, zero-width characters.
fn obeyed(c: char) -> bool {
    let code = c as u32;
    (code < 0x20 && c != '\t' && c != '\n')
        || code == 0x7f
        || (0x80..=0x9f).contains(&code)
        || matches!(code, 0x061C | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060 | 0x2066..=0x2069 | 0xFEFF)
}

fn assert_inert(what: &str, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    let found: Vec<char> = text.chars().filter(|&c| obeyed(c)).collect();
    assert!(found.is_empty(), "{what} printed {found:?}: {text:?}");
}

fn assert_output_inert(what: &str, out: &Output) {
    assert_inert(&format!("{what} (stdout)"), &out.stdout);
    assert_inert(&format!("{what} (stderr)"), &out.stderr);
}

/// A claude session of this project whose prompt and reply carry the attacks.
fn hostile_claude_session(sb: &Sandbox) {
    let cwd = sb.project.to_str().unwrap();
    let reply = json!({"type": "assistant", "sessionId": ID, "cwd": cwd,
        "timestamp": "2026-11-21T10:00:02Z",
        "message": {"role": "assistant", "content": [{"type": "text", "text": payload()}]}});
    let lines = claude_user_line(ID, &sb.project, &payload()) + &reply.to_string() + "\n";
    sb.write(claude_transcript(&sb.home, &sb.project, ID), lines);
}

fn cli(sb: &Sandbox, args: &[&str]) -> Output {
    sb.cli().args(args).output().unwrap()
}

#[test]
fn sessions_show_and_search_print_transcript_attacks_visibly() {
    let sb = Sandbox::new();
    hostile_claude_session(&sb);
    let runs = [
        vec!["sessions"],
        vec!["sessions", "--all-projects"],
        vec!["show", "claude", ID],
        vec!["show", "claude", ID, "--format", "markdown"],
        vec!["search", "coupon"],
        vec!["search", "coupon", "--all-projects"],
    ];
    for args in runs {
        let out = cli(&sb, &args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        assert_output_inert(&format!("{args:?}"), &out);
        // The text is there, shown: ESC as ^[, the override by its code point.
        let text = stdout(&out);
        assert!(
            text.contains("^[]52;c;ZWNobyBwd25lZA==^G"),
            "{args:?}: {text}"
        );
        assert!(text.contains("invoice<U+202E>fdp.exe"), "{args:?}: {text}");
    }
}

#[test]
fn an_export_to_a_markdown_or_text_file_is_inert_too() {
    let sb = Sandbox::new();
    hostile_claude_session(&sb);
    for name in ["out.md", "out.txt"] {
        let file = sb.root.join(name);
        let out = sb
            .cli()
            .args(["export", "claude", ID, "-o"])
            .arg(&file)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        assert_inert(name, &std::fs::read(&file).unwrap());
    }
}

#[test]
fn show_raw_keeps_the_exact_bytes_and_says_so_in_help() {
    let sb = Sandbox::new();
    hostile_claude_session(&sb);
    let out = cli(
        &sb,
        &["show", "claude", ID, "--raw", "--format", "markdown"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains(&payload()));
    // Text wraps the line, so the sequences are there, whole.
    let out = cli(&sb, &["show", "claude", ID, "--raw"]);
    for attack in ["\x1b]52;c;ZWNobyBwd25lZA==\x07", "invoice\u{202e}fdp.exe"] {
        assert!(stdout(&out).contains(attack), "{attack:?}");
    }
    let help = stdout(&cli(&sb, &["show", "--help"]));
    assert!(help.contains("--raw"), "{help}");
    assert!(help.contains("exact bytes"), "{help}");
}

#[test]
fn json_output_escapes_control_characters_and_reads_back_exactly() {
    let sb = Sandbox::new();
    hostile_claude_session(&sb);
    let out = cli(&sb, &["show", "claude", ID, "--format", "json"]);
    assert!(!out.stdout.contains(&0x1b), "JSON escapes ESC");
    let model: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(model["messages"][0]["text"], payload());

    let out = cli(&sb, &["search", "coupon", "--json"]);
    assert!(!out.stdout.contains(&0x1b));
    let first: Value = serde_json::from_str(stdout(&out).lines().next().unwrap()).unwrap();
    assert!(first["snippet"].as_str().unwrap().contains("\x1b]52;"));

    let out = cli(&sb, &["sessions", "--json"]);
    assert!(!out.stdout.contains(&0x1b));
    let rows: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(rows[0]["title"].as_str().unwrap().contains('\x1b'));
}

/// A state file that arrived with a clone, recording a root that holds an OSC 52.
#[test]
fn a_cloned_state_whose_root_holds_an_escape_cannot_reach_the_terminal_at_launch() {
    let sb = Sandbox::new();
    sb.wrap("claude");
    let root = "/nowhere/\x1b]52;c;cm0gLXJmIH4=\x07/shop";
    sb.write_state(
        "claude",
        &json!({"version": 1, "tool": "claude", "session_mode": "managed-id",
            "resume_target": ID, "root": root, "cwd": root}),
    );
    let out = sb.run("claude", ["hi"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_output_inert("launch", &out);
    assert!(
        stderr(&out).contains("^[]52;c;cm0gLXJmIH4=^G"),
        "{}",
        stderr(&out)
    );
    assert!(sb.ran("claude"));
}

#[test]
fn a_cloned_settings_file_with_an_escape_in_a_key_is_reported_visibly() {
    let sb = Sandbox::new();
    sb.wrap("claude");
    sb.write(
        sb.state_dir().join("config.toml"),
        // TOML's own escapes: the key and the value hold ESC, BEL and an override.
        "\"\\u001b]0;owned\\u0007\" = \"x\"\nscope = \"\\u202ebranch\\u001b[2J\"\n",
    );
    for out in [
        sb.run("claude", ["hi"]),
        cli(&sb, &["status"]),
        cli(&sb, &["config"]),
    ] {
        assert_output_inert("settings", &out);
    }
    assert!(sb.ran("claude"));
}

#[test]
fn a_folder_named_with_an_escape_is_shown_visibly_when_a_session_starts() {
    let sb = Sandbox::new();
    sb.wrap("claude");
    let folder = sb.project.join("evil\x1b]0;owned\x07\u{202e}");
    std::fs::create_dir(&folder).unwrap();
    let project = folder.join("proj");
    std::fs::create_dir_all(project.join(".git")).unwrap();
    let out = sb.tool("claude").current_dir(&project).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("New session"), "{}", stderr(&out));
    assert_output_inert("launch", &out);
    for args in [&["status"][..], &["sessions"], &["config"]] {
        let out = sb.cli().args(args).current_dir(&project).output().unwrap();
        assert_output_inert(&format!("{args:?}"), &out);
    }
}

#[test]
fn a_branch_named_with_an_escape_is_shown_visibly_in_status_and_sessions() {
    let sb = Sandbox::new();
    sb.wrap("claude");
    let branch = "feat/\x1b]52;c;QUFB\x07\u{202e}";
    sb.write(
        sb.project.join(".git/HEAD"),
        format!("ref: refs/heads/{branch}\n"),
    );
    sb.write(sb.state_dir().join("config.toml"), "scope = \"branch\"\n");
    let launch = sb.run("claude", ["hi"]);
    assert_output_inert("launch", &launch);
    hostile_claude_session(&sb);
    for args in [&["status"][..], &["sessions"]] {
        let out = cli(&sb, args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        assert_output_inert(&format!("{args:?}"), &out);
        assert!(
            stdout(&out).contains("feat/^[]52;c;QUFB^G<U+202E>"),
            "{}",
            stdout(&out)
        );
    }
}

#[test]
fn convert_and_use_summaries_are_inert() {
    let sb = Sandbox::new();
    hostile_claude_session(&sb);
    let out = cli(&sb, &["use", "claude", ID]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_output_inert("use", &out);
    let out = cli(
        &sb,
        &[
            "session",
            "convert",
            "--from",
            "claude",
            "--to",
            "codex",
            "--source-session",
            ID,
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_output_inert("convert", &out);
}

#[test]
fn an_error_quoting_a_hostile_path_is_inert() {
    let sb = Sandbox::new();
    let target = sb.root.join("\x1b[2Jexists.md");
    std::fs::write(&target, "").unwrap();
    hostile_claude_session(&sb);
    let out = sb
        .cli()
        .args(["export", "claude", ID, "-o"])
        .arg(&target)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert_output_inert("export error", &out);
    assert!(
        stderr(&out).contains("^[[2Jexists.md already exists"),
        "{}",
        stderr(&out)
    );
}
