//! `sync`: two machines (two HOMEs, two checkouts at different paths) and a bare repository on
//! disk as their remote, with the real `git`; one test through `git daemon` on 127.0.0.1.

use crate::archive::{claude_session, codex_session, git, git_command, repository, wait_for};
use crate::common;
use crate::convert_support::CODEX_ID;

use std::path::{Path, PathBuf};

use common::*;

const ID: &str = "66666666-2222-4333-8444-555555555555";
const EMAIL: &str = "a@example.com";
const REMOTE_REF: &str = "refs/ai-session-manager/sync/a@example.com";
const SECRET: &str = "sk-ant-api03-abcdefghijklmnopqrstuvwxyz012345";

/// A bare repository as the remote, in its own folder.
fn bare_remote() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let bare = dir.path().canonicalize().unwrap().join("remote.git");
    git(
        dir.path(),
        &["init", "-q", "--bare", bare.to_str().unwrap()],
    );
    (dir, bare)
}

/// Machine A: the sandbox's project as a repository whose origin is `remote`.
fn machine_a(remote: &str) -> Sandbox {
    let sb = Sandbox::new();
    repository(&sb);
    git(&sb.project, &["remote", "add", "origin", remote]);
    git(&sb.project, &["config", "user.email", EMAIL]);
    sb
}

/// Machine B: another HOME, the project cloned from `remote` at another path.
fn machine_b(remote: &str) -> Sandbox {
    let sb = Sandbox::without_git();
    std::fs::remove_dir(&sb.project).unwrap();
    let parent = sb.project.parent().unwrap();
    git(
        parent,
        &["clone", "-q", remote, sb.project.to_str().unwrap()],
    );
    git(&sb.project, &["config", "user.email", EMAIL]);
    sb
}

fn sync(sb: &Sandbox, args: &[&str]) -> (String, String) {
    let out = sb.cli().arg("sync").args(args).output().unwrap();
    assert!(out.status.success(), "sync {args:?}: {}", stderr(&out));
    (stdout(&out), stderr(&out))
}

fn remote_tip(bare: &Path, reference: &str) -> Option<String> {
    let out = git_command(bare)
        .args(["rev-parse", "--verify", "--quiet", reference])
        .output()
        .unwrap();
    out.status
        .success()
        .then(|| String::from_utf8(out.stdout).unwrap().trim().to_owned())
}

fn remote_blob(bare: &Path, path: &str) -> String {
    git(bare, &["cat-file", "blob", &format!("{REMOTE_REF}:{path}")])
}

fn append(path: &Path, line: &str) {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new().append(true).open(path).unwrap();
    file.write_all(line.as_bytes()).unwrap();
}

#[test]
fn a_session_pushed_from_one_machine_is_native_on_another_and_resumes_there() {
    let (_remote_dir, bare) = bare_remote();
    let remote = bare.to_str().unwrap();
    let a = machine_a(remote);
    claude_session(&a, ID, &format!("my key is {SECRET}, keep it"));
    codex_session(&a);

    let (out, _) = sync(&a, &["push"]);
    assert!(out.contains(&format!("sent claude/{ID}")), "{out}");
    assert!(out.contains(&format!("sent codex/{CODEX_ID}")), "{out}");
    assert!(out.contains("redacted: anthropic-key 1"), "{out}");
    let pushed = remote_blob(&bare, &format!("claude/{ID}/session"));
    assert!(!pushed.contains(SECRET) && pushed.contains("[REDACTED:anthropic-key]"));
    assert!(
        !pushed.contains(a.project.to_str().unwrap()) && pushed.contains(r#""cwd":"{project}""#),
        "the pushed copy names no folder of machine A: {pushed}"
    );
    // The local archive keeps the exact bytes.
    let archived = git(
        &a.project,
        &[
            "cat-file",
            "blob",
            &format!("refs/ai-session-manager/archive:claude/{ID}/session"),
        ],
    );
    assert!(archived.contains(SECRET));
    // A plain push carries none of it, and a second sync push changes no ref.
    let tip = remote_tip(&bare, REMOTE_REF).unwrap();
    let (out, _) = sync(&a, &["push"]);
    assert!(out.contains("Nothing new to push"), "{out}");
    assert_eq!(remote_tip(&bare, REMOTE_REF).unwrap(), tip);

    let b = machine_b(remote);
    b.wrap("claude").wrap("codex");
    let (out, _) = sync(&b, &["pull"]);
    assert!(
        out.contains(&format!("took claude/{ID} (new here)")),
        "{out}"
    );
    assert!(out.contains(&format!("claude now resumes {ID}")), "{out}");
    let placed = claude_transcript(&b.home, &b.project, ID);
    let text = std::fs::read_to_string(&placed).unwrap();
    let line: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(line["cwd"], b.project.to_str().unwrap());
    assert!(text.contains("[REDACTED:anthropic-key]") && !text.contains(SECRET));
    let rollout = b
        .home
        .join(".codex/sessions/2026/11/21")
        .join(format!("rollout-2026-11-21T10-00-00-{CODEX_ID}.jsonl"));
    let meta: serde_json::Value = serde_json::from_str(
        std::fs::read_to_string(&rollout)
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(meta["payload"]["cwd"], b.project.to_str().unwrap());

    let out = b.run("claude", ["hello"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(b.args("claude"), ["--resume", ID, "hello"]);
    let out = b.run("codex", Vec::<&str>::new());
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(b.args("codex"), ["resume", CODEX_ID]);

    // Pulled again, nothing is taken twice; pushed from B, nothing is new.
    let (out, _) = sync(&b, &["pull"]);
    assert!(out.contains("0 session(s) took"), "{out}");
    let (out, _) = sync(&b, &["push"]);
    assert!(out.contains("Nothing new to push"), "{out}");
    assert_eq!(remote_tip(&bare, REMOTE_REF).unwrap(), tip);
}

#[test]
fn a_continuation_made_on_one_machine_extends_the_session_on_the_other() {
    let (_remote_dir, bare) = bare_remote();
    let remote = bare.to_str().unwrap();
    let a = machine_a(remote);
    let on_a = claude_session(&a, ID, "first");
    sync(&a, &["push", "claude"]);
    let b = machine_b(remote);
    sync(&b, &["pull", "claude"]);
    append(&on_a, &claude_user_line(ID, &a.project, "second, on A"));
    sync(&a, &["push", "claude"]);

    let (out, _) = sync(&b, &["pull", "claude"]);
    assert!(
        out.contains(&format!("took claude/{ID} (continued")),
        "{out}"
    );
    let text = std::fs::read_to_string(claude_transcript(&b.home, &b.project, ID)).unwrap();
    assert_eq!(text.lines().count(), 2);
    assert!(text.contains("second, on A"));
    for line in text.lines() {
        let line: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(line["cwd"], b.project.to_str().unwrap());
    }
}

#[test]
fn when_both_machines_went_on_both_continuations_are_kept() {
    let (_remote_dir, bare) = bare_remote();
    let remote = bare.to_str().unwrap();
    let a = machine_a(remote);
    let on_a = claude_session(&a, ID, "first");
    sync(&a, &["push", "claude"]);
    let b = machine_b(remote);
    b.wrap("claude");
    sync(&b, &["pull", "claude"]);
    append(&on_a, &claude_user_line(ID, &a.project, "went on at A"));
    sync(&a, &["push", "claude"]);
    let on_b = claude_transcript(&b.home, &b.project, ID);
    append(&on_b, &claude_user_line(ID, &b.project, "went on at B"));
    let before_b = std::fs::read(&on_b).unwrap();

    // B's push alone is held back: it would take the place of A's continuation.
    let (_, err) = sync(&b, &["push", "claude"]);
    assert!(err.contains("went on both here and on the remote"), "{err}");
    assert!(remote_blob(&bare, &format!("claude/{ID}/session")).contains("went on at A"));

    let (out, _) = sync(&b, &["claude"]);
    let fork = out
        .lines()
        .find_map(|line| line.split(" as the fork ").nth(1))
        .and_then(|rest| rest.split(' ').next())
        .unwrap_or_else(|| panic!("no fork in: {out}"))
        .to_owned();
    assert!(is_uuid(&fork) && fork != ID);
    assert_eq!(
        std::fs::read(&on_b).unwrap(),
        before_b,
        "B's own session is untouched"
    );
    let forked = std::fs::read_to_string(claude_transcript(&b.home, &b.project, &fork)).unwrap();
    assert!(forked.contains("went on at A") && !forked.contains("went on at B"));
    for line in forked.lines() {
        let line: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(line["sessionId"], fork.as_str());
        assert_eq!(line["cwd"], b.project.to_str().unwrap());
    }
    assert!(
        out.contains(&format!("claude still resumes {ID}, the newer one")),
        "{out}"
    );
    // Then B's continuation went out, and the fork with it: on the remote, nothing is lost.
    assert!(remote_blob(&bare, &format!("claude/{ID}/session")).contains("went on at B"));
    assert!(remote_blob(&bare, &format!("claude/{fork}/session")).contains("went on at A"));
}

#[test]
fn a_push_that_meets_a_moved_remote_fetches_again_and_keeps_both_pushes() {
    let (_remote_dir, bare) = bare_remote();
    let remote = bare.to_str().unwrap();
    let a = machine_a(remote);
    claude_session(&a, ID, "from A");
    let b = machine_b(remote);
    let other = "77777777-2222-4333-8444-555555555555";
    claude_session(&b, other, "from B");
    sync(&b, &["push", "claude"]);
    let first = remote_tip(&bare, REMOTE_REF).unwrap();
    let third = "78787878-2222-4333-8444-555555555555";
    claude_session(&b, third, "B again");
    sync(&b, &["push", "claude"]);
    let second = remote_tip(&bare, REMOTE_REF).unwrap();
    git(&bare, &["update-ref", REMOTE_REF, &first]);
    // When A's push arrives, the hook moves the ref on first, as B's second push landing
    // between A's fetch and A's push would.
    let hook = bare.join("hooks/pre-receive");
    write_executable(
        &hook,
        &format!(
            "#!/bin/sh\nif [ ! -e \"$GIT_DIR/moved\" ]; then touch \"$GIT_DIR/moved\"; \
             env -u GIT_QUARANTINE_PATH git update-ref {REMOTE_REF} {second}; fi\ncat >/dev/null\n"
        ),
    );
    let (out, _) = sync(&a, &["push", "claude"]);
    assert!(out.contains("2 tries"), "{out}");
    let tree = git(&bare, &["ls-tree", "-r", "--name-only", REMOTE_REF]);
    assert!(tree.contains(&format!("claude/{ID}/session")), "{tree}");
    assert!(tree.contains(&format!("claude/{other}/session")), "{tree}");
    assert!(tree.contains(&format!("claude/{third}/session")), "{tree}");
}

#[test]
fn a_teammates_sessions_come_as_forks_of_their_own_once() {
    let (_remote_dir, bare) = bare_remote();
    let remote = bare.to_str().unwrap();
    let a = machine_a(remote);
    claude_session(&a, ID, "handing this over");
    sync(&a, &["push", "claude"]);
    let b = machine_b(remote);
    git(&b.project, &["config", "user.email", "b@example.com"]);
    b.wrap("claude");

    let (out, _) = sync(&b, &["pull", "claude"]);
    assert!(out.contains("holds no sessions of b@example.com"), "{out}");
    let (out, _) = sync(&b, &["pull", "claude", "--from", EMAIL]);
    let fork = b.target("claude").unwrap();
    assert!(
        out.contains(&format!("took {EMAIL}'s claude/{ID} as {fork}")),
        "{out}"
    );
    assert_ne!(fork, ID);
    let text = std::fs::read_to_string(claude_transcript(&b.home, &b.project, &fork)).unwrap();
    assert!(text.contains("handing this over") && text.contains(&fork) && !text.contains(ID));
    assert!(!claude_transcript(&b.home, &b.project, ID).exists());
    b.run("claude", Vec::<&str>::new());
    assert_eq!(b.args("claude"), ["--resume", fork.as_str()]);
    let (out, _) = sync(&b, &["pull", "claude", "--from", EMAIL]);
    assert!(out.contains("0 session(s) took, 1 unchanged"), "{out}");
    // B's own push goes on B's ref, never A's.
    sync(&b, &["push", "claude"]);
    let b_tree = git(
        &bare,
        &[
            "ls-tree",
            "-r",
            "--name-only",
            "refs/ai-session-manager/sync/b@example.com",
        ],
    );
    assert!(b_tree.contains(&fork), "{b_tree}");
    let a_tree = git(&bare, &["ls-tree", "-r", "--name-only", REMOTE_REF]);
    assert!(!a_tree.contains(&fork), "{a_tree}");
}

#[test]
fn a_dry_run_says_what_would_go_and_what_would_be_redacted_and_changes_nothing() {
    let (_remote_dir, bare) = bare_remote();
    let a = machine_a(bare.to_str().unwrap());
    claude_session(
        &a,
        ID,
        "export GITHUB_TOKEN=ghp_abcdefghijklmnopqrstuvwxyz0123456789",
    );
    let (out, _) = sync(&a, &["push", "--dry-run"]);
    assert!(out.contains(&format!("would send claude/{ID}")), "{out}");
    assert!(out.contains("assignment 1"), "{out}");
    assert_eq!(remote_tip(&bare, REMOTE_REF), None);
    let refs = git(&a.project, &["for-each-ref", "--format=%(refname)"]);
    assert!(!refs.contains("outgoing"), "{refs}");
}

#[test]
fn the_remote_and_the_person_are_checked_and_a_projects_file_cannot_choose_them() {
    let (_remote_dir, bare) = bare_remote();
    let a = machine_a(bare.to_str().unwrap());
    claude_session(&a, ID, "x");
    for remote in [
        "--upload-pack=touch /tmp/x",
        "/tmp/elsewhere.git",
        "nonexistent",
    ] {
        let out = a
            .cli()
            .args(["sync", "push", &format!("--remote={remote}")])
            .output()
            .unwrap();
        assert!(!out.status.success(), "{remote}");
        assert!(
            stderr(&out).contains("no git remote named"),
            "{}",
            stderr(&out)
        );
    }
    let out = a
        .cli()
        .args(["config", "set", "sync.remote", "origin"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(stderr(&out).contains("--global"), "{}", stderr(&out));
    // A project's settings file arrives with a download: its sync table is not obeyed.
    let evil = tempfile::tempdir().unwrap();
    let evil_remote = evil.path().join("evil.git");
    git(
        evil.path(),
        &["init", "-q", "--bare", evil_remote.to_str().unwrap()],
    );
    git(
        &a.project,
        &["remote", "add", "evil", evil_remote.to_str().unwrap()],
    );
    a.write(
        a.state_dir().join("config.toml"),
        "[sync]\nremote = \"evil\"\nuser = \"someone-else\"\nauto = \"on\"\n",
    );
    sync(&a, &["push"]);
    assert!(remote_tip(&bare, REMOTE_REF).is_some());
    assert_eq!(
        remote_tip(&evil_remote, "refs/ai-session-manager/sync/someone-else"),
        None
    );
    let out = git(&evil_remote, &["for-each-ref"]);
    assert!(out.is_empty(), "{out}");
}

/// Writes a commit onto the remote's ref by hand, with whatever entries it is given.
fn forge(bare: &Path, reference: &str, entries: &[(&str, &str, &[u8])]) {
    let mut script = Vec::new();
    script.extend_from_slice(
        format!("commit {reference}\ncommitter x <x@x> 0 +0000\ndata 1\nx\n").as_bytes(),
    );
    for (mode, path, bytes) in entries {
        script.extend_from_slice(
            format!("M {mode} inline {path}\ndata {}\n", bytes.len()).as_bytes(),
        );
        script.extend_from_slice(bytes);
        script.push(b'\n');
    }
    script.extend_from_slice(b"done\n");
    let mut child = git_command(bare)
        .args(["fast-import", "--quiet", "--done", "--force"])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(&script).unwrap();
    assert!(child.wait().unwrap().success());
}

fn manifest(tool: &str, id: &str, store_path: &str, size: usize) -> Vec<u8> {
    serde_json::json!({
        "tool": tool, "id": id, "title": "t\u{1b}]52;c;aGk=\u{7}", "started_at": null,
        "updated_at": null, "size_bytes": size, "store_path": store_path, "branch": null,
        "archived_at": "2026-12-01T00:00:00Z"
    })
    .to_string()
    .into_bytes()
}

#[test]
fn what_a_remote_holds_is_untrusted_and_a_bad_entry_is_skipped_while_the_rest_imports() {
    let (_remote_dir, bare) = bare_remote();
    let b = machine_b_with_empty_remote(&bare);
    let good = ID;
    let line = claude_user_line(good, Path::new("{project}"), "good");
    let claude_path = |id: &str| format!("projects/-x/{id}.jsonl");
    let flag = "--dangerously-skip-permissions";
    let outside = "88888888-2222-4333-8444-555555555555";
    let linked = "99999999-2222-4333-8444-555555555555";
    let entries: Vec<(String, String, Vec<u8>)> = vec![
        (
            "100644".into(),
            format!("claude/{good}/session"),
            line.clone().into_bytes(),
        ),
        (
            "100644".into(),
            format!("claude/{good}/manifest.json"),
            manifest("claude", good, &claude_path(good), line.len()),
        ),
        (
            "100644".into(),
            format!("claude/{flag}/session"),
            b"x\n".to_vec(),
        ),
        (
            "100644".into(),
            format!("claude/{flag}/manifest.json"),
            manifest("claude", flag, &claude_path(flag), 2),
        ),
        (
            "100644".into(),
            format!("claude/{outside}/session"),
            b"x\n".to_vec(),
        ),
        (
            "100644".into(),
            format!("claude/{outside}/manifest.json"),
            manifest(
                "claude",
                outside,
                &format!("projects/../../../.ssh/{outside}.jsonl"),
                2,
            ),
        ),
        (
            "120000".into(),
            format!("claude/{linked}/session"),
            b"/etc/passwd".to_vec(),
        ),
        (
            "100644".into(),
            format!("claude/{linked}/manifest.json"),
            manifest("claude", linked, &claude_path(linked), 11),
        ),
        ("100644".into(), "../../escape".into(), b"x".to_vec()),
    ];
    let borrowed: Vec<(&str, &str, &[u8])> = entries
        .iter()
        .map(|(mode, path, bytes)| (mode.as_str(), path.as_str(), bytes.as_slice()))
        .collect();
    forge(&bare, REMOTE_REF, &borrowed);

    let out = b.cli().args(["sync", "pull"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let (said, warned) = (stdout(&out), stderr(&out));
    assert!(
        said.contains(&format!("took claude/{good} (new here)")),
        "{said}"
    );
    assert!(!said.contains('\u{1b}') && !warned.contains('\u{1b}'));
    assert!(
        warned.contains(flag) && warned.contains(outside) && warned.contains(linked),
        "{warned}"
    );
    let text = std::fs::read_to_string(claude_transcript(&b.home, &b.project, good)).unwrap();
    assert!(text.contains(b.project.to_str().unwrap()));
    let written: Vec<PathBuf> = walk(&b.home.join(".claude"));
    assert_eq!(
        written,
        [claude_transcript(&b.home, &b.project, good)],
        "nothing else written"
    );
    assert!(!b.home.join(".ssh").exists());
}

fn machine_b_with_empty_remote(bare: &Path) -> Sandbox {
    let sb = Sandbox::new();
    repository(&sb);
    git(
        &sb.project,
        &["remote", "add", "origin", bare.to_str().unwrap()],
    );
    git(&sb.project, &["config", "user.email", EMAIL]);
    sb
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(walk(&path));
        } else {
            found.push(path);
        }
    }
    found.sort();
    found
}

#[test]
fn sync_works_through_git_daemon_on_the_loopback() {
    let (remote_dir, bare) = bare_remote();
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let mut daemon = std::process::Command::new("git")
        .args([
            "daemon",
            "--reuseaddr",
            "--export-all",
            "--enable=receive-pack",
        ])
        .arg("--listen=127.0.0.1")
        .arg(format!("--port={port}"))
        .arg(format!(
            "--base-path={}",
            remote_dir.path().canonicalize().unwrap().display()
        ))
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    struct Stop(std::process::Child);
    impl Drop for Stop {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let _stop = Stop(daemon_take(&mut daemon));
    let url = format!("git://127.0.0.1:{port}/remote.git");
    // The daemon is up when it answers.
    for _ in 0..100 {
        if git_command(&bare)
            .args(["ls-remote", &url])
            .output()
            .unwrap()
            .status
            .success()
        {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let a = machine_a(&url);
    claude_session(&a, ID, "over the wire");
    let (out, _) = sync(&a, &["push", "claude"]);
    assert!(out.contains(&format!("sent claude/{ID}")), "{out}");
    assert!(remote_blob(&bare, &format!("claude/{ID}/session")).contains("over the wire"));
    let b = machine_b_with_empty_remote(Path::new(&url));
    let (out, _) = sync(&b, &["pull", "claude"]);
    assert!(
        out.contains(&format!("took claude/{ID} (new here)")),
        "{out}"
    );
    assert!(claude_transcript(&b.home, &b.project, ID).exists());
}

fn daemon_take(child: &mut std::process::Child) -> std::process::Child {
    std::mem::replace(child, std::process::Command::new("true").spawn().unwrap())
}

/// With the user's sync.auto on, a launch's background run also pushes; off (the default), no
/// launch ever talks to the remote.
#[test]
fn with_sync_auto_on_a_launch_pushes_in_the_background_and_only_then() {
    let (_remote_dir, bare) = bare_remote();
    let a = machine_a(bare.to_str().unwrap());
    a.wrap("claude");
    a.run("claude", Vec::<&str>::new());
    let id = a.target("claude").unwrap();
    let stamp = a.project.join(".git/ai-session-manager/archive-started");
    let archived = format!("refs/ai-session-manager/archive:claude/{id}/session");
    let holds = |text: &str| {
        let out = git_command(&a.project)
            .args(["cat-file", "blob", &archived])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).contains(text)
    };
    // A launch whose run is due; until `done`, launched again (a run still going on when the
    // next is due lets that one pass).
    let launch_until = |done: &dyn Fn() -> bool| {
        wait_for(|| {
            if done() {
                return true;
            }
            let _ = std::fs::remove_file(&stamp);
            let out = a.run("claude", Vec::<&str>::new());
            assert!(out.status.success());
            assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
            false
        })
    };
    claude_session(&a, &id, "kept, not sent");
    launch_until(&|| holds("kept, not sent"));
    assert_eq!(remote_tip(&bare, REMOTE_REF), None, "sync.auto is off");

    let out = a
        .cli()
        .args(["config", "set", "--global", "sync.auto", "on"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    claude_session(&a, &id, "sent by itself");
    launch_until(&|| {
        remote_tip(&bare, REMOTE_REF).is_some()
            && remote_blob(&bare, &format!("claude/{id}/session")).contains("sent by itself")
    });
}
