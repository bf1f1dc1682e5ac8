//! The archive: a project's sessions on a ref of its own in its git repository, with the real
//! `git`; restored byte for byte when a tool deleted them; what the ref holds read as untrusted.

use crate::common;
use crate::convert_support::CODEX_ID;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use serde_json::Value;

const REF: &str = "refs/ai-session-manager/archive";
const ID: &str = "44444444-2222-4333-8444-555555555555";
const OTHER: &str = "55555555-2222-4333-8444-555555555555";

/// `git` in `dir`, with no user or system settings; its stdout.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = git_command(dir).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

pub fn git_command(dir: &Path) -> Command {
    let mut command = Command::new("git");
    command
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "a")
        .env("GIT_AUTHOR_EMAIL", "a@example.com")
        .env("GIT_COMMITTER_NAME", "a")
        .env("GIT_COMMITTER_EMAIL", "a@example.com");
    command
}

/// The sandbox's project as a real repository, with one commit on `main`.
pub fn repository(sb: &Sandbox) {
    std::fs::remove_dir(sb.project.join(".git")).unwrap();
    git(&sb.project, &["init", "-q", "-b", "main"]);
    sb.write(sb.project.join("README"), "hello\n");
    git(&sb.project, &["add", "README"]);
    git(&sb.project, &["commit", "-q", "-m", "first"]);
}

pub fn claude_session(sb: &Sandbox, id: &str, text: &str) -> PathBuf {
    let path = claude_transcript(&sb.home, &sb.project, id);
    sb.write(&path, claude_user_line(id, &sb.project, text));
    path
}

pub fn codex_session(sb: &Sandbox) -> PathBuf {
    let fixture = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/convert/codex-rollout.jsonl"),
    )
    .unwrap();
    let rollout = fixture.replace("/home/dev/src/renamer", sb.project.to_str().unwrap());
    sb.write(
        sb.home
            .join(".codex/sessions/2026/11/21")
            .join(format!("rollout-2026-11-21T10-00-00-{CODEX_ID}.jsonl")),
        rollout,
    )
}

fn archive(sb: &Sandbox) -> String {
    let out = sb.cli().arg("archive").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
}

fn archived_bytes(sb: &Sandbox, path: &str) -> Vec<u8> {
    let out = git_command(&sb.project)
        .args(["cat-file", "blob", &format!("{REF}:{path}")])
        .output()
        .unwrap();
    assert!(out.status.success(), "{path} is not archived");
    out.stdout
}

fn tip(sb: &Sandbox) -> String {
    git(&sb.project, &["rev-parse", REF]).trim().to_owned()
}

#[test]
fn sessions_are_kept_byte_for_byte_on_a_ref_of_their_own_and_only_changes_are_written() {
    let sb = Sandbox::new();
    repository(&sb);
    let claude = claude_session(&sb, ID, "fix the coupon");
    let codex = codex_session(&sb);
    // Another project's session is not this project's to keep.
    let elsewhere = sb.root.join("work/other");
    std::fs::create_dir_all(&elsewhere).unwrap();
    sb.write(
        claude_transcript(&sb.home, &elsewhere, OTHER),
        claude_user_line(OTHER, &elsewhere, "not ours"),
    );

    assert!(archive(&sb).contains("Archived 2 session(s)"));
    assert_eq!(
        archived_bytes(&sb, &format!("claude/{ID}/session")),
        std::fs::read(&claude).unwrap()
    );
    assert_eq!(
        archived_bytes(&sb, &format!("codex/{CODEX_ID}/session")),
        std::fs::read(&codex).unwrap()
    );
    let manifest: Value =
        serde_json::from_slice(&archived_bytes(&sb, &format!("claude/{ID}/manifest.json")))
            .unwrap();
    assert_eq!(manifest["tool"], "claude");
    assert_eq!(manifest["id"], ID);
    assert_eq!(manifest["title"], "fix the coupon");
    assert_eq!(manifest["branch"], "main");
    assert_eq!(
        manifest["store_path"],
        format!("projects/{}/{ID}.jsonl", claude_folder_name(&sb.project))
    );
    let listed = git(&sb.project, &["ls-tree", "-r", "--name-only", REF]);
    assert!(!listed.contains(OTHER), "{listed}");
    assert_eq!(listed.lines().count(), 4, "{listed}");

    // Nothing new: no object, no commit, the ref where it was.
    let first = tip(&sb);
    let objects = git(&sb.project, &["count-objects", "-v"]);
    assert!(archive(&sb).contains("Nothing new to archive (2 session(s)"));
    assert_eq!(tip(&sb), first);
    assert_eq!(git(&sb.project, &["count-objects", "-v"]), objects);

    // One session went on: only it is written again, on top of the last commit.
    let codex_blob = git(
        &sb.project,
        &["rev-parse", &format!("{REF}:codex/{CODEX_ID}/session")],
    );
    let mut grown = std::fs::read(&claude).unwrap();
    grown.extend(claude_user_line(ID, &sb.project, "and the tax").as_bytes());
    std::fs::write(&claude, &grown).unwrap();
    assert!(archive(&sb).contains("Archived 1 session(s) in"));
    assert_eq!(
        git(&sb.project, &["rev-parse", &format!("{}^", tip(&sb))]).trim(),
        first
    );
    assert_eq!(archived_bytes(&sb, &format!("claude/{ID}/session")), grown);
    assert_eq!(
        git(
            &sb.project,
            &["rev-parse", &format!("{REF}:codex/{CODEX_ID}/session")]
        ),
        codex_blob
    );

    // Never in the working tree, never on a branch, never sent by a plain push.
    assert_eq!(git(&sb.project, &["status", "--porcelain"]), "");
    assert_eq!(
        git(&sb.project, &["branch", "--format=%(refname)"]),
        "refs/heads/main\n"
    );
    let remote = sb.root.join("remote.git");
    git(
        &sb.root,
        &["init", "-q", "--bare", remote.to_str().unwrap()],
    );
    git(
        &sb.project,
        &["remote", "add", "origin", remote.to_str().unwrap()],
    );
    git(&sb.project, &["push", "-q", "origin", "main"]);
    git(&sb.project, &["push", "-q", "--all", "origin"]);
    git(&sb.project, &["push", "-q", "--tags", "origin"]);
    let refs = git(&remote, &["for-each-ref", "--format=%(refname)"]);
    assert_eq!(refs, "refs/heads/main\n");
    let clone = sb.root.join("clone");
    git(
        &sb.root,
        &[
            "clone",
            "-q",
            remote.to_str().unwrap(),
            clone.to_str().unwrap(),
        ],
    );
    assert!(!git(&clone, &["for-each-ref"]).contains("ai-session-manager"));
}

#[test]
fn a_session_the_tool_deleted_is_listed_as_archived_restored_exactly_and_resumed() {
    let sb = Sandbox::new();
    repository(&sb);
    sb.wrap("claude");
    sb.run("claude", Vec::<&str>::new());
    let id = sb.target("claude").unwrap();
    let transcript = claude_session(&sb, &id, "plan the release");
    let kept = claude_session(&sb, OTHER, "still here");
    archive(&sb);
    let bytes = std::fs::read(&transcript).unwrap();
    // Claude's sweep deletes the transcript.
    std::fs::remove_file(&transcript).unwrap();

    let out = sb
        .cli()
        .args(["sessions", "--archived", "--json"])
        .output()
        .unwrap();
    let archived: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = archived.iter().map(|m| m["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [id.as_str()], "only what the store lost");
    let table = stdout(&sb.cli().args(["sessions", "--archived"]).output().unwrap());
    assert!(table.contains("plan the release"), "{table}");

    // Without arguments: the session each tool resumes here, if it is gone.
    let out = sb.cli().arg("restore").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("claude: restored"),
        "{}",
        stdout(&out)
    );
    assert_eq!(std::fs::read(&transcript).unwrap(), bytes);
    sb.run("claude", ["go on"]);
    assert_eq!(sb.args("claude"), ["--resume", id.as_str(), "go on"]);

    // A file that is there is never written over.
    std::fs::write(&kept, "changed locally\n").unwrap();
    let out = sb
        .cli()
        .args(["restore", "claude", &OTHER[..8]])
        .output()
        .unwrap();
    assert!(
        stdout(&out).contains("nothing to restore"),
        "{}",
        stdout(&out)
    );
    assert_eq!(std::fs::read_to_string(&kept).unwrap(), "changed locally\n");
    let out = sb
        .cli()
        .args(["restore", "claude", "66666666"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("holds no claude session 66666666"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn archive_and_restore_outside_a_repository_say_so() {
    let sb = Sandbox::without_git();
    claude_session(&sb, ID, "hello");
    for args in [
        &["archive"][..],
        &["restore", "claude", ID],
        &["sessions", "--archived"],
    ] {
        let out = sb.cli().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(
            stderr(&out).contains("not in a git repository"),
            "{}",
            stderr(&out)
        );
    }
    // An empty `.git` folder is not a repository either, and gets nothing written into it.
    let sb = Sandbox::new();
    claude_session(&sb, ID, "hello");
    let out = sb.cli().arg("archive").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        std::fs::read_dir(sb.project.join(".git")).unwrap().count(),
        0
    );
}

/// A commit on the archive ref, made by hand as an attacker would: each `(path, bytes)`.
fn forge(sb: &Sandbox, entries: &[(&str, Vec<u8>)]) {
    let mut script = Vec::new();
    script.extend(b"commit refs/ai-session-manager/archive\ncommitter x <x@x> 0 +0000\ndata 0\n");
    for (path, bytes) in entries {
        script.extend(format!("M 100644 inline {path}\ndata {}\n", bytes.len()).as_bytes());
        script.extend(bytes);
        script.push(b'\n');
    }
    let mut child = git_command(&sb.project)
        .args(["fast-import", "--quiet"])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(&script).unwrap();
    assert!(child.wait().unwrap().success());
}

fn manifest(id: &str, store_path: &str, size: usize) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "tool": "claude", "id": id, "title": "t\u{1b}]52;c;aGk=\u{7}", "started_at": null,
        "updated_at": "2026-11-21T11:13:38Z", "size_bytes": size, "store_path": store_path,
        "branch": null, "archived_at": "2026-11-21T11:13:38Z"
    }))
    .unwrap()
}

#[test]
fn what_the_archive_ref_holds_is_untrusted() {
    let sb = Sandbox::new();
    repository(&sb);
    let outside = sb.root.join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    let projects = sb.home.join(".claude/projects");
    std::fs::create_dir_all(&projects).unwrap();
    std::os::unix::fs::symlink(&outside, projects.join("linked")).unwrap();
    let body = b"{}\n".to_vec();
    let ids = [
        "11111111-2222-4333-8444-555555555555",
        "22222222-2222-4333-8444-555555555555",
        "33333333-2222-4333-8444-555555555555",
        "44444444-2222-4333-8444-555555555555",
        "66666666-2222-4333-8444-555555555555",
    ];
    let climb = format!("projects/../../../outside/{}.jsonl", ids[0]);
    let absolute = format!("/{}/{}.jsonl", outside.display(), ids[1]);
    let linked = format!("projects/linked/{}.jsonl", ids[2]);
    let flag = format!("projects/x/--{}.jsonl", ids[4]);
    let session = |id: &str| format!("claude/{id}/session");
    let manifest_at = |id: &str| format!("claude/{id}/manifest.json");
    forge(
        &sb,
        &[
            // A path that climbs out of the store, one that is absolute, one through a link.
            (&manifest_at(ids[0]), manifest(ids[0], &climb, 3)),
            (&session(ids[0]), body.clone()),
            (&manifest_at(ids[1]), manifest(ids[1], &absolute, 3)),
            (&session(ids[1]), body.clone()),
            (&manifest_at(ids[2]), manifest(ids[2], &linked, 3)),
            (&session(ids[2]), body.clone()),
            // A manifest that names another session than its place.
            (
                &manifest_at(ids[3]),
                manifest(ids[0], &format!("projects/x/{}.jsonl", ids[0]), 3),
            ),
            (&session(ids[3]), body.clone()),
            // A file named like a flag, an id that is not claude's, a huge manifest.
            (&manifest_at(ids[4]), manifest(ids[4], &flag, 3)),
            (&session(ids[4]), body.clone()),
            (
                "claude/--resume/manifest.json",
                manifest("--resume", "projects/x/--resume.jsonl", 3),
            ),
            ("claude/--resume/session", body.clone()),
            (
                "claude/77777777-2222-4333-8444-555555555555/manifest.json",
                vec![b' '; 100_000],
            ),
            (
                "claude/77777777-2222-4333-8444-555555555555/session",
                body.clone(),
            ),
            ("evil/x/session", body.clone()),
        ],
    );
    let out = sb
        .cli()
        .args(["sessions", "--archived", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let listed: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let listed: Vec<&str> = listed.iter().map(|m| m["id"].as_str().unwrap()).collect();
    assert_eq!(
        listed,
        [ids[2]],
        "only the entry whose path is the store's own"
    );
    let warnings = stderr(&out);
    assert!(warnings.contains("not ours"), "{warnings}");
    assert!(!warnings.contains('\u{1b}'), "{warnings}");
    let table = sb.cli().args(["sessions", "--archived"]).output().unwrap();
    assert!(!table.stdout.contains(&0x1b), "{}", stdout(&table));

    for id in ids {
        let out = sb.cli().args(["restore", "claude", id]).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{id}: {}", stdout(&out));
    }
    let out = sb
        .cli()
        .args(["restore", "claude", ids[2]])
        .output()
        .unwrap();
    assert!(
        stderr(&out).contains("is not a folder (a link"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read_dir(&outside).unwrap().count(),
        0,
        "nothing written outside"
    );
    assert!(!projects.join("x").exists());
}

/// A launch in a git project hands its sessions to a background run, which the launch does not
/// wait for: the ref appears a moment later, the tool having run already.
#[test]
fn a_launch_keeps_the_projects_sessions_in_the_background() {
    let sb = Sandbox::new();
    repository(&sb);
    sb.wrap("claude");
    sb.run("claude", Vec::<&str>::new());
    let id = sb.target("claude").unwrap();
    // The first launch found nothing to keep; let the next one run at once.
    let stamp = sb.project.join(".git/ai-session-manager/archive-started");
    wait_for(|| stamp.exists());
    std::fs::remove_file(&stamp).unwrap();
    let transcript = claude_session(&sb, &id, "keep me");
    let out = sb.run("claude", ["hello"]);
    assert!(out.status.success());
    assert_eq!(sb.args("claude"), ["--resume", id.as_str(), "hello"]);
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
    let archived = || {
        git_command(&sb.project)
            .args(["cat-file", "blob", &format!("{REF}:claude/{id}/session")])
            .output()
            .unwrap()
            .stdout
    };
    wait_for(|| archived() == std::fs::read(&transcript).unwrap());
}

/// Waits until `done` holds, at most a minute: a background process is not timed, only awaited.
pub fn wait_for(done: impl Fn() -> bool) {
    for _ in 0..600 {
        if done() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("it never happened");
}

/// Claude's sweep deleted the transcript the project resumes: the launch puts it back from the
/// archive, exactly, says so, and resumes it.
#[test]
fn a_launch_restores_the_session_the_tool_deleted_and_resumes_it() {
    let sb = Sandbox::new();
    repository(&sb);
    sb.wrap("claude");
    sb.run("claude", Vec::<&str>::new());
    let id = sb.target("claude").unwrap();
    let transcript = claude_session(&sb, &id, "the long plan");
    archive(&sb);
    let bytes = std::fs::read(&transcript).unwrap();
    std::fs::remove_file(&transcript).unwrap();

    let out = sb.run("claude", ["go on"]);
    assert!(out.status.success());
    assert_eq!(sb.args("claude"), ["--resume", id.as_str(), "go on"]);
    assert!(
        stderr(&out).contains(&format!(
            "Restored session {id} from the project's archive: claude had deleted it"
        )),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read(&transcript).unwrap(), bytes);

    // `status` tells what the archive holds and what a launch put back.
    let out = sb.manage(["status", "--json", "claude"]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let archive = &report["project"]["archive"];
    assert_eq!(archive["ref"], REF);
    let restored = archive["restored"].as_array().unwrap();
    assert_eq!(restored.len(), 1);
    let line = restored[0].as_str().unwrap();
    assert!(line.starts_with(&format!("claude {id} ")), "{line}");
    let out = sb.manage(["status", "claude"]);
    let text = stdout(&out);
    assert!(
        text.contains(&format!("session(s) in {REF}, last run ")),
        "{text}"
    );
    assert!(
        text.contains(&format!("restored by a launch: claude {id} ")),
        "{text}"
    );
}

/// A repository that arrived with an archive ref (a download with its `.git`) is not this
/// machine's archive: a launch does not restore from it, and the next archive run sets it
/// aside, never deletes it, and writes this machine's sessions afresh.
#[test]
fn an_archive_this_machine_did_not_write_is_not_restored_from_and_is_set_aside() {
    let sb = Sandbox::new();
    repository(&sb);
    // No background run, so that the one below is the first to meet the planted ref.
    let off = sb
        .cli()
        .args(["config", "set", "archive", "off"])
        .output()
        .unwrap();
    assert!(off.status.success(), "{}", stderr(&off));
    sb.wrap("claude");
    sb.run("claude", Vec::<&str>::new());
    let id = sb.target("claude").unwrap();
    let store_path = format!("projects/{}/{id}.jsonl", claude_folder_name(&sb.project));
    let planted = claude_user_line(&id, &sb.project, "planted by the download").into_bytes();
    forge(
        &sb,
        &[
            (
                &format!("claude/{id}/manifest.json"),
                manifest(&id, &store_path, planted.len()),
            ),
            (&format!("claude/{id}/session"), planted),
        ],
    );
    let forged = tip(&sb);
    let own = sb.project.join(".git/ai-session-manager");
    std::fs::create_dir_all(&own).unwrap();
    std::fs::write(own.join("archive-holds"), format!("claude/{id}\n")).unwrap();

    let out = sb.run("claude", ["hello"]);
    assert!(out.status.success());
    assert!(
        stderr(&out).contains("not written on this machine"),
        "{}",
        stderr(&out)
    );
    let transcript = claude_transcript(&sb.home, &sb.project, &id);
    assert!(!transcript.exists(), "nothing planted in the store");
    assert_eq!(sb.args("claude"), ["--session-id", id.as_str(), "hello"]);

    claude_session(&sb, &id, "my own words");
    let out = sb.cli().arg("archive").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("set it aside as refs/ai-session-manager/archive-set-aside-"));
    let refs = git(
        &sb.project,
        &["for-each-ref", "--format=%(refname) %(objectname)"],
    );
    let aside = refs
        .lines()
        .find(|line| line.contains("archive-set-aside-"))
        .unwrap();
    assert!(aside.ends_with(&forged), "{refs}");
    assert_eq!(
        git(&sb.project, &["rev-list", "--count", REF]).trim(),
        "1",
        "written afresh, not on top of the planted commit"
    );
    assert_eq!(
        archived_bytes(&sb, &format!("claude/{id}/session")),
        std::fs::read(&transcript).unwrap()
    );
}
