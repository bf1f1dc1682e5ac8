//! A session follows its project: moved and copied folders, git worktrees and, opt-in, one
//! session per branch, with the settings that choose among them.

use crate::common;
use crate::convert_support;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::*;
use convert_support::{AGY_ID, CODEX_ID, GEMINI_ID, fixture};
use serde_json::{Value, json};

const ID: &str = "44444444-2222-4333-8444-555555555555";

/// Runs the wrapped `tool` in `dir`.
fn launch_in(sb: &Sandbox, dir: &Path, tool: &str) -> Output {
    let out = sb.tool(tool).current_dir(dir).output().unwrap();
    assert!(out.status.success(), "{tool}: {}", stderr(&out));
    assert!(!stderr(&out).contains("warning:"), "{}", stderr(&out));
    out
}

fn state_in(dir: &Path, name: &str) -> Value {
    let path = dir.join(".ai-session-manager").join(name);
    serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap()
}

/// The sandbox's project moved to a new name: returns the new root.
fn move_project(sb: &Sandbox) -> PathBuf {
    let to = sb.root.join("work").join("moved-proj");
    std::fs::rename(&sb.project, &to).unwrap();
    to
}

/// The sandbox's project copied, state folder included, as `cp -r` does.
fn copy_project(sb: &Sandbox) -> PathBuf {
    let to = sb.root.join("work").join("proj-copy");
    let status = std::process::Command::new("cp")
        .args(["-a"])
        .arg(&sb.project)
        .arg(&to)
        .status()
        .unwrap();
    assert!(status.success());
    to
}

/// A state as this version writes it, recording the project root.
fn write_state(sb: &Sandbox, tool: &str, mode: &str, target: Option<&str>) {
    let mut state = json!({"version": 1, "tool": tool, "session_mode": mode,
        "cwd": sb.project, "root": sb.project, "created_at": "2026-11-20T09:00:00Z",
        "updated_at": "2026-11-29T09:00:00Z"});
    if let Some(target) = target {
        state["resume_target"] = target.into();
    }
    sb.write_state(tool, &state);
}

// ---------------------------------------------------------------- moved: claude

fn claude_session(sb: &Sandbox) -> (PathBuf, String) {
    let transcript = claude_transcript(&sb.home, &sb.project, ID);
    let body = claude_user_line(ID, &sb.project, "first words")
        + &claude_user_line(ID, &sb.project.join("api"), "in a subfolder");
    sb.write(&transcript, &body);
    write_state(sb, "claude", "managed-id", Some(ID));
    (transcript, body)
}

#[test]
fn a_moved_claude_project_carries_its_transcript_and_resumes_it() {
    let sb = Sandbox::new();
    sb.wrap("claude");
    let (old_transcript, old_body) = claude_session(&sb);
    let old_root = sb.project.clone();
    let new_root = move_project(&sb);

    let out = launch_in(&sb, &new_root, "claude");
    assert_eq!(sb.args("claude"), ["--resume", ID]);
    let text = stderr(&out);
    assert!(
        text.contains(&format!("moved here from {}", old_root.display())),
        "{text}"
    );

    // The transcript now lives in the new place's project folder, its cwd fields moved along.
    let carried = claude_transcript(&sb.home, &new_root, ID);
    let expected = old_body.replace(
        &format!("\"cwd\":\"{}", old_root.display()),
        &format!("\"cwd\":\"{}", new_root.display()),
    );
    assert_eq!(std::fs::read_to_string(&carried).unwrap(), expected);
    // The old one is kept byte for byte, under a name claude's lookup by id does not match.
    assert!(!old_transcript.exists());
    let kept: Vec<PathBuf> = std::fs::read_dir(old_transcript.parent().unwrap())
        .unwrap()
        .flatten()
        .map(|entry| entry.path())
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert!(
        kept[0]
            .to_string_lossy()
            .contains(&format!("{ID}.jsonl.moved-"))
    );
    assert_eq!(std::fs::read_to_string(&kept[0]).unwrap(), old_body);

    let state = state_in(&new_root, "claude.json");
    assert_eq!(state["root"], new_root.to_str().unwrap());
    assert_eq!(state["cwd"], new_root.to_str().unwrap());
    assert_eq!(state["resume_target"], ID);
    assert_eq!(state["origin"]["how"], "moved");
    assert_eq!(state["origin"]["from"], old_root.to_str().unwrap());

    // The next launch is an ordinary resume.
    launch_in(&sb, &new_root, "claude");
    assert_eq!(sb.args("claude"), ["--resume", ID]);
}

#[test]
fn a_moved_claude_project_whose_transcript_is_gone_starts_a_new_session_with_a_note() {
    let sb = Sandbox::new();
    sb.wrap("claude");
    write_state(&sb, "claude", "managed-id", Some(ID));
    let new_root = move_project(&sb);
    let out = launch_in(&sb, &new_root, "claude");
    let args = sb.args("claude");
    assert_eq!(args[0], "--session-id");
    assert_ne!(args[1], ID, "never a blank session under the old id");
    assert!(is_uuid(&args[1]));
    assert!(stderr(&out).contains(&format!("The transcript of session {ID} is gone")));
}

#[test]
fn status_says_a_project_moved_and_where_from() {
    let sb = Sandbox::new();
    sb.wrap("claude");
    claude_session(&sb);
    let old_root = sb.project.clone();
    let new_root = move_project(&sb);
    let status = |json: bool| {
        let mut command = sb.cli();
        command.current_dir(&new_root).args(["status", "claude"]);
        if json {
            command.arg("--json");
        }
        stdout(&command.output().unwrap())
    };
    assert!(
        status(false).contains(&format!(
            "moved:       from {}; the next launch carries the session over",
            old_root.display()
        )),
        "{}",
        status(false)
    );
    launch_in(&sb, &new_root, "claude");
    let report: Value = serde_json::from_str(&status(true)).unwrap();
    assert_eq!(report["tools"][0]["origin"]["how"], "moved");
    assert_eq!(
        report["tools"][0]["origin"]["from"],
        old_root.to_str().unwrap()
    );
    assert!(status(false).contains(&format!("origin:      moved from {}", old_root.display())));
}

// ---------------------------------------------------------------- moved: the other tools

/// Gemini's session of the project, filed under the project's folder as gemini files it.
fn gemini_session(sb: &Sandbox) {
    let chats = convert_support::gemini_chats(sb);
    sb.write(
        chats.join(format!(
            "session-2026-11-21T11-00-{}.jsonl",
            &GEMINI_ID[..8]
        )),
        fixture("convert/gemini-session.jsonl"),
    );
}

/// A rollout of session `id` started in `cwd`, today, as codex files it.
fn codex_rollout_at(sb: &Sandbox, id: &str, cwd: &Path) -> PathBuf {
    codex_rollout_on(sb, id, cwd, None, 0)
}

/// [`codex_rollout_at`] on a git branch, which codex records after the instructions, `later`
/// seconds from now.
fn codex_rollout_on(
    sb: &Sandbox,
    id: &str,
    cwd: &Path,
    branch: Option<&str>,
    later: i64,
) -> PathBuf {
    let now = chrono::Local::now() + chrono::Duration::seconds(later);
    let mut meta = json!({"timestamp": now.to_rfc3339(), "type": "session_meta",
        "payload": {"id": id, "timestamp": now.to_rfc3339(), "cwd": cwd,
            "originator": "codex-tui", "source": "cli", "model_provider": "openai",
            "base_instructions": {"text": "x".repeat(8000)}}});
    if let Some(branch) = branch {
        meta["payload"]["git"] = json!({"branch": branch, "commit_hash": "c".repeat(40)});
    }
    sb.write(
        sb.home
            .join(".codex/sessions")
            .join(now.format("%Y/%m/%d").to_string())
            .join(format!(
                "rollout-{}-{id}.jsonl",
                now.format("%Y-%m-%dT%H-%M-%S")
            )),
        meta.to_string() + "\n",
    )
}

#[test]
fn a_moved_codex_project_resumes_its_session_in_the_new_folder() {
    let sb = Sandbox::new();
    sb.wrap("codex");
    codex_rollout_at(&sb, CODEX_ID, &sb.project);
    write_state(&sb, "codex", "auto-resume", Some(CODEX_ID));
    let new_root = move_project(&sb);
    launch_in(&sb, &new_root, "codex");
    let new_dir = new_root.to_str().unwrap();
    assert_eq!(sb.args("codex"), ["resume", CODEX_ID, "-C", new_dir]);
    // Codex's rollout still names the old folder: every later resume says where it runs now.
    launch_in(&sb, &new_root, "codex");
    assert_eq!(sb.args("codex"), ["resume", CODEX_ID, "-C", new_dir]);
}

#[test]
fn a_moved_codex_project_finds_a_session_not_yet_learned_where_it_was() {
    let sb = Sandbox::new();
    sb.wrap("codex");
    codex_rollout_at(&sb, CODEX_ID, &sb.project);
    write_state(&sb, "codex", "auto-resume", None);
    let new_root = move_project(&sb);
    launch_in(&sb, &new_root, "codex");
    assert_eq!(
        sb.args("codex"),
        ["resume", CODEX_ID, "-C", new_root.to_str().unwrap()]
    );
    assert_eq!(state_in(&new_root, "codex.json")["resume_target"], CODEX_ID);
}

#[test]
fn a_moved_gemini_project_imports_its_session_whole_then_resumes_the_import() {
    let sb = Sandbox::new();
    sb.wrap("gemini");
    gemini_session(&sb);
    write_state(&sb, "gemini", "managed-id", Some(GEMINI_ID));
    let new_root = move_project(&sb);

    launch_in(&sb, &new_root, "gemini");
    let file = new_root
        .join(".ai-session-manager")
        .join(format!("gemini-moved-{GEMINI_ID}.jsonl"));
    assert_eq!(
        sb.args("gemini"),
        ["--session-file", file.to_str().unwrap()]
    );
    // What gemini keeps of its own file when it imports it: the user and model messages, the
    // replaced one in its final form, tool calls and thoughts included.
    let lines: Vec<Value> = std::fs::read_to_string(&file)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines[0]["sessionId"], GEMINI_ID);
    let kinds: Vec<&str> = lines[1..]
        .iter()
        .map(|line| line["type"].as_str().unwrap())
        .collect();
    assert!(
        kinds.iter().all(|kind| ["user", "gemini"].contains(kind)),
        "{kinds:?}"
    );
    let replaced = lines.iter().find(|line| line["id"] == "g1").unwrap();
    assert_eq!(replaced["content"], "It explains setup and usage.");
    assert!(replaced["thoughts"].is_array());

    // Gemini imports it under a new id in the new folder; the next launch resumes that id.
    let imported = "9d9e6679-7425-40de-944b-e07fc1f90ae8";
    let new_chats = sb.home.join(".gemini/tmp/moved-proj/chats");
    let registry = json!({"projects": {sb.project.to_str().unwrap(): "proj",
        new_root.to_str().unwrap(): "moved-proj"}});
    sb.write(sb.home.join(".gemini/projects.json"), registry.to_string());
    let mut copy: Vec<Value> = lines.clone();
    copy[0]["sessionId"] = imported.into();
    copy.insert(
        1,
        json!({"id": "import-1", "type": "info", "content": "Imported session"}),
    );
    let body: String = copy.iter().map(|line| line.to_string() + "\n").collect();
    sb.write(
        new_chats.join(format!("session-2026-11-30T10-00-{}.jsonl", &imported[..8])),
        body,
    );
    launch_in(&sb, &new_root, "gemini");
    assert_eq!(sb.args("gemini"), ["--resume", imported]);
}

#[test]
fn a_moved_copilot_project_resumes_the_same_session_id() {
    let sb = Sandbox::new();
    sb.wrap("copilot");
    write_state(&sb, "copilot", "managed-id", Some(ID));
    let new_root = move_project(&sb);
    launch_in(&sb, &new_root, "copilot");
    assert_eq!(sb.args("copilot"), ["--session-id", ID]);
    assert_eq!(
        state_in(&new_root, "copilot.json")["origin"]["how"],
        "moved"
    );
}

#[test]
fn a_moved_agy_project_finds_its_conversation_where_it_was() {
    let sb = Sandbox::new();
    sb.wrap("agy");
    let root = sb.home.join(".gemini/antigravity-cli");
    std::fs::create_dir_all(root.join("brain").join(AGY_ID)).unwrap();
    sb.write(
        root.join("cache/last_conversations.json"),
        json!({sb.project.to_str().unwrap(): AGY_ID}).to_string(),
    );
    write_state(&sb, "agy", "auto-resume", None);
    let new_root = move_project(&sb);
    launch_in(&sb, &new_root, "agy");
    assert_eq!(sb.args("agy"), ["--conversation", AGY_ID]);
}

// ---------------------------------------------------------------- copied

#[test]
fn a_copied_claude_project_forks_and_the_original_keeps_its_session() {
    let sb = Sandbox::new();
    sb.wrap("claude");
    let (transcript, body) = claude_session(&sb);
    let original_state = std::fs::read(sb.state_path("claude")).unwrap();
    let copy = copy_project(&sb);

    let out = launch_in(&sb, &copy, "claude");
    let args = sb.args("claude");
    assert_eq!(
        args[..4],
        ["--resume", ID, "--fork-session", "--session-id"]
    );
    let fork = &args[4];
    assert!(is_uuid(fork) && fork != ID);
    assert!(stderr(&out).contains(&format!("Forking session {ID} as {fork}")));
    let state = state_in(&copy, "claude.json");
    assert_eq!(state["resume_target"], fork.as_str());
    assert_eq!(state["root"], copy.to_str().unwrap());
    assert_eq!(state["origin"]["how"], "copied");
    assert_eq!(state["origin"]["session"], ID);

    // The original is untouched, and still resumes its own session.
    assert_eq!(
        std::fs::read(sb.state_path("claude")).unwrap(),
        original_state
    );
    assert_eq!(std::fs::read_to_string(&transcript).unwrap(), body);
    launch_in(&sb, &sb.project, "claude");
    assert_eq!(sb.args("claude"), ["--resume", ID]);
}

#[test]
fn a_copied_codex_project_forks_with_codex_fork() {
    let sb = Sandbox::new();
    sb.wrap("codex");
    codex_rollout_at(&sb, CODEX_ID, &sb.project);
    write_state(&sb, "codex", "auto-resume", Some(CODEX_ID));
    let copy = copy_project(&sb);
    launch_in(&sb, &copy, "codex");
    assert_eq!(
        sb.args("codex"),
        ["fork", CODEX_ID, "-C", copy.to_str().unwrap()]
    );
    // The fork's id is learned at the next launch, as codex picks it.
    let state = state_in(&copy, "codex.json");
    assert_eq!(state["resume_target"], Value::Null);
    let forked = "019a8f20-2222-7333-8444-555566667777";
    codex_rollout_at(&sb, forked, &copy);
    launch_in(&sb, &copy, "codex");
    assert_eq!(sb.args("codex"), ["resume", forked]);
}

#[test]
fn a_copied_codex_project_forks_the_session_the_original_had_not_learned_yet() {
    let sb = Sandbox::new();
    sb.wrap("codex");
    codex_rollout_at(&sb, CODEX_ID, &sb.project);
    write_state(&sb, "codex", "auto-resume", None);
    let copy = copy_project(&sb);
    launch_in(&sb, &copy, "codex");
    assert_eq!(
        sb.args("codex"),
        ["fork", CODEX_ID, "-C", copy.to_str().unwrap()]
    );
    launch_in(&sb, &sb.project, "codex");
    assert_eq!(sb.args("codex"), ["resume", CODEX_ID]);
}

#[test]
fn a_copied_gemini_project_imports_a_copy_of_the_session() {
    let sb = Sandbox::new();
    sb.wrap("gemini");
    gemini_session(&sb);
    write_state(&sb, "gemini", "managed-id", Some(GEMINI_ID));
    let copy = copy_project(&sb);
    launch_in(&sb, &copy, "gemini");
    let file = copy
        .join(".ai-session-manager")
        .join(format!("gemini-fork-{GEMINI_ID}.jsonl"));
    assert_eq!(
        sb.args("gemini"),
        ["--session-file", file.to_str().unwrap()]
    );
    launch_in(&sb, &sb.project, "gemini");
    assert_eq!(sb.args("gemini"), ["--resume", GEMINI_ID]);
}

#[test]
fn a_copied_copilot_project_starts_its_own_session_with_a_note() {
    let sb = Sandbox::new();
    sb.wrap("copilot");
    write_state(&sb, "copilot", "managed-id", Some(ID));
    let copy = copy_project(&sb);
    let out = launch_in(&sb, &copy, "copilot");
    let args = sb.args("copilot");
    assert_eq!(args[0], "--session-id");
    assert_ne!(args[1], ID);
    assert!(
        stderr(&out).contains("cannot fork a session"),
        "{}",
        stderr(&out)
    );
}

// ---------------------------------------------------------------- branches and worktrees

fn git_head(root: &Path, branch: &[u8]) {
    let mut head = b"ref: refs/heads/".to_vec();
    head.extend_from_slice(branch);
    head.push(b'\n');
    std::fs::write(root.join(".git/HEAD"), head).unwrap();
}

/// Records a `git checkout` from `from` to `to` in the reflog, and moves HEAD.
fn checkout(root: &Path, from: &[u8], to: &[u8]) {
    let log = root.join(".git/logs/HEAD");
    std::fs::create_dir_all(log.parent().unwrap()).unwrap();
    let mut line = format!(
        "{} {} Dev <dev@example.com> 1795000000 +0100\tcheckout: moving from ",
        "a".repeat(40),
        "b".repeat(40)
    )
    .into_bytes();
    line.extend_from_slice(from);
    line.extend_from_slice(b" to ");
    line.extend_from_slice(to);
    line.push(b'\n');
    let mut body = std::fs::read(&log).unwrap_or_default();
    body.extend_from_slice(&line);
    std::fs::write(&log, body).unwrap();
    git_head(root, to);
}

fn config(sb: &Sandbox, dir: &Path, args: &[&str]) -> Output {
    sb.cli()
        .current_dir(dir)
        .arg("config")
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn with_branch_scope_two_branches_keep_two_sessions_and_a_new_branch_forks() {
    let sb = Sandbox::new();
    sb.wrap("claude");
    git_head(&sb.project, b"main");
    assert!(
        config(&sb, &sb.project, &["set", "scope", "branch"])
            .status
            .success()
    );

    launch_in(&sb, &sb.project, "claude");
    let main_id = state_in(&sb.project, "claude@main.json")["resume_target"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(sb.args("claude"), ["--session-id", main_id.as_str()]);
    sb.write(
        claude_transcript(&sb.home, &sb.project, &main_id),
        claude_user_line(&main_id, &sb.project, "on main"),
    );

    checkout(&sb.project, b"main", b"feature/x");
    let out = launch_in(&sb, &sb.project, "claude");
    let args = sb.args("claude");
    assert_eq!(
        args[..4],
        [
            "--resume",
            main_id.as_str(),
            "--fork-session",
            "--session-id"
        ]
    );
    let feature_id = args[4].clone();
    let feature = state_in(&sb.project, "claude@feature%2Fx.json");
    assert_eq!(feature["resume_target"], feature_id.as_str());
    assert_eq!(feature["origin"]["how"], "branch");
    assert_eq!(feature["origin"]["from"], "branch main");
    assert!(stderr(&out).contains("Forking session"));

    checkout(&sb.project, b"feature/x", b"main");
    launch_in(&sb, &sb.project, "claude");
    assert_eq!(sb.args("claude"), ["--resume", main_id.as_str()]);
    checkout(&sb.project, b"main", b"feature/x");
    sb.write(
        claude_transcript(&sb.home, &sb.project, &feature_id),
        claude_user_line(&feature_id, &sb.project, "on the feature"),
    );
    launch_in(&sb, &sb.project, "claude");
    assert_eq!(sb.args("claude"), ["--resume", feature_id.as_str()]);

    // status, reset and use say which branch they act on.
    let status = stdout(&sb.cli().args(["status", "claude"]).output().unwrap());
    assert!(status.contains("branch:  feature/x"), "{status}");
    assert!(status.contains("scope = branch (project)"), "{status}");
    let sessions = stdout(&sb.cli().args(["sessions", "claude"]).output().unwrap());
    assert!(
        sessions.contains("* marks the sessions of branch feature/x"),
        "{sessions}"
    );
    let marked: Vec<&str> = sessions
        .lines()
        .filter(|line| line.starts_with('*'))
        .collect();
    assert_eq!(marked.len(), 2, "{sessions}");
    assert!(marked[0].contains(&feature_id[..8]), "{sessions}");
    let reset = stdout(&sb.cli().args(["reset", "claude"]).output().unwrap());
    assert!(
        reset.contains("branch feature/x of this repository"),
        "{reset}"
    );
    assert!(!sb.state_dir().join("claude@feature%2Fx.json").exists());
    assert!(sb.state_dir().join("claude@main.json").exists());
}

/// Each tool on a new branch: how it forks the session of the branch it came from.
#[test]
fn every_tool_keeps_a_session_per_branch_and_forks_a_new_branch_as_it_can() {
    let sb = Sandbox::new();
    git_head(&sb.project, b"main");
    sb.write(sb.state_dir().join("config.toml"), "scope = \"branch\"\n");
    for tool in ["claude", "codex", "gemini", "copilot", "agy"] {
        sb.wrap(tool);
    }
    // main's sessions, as each tool's store holds them.
    sb.write(
        claude_transcript(&sb.home, &sb.project, ID),
        claude_user_line(ID, &sb.project, "on main"),
    );
    codex_rollout_at(&sb, CODEX_ID, &sb.project);
    gemini_session(&sb);
    std::fs::create_dir_all(sb.home.join(".gemini/antigravity-cli/brain").join(AGY_ID)).unwrap();
    let targets = [
        ("claude", "managed-id", ID),
        ("codex", "auto-resume", CODEX_ID),
        ("gemini", "managed-id", GEMINI_ID),
        ("copilot", "managed-id", ID),
        ("agy", "auto-resume", AGY_ID),
    ];
    for (tool, mode, target) in targets {
        let state = json!({"version": 1, "tool": tool, "session_mode": mode,
            "resume_target": target, "cwd": sb.project, "root": sb.project});
        sb.write(
            sb.state_dir().join(format!("{tool}@main.json")),
            serde_json::to_vec(&state).unwrap(),
        );
    }

    checkout(&sb.project, b"main", b"topic");
    let project = sb.project.to_str().unwrap();
    for (tool, _, target) in targets {
        launch_in(&sb, &sb.project, tool);
        let args = sb.args(tool);
        let state = state_in(&sb.project, &format!("{tool}@topic.json"));
        match tool {
            "claude" => {
                assert_eq!(
                    args[..4],
                    ["--resume", ID, "--fork-session", "--session-id"]
                );
                assert_eq!(state["resume_target"], args[4].as_str());
            }
            "codex" => assert_eq!(args, ["fork", CODEX_ID, "-C", project]),
            "gemini" => {
                let file = sb
                    .state_dir()
                    .join(format!("gemini-fork-{GEMINI_ID}.jsonl"));
                assert_eq!(args, ["--session-file", file.to_str().unwrap()]);
            }
            "copilot" => {
                assert_eq!(args[0], "--session-id");
                assert_ne!(args[1], ID);
            }
            _ => assert!(args.is_empty(), "{tool}: {args:?}"),
        }
        assert_eq!(state["origin"]["session"], target, "{tool}");
        // main keeps its own.
        assert_eq!(
            state_in(&sb.project, &format!("{tool}@main.json"))["resume_target"],
            target
        );
    }
}

#[test]
fn codex_tells_the_sessions_of_one_folder_apart_by_the_branch_they_started_on() {
    let sb = Sandbox::new();
    sb.wrap("codex");
    git_head(&sb.project, b"main");
    sb.write(sb.state_dir().join("config.toml"), "scope = \"branch\"\n");
    let on_main = "019a8f10-1111-7222-8333-000000000001";
    let on_topic = "019a8f10-1111-7222-8333-000000000002";
    // The first launch on main starts codex's session, which codex then writes.
    launch_in(&sb, &sb.project, "codex");
    assert_eq!(sb.args("codex"), Vec::<String>::new());
    codex_rollout_on(&sb, on_main, &sb.project, Some("main"), 0);

    // A new branch forks main's session, learned from the rollout that started on main.
    checkout(&sb.project, b"main", b"topic");
    launch_in(&sb, &sb.project, "codex");
    assert_eq!(
        sb.args("codex"),
        ["fork", on_main, "-C", sb.project.to_str().unwrap()]
    );
    // The fork, newer and in the same folder, is topic's; main's never follows it.
    codex_rollout_on(&sb, on_topic, &sb.project, Some("topic"), 5);
    launch_in(&sb, &sb.project, "codex");
    assert_eq!(sb.args("codex"), ["resume", on_topic]);
    checkout(&sb.project, b"topic", b"main");
    launch_in(&sb, &sb.project, "codex");
    assert_eq!(
        sb.args("codex"),
        ["resume", on_main],
        "main never follows topic's session"
    );
}

#[test]
fn with_branch_start_fresh_a_new_branch_starts_its_own_session() {
    let sb = Sandbox::new();
    sb.wrap("claude");
    git_head(&sb.project, b"main");
    sb.write(
        sb.state_dir().join("config.toml"),
        "scope = \"branch\"\nbranch-start = \"fresh\"\n",
    );
    launch_in(&sb, &sb.project, "claude");
    let main_id = state_in(&sb.project, "claude@main.json")["resume_target"].clone();
    checkout(&sb.project, b"main", b"topic");
    launch_in(&sb, &sb.project, "claude");
    let topic_id = state_in(&sb.project, "claude@topic.json")["resume_target"].clone();
    assert_ne!(topic_id, main_id);
    assert_eq!(
        sb.args("claude"),
        ["--session-id", topic_id.as_str().unwrap()]
    );
}

#[test]
fn a_detached_head_uses_the_project_session() {
    let sb = Sandbox::new();
    sb.wrap("claude");
    std::fs::write(
        sb.project.join(".git/HEAD"),
        format!("{}\n", "c".repeat(40)),
    )
    .unwrap();
    sb.write(sb.state_dir().join("config.toml"), "scope = \"branch\"\n");
    launch_in(&sb, &sb.project, "claude");
    assert!(sb.state_path("claude").exists());
}

#[test]
fn branch_names_become_distinct_safe_file_names() {
    let sb = Sandbox::new();
    sb.wrap("copilot");
    sb.write(
        sb.state_dir().join("config.toml"),
        "scope = \"branch\"\nbranch-start = \"fresh\"\n",
    );
    let names: [&[u8]; 4] = [b"a/b", b"a%2Fb", b"../..", b"caf\xe9"];
    for name in names {
        git_head(&sb.project, name);
        launch_in(&sb, &sb.project, "copilot");
    }
    let mut files: Vec<String> = std::fs::read_dir(sb.state_dir())
        .unwrap()
        .flatten()
        .map(|entry| entry.file_name().into_string().unwrap())
        .filter(|name| name.starts_with("copilot@"))
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            "copilot@..%2F...json",
            "copilot@a%252Fb.json",
            "copilot@a%2Fb.json",
            "copilot@caf%E9.json"
        ]
    );
}

/// A linked worktree of the sandbox's repository at `<root>/work/<name>`, on branch `<name>`,
/// laid out as `git worktree add` does: the admin folder names the worktree's `.git` back.
fn worktree_named(sb: &Sandbox, name: &str) -> PathBuf {
    let admin = sb.project.join(".git/worktrees").join(name);
    std::fs::create_dir_all(&admin).unwrap();
    std::fs::write(admin.join("commondir"), "../..\n").unwrap();
    std::fs::write(admin.join("HEAD"), format!("ref: refs/heads/{name}\n")).unwrap();
    let wt = sb.root.join("work").join(name);
    std::fs::create_dir_all(&wt).unwrap();
    std::fs::write(wt.join(".git"), format!("gitdir: {}\n", admin.display())).unwrap();
    std::fs::write(
        admin.join("gitdir"),
        format!("{}\n", wt.join(".git").display()),
    )
    .unwrap();
    wt
}

fn worktree(sb: &Sandbox) -> PathBuf {
    worktree_named(sb, "wt")
}

#[test]
fn a_new_worktree_starts_fresh_or_forks_the_main_worktree_as_set() {
    let sb = Sandbox::new();
    sb.wrap("claude");
    claude_session(&sb);
    let wt = worktree(&sb);

    launch_in(&sb, &wt, "claude");
    let fresh = sb.args("claude");
    assert_eq!(fresh[0], "--session-id");
    assert_ne!(fresh[1], ID);

    let other = worktree_named(&sb, "wt2");
    assert!(
        config(&sb, &sb.project, &["set", "worktree", "fork", "--global"])
            .status
            .success()
    );
    launch_in(&sb, &other, "claude");
    let args = sb.args("claude");
    assert_eq!(
        args[..4],
        ["--resume", ID, "--fork-session", "--session-id"]
    );
    let state = state_in(&other, "claude.json");
    assert_eq!(state["origin"]["how"], "worktree");
}

// ---------------------------------------------------------------- settings

#[test]
fn a_bad_settings_file_is_one_warning_and_the_defaults() {
    for bad in ["scope = \"trunk\"\n", "colour = \"blue\"\n", "scope = [\n"] {
        let sb = Sandbox::new();
        sb.wrap("claude");
        sb.write(sb.state_dir().join("config.toml"), bad);
        let out = sb.run("claude", Vec::<&str>::new());
        assert!(out.status.success());
        let text = stderr(&out);
        let warnings: Vec<&str> = text
            .lines()
            .filter(|line| line.contains("warning:"))
            .collect::<Vec<_>>();
        assert_eq!(warnings.len(), 1, "{bad}: {warnings:?}");
        assert!(warnings[0].contains("using the defaults"), "{warnings:?}");
        assert!(sb.state_path("claude").exists(), "project scope");
    }
}

#[test]
fn config_sets_gets_and_unsets_each_setting() {
    let sb = Sandbox::new();
    let get = |key: &str| {
        stdout(&config(&sb, &sb.project, &["get", key]))
            .trim()
            .to_owned()
    };
    assert_eq!(get("scope"), "project");
    assert!(
        config(&sb, &sb.project, &["set", "scope", "branch"])
            .status
            .success()
    );
    assert!(
        config(
            &sb,
            &sb.project,
            &["set", "branch-start", "fresh", "--global"]
        )
        .status
        .success()
    );
    assert_eq!(get("scope"), "branch");
    assert_eq!(get("branch-start"), "fresh");
    assert_eq!(
        std::fs::read_to_string(sb.state_dir().join("config.toml")).unwrap(),
        "scope = \"branch\"\n"
    );
    assert_eq!(
        std::fs::read_to_string(sb.home.join(".config/ai-session-manager/config.toml")).unwrap(),
        "branch-start = \"fresh\"\n"
    );
    let listing = stdout(&config(&sb, &sb.project, &[]));
    assert!(listing.contains("scope = branch  (project)"), "{listing}");
    assert!(listing.contains("worktree = fresh  (default)"), "{listing}");
    assert!(
        listing.contains("branch-start = fresh  (user)"),
        "{listing}"
    );

    let bad = config(&sb, &sb.project, &["set", "scope", "trunk"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(stderr(&bad).contains("\"trunk\" is not one of: project, branch"));
    assert_eq!(
        config(&sb, &sb.project, &["set", "colour", "x"])
            .status
            .code(),
        Some(2)
    );

    assert!(
        config(&sb, &sb.project, &["unset", "scope"])
            .status
            .success()
    );
    assert_eq!(get("scope"), "project");
    assert!(sb.state_dir().join(".gitignore").exists());
}

// ---------------------------------------------------------------- claude's own settings

#[test]
fn a_claude_transcript_deleted_by_its_cleanup_is_reported_not_silently_restarted() {
    let sb = Sandbox::new();
    sb.wrap("claude");
    sb.write_state(
        "claude",
        &json!({"version": 1, "tool": "claude", "session_mode": "managed-id",
            "resume_target": ID, "cwd": sb.project, "root": sb.project,
            "created_at": "2026-09-01T09:00:00Z", "updated_at": "2026-09-01T09:00:00Z"}),
    );
    sb.write(
        sb.home.join(".claude/settings.json"),
        r#"{"cleanupPeriodDays": 20}"#,
    );
    let out = launch_in(&sb, &sb.project, "claude");
    let args = sb.args("claude");
    assert_eq!(args[0], "--session-id");
    assert_ne!(args[1], ID);
    assert!(
        stderr(&out).contains("Claude deletes sessions unused for 20 days (cleanupPeriodDays)"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn claude_project_dir_name_is_honoured_with_claude_config_dir() {
    let sb = Sandbox::new();
    sb.wrap("claude");
    let config_dir = sb.root.join("claude-config");
    // Two folders hold the id, so only claude's own folder for this launch can resolve it.
    for folder in ["shared-name", "another-project"] {
        sb.write(
            config_dir
                .join("projects")
                .join(folder)
                .join(format!("{ID}.jsonl")),
            claude_user_line(ID, &sb.project, "hello"),
        );
    }
    write_state(&sb, "claude", "managed-id", Some(ID));
    let launch = |name: Option<&str>| {
        let mut command = sb.tool("claude");
        command.env("CLAUDE_CONFIG_DIR", &config_dir);
        if let Some(name) = name {
            command.env("CLAUDE_CODE_PROJECT_DIR_NAME", name);
        }
        assert!(command.output().unwrap().status.success());
        sb.args("claude")
    };
    assert_eq!(launch(Some("shared-name")), ["--resume", ID]);
    assert_eq!(launch(None), ["--session-id", ID]);
    assert_eq!(launch(Some("../shared-name")), ["--session-id", ID]);
}
