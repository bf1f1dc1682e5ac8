//! `show` and `export`: every tool's fixture session in every format, against golden files in
//! `tests/fixtures/show/` (`UPDATE_GOLDEN=1 cargo test --test sessions_show` rewrites them);
//! the tally's place; colour and width on a terminal; and `export`'s file handling.

use crate::common;
use crate::convert_support;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::*;
use convert_support::*;

const TOOLS: [&str; 5] = ["claude", "codex", "gemini", "copilot", "agy"];
const FORMATS: [(&str, &str); 4] = [
    ("text", "txt"),
    ("markdown", "md"),
    ("json", "json"),
    ("jsonl", "jsonl"),
];

fn golden(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/show")
        .join(name)
}

/// `show TOOL [REF] ARGS`, in UTC so that local times are the same everywhere.
fn show(sb: &Sandbox, source: &Source, args: &[&str]) -> Output {
    let mut command = sb.cli();
    command.arg("show").arg(source.tool);
    if let Some(reference) = &source.reference {
        command.arg(reference);
    }
    command.args(args).env("TZ", "UTC").output().unwrap()
}

/// The sandbox's own path differs from run to run.
fn normalised(sb: &Sandbox, text: &str) -> String {
    text.replace(sb.root.to_str().unwrap(), "<sandbox>")
}

#[test]
fn every_tool_in_every_format_matches_its_golden_file() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut mismatches = Vec::new();
    for tool in TOOLS {
        let sb = Sandbox::new();
        let source = place_source(&sb, tool);
        for (format, extension) in FORMATS {
            let out = show(&sb, &source, &["--format", format]);
            assert!(out.status.success(), "{tool} {format}: {}", stderr(&out));
            let text = normalised(&sb, &stdout(&out));
            let path = golden(&format!("{tool}.{extension}"));
            if update {
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(&path, &text).unwrap();
            } else if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
                mismatches.push(format!("{}:\n{text}", path.display()));
            }
            // The tally: in the document for people, on stderr for machines.
            let tally = not_shown_line(&source);
            match format {
                "json" | "jsonl" => assert_eq!(stderr(&out), format!("{tally}\n"), "{tool}"),
                _ => {
                    assert_eq!(stderr(&out), "", "{tool} {format}");
                    let words = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
                    let end = match format {
                        "markdown" => format!("*N{}*", &tally[1..]),
                        _ => tally.clone(),
                    };
                    assert!(words(&text).ends_with(&end), "{tool} {format}: {text}");
                }
            }
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n\n"));
}

/// The convert fixtures' "warning: N X not carried" lines, as one "not shown" line.
fn not_shown_line(source: &Source) -> String {
    let mut kinds = Vec::new();
    let mut malformed = None;
    for warning in &source.warnings {
        let item = warning.trim_start_matches("warning: ");
        match item.strip_suffix(" not carried") {
            Some(kind) => kinds.push(kind.to_owned()),
            None => malformed = Some(item.to_owned()),
        }
    }
    let mut line = format!("not shown: {}", kinds.join(", "));
    if let Some(malformed) = malformed {
        line += &format!("; {malformed}");
    }
    line
}

#[test]
fn json_is_the_transcript_model_with_stable_keys() {
    let sb = Sandbox::new();
    let source = place_source(&sb, "claude");
    let out = show(&sb, &source, &["--format", "json"]);
    let model: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let keys: Vec<&str> = model
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    // serde_json lists keys sorted.
    assert_eq!(
        keys,
        [
            "id",
            "messages",
            "not_shown",
            "project",
            "started_at",
            "tool",
            "updated_at"
        ]
    );
    assert_eq!(model["tool"], "claude");
    assert_eq!(model["id"], CLAUDE_ID);
    assert_eq!(model["project"], "/home/dev/src/parser");
    assert_eq!(model["started_at"], "2026-11-21T09:00:00.000Z");
    assert_eq!(model["updated_at"], "2026-11-21T09:03:10.000Z");
    let messages: Vec<(String, String, String)> = model["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["role"].as_str().unwrap().to_owned(),
                m["text"].as_str().unwrap().to_owned(),
                m["timestamp"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(messages, source.expected);
    assert_eq!(
        model["not_shown"],
        serde_json::json!({"tool_calls": 1, "tool_results": 1, "thinking": 1, "attachments": 1,
            "images": 1, "commands": 2, "notices": 1, "subagents": 1, "malformed_lines": 1})
    );
    // jsonl: the same messages, one per line.
    let out = show(&sb, &source, &["--format", "jsonl"]);
    let lines: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines, model["messages"].as_array().unwrap().clone());
}

#[test]
fn without_an_id_it_shows_the_session_this_project_resumes() {
    let sb = Sandbox::new();
    place_source(&sb, "claude");
    sb.write_python_state("claude", "managed-id", Some(CLAUDE_ID));
    let out = sb
        .cli()
        .args(["show", "claude", "--format", "jsonl"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().count(), 6);

    let out = sb.cli().args(["show", "copilot"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "error: this repository has no copilot session yet\n\
         help: name one: 'ai-session-manager sessions copilot' lists them\n"
    );
}

#[test]
fn an_unknown_or_ambiguous_id_is_an_error() {
    let sb = Sandbox::new();
    place_source(&sb, "claude");
    let other = CLAUDE_ID.replace("5f1c2a3b-4d5e", "5f1c2a3b-9999");
    sb.write(
        sb.home
            .join(".claude/projects/-x")
            .join(format!("{other}.jsonl")),
        "",
    );
    let out = sb.cli().args(["show", "claude", "5f1c"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with("error: 5f1c matches 2 claude sessions"),
        "{}",
        stderr(&out)
    );
    let out = sb
        .cli()
        .args(["show", "claude", "abcdef"])
        .output()
        .unwrap();
    assert_eq!(
        stderr(&out).lines().next(),
        Some("error: no claude session matches abcdef")
    );
}

#[test]
fn text_wraps_to_eighty_columns_off_a_terminal() {
    let sb = Sandbox::new();
    let long = "word ".repeat(40);
    let id = "0b5c6f0e-3f7e-4c1b-9d55-2f5a8f1e9c11";
    sb.write(
        claude_transcript(&sb.home, &sb.project, id),
        claude_user_line(id, &sb.project, long.trim()),
    );
    let out = sb
        .cli()
        .args(["show", "claude", id])
        .env("TZ", "UTC")
        .output()
        .unwrap();
    let text = stdout(&out);
    let body: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.starts_with("── User"))
        .skip(1)
        .collect();
    assert_eq!(body.len(), 3, "{text}");
    assert!(body.iter().all(|line| line.chars().count() <= 80));
    assert_eq!(body.join(" "), long.trim());
}

#[cfg(target_os = "linux")]
mod terminal {
    use super::*;
    use std::io::Read;

    /// Runs `command` with stdout on a fresh terminal `columns` wide; returns what it printed.
    fn on_terminal(command: &mut std::process::Command, columns: u16) -> String {
        let (master, slave) = openpty(40, columns);
        let mut child = command.stdout(slave).spawn().unwrap();
        // The command keeps its copy of the terminal open until it is given another stdout.
        command.stdout(std::process::Stdio::null());
        let reader = std::thread::spawn(move || {
            let mut bytes = Vec::new();
            // Reading ends in EIO once the child has exited and the terminal is drained.
            let _ = std::fs::File::from(master).read_to_end(&mut bytes);
            bytes
        });
        let status = child.wait().unwrap();
        let bytes = reader.join().unwrap();
        assert!(status.success());
        String::from_utf8_lossy(&bytes).replace("\r\n", "\n")
    }

    #[test]
    fn colour_and_width_come_from_the_terminal_and_no_color_turns_colour_off() {
        let sb = Sandbox::new();
        place_source(&sb, "claude");
        let mut command = sb.cli();
        command
            .args(["show", "claude", "5f1c", "--format", "text"])
            .env("TZ", "UTC");
        let text = on_terminal(&mut command, 50);
        assert!(
            text.contains("\x1b[1;36m── User · 2026-11-21 09:00:00 ──"),
            "{text:?}"
        );
        let header = text.lines().find(|l| l.contains("── User")).unwrap();
        let visible = header.replace("\x1b[1;36m", "").replace("\x1b[0m", "");
        assert_eq!(visible.chars().count(), 50);

        command.env("NO_COLOR", "1");
        let plain = on_terminal(&mut command, 50);
        assert!(!plain.contains('\x1b'), "{plain:?}");
        assert!(plain.contains("── User · 2026-11-21 09:00:00 ──"));

        let mut list = sb.cli();
        list.args(["sessions", "claude", "--all-projects"]);
        let table = on_terminal(&mut list, 80);
        assert!(table.starts_with("\x1b[2m"), "{table:?}");
    }
}

// ---------------------------------------------------------------- export

#[test]
fn export_writes_the_file_by_its_extension_and_never_over_another_without_force() {
    let sb = Sandbox::new();
    let source = place_source(&sb, "codex");
    let file = sb.project.join("notes.md");
    let export = |extra: &[&str]| {
        sb.cli()
            .args(["export", "codex", CODEX_ID, "-o"])
            .arg(&file)
            .args(extra)
            .env("TZ", "UTC")
            .output()
            .unwrap()
    };
    let out = export(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!(
            "Wrote codex session {CODEX_ID} to {} (markdown, 4 messages)\n",
            file.display()
        )
    );
    let markdown = std::fs::read_to_string(&file).unwrap();
    assert_eq!(
        normalised(&sb, &markdown),
        std::fs::read_to_string(golden("codex.md")).unwrap()
    );
    // Nothing but the file: no temp file left beside it.
    let names: Vec<String> = std::fs::read_dir(&sb.project)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|name| name != ".git")
        .collect();
    assert_eq!(names, ["notes.md"]);

    std::fs::write(&file, "mine\n").unwrap();
    let out = export(&["--format", "jsonl"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        format!(
            "error: {} already exists\nhelp: add --force to replace it, or choose another file\n",
            file.display()
        )
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "mine\n");

    let out = export(&["--format", "jsonl", "--force"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(&file).unwrap().lines().count(),
        source.expected.len()
    );
}

#[test]
fn export_requires_an_output_file() {
    let sb = Sandbox::new();
    let out = sb.cli().args(["export", "claude"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--output <FILE>"), "{}", stderr(&out));
}

#[test]
fn show_writes_a_file_too_with_the_same_care() {
    let sb = Sandbox::new();
    place_source(&sb, "copilot");
    let file = sb.project.join("s.json");
    std::fs::write(&file, "keep").unwrap();
    let out = sb
        .cli()
        .args(["show", "copilot", "a3f1", "-o"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "keep");
    let out = sb
        .cli()
        .args(["show", "copilot", "a3f1", "--force", "-o"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let model: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(model["id"], COPILOT_ID);
    // The machine formats' tally goes to stderr even when the document goes to a file.
    assert_eq!(
        stderr(&out),
        "not shown: 1 tool call, 1 tool result, 1 thinking block, 1 attachment; 1 malformed line skipped\n"
    );
}
