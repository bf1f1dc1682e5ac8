//! The launch rules (docs/behaviour.md §4), one test per row, asserting the exact argv the real
//! tool got.

use crate::common;

use common::*;
use serde_json::json;

// ---------------------------------------------------------------- claude

#[test]
fn claude_first_launch_starts_a_managed_session() {
    let sb = Sandbox::new();
    sb.wrap("claude");
    let out = sb.run("claude", ["explain this"]);
    assert!(out.status.success());
    let state = sb.state("claude");
    let id = state["resume_target"].as_str().unwrap().to_owned();
    assert!(is_uuid(&id));
    assert_eq!(
        sb.args("claude"),
        ["--session-id", id.as_str(), "explain this"]
    );
    assert_eq!(state["version"], 1);
    assert_eq!(state["tool"], "claude");
    assert_eq!(state["session_mode"], "managed-id");
    assert_eq!(state["cwd"], sb.project.to_str().unwrap());
    assert!(state["created_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(
        std::fs::read_to_string(sb.state_dir().join(".gitignore")).unwrap(),
        "*\n"
    );
    assert!(stderr(&out).contains(&format!("[ai-session-manager] New session {id} (proj)")));
}

#[test]
fn claude_resumes_while_the_transcript_exists() {
    let sb = Sandbox::new();
    sb.wrap("claude");
    sb.run("claude", Vec::<&str>::new());
    let id = sb.target("claude").unwrap();
    let transcript = claude_transcript(&sb.home, &sb.project, &id);
    sb.write(&transcript, claude_user_line(&id, &sb.project, "hi"));

    let out = sb.run("claude", ["--model", "opus"]);
    assert_eq!(
        sb.args("claude"),
        ["--resume", id.as_str(), "--model", "opus"]
    );
    assert!(stderr(&out).contains(&format!("Resuming session {id} (proj)")));
    assert_eq!(sb.target("claude").unwrap(), id);
}

#[test]
fn claude_reuses_the_id_while_no_transcript_exists() {
    let sb = Sandbox::new();
    sb.wrap("claude");
    let id = "0b5c6f0e-3f7e-4c1b-9d55-2f5a8f1e9c11";
    sb.write_python_state("claude", "managed-id", Some(id));
    sb.run("claude", ["hello"]);
    // Never `-c`, never a new id.
    assert_eq!(sb.args("claude"), ["--session-id", id, "hello"]);
    assert_eq!(sb.target("claude").unwrap(), id);
}

#[test]
fn claude_honours_claude_config_dir() {
    let sb = Sandbox::new();
    sb.wrap("claude");
    let id = "0b5c6f0e-3f7e-4c1b-9d55-2f5a8f1e9c11";
    sb.write_python_state("claude", "managed-id", Some(id));
    let config = sb.root.join("claude-config");
    sb.write(
        config
            .join("projects")
            .join(claude_folder_name(&sb.project))
            .join(format!("{id}.jsonl")),
        claude_user_line(id, &sb.project, "hi"),
    );
    sb.tool("claude")
        .env("CLAUDE_CONFIG_DIR", &config)
        .output()
        .unwrap();
    assert_eq!(sb.args("claude"), ["--resume", id]);
}

#[test]
fn claude_finds_a_transcript_filed_under_another_folder() {
    // Claude 2.1.240+ resumes from any project folder when exactly one holds the id.
    let sb = Sandbox::new();
    sb.wrap("claude");
    let id = "0b5c6f0e-3f7e-4c1b-9d55-2f5a8f1e9c11";
    sb.write_python_state("claude", "managed-id", Some(id));
    sb.write(
        sb.home
            .join(".claude/projects/-old-place-proj")
            .join(format!("{id}.jsonl")),
        claude_user_line(id, &sb.project, "hi"),
    );
    sb.run("claude", Vec::<&str>::new());
    assert_eq!(sb.args("claude"), ["--resume", id]);
}

#[test]
fn claude_folder_names_for_awkward_paths() {
    let long_tail: Vec<String> = (0..9)
        .map(|i| format!("deeply.nested_{i:02} dir"))
        .collect();
    let names = [
        "My.Proj_dir-1".to_owned(),
        "with space".to_owned(),
        "naïve-café".to_owned(),
        "emoji😀".to_owned(),
        long_tail.join("/"),
    ];
    for name in names {
        let sb = Sandbox::without_git();
        let project = sb.root.join(&name);
        std::fs::create_dir_all(&project).unwrap();
        std::fs::create_dir(project.join(".git")).unwrap();
        sb.wrap("claude");
        let id = "0b5c6f0e-3f7e-4c1b-9d55-2f5a8f1e9c11";
        sb.write(
            project.join(".ai-session-manager/claude.json"),
            json!({"version":1,"tool":"claude","session_mode":"managed-id","resume_target":id})
                .to_string(),
        );
        let folder = claude_folder_name(&project);
        if project.to_str().unwrap().len() > 200 {
            assert!(folder.len() > 201, "{folder}");
        }
        sb.write(
            sb.home
                .join(".claude/projects")
                .join(&folder)
                .join(format!("{id}.jsonl")),
            claude_user_line(id, &project, "hi"),
        );
        // Another folder with the same id would make the fallback search ambiguous, so only the
        // exact name can make this resume.
        sb.write(
            sb.home
                .join(".claude/projects/-decoy")
                .join(format!("{id}.jsonl")),
            "",
        );
        sb.tool("claude").current_dir(&project).output().unwrap();
        assert_eq!(sb.args("claude"), ["--resume", id], "{name}: {folder}");
    }
}

// ---------------------------------------------------------------- gemini

fn gemini_store(sb: &Sandbox, cwd: &std::path::Path) -> std::path::PathBuf {
    let projects = json!({"projects": {cwd.to_str().unwrap(): "proj"}});
    sb.write(sb.home.join(".gemini/projects.json"), projects.to_string());
    sb.home.join(".gemini/tmp/proj/chats")
}

fn gemini_session(sb: &Sandbox, id: &str, with_message: bool) {
    let chats = gemini_store(sb, &sb.project);
    let mut lines = vec![json!({
        "sessionId": id, "projectHash": "proj", "startTime": "2026-11-21T10:00:00.000Z",
        "lastUpdated": "2026-11-21T10:05:00.000Z", "kind": "main"
    })];
    if with_message {
        lines.push(
            json!({"id": "m1", "timestamp": "2026-11-21T10:00:01.000Z", "type": "user",
            "content": [{"text": "hello"}]}),
        );
    }
    let body: String = lines.iter().map(|l| l.to_string() + "\n").collect();
    sb.write(
        chats.join(format!("session-2026-11-21T10-00-{}.jsonl", &id[..8])),
        body,
    );
}

#[test]
fn gemini_first_launch_passes_a_session_id() {
    let sb = Sandbox::new();
    sb.wrap("gemini");
    sb.run("gemini", ["-i", "hello"]);
    let id = sb.target("gemini").unwrap();
    assert!(is_uuid(&id));
    assert_eq!(
        sb.args("gemini"),
        ["--session-id", id.as_str(), "-i", "hello"]
    );
}

#[test]
fn gemini_resumes_a_session_with_messages() {
    let sb = Sandbox::new();
    sb.wrap("gemini");
    let id = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
    sb.write_python_state("gemini", "managed-id", Some(id));
    gemini_session(&sb, id, true);
    sb.run("gemini", Vec::<&str>::new());
    assert_eq!(sb.args("gemini"), ["--resume", id]);
}

#[test]
fn gemini_reuses_the_id_while_no_file_exists() {
    let sb = Sandbox::new();
    sb.wrap("gemini");
    let id = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
    sb.write_python_state("gemini", "managed-id", Some(id));
    gemini_store(&sb, &sb.project);
    sb.run("gemini", Vec::<&str>::new());
    assert_eq!(sb.args("gemini"), ["--session-id", id]);
}

#[test]
fn gemini_replaces_an_empty_session() {
    let sb = Sandbox::new();
    sb.wrap("gemini");
    let id = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
    sb.write_python_state("gemini", "managed-id", Some(id));
    gemini_session(&sb, id, false);
    sb.run("gemini", Vec::<&str>::new());
    let new_id = sb.target("gemini").unwrap();
    assert_ne!(new_id, id);
    assert!(is_uuid(&new_id));
    assert_eq!(sb.args("gemini"), ["--session-id", new_id.as_str()]);
}

#[test]
fn gemini_looks_only_at_the_exact_directory() {
    // Gemini keys sessions by the exact cwd: a session of another folder is not this one.
    let sb = Sandbox::new();
    sb.wrap("gemini");
    let id = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
    sb.write_python_state("gemini", "managed-id", Some(id));
    let other = sb.root.join("elsewhere");
    let chats = gemini_store(&sb, &other);
    sb.write(
        chats.join(format!("session-2026-11-21T10-00-{}.jsonl", &id[..8])),
        format!(
            "{}\n{}\n",
            json!({"sessionId": id}),
            json!({"type": "user", "content": []})
        ),
    );
    sb.run("gemini", Vec::<&str>::new());
    assert_eq!(sb.args("gemini"), ["--session-id", id]);
}

// ---------------------------------------------------------------- copilot

#[test]
fn copilot_passes_the_same_session_id_every_time() {
    let sb = Sandbox::new();
    sb.wrap("copilot");
    let out = sb.run("copilot", ["--model", "gpt-5"]);
    let id = sb.target("copilot").unwrap();
    assert!(is_uuid(&id));
    assert_eq!(
        sb.args("copilot"),
        ["--session-id", id.as_str(), "--model", "gpt-5"]
    );
    assert!(stderr(&out).contains("New session"));

    sb.write(
        sb.home
            .join(".copilot/session-state")
            .join(&id)
            .join("events.jsonl"),
        "{}\n",
    );
    let out = sb.run("copilot", Vec::<&str>::new());
    assert_eq!(sb.args("copilot"), ["--session-id", id.as_str()]);
    assert!(stderr(&out).contains(&format!("Resuming session {id}")));
}

// ---------------------------------------------------------------- codex

fn codex_rollout(
    sb: &Sandbox,
    day: &str,
    time: &str,
    id: &str,
    cwd: &std::path::Path,
    source: &str,
) {
    let meta = json!({
        "timestamp": format!("{day}T{time}.000Z"), "ordinal": 0, "type": "session_meta",
        "payload": {"session_id": id, "id": id, "timestamp": format!("{day}T{time}.000Z"),
            "cwd": cwd, "originator": "codex-tui", "cli_version": "0.169.0", "source": source,
            "base_instructions": {"text": "x".repeat(30_000)}}
    });
    let name = format!("rollout-{day}T{}-{id}.jsonl", time.replace(':', "-"));
    sb.write(
        sb.home
            .join(".codex/sessions")
            .join(day.replace('-', "/"))
            .join(name),
        meta.to_string() + "\n",
    );
}

const CODEX_A: &str = "019a8f10-0000-7000-8000-00000000000a";
const CODEX_B: &str = "019a8f20-0000-7000-8000-00000000000b";

#[test]
fn codex_first_launch_runs_as_typed() {
    let sb = Sandbox::new();
    sb.wrap("codex");
    let out = sb.run("codex", ["fix the bug"]);
    assert_eq!(sb.args("codex"), ["fix the bug"]);
    let state = sb.state("codex");
    assert_eq!(state["session_mode"], "auto-resume");
    assert!(state.get("resume_target").is_none());
    assert!(stderr(&out).contains("Starting new Codex session (proj)"));
}

#[test]
fn codex_discovers_then_resumes_its_session() {
    let sb = Sandbox::new();
    sb.wrap("codex");
    sb.run("codex", Vec::<&str>::new());
    // What codex wrote during that launch, among other projects' sessions.
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    codex_rollout(&sb, &today, "09:00:00", CODEX_A, &sb.project, "cli");
    codex_rollout(
        &sb,
        &today,
        "09:30:00",
        CODEX_B,
        &sb.root.join("other"),
        "cli",
    );

    let out = sb.run("codex", ["-m", "o3"]);
    assert_eq!(sb.args("codex"), ["resume", CODEX_A, "-m", "o3"]);
    assert_eq!(sb.target("codex").unwrap(), CODEX_A);
    assert!(stderr(&out).contains(&format!("Resuming session {CODEX_A} (proj)")));

    sb.run("codex", Vec::<&str>::new());
    assert_eq!(sb.args("codex"), ["resume", CODEX_A]);
}

#[test]
fn codex_skips_exec_sessions_when_discovering() {
    let sb = Sandbox::new();
    sb.wrap("codex");
    sb.write_python_state("codex", "auto-resume", None);
    codex_rollout(&sb, "2026-11-20", "09:00:00", CODEX_A, &sb.project, "cli");
    codex_rollout(&sb, "2026-11-20", "10:00:00", CODEX_B, &sb.project, "exec");
    sb.run("codex", Vec::<&str>::new());
    assert_eq!(sb.args("codex"), ["resume", CODEX_A]);
}

#[test]
fn codex_rediscovers_when_the_stored_rollout_is_gone() {
    let sb = Sandbox::new();
    sb.wrap("codex");
    sb.write_python_state("codex", "auto-resume", Some(CODEX_B));
    codex_rollout(&sb, "2026-11-20", "09:00:00", CODEX_A, &sb.project, "cli");
    // B was archived.
    let out = sb.run("codex", Vec::<&str>::new());
    assert_eq!(sb.args("codex"), ["resume", CODEX_A]);
    assert_eq!(sb.target("codex").unwrap(), CODEX_A);
    assert!(stderr(&out).contains(&format!("Codex session {CODEX_B} no longer exists")));
}

#[test]
fn codex_runs_as_typed_when_nothing_is_left() {
    let sb = Sandbox::new();
    sb.wrap("codex");
    sb.write_python_state("codex", "auto-resume", Some(CODEX_B));
    sb.run("codex", ["hi"]);
    assert_eq!(sb.args("codex"), ["hi"]);
    assert!(sb.state("codex").get("resume_target").is_none());
}

#[test]
fn codex_follows_a_newer_session_of_the_same_folder() {
    let sb = Sandbox::new();
    sb.wrap("codex");
    sb.write_python_state("codex", "auto-resume", Some(CODEX_A));
    codex_rollout(&sb, "2026-11-20", "09:00:00", CODEX_A, &sb.project, "cli");
    codex_rollout(&sb, "2026-11-21", "09:00:00", CODEX_B, &sb.project, "cli");
    sb.run("codex", Vec::<&str>::new());
    assert_eq!(sb.args("codex"), ["resume", CODEX_B]);
}

#[test]
fn codex_resumes_where_a_discovered_session_started() {
    let sb = Sandbox::new();
    sb.wrap("codex");
    let sub = sb.project.join("crates/core");
    std::fs::create_dir_all(&sub).unwrap();
    // The Python tool recorded no cwd: any folder of the project counts.
    sb.write_python_state("codex", "auto-resume", None);
    codex_rollout(&sb, "2026-11-20", "09:00:00", CODEX_A, &sub, "cli");
    let out = sb.run("codex", Vec::<&str>::new());
    assert_eq!(sb.args("codex"), ["resume", CODEX_A]);
    assert_eq!(sb.tool_cwd("codex"), sub);
    assert!(stderr(&out).contains("Running in"));
    assert_eq!(sb.state("codex")["cwd"], sub.to_str().unwrap());
}

#[test]
fn codex_honours_codex_home() {
    let sb = Sandbox::new();
    sb.wrap("codex");
    sb.write_python_state("codex", "auto-resume", None);
    let codex_home = sb.root.join("codex-home");
    let meta = json!({"type": "session_meta", "payload": {"id": CODEX_A, "cwd": sb.project}});
    sb.write(
        codex_home
            .join("sessions/2026/11/20")
            .join(format!("rollout-2026-11-20T09-00-00-{CODEX_A}.jsonl")),
        meta.to_string() + "\n",
    );
    sb.tool("codex")
        .env("CODEX_HOME", &codex_home)
        .output()
        .unwrap();
    assert_eq!(sb.args("codex"), ["resume", CODEX_A]);
}

// ---------------------------------------------------------------- agy

const AGY_ID: &str = "c0ffee00-1111-4222-8333-444444444444";
const AGY_OLD: &str = "dead0000-1111-4222-8333-444444444444";

fn agy_root(sb: &Sandbox) -> std::path::PathBuf {
    sb.home.join(".gemini/antigravity-cli")
}

fn agy_brain(sb: &Sandbox, id: &str, request: &str) {
    let step = json!({"type": "USER_INPUT", "source": "USER_EXPLICIT", "created_at": "2026-11-21T10:00:00Z",
        "content": format!("<USER_REQUEST>\n{request}\n</USER_REQUEST>")});
    sb.write(
        agy_root(sb)
            .join("brain")
            .join(id)
            .join(".system_generated/logs/transcript.jsonl"),
        step.to_string() + "\n",
    );
}

#[test]
fn agy_first_launch_runs_as_typed() {
    let sb = Sandbox::new();
    sb.wrap("agy");
    let out = sb.run("agy", ["--model", "x"]);
    assert_eq!(sb.args("agy"), ["--model", "x"]);
    assert!(stderr(&out).contains("Starting new Antigravity CLI session (proj)"));
}

#[test]
fn agy_learns_the_conversation_from_its_cache() {
    let sb = Sandbox::new();
    sb.wrap("agy");
    sb.run("agy", Vec::<&str>::new());
    sb.write(
        agy_root(&sb).join("cache/last_conversations.json"),
        json!({sb.project.to_str().unwrap(): AGY_ID, "/elsewhere": AGY_OLD}).to_string(),
    );
    agy_brain(&sb, AGY_ID, "hello");
    sb.run("agy", Vec::<&str>::new());
    assert_eq!(sb.args("agy"), ["--conversation", AGY_ID]);
    assert_eq!(sb.target("agy").unwrap(), AGY_ID);
}

#[test]
fn agy_keeps_a_known_conversation() {
    let sb = Sandbox::new();
    sb.wrap("agy");
    sb.write_python_state("agy", "auto-resume", Some(AGY_ID));
    agy_brain(&sb, AGY_ID, "hello");
    sb.run("agy", ["x"]);
    assert_eq!(sb.args("agy"), ["--conversation", AGY_ID, "x"]);
}

#[test]
fn agy_learns_from_history_ids() {
    let sb = Sandbox::new();
    sb.wrap("agy");
    sb.write_python_state("agy", "auto-resume", Some(AGY_OLD));
    let mut history = String::new();
    history += &(json!({"display": "a", "timestamp": 1, "workspace": sb.project, "conversationId": AGY_OLD}).to_string() + "\n");
    history +=
        &(json!({"display": "b", "timestamp": 2, "workspace": sb.project, "conversationId": AGY_ID})
            .to_string() + "\n");
    history += &(json!({"display": "c", "timestamp": 3, "workspace": "/elsewhere", "conversationId": "other-1"}).to_string() + "\n");
    sb.write(agy_root(&sb).join("history.jsonl"), history);
    sb.run("agy", Vec::<&str>::new());
    assert_eq!(sb.args("agy"), ["--conversation", AGY_ID]);
}

#[test]
fn agy_matches_history_text_to_a_brain_transcript() {
    let sb = Sandbox::new();
    sb.wrap("agy");
    sb.write_python_state("agy", "auto-resume", None);
    let line = json!({"display": "refactor the parser", "timestamp": 5, "workspace": sb.project});
    sb.write(agy_root(&sb).join("history.jsonl"), line.to_string() + "\n");
    agy_brain(&sb, AGY_OLD, "something else");
    agy_brain(&sb, AGY_ID, "refactor the parser");
    sb.run("agy", Vec::<&str>::new());
    assert_eq!(sb.args("agy"), ["--conversation", AGY_ID]);
}

#[test]
fn agy_continues_the_latest_when_nothing_is_known() {
    let sb = Sandbox::new();
    sb.wrap("agy");
    sb.write_python_state("agy", "auto-resume", Some(AGY_OLD));
    let out = sb.run("agy", ["hi"]);
    assert_eq!(sb.args("agy"), ["-c", "hi"]);
    assert!(stderr(&out).contains("Resuming latest Antigravity CLI session (proj)"));
}

// ---------------------------------------------------------------- running elsewhere

#[test]
fn a_session_runs_in_the_folder_it_started_in() {
    let sb = Sandbox::new();
    sb.wrap("claude");
    let sub = sb.project.join("sub");
    let other = sb.project.join("other");
    std::fs::create_dir_all(&sub).unwrap();
    std::fs::create_dir_all(&other).unwrap();
    sb.tool("claude").current_dir(&sub).output().unwrap();
    assert_eq!(sb.tool_cwd("claude"), sub);
    let id = sb.target("claude").unwrap();
    assert_eq!(sb.state("claude")["cwd"], sub.to_str().unwrap());

    let out = sb.tool("claude").current_dir(&other).output().unwrap();
    assert_eq!(sb.tool_cwd("claude"), sub);
    assert_eq!(sb.args("claude"), ["--session-id", id.as_str()]);
    assert!(stderr(&out).contains(&format!("Running in {}", sub.display())));
}

#[test]
fn a_recorded_folder_outside_the_project_is_not_used() {
    let sb = Sandbox::new();
    sb.wrap("claude");
    let outside = sb.root.join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    sb.write_state(
        "claude",
        &json!({"version":1,"tool":"claude","session_mode":"managed-id",
            "resume_target":"0b5c6f0e-3f7e-4c1b-9d55-2f5a8f1e9c11","cwd": outside}),
    );
    sb.run("claude", Vec::<&str>::new());
    assert_eq!(sb.tool_cwd("claude"), sb.project);
    // A link inside the project that leads out of it counts as outside too.
    std::os::unix::fs::symlink(&outside, sb.project.join("link")).unwrap();
    sb.write_state(
        "claude",
        &json!({"version":1,"tool":"claude","session_mode":"managed-id",
            "resume_target":"0b5c6f0e-3f7e-4c1b-9d55-2f5a8f1e9c11","cwd": sb.project.join("link")}),
    );
    sb.run("claude", Vec::<&str>::new());
    assert_eq!(sb.tool_cwd("claude"), sb.project);
}

#[test]
fn a_missing_recorded_folder_runs_here() {
    let sb = Sandbox::new();
    sb.wrap("claude");
    sb.write_state(
        "claude",
        &json!({"version":1,"tool":"claude","session_mode":"managed-id",
            "resume_target":"0b5c6f0e-3f7e-4c1b-9d55-2f5a8f1e9c11","cwd": sb.project.join("gone")}),
    );
    sb.run("claude", Vec::<&str>::new());
    assert_eq!(sb.tool_cwd("claude"), sb.project);
}

#[test]
fn scope_is_the_git_root_from_a_subfolder_and_a_worktree_file_counts() {
    let sb = Sandbox::without_git();
    sb.wrap("claude");
    // A worktree: `.git` is a file.
    sb.write(sb.project.join(".git"), "gitdir: /somewhere/else\n");
    let deep = sb.project.join("a/b/c");
    std::fs::create_dir_all(&deep).unwrap();
    sb.tool("claude").current_dir(&deep).output().unwrap();
    assert!(sb.state_path("claude").exists());
    assert!(!deep.join(".ai-session-manager").exists());
}

#[test]
fn a_plain_folder_is_its_own_scope() {
    let sb = Sandbox::without_git();
    sb.wrap("claude");
    sb.run("claude", Vec::<&str>::new());
    assert!(sb.state_path("claude").exists());
}

#[test]
fn codex_discovery_far_back_still_finds_the_newest_match() {
    // Past the first two date folders the search runs on two threads; the newest match must win
    // whichever thread finds what first.
    let sb = Sandbox::new();
    sb.wrap("codex");
    sb.write_python_state("codex", "auto-resume", None);
    let other = sb.root.join("other");
    for day in 10..=20 {
        for (slot, hour) in ["08", "12", "16"].iter().enumerate() {
            let id = format!("019a0000-0000-7000-8000-0000000{day:02}{slot:03}");
            codex_rollout(
                &sb,
                &format!("2026-10-{day}"),
                &format!("{hour}:00:00"),
                &id,
                &other,
                "cli",
            );
        }
    }
    let newest = "019a0000-0000-7000-8000-00000000aaaa";
    let older = "019a0000-0000-7000-8000-00000000bbbb";
    codex_rollout(&sb, "2026-10-14", "09:00:00", newest, &sb.project, "cli");
    codex_rollout(&sb, "2026-10-12", "09:00:00", older, &sb.project, "cli");
    codex_rollout(
        &sb,
        "2026-10-11",
        "09:00:00",
        "019a0000-0000-7000-8000-00000000cccc",
        &sb.project,
        "cli",
    );
    sb.run("codex", Vec::<&str>::new());
    assert_eq!(sb.args("codex"), ["resume", newest]);
}
