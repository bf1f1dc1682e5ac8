//! No file that arrives with a clone or a download picks another folder's conversation: not a
//! forged worktree, not a state file that names an id it has seen, not a folder whose claude
//! project-folder name collides with another's. The victim is a project beside the downloaded
//! one, with a session of each tool.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::*;
use serde_json::{Value, json};

const ID: &str = "44444444-2222-4333-8444-555555555555";
const CODEX_ID: &str = "019a8f10-1111-7222-8333-444455556666";
const COPILOT_ID: &str = "a3f1c2d4-5b6e-4f70-8a9b-0c1d2e3f4a5b";
const AGY_ID: &str = "c0ffee00-1111-4222-8333-444444444444";

/// The victim project `~/src/shop` of the attacker's guess, beside the downloaded `proj`.
fn victim(sb: &Sandbox) -> PathBuf {
    let shop = sb.root.join("work").join("shop");
    std::fs::create_dir_all(shop.join(".git")).unwrap();
    shop
}

fn state_file(root: &Path, tool: &str) -> PathBuf {
    root.join(".ai-session-manager")
        .join(format!("{tool}.json"))
}

fn write_state_at(root: &Path, tool: &str, state: &Value) {
    let path = state_file(root, tool);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, state.to_string()).unwrap();
}

fn state(tool: &str, mode: &str, root: &Path, cwd: &Path, target: &str) -> Value {
    json!({"version": 1, "tool": tool, "session_mode": mode, "resume_target": target,
        "root": root, "cwd": cwd, "created_at": "2026-11-20T09:00:00Z",
        "updated_at": "2026-11-29T09:00:00Z"})
}

/// The victim's claude transcript; returns its path and bytes.
fn victim_claude(sb: &Sandbox, shop: &Path) -> (PathBuf, String) {
    let path = claude_transcript(&sb.home, shop, ID);
    let body = claude_user_line(ID, shop, "our pricing secrets");
    sb.write(&path, &body);
    (path, body)
}

fn victim_codex(sb: &Sandbox, shop: &Path) -> PathBuf {
    let meta = json!({"timestamp": "2026-11-21T10:00:00.000Z", "type": "session_meta",
        "payload": {"id": CODEX_ID, "timestamp": "2026-11-21T10:00:00.000Z", "cwd": shop,
            "source": "cli", "originator": "codex_cli_rs", "cli_version": "0.169.0"}});
    sb.write(
        sb.home
            .join(".codex/sessions/2026/11/21")
            .join(format!("rollout-2026-11-21T10-00-00-{CODEX_ID}.jsonl")),
        meta.to_string() + "\n",
    )
}

fn victim_copilot(sb: &Sandbox, shop: &Path) {
    let dir = sb.home.join(".copilot/session-state").join(COPILOT_ID);
    sb.write(
        dir.join("workspace.yaml"),
        format!("id: {COPILOT_ID}\ncwd: {}\n", shop.display()),
    );
    sb.write(dir.join("events.jsonl"), "");
}

fn victim_agy(sb: &Sandbox, shop: &Path) {
    let root = sb.home.join(".gemini/antigravity-cli");
    sb.write(
        root.join("brain")
            .join(AGY_ID)
            .join(".system_generated/logs/transcript_full.jsonl"),
        "",
    );
    sb.write(
        root.join("cache/last_conversations.json"),
        json!({shop.to_str().unwrap(): AGY_ID}).to_string(),
    );
}

fn launch(sb: &Sandbox, tool: &str) -> Output {
    // No prompt: gemini and copilot take a prompt argument as a one-shot run, left alone.
    let out = sb.run(tool, [] as [&str; 0]);
    assert!(out.status.success(), "{}", stderr(&out));
    out
}

fn joined(args: &[String]) -> String {
    args.join(" ")
}

// ---------------------------------------------------------------- worktrees

/// A downloaded folder that claims, by a `.git` file and an admin folder of its own, to be a
/// linked worktree of the victim's repository, with settings asking worktrees to fork.
#[test]
fn a_forged_worktree_does_not_fork_the_repository_it_names() {
    let sb = Sandbox::without_git();
    sb.wrap("claude");
    let shop = victim(&sb);
    let (transcript, body) = victim_claude(&sb, &shop);
    write_state_at(
        &shop,
        "claude",
        &state("claude", "managed-id", &shop, &shop, ID),
    );

    let adm = sb.project.join(".gitadm");
    std::fs::create_dir_all(&adm).unwrap();
    sb.write(sb.project.join(".git"), "gitdir: .gitadm\n");
    sb.write(
        adm.join("commondir"),
        format!("{}\n", shop.join(".git").display()),
    );
    sb.write(adm.join("HEAD"), "ref: refs/heads/main\n");
    sb.write(
        adm.join("gitdir"),
        format!("{}\n", sb.project.join(".git").display()),
    );
    sb.write(sb.state_dir().join("config.toml"), "worktree = \"fork\"\n");

    launch(&sb, "claude");
    let args = sb.args("claude");
    assert_eq!(args[0], "--session-id", "{args:?}");
    assert_ne!(args[1], ID);
    assert!(!joined(&args).contains(ID), "{args:?}");
    assert_eq!(std::fs::read_to_string(&transcript).unwrap(), body);

    // A .git file pointing into the victim's worktrees/, at an admin folder of another worktree.
    std::fs::remove_dir_all(sb.state_dir()).unwrap();
    sb.write(sb.state_dir().join("config.toml"), "worktree = \"fork\"\n");
    let other = shop.join(".git/worktrees/other");
    std::fs::create_dir_all(&other).unwrap();
    sb.write(other.join("commondir"), "../..\n");
    sb.write(other.join("HEAD"), "ref: refs/heads/other\n");
    sb.write(
        other.join("gitdir"),
        format!("{}\n", sb.root.join("elsewhere/.git").display()),
    );
    sb.write(
        sb.project.join(".git"),
        format!("gitdir: {}\n", other.display()),
    );
    launch(&sb, "claude");
    assert!(
        !joined(&sb.args("claude")).contains(ID),
        "{:?}",
        sb.args("claude")
    );
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
}

/// A worktree made by the real git is one, and forks the main worktree's session.
#[test]
fn a_worktree_made_by_git_forks_the_main_worktree() {
    let sb = Sandbox::without_git();
    sb.wrap("claude");
    let shop = sb.root.join("work").join("shop");
    std::fs::create_dir_all(&shop).unwrap();
    git(&shop, &["init", "-q", "-b", "main"]);
    git(&shop, &["commit", "-q", "--allow-empty", "-m", "first"]);
    victim_claude(&sb, &shop);
    write_state_at(
        &shop,
        "claude",
        &state("claude", "managed-id", &shop, &shop, ID),
    );
    let wt = sb.root.join("work").join("shop-wt");
    git(&shop, &["worktree", "add", "-q", wt.to_str().unwrap()]);
    let config = sb
        .cli()
        .args(["config", "set", "worktree", "fork", "--global"])
        .output();
    assert!(config.unwrap().status.success());

    let out = sb.tool("claude").current_dir(&wt).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let args = sb.args("claude");
    assert_eq!(args[..3], ["--resume", ID, "--fork-session"], "{args:?}");
}

// ---------------------------------------------------------------- cloned states

/// The downloaded folder's state, recorded as copied from `from`, names the victim's session.
fn cloned_copy(sb: &Sandbox, tool: &str, mode: &str, from: &Path, id: &str) {
    sb.write_state(tool, &state(tool, mode, from, from, id));
}

#[test]
fn a_copied_state_naming_another_folders_session_forks_nothing() {
    // The state says it came from a folder that exists but names no such session.
    let cases = [
        ("claude", "managed-id", ID),
        ("codex", "auto-resume", CODEX_ID),
        ("copilot", "managed-id", COPILOT_ID),
        ("agy", "auto-resume", AGY_ID),
        ("gemini", "managed-id", ID),
    ];
    for (tool, mode, id) in cases {
        let sb = Sandbox::new();
        sb.wrap(tool);
        let shop = victim(&sb);
        let (transcript, body) = victim_claude(&sb, &shop);
        victim_codex(&sb, &shop);
        victim_copilot(&sb, &shop);
        victim_agy(&sb, &shop);
        // Its state names another session, or none.
        let decoy = sb.root.join("work").join("decoy");
        std::fs::create_dir_all(&decoy).unwrap();
        for from in [&shop, &decoy] {
            cloned_copy(&sb, tool, mode, from, id);
            let out = launch(&sb, tool);
            let args = sb.args(tool);
            assert!(
                !joined(&args).contains(id),
                "{tool} from {from:?}: {args:?}"
            );
            assert!(
                stderr(&out).contains("not this place's") || stderr(&out).contains("does not"),
                "{tool}: {}",
                stderr(&out)
            );
            assert_eq!(std::fs::read_to_string(&transcript).unwrap(), body);
        }
    }
}

/// A state recorded as moved from a folder that is gone, whose session folder is the victim's.
#[test]
fn a_moved_state_naming_another_folders_session_carries_and_resumes_nothing() {
    let cases = [
        ("claude", "managed-id", ID),
        ("codex", "auto-resume", CODEX_ID),
        ("copilot", "managed-id", COPILOT_ID),
        ("agy", "auto-resume", AGY_ID),
    ];
    for (tool, mode, id) in cases {
        let sb = Sandbox::new();
        sb.wrap(tool);
        let shop = victim(&sb);
        let (transcript, body) = victim_claude(&sb, &shop);
        victim_codex(&sb, &shop);
        victim_copilot(&sb, &shop);
        victim_agy(&sb, &shop);
        let gone = sb.root.join("gone").join("shop");
        sb.write_state(tool, &state(tool, mode, &gone, &shop, id));
        let out = launch(&sb, tool);
        let args = sb.args(tool);
        assert!(!joined(&args).contains(id), "{tool}: {args:?}");
        assert!(
            stderr(&out).contains("not in this project"),
            "{tool}: {}",
            stderr(&out)
        );
        // The victim's transcript is where it was, byte for byte: never renamed aside.
        assert_eq!(
            std::fs::read_to_string(&transcript).unwrap(),
            body,
            "{tool}"
        );
        let folder: Vec<_> = std::fs::read_dir(transcript.parent().unwrap())
            .unwrap()
            .flatten()
            .collect();
        assert_eq!(folder.len(), 1, "{tool}");
    }
}

/// A state of this very folder (it records this root) naming the victim's id.
#[test]
fn a_home_state_naming_another_folders_session_resumes_nothing() {
    let cases = [
        ("claude", "managed-id", ID),
        ("codex", "auto-resume", CODEX_ID),
        ("copilot", "managed-id", COPILOT_ID),
        ("agy", "auto-resume", AGY_ID),
    ];
    for (tool, mode, id) in cases {
        let sb = Sandbox::new();
        sb.wrap(tool);
        let shop = victim(&sb);
        victim_claude(&sb, &shop);
        victim_codex(&sb, &shop);
        victim_copilot(&sb, &shop);
        victim_agy(&sb, &shop);
        sb.write_state(tool, &state(tool, mode, &sb.project, &sb.project, id));
        let out = launch(&sb, tool);
        let args = sb.args(tool);
        assert!(!joined(&args).contains(id), "{tool}: {args:?}");
        assert!(
            stderr(&out).contains("not in this project"),
            "{tool}: {}",
            stderr(&out)
        );
        // The cloned state is kept aside, not deleted.
        let kept = std::fs::read_dir(sb.state_dir())
            .unwrap()
            .flatten()
            .any(|entry| entry.file_name().to_string_lossy().contains(".foreign-"));
        assert!(kept, "{tool}");
    }
}

/// What `use` pins is the user's own word on this machine: another folder's codex session stays
/// pinned across launches.
#[test]
fn a_session_the_user_pinned_here_is_resumed_though_it_ran_elsewhere() {
    let sb = Sandbox::new();
    sb.wrap("codex");
    let shop = victim(&sb);
    victim_codex(&sb, &shop);
    let out = sb.cli().args(["use", "codex", CODEX_ID]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    launch(&sb, "codex");
    assert_eq!(sb.args("codex")[..2], ["resume", CODEX_ID]);
    // The same state in another folder, as a clone would bring it, is not.
    let clone = sb.root.join("work").join("clone");
    std::fs::create_dir_all(clone.join(".git")).unwrap();
    let mut cloned: Value =
        serde_json::from_slice(&std::fs::read(sb.state_path("codex")).unwrap()).unwrap();
    cloned["root"] = json!(clone);
    write_state_at(&clone, "codex", &cloned);
    let out = sb
        .tool("codex")
        .arg("hello")
        .current_dir(&clone)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        !joined(&sb.args("codex")).contains(CODEX_ID),
        "{:?}",
        sb.args("codex")
    );
}

// ---------------------------------------------------------------- colliding folder names

/// Claude files `/w/a/b-c` and `/w/a/b/c` under one folder name.
#[test]
fn colliding_claude_folder_names_keep_their_sessions_apart() {
    let sb = Sandbox::without_git();
    sb.wrap("claude");
    let dash = sb.root.join("w").join("b-c");
    let nested = sb.root.join("w").join("b").join("c");
    for dir in [&dash, &nested] {
        std::fs::create_dir_all(dir.join(".git")).unwrap();
    }
    assert_eq!(claude_folder_name(&dash), claude_folder_name(&nested));
    let theirs = claude_transcript(&sb.home, &nested, ID);
    // Claude's files may open with records that name no folder, and a long first message.
    let opening = json!({"type": "summary", "summary": "x".repeat(70_000)}).to_string() + "\n";
    let snapshot = json!({"type": "file-history-snapshot", "messageId": "m"}).to_string() + "\n";
    sb.write(
        &theirs,
        opening + &snapshot + &claude_user_line(ID, &nested, "nested secrets"),
    );

    let in_dash = |args: &[&str]| sb.cli().args(args).current_dir(&dash).output().unwrap();
    let listed = in_dash(&["sessions", "--json"]);
    let rows: Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(rows, json!([]), "{}", stdout(&listed));
    let found = in_dash(&["search", "secrets"]);
    assert_eq!(found.status.code(), Some(1), "{}", stdout(&found));
    // The owner lists it.
    let own = sb
        .cli()
        .args(["sessions", "--json"])
        .current_dir(&nested)
        .output()
        .unwrap();
    let rows: Value = serde_json::from_slice(&own.stdout).unwrap();
    assert_eq!(rows[0]["id"], ID);

    // A state in b-c naming it is not followed.
    write_state_at(
        &dash,
        "claude",
        &state("claude", "managed-id", &dash, &dash, ID),
    );
    let out = sb.tool("claude").current_dir(&dash).output().unwrap();
    assert!(out.status.success());
    assert!(
        !joined(&sb.args("claude")).contains(ID),
        "{:?}",
        sb.args("claude")
    );
}

// ---------------------------------------------------------------- a move into a subfolder

#[test]
fn a_project_moved_into_its_own_subfolder_follows_the_move() {
    let sb = Sandbox::new();
    sb.wrap("claude");
    let transcript = claude_transcript(&sb.home, &sb.project, ID);
    sb.write(
        &transcript,
        claude_user_line(ID, &sb.project, "first words"),
    );
    write_state_at(
        &sb.project,
        "claude",
        &state("claude", "managed-id", &sb.project, &sb.project, ID),
    );
    // mv proj proj/inner
    let parked = sb.root.join("parked");
    std::fs::rename(&sb.project, &parked).unwrap();
    std::fs::create_dir(&sb.project).unwrap();
    let inner = sb.project.join("inner");
    std::fs::rename(&parked, &inner).unwrap();

    let out = sb.tool("claude").current_dir(&inner).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(sb.args("claude"), ["--resume", ID], "{}", stderr(&out));
    assert!(stderr(&out).contains("moved here from"), "{}", stderr(&out));
    let carried = claude_transcript(&sb.home, &inner, ID);
    assert!(
        std::fs::read_to_string(carried)
            .unwrap()
            .contains("first words")
    );
}
