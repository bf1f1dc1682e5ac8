//! Runs that overlap: setup against setup, setup against teardown, and many first launches over
//! one corrupt state file. Each round starts its processes together from a barrier and then
//! checks invariants that must hold under every interleaving, so a pass never depends on timing.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::{Arc, Barrier};

use common::*;

const ORIGINAL: &str = "#!/bin/sh\necho the original claude\n";

/// Runs every command in `commands` at once, each on its own thread released by one barrier.
fn all_at_once(commands: Vec<std::process::Command>) -> Vec<Output> {
    let barrier = Arc::new(Barrier::new(commands.len()));
    let threads: Vec<_> = commands
        .into_iter()
        .map(|mut command| {
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                barrier.wait();
                command.output().unwrap()
            })
        })
        .collect();
    threads
        .into_iter()
        .map(|thread| thread.join().unwrap())
        .collect()
}

fn original_claude(sb: &Sandbox) -> PathBuf {
    let claude = sb.bin.join("claude");
    write_executable(&claude, ORIGINAL);
    claude
}

fn manage_command(sb: &Sandbox, args: &[&str]) -> std::process::Command {
    let mut command = sb.cli_on(&[&sb.bin]);
    command.args(args);
    command
}

/// The names in the tool's folder, hidden ones included.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn is_wrapper(path: &Path) -> bool {
    std::fs::read_link(path).is_ok_and(|target| target == canonical_bin())
}

/// After any interleaving the original bytes are still under `claude` or `claude-real`, and
/// whatever is at the other name is the wrapper.
fn assert_original_kept(sb: &Sandbox, outputs: &[Output]) {
    let claude = sb.bin.join("claude");
    let real = sb.bin.join("claude-real");
    let report = || {
        outputs
            .iter()
            .map(|out| format!("{:?}: {}{}", out.status.code(), stdout(out), stderr(out)))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let holds_original = |path: &Path| {
        !is_wrapper(path) && std::fs::read(path).is_ok_and(|b| b == ORIGINAL.as_bytes())
    };
    if real.symlink_metadata().is_ok() {
        assert!(
            holds_original(&real),
            "claude-real is not the original\n{}",
            report()
        );
        assert!(
            is_wrapper(&claude),
            "claude is not the wrapper\n{}",
            report()
        );
    } else {
        assert!(
            holds_original(&claude),
            "claude is not the original\n{}",
            report()
        );
    }
    for out in outputs {
        assert!(
            out.status.success(),
            "a run failed instead of waiting its turn\n{}",
            report()
        );
    }
}

/// `setup` then `teardown` from whatever the race left gives back exactly the original file.
fn assert_restores_exactly(sb: &Sandbox) {
    let setup = sb.manage(["setup", "claude"]);
    assert!(setup.status.success(), "{}", stderr(&setup));
    let teardown = sb.manage(["teardown", "claude"]);
    assert!(teardown.status.success(), "{}", stderr(&teardown));
    let claude = sb.bin.join("claude");
    assert_eq!(std::fs::read(&claude).unwrap(), ORIGINAL.as_bytes());
    assert!(
        !std::fs::symlink_metadata(&claude)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(names(&sb.bin), ["claude"]);
}

const ROUNDS: usize = 40;

#[test]
fn two_setups_at_once_keep_the_original_tool() {
    for _ in 0..ROUNDS {
        let sb = Sandbox::new();
        original_claude(&sb);
        let outputs = all_at_once(vec![
            manage_command(&sb, &["setup", "claude"]),
            manage_command(&sb, &["setup", "claude"]),
        ]);
        assert_original_kept(&sb, &outputs);
        assert!(is_wrapper(&sb.bin.join("claude")));
        let wrapped = outputs
            .iter()
            .filter(|out| stdout(out).contains("claude: wrapped"))
            .count();
        assert_eq!(wrapped, 1, "exactly one run wraps; the other finds it done");
        assert_restores_exactly(&sb);
    }
}

#[test]
fn setup_racing_teardown_keeps_the_original_tool() {
    for round in 0..ROUNDS {
        let sb = Sandbox::new();
        original_claude(&sb);
        // Half the rounds start wrapped, so teardown has something to undo.
        if round % 2 == 1 {
            assert!(sb.manage(["setup", "claude"]).status.success());
        }
        let outputs = all_at_once(vec![
            manage_command(&sb, &["setup", "claude"]),
            manage_command(&sb, &["teardown", "claude"]),
        ]);
        assert_original_kept(&sb, &outputs);
        assert_restores_exactly(&sb);
    }
}

#[test]
fn many_setups_and_teardowns_at_once_keep_the_original_tool() {
    for _ in 0..ROUNDS / 4 {
        let sb = Sandbox::new();
        original_claude(&sb);
        let commands = (0..8)
            .map(|n| {
                let verb = if n % 2 == 0 { "setup" } else { "teardown" };
                manage_command(&sb, &[verb, "claude"])
            })
            .collect();
        let outputs = all_at_once(commands);
        assert_original_kept(&sb, &outputs);
        assert_restores_exactly(&sb);
    }
}

/// The `--session-id` of every launch the fake tool recorded.
fn launched_ids(sb: &Sandbox) -> Vec<String> {
    std::fs::read_to_string(sb.log.join("claude.history"))
        .unwrap()
        .lines()
        .map(|line| {
            let id = line
                .strip_prefix("--session-id ")
                .unwrap_or_else(|| panic!("{line}"));
            id.to_owned()
        })
        .collect()
}

#[test]
fn parallel_launches_over_a_corrupt_state_agree_and_keep_it() {
    const LAUNCHES: usize = 48;
    for _ in 0..4 {
        let sb = Sandbox::new();
        sb.wrap("claude");
        let corrupt = b"{\"version\": 1, \"tool\": \"claude\", \"resume_target\": ";
        sb.write(sb.state_path("claude"), corrupt);
        let commands = (0..LAUNCHES).map(|_| sb.tool("claude")).collect();
        let outputs = all_at_once(commands);
        for out in &outputs {
            assert!(out.status.success(), "{}", stderr(out));
        }

        let ids = launched_ids(&sb);
        assert_eq!(ids.len(), LAUNCHES);
        let first = ids[0].clone();
        assert!(is_uuid(&first), "{first}");
        assert!(
            ids.iter().all(|id| *id == first),
            "launches disagree: {ids:?}"
        );
        assert_eq!(sb.target("claude").as_deref(), Some(first.as_str()));

        // The corrupt file was set aside once, byte for byte; no good state was.
        let kept: Vec<PathBuf> = names(&sb.state_dir())
            .into_iter()
            .filter(|name| name.starts_with("claude.json.bad-"))
            .map(|name| sb.state_dir().join(name))
            .collect();
        assert_eq!(kept.len(), 1, "{kept:?}");
        assert_eq!(std::fs::read(&kept[0]).unwrap(), corrupt);
    }
}

#[test]
fn setup_waits_for_the_folder_lock_then_refuses_and_changes_nothing() {
    use std::os::fd::AsRawFd;
    let sb = Sandbox::new();
    original_claude(&sb);
    let before = tree(&sb.root);
    // Another setup holds the folder; this one waits its patience out.
    let folder = std::fs::File::open(&sb.bin).unwrap();
    // SAFETY: a valid open descriptor.
    assert_eq!(unsafe { libc::flock(folder.as_raw_fd(), libc::LOCK_EX) }, 0);
    let out = sb.manage(["setup", "claude"]);
    assert!(!out.status.success());
    let text = stderr(&out);
    assert!(
        text.contains(&format!(
            "another ai-session-manager is changing {}",
            sb.bin.display()
        )),
        "{text}"
    );
    assert_eq!(tree(&sb.root), before);
    drop(folder);
    assert!(sb.manage(["setup", "claude"]).status.success());
    assert!(is_wrapper(&sb.bin.join("claude")));
}
