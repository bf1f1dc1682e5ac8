//! What the real tools showed, kept as ordinary tests: each runs on trimmed files the real tool
//! wrote (`tests/fixtures/real/`), with fake executables, no network and no real tool.

use crate::common;
use crate::convert_support;

use common::*;
use convert_support::*;
use serde_json::Value;

fn real_fixture(name: &str) -> String {
    fixture(&format!("real/{name}"))
}

// ---------------------------------------------------------------- codex

/// The first line of the rollout a claude → codex conversion wrote.
fn converted_codex_meta(sb: &Sandbox) -> Result<Value, String> {
    claude_source(sb);
    let out = convert(
        sb,
        "claude",
        "codex",
        &["--source-session", CLAUDE_ID, "--no-apply"],
    );
    if !out.status.success() {
        return Err(stderr(&out));
    }
    let id = stdout(&out).split_whitespace().nth(6).unwrap().to_owned();
    Ok(json_lines(&codex_rollout(sb, &id))[0]["payload"].clone())
}

#[test]
fn codex_conversions_name_the_provider_codex_is_configured_with() {
    let cases = [
        (None, "openai"),
        (Some("model = \"o3\"\n"), "openai"),
        (Some("model_provider = \"mock\"\n"), "mock"),
        (
            Some(
                "model_provider = \"top\"\nprofile = \"work\"\n\n[profiles.work]\n\
                 model_provider = \"work-provider\"\n",
            ),
            "work-provider",
        ),
        (
            Some(
                "model_provider = \"top\"\nprofile = \"work\"\n\n[profiles.work]\nmodel = \"x\"\n",
            ),
            "top",
        ),
    ];
    for (config, expected) in cases {
        let sb = Sandbox::new();
        if let Some(config) = config {
            sb.write(sb.home.join(".codex/config.toml"), config);
        }
        let meta = converted_codex_meta(&sb).unwrap();
        assert_eq!(meta["model_provider"], expected, "{config:?}");
    }
}

#[test]
fn a_codex_config_that_does_not_parse_stops_the_conversion_before_anything_is_written() {
    let sb = Sandbox::new();
    sb.write(sb.home.join(".codex/config.toml"), "model_provider = \n");
    let error = converted_codex_meta(&sb).unwrap_err();
    assert!(error.contains("config.toml is not valid TOML"), "{error}");
    assert!(error.contains("help:"), "{error}");
    assert!(!sb.home.join(".codex/sessions").exists());
}

#[test]
fn setup_refuses_a_path_folder_inside_the_codex_package() {
    let sb = Sandbox::new();
    // The npm platform package's layout, put on PATH directly.
    let package = sb.root.join("codex-x64/vendor/x86_64-unknown-linux-musl");
    sb.write(
        package.join("codex-package.json"),
        real_fixture("codex-0.169-package.json"),
    );
    let bin = package.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    write_executable(&bin.join("codex"), &fake_tool_script("codex"));
    let before = tree(&package);

    let out = sb
        .cli_on(&[&bin])
        .args(["setup", "codex"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let text = stderr(&out);
    assert!(
        text.contains(&format!(
            "error: {} is inside codex's own package",
            bin.display()
        )),
        "{text}"
    );
    assert!(text.contains("help: wrap a link to it instead"), "{text}");
    assert_eq!(tree(&package), before, "the package must be untouched");

    // The way out the help names: a link in a folder of the user's own.
    let own = sb.root.join("own-bin");
    std::fs::create_dir_all(&own).unwrap();
    std::os::unix::fs::symlink(bin.join("codex"), own.join("codex")).unwrap();
    let out = sb
        .cli_on(&[&own, &bin])
        .args(["setup", "codex"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(link(&own.join("codex-real")), bin.join("codex"));
    assert_eq!(tree(&package), before);
}

// ---------------------------------------------------------------- copilot

#[test]
fn a_fresh_copilot_session_is_listed_as_having_no_prompt_yet() {
    let sb = Sandbox::new();
    // Copilot 1.0.102 writes no events.jsonl until the first prompt.
    let id = "55555555-3333-4444-8555-666666666666";
    let workspace = real_fixture("copilot-1.0.102-fresh/workspace.yaml")
        .replace("/tmp/rt/p1/proj", sb.project.to_str().unwrap());
    let dir = sb.home.join(".copilot/session-state").join(id);
    sb.write(dir.join("workspace.yaml"), workspace);

    let out = sb.manage(["sessions", "copilot"]);
    let listing = stdout(&out);
    let row = listing
        .lines()
        .find(|line| line.contains("55555555"))
        .unwrap();
    assert!(row.contains("(no prompt yet)"), "{listing}");
    let out = sb.manage(["sessions", "copilot", "--json"]);
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["id"], id);
    assert_eq!(rows[0]["title"], Value::Null);
    assert_eq!(rows[0]["project"], sb.project.to_str().unwrap());
}

// ---------------------------------------------------------------- gemini

/// The session gemini 0.61 made of an import and one resume: the imported file, which every
/// later turn is appended to, and two files holding only the start of a chat.
const GEMINI_SESSION: &str = "349b543a-c8a3-4316-956a-30d9183f05b6";
const GEMINI_FILES: [&str; 3] = [
    "session-1796021151048-349b543a.jsonl",
    "session-2026-11-30T06-45-349b543a.jsonl",
    "session-2026-11-30T06-47-349b543a.jsonl",
];
const GEMINI_CONVERTED: &str = "gemini-session-1c74e0eb-3689-4ed5-ae3b-072beb48a85c.jsonl";

/// Gemini's files of the session in the sandbox project's chats.
fn gemini_store(sb: &Sandbox, files: &[&str]) {
    let chats = gemini_chats(sb);
    for file in files {
        sb.write(
            chats.join(file),
            real_fixture(&format!("gemini-0.61-import/{file}")),
        );
    }
}

#[test]
fn the_files_gemini_keeps_for_one_session_read_as_one_session() {
    let sb = Sandbox::new();
    sb.wrap("gemini");
    gemini_store(&sb, &GEMINI_FILES);
    sb.write_python_state("gemini", "managed-id", Some(GEMINI_SESSION));

    let out = sb.manage(["sessions", "gemini", "--json"]);
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["id"], GEMINI_SESSION);
    assert_eq!(rows[0]["current"], true);
    assert_eq!(rows[0]["title"], "hello one");
    assert!(
        rows[0]["path"].as_str().unwrap().ends_with(GEMINI_FILES[0]),
        "the file gemini resumes: {rows:?}"
    );

    for reference in [Some(GEMINI_SESSION), Some(&GEMINI_SESSION[..8]), None] {
        let mut args = vec!["show", "gemini"];
        args.extend(reference);
        let out = sb.manage(&args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        let text = stdout(&out);
        assert!(text.contains("hello one"), "{text}");
        assert!(text.contains("second launch prompt"), "{text}");
    }

    let out = sb.manage(["use", "gemini", GEMINI_SESSION]);
    assert!(out.status.success(), "{}", stderr(&out));
    sb.run("gemini", Vec::<&str>::new());
    assert_eq!(sb.args("gemini"), ["--resume", GEMINI_SESSION]);
}

#[test]
fn status_finds_a_converted_session_gemini_has_imported_before_the_next_launch() {
    let sb = Sandbox::new();
    sb.wrap("gemini");
    // Right after the import launch: the imported file and one that holds only a chat's start.
    gemini_store(&sb, &GEMINI_FILES[..2]);
    let converted = sb.state_dir().join(GEMINI_CONVERTED);
    sb.write(
        &converted,
        real_fixture(&format!("gemini-0.61-import/converted-{GEMINI_CONVERTED}")),
    );
    let first_message = json_lines(&converted)[1]["id"].clone();
    sb.write_state(
        "gemini",
        &serde_json::json!({"version": 1, "tool": "gemini", "session_mode": "managed-id",
            "resume_target": converted.to_str().unwrap(),
            "cwd": sb.project.to_str().unwrap(),
            "import": {"first_message": first_message,
                "started_at": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                "attempts": 1}}),
    );
    let out = sb.manage(["status", "gemini"]);
    let text = stdout(&out);
    assert!(text.contains("exists in Gemini CLI's store"), "{text}");
}
