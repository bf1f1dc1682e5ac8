//! docs/behaviour.md §7: setup and teardown against real install layouts, every case of the table,
//! and the states a crash can leave.

use crate::common;

use std::os::unix::fs::symlink;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::*;

/// A plain executable tool at `bin/<tool>`, as a hand install or Homebrew copy leaves it.
fn plain_tool(sb: &Sandbox, tool: &str) -> PathBuf {
    let path = sb.bin.join(tool);
    write_executable(&path, &fake_tool_script(tool));
    set_mode(&path, 0o751);
    path
}

/// npm's layout with the sandbox root as prefix: `bin/<tool> -> ../lib/node_modules/<package>/cli.js`,
/// a relative link. Returns the link's target.
fn npm_tool(sb: &Sandbox, tool: &str, package: &str) -> PathBuf {
    let target = format!("../lib/node_modules/{package}/cli.js");
    let cli = sb.bin.join(&target);
    std::fs::create_dir_all(cli.parent().unwrap()).unwrap();
    write_executable(&cli, &fake_tool_script(tool));
    symlink(&target, sb.bin.join(tool)).unwrap();
    cli
}

const NPM_TARGET: &str = "../lib/node_modules/@anthropic-ai/claude-code/cli.js";

fn npm_claude(sb: &Sandbox) -> PathBuf {
    npm_tool(sb, "claude", "@anthropic-ai/claude-code")
}

/// A version as the native installer keeps it: `~/.local/share/claude/versions/<v>`.
fn native_version(sb: &Sandbox, version: &str) -> PathBuf {
    let path = sb.home.join(".local/share/claude/versions").join(version);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    write_executable(
        &path,
        &format!("{}# {version}\n", fake_tool_script("claude")),
    );
    path
}

/// The native installer's launcher: `~/.local/bin/claude -> <version>`. Returns the folder.
fn native_claude(sb: &Sandbox, version: &Path) -> PathBuf {
    let local_bin = sb.home.join(".local/bin");
    std::fs::create_dir_all(&local_bin).unwrap();
    symlink(version, local_bin.join("claude")).unwrap();
    local_bin
}

fn success(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        stdout(out),
        stderr(out)
    );
    stdout(out)
}

fn fails(out: &Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(1),
        "stdout: {}\nstderr: {}",
        stdout(out),
        stderr(out)
    );
    stderr(out)
}

fn assert_wrapped(tool: &Path) {
    assert_eq!(link(tool), canonical_bin(), "{}", tool.display());
}

/// The wrapped tool, started by name from `dir`, reaches the real binary.
fn assert_runs_through_wrapper(sb: &Sandbox, dir: &Path) {
    sb.forget_run("claude");
    let out = std::process::Command::new(dir.join("claude"))
        .arg0("claude")
        .arg("hello")
        .env_clear()
        .env("HOME", &sb.home)
        .env("PATH", dir)
        .env("FAKE_LOG_DIR", &sb.log)
        .current_dir(&sb.project)
        .output()
        .unwrap();
    success(&out);
    assert!(stderr(&out).contains("New session"), "{}", stderr(&out));
    assert_eq!(sb.args("claude")[2..], ["hello"]);
}

// ---------------------------------------------------------------- layouts

#[test]
fn a_plain_executable_comes_back_byte_for_byte_with_its_mode() {
    let sb = Sandbox::new();
    let claude = plain_tool(&sb, "claude");
    let bytes = std::fs::read(&claude).unwrap();
    let original_inode = inode(&claude);

    let out = success(&sb.manage(["setup"]));
    let real = sb.bin.join("claude-real");
    assert!(
        out.contains(&format!("claude: wrapped {}", claude.display())),
        "{out}"
    );
    assert_wrapped(&claude);
    assert_eq!(inode(&real), original_inode, "claude-real is a hard link");
    assert_eq!(std::fs::read(&real).unwrap(), bytes);
    assert_eq!(mode(&real), 0o751);
    assert_runs_through_wrapper(&sb, &sb.bin);

    let out = success(&sb.manage(["teardown"]));
    assert!(
        out.contains(&format!("claude: restored {}", claude.display())),
        "{out}"
    );
    assert!(!claude.is_symlink());
    assert_eq!(std::fs::read(&claude).unwrap(), bytes);
    assert_eq!(mode(&claude), 0o751);
    assert_eq!(inode(&claude), original_inode);
    assert!(real.symlink_metadata().is_err());
}

#[test]
fn an_npm_link_moves_as_the_same_relative_link_and_its_target_is_untouched() {
    let sb = Sandbox::new();
    let cli = npm_claude(&sb);
    let cli_before = (std::fs::read(&cli).unwrap(), mode(&cli), inode(&cli));
    let claude = sb.bin.join("claude");
    let real = sb.bin.join("claude-real");

    success(&sb.manage(["setup", "claude"]));
    assert_eq!(link(&real), Path::new(NPM_TARGET));
    assert_wrapped(&claude);
    assert_runs_through_wrapper(&sb, &sb.bin);
    assert!(!cli.is_symlink());
    assert_eq!(
        (std::fs::read(&cli).unwrap(), mode(&cli), inode(&cli)),
        cli_before
    );

    success(&sb.manage(["teardown", "claude"]));
    assert_eq!(link(&claude), Path::new(NPM_TARGET));
    assert!(real.symlink_metadata().is_err());
    assert_eq!(
        (std::fs::read(&cli).unwrap(), mode(&cli), inode(&cli)),
        cli_before
    );
}

#[test]
fn a_native_install_link_into_a_versions_folder_round_trips() {
    let sb = Sandbox::new();
    let version = native_version(&sb, "2.1.330");
    let local_bin = native_claude(&sb, &version);
    let claude = local_bin.join("claude");
    let version_before = tree(version.parent().unwrap());

    success(&sb.cli_on(&[&local_bin]).arg("setup").output().unwrap());
    assert_eq!(link(&local_bin.join("claude-real")), version);
    assert_wrapped(&claude);
    assert_runs_through_wrapper(&sb, &local_bin);

    success(&sb.cli_on(&[&local_bin]).arg("teardown").output().unwrap());
    assert_eq!(link(&claude), version);
    assert!(!local_bin.join("claude-real").exists());
    assert_eq!(tree(version.parent().unwrap()), version_before);
}

// ---------------------------------------------------------------- the cases of docs/behaviour.md §7

#[test]
fn setup_twice_changes_nothing_the_second_time() {
    let sb = Sandbox::new();
    plain_tool(&sb, "claude");
    npm_tool(&sb, "gemini", "@google/gemini-cli");
    success(&sb.manage(["setup"]));
    let before = tree(&sb.root);

    let out = success(&sb.manage(["setup"]));
    assert!(out.contains("claude: already set up"), "{out}");
    assert!(out.contains("gemini: already set up"), "{out}");
    assert_eq!(tree(&sb.root), before);
}

#[test]
fn a_reinstall_over_the_wrapper_is_detected_and_wrapped_again() {
    let sb = Sandbox::new();
    let claude = plain_tool(&sb, "claude");
    success(&sb.manage(["setup"]));

    // The installer replaces the wrapper with its new binary, as npm and the updaters do.
    std::fs::remove_file(&claude).unwrap();
    write_executable(&claude, &format!("{}# v2\n", fake_tool_script("claude")));
    let new_bytes = std::fs::read(&claude).unwrap();
    let new_inode = inode(&claude);

    let out = success(&sb.manage(["setup", "claude"]));
    assert!(out.contains("an update had replaced the wrapper"), "{out}");
    assert_wrapped(&claude);
    let real = sb.bin.join("claude-real");
    assert_eq!(std::fs::read(&real).unwrap(), new_bytes);
    assert_eq!(inode(&real), new_inode);
    assert_runs_through_wrapper(&sb, &sb.bin);
}

#[test]
fn a_native_update_that_relinks_the_tool_is_wrapped_again() {
    let sb = Sandbox::new();
    let local_bin = native_claude(&sb, &native_version(&sb, "2.1.330"));
    let claude = local_bin.join("claude");
    success(&sb.cli_on(&[&local_bin]).arg("setup").output().unwrap());

    // The updater points the launcher at the new version, replacing the wrapper.
    let newer = native_version(&sb, "2.1.331");
    std::fs::remove_file(&claude).unwrap();
    symlink(&newer, &claude).unwrap();

    let out = success(&sb.cli_on(&[&local_bin]).arg("setup").output().unwrap());
    assert!(out.contains("an update had replaced the wrapper"), "{out}");
    assert_eq!(link(&local_bin.join("claude-real")), newer);
    assert_wrapped(&claude);
    success(&sb.cli_on(&[&local_bin]).arg("teardown").output().unwrap());
    assert_eq!(link(&claude), newer);
}

#[test]
fn a_wrapper_whose_real_binary_is_missing_is_an_error_and_nothing_changes() {
    let sb = Sandbox::new();
    symlink(BIN, sb.bin.join("claude")).unwrap();
    let before = tree(&sb.root);
    for args in [&["setup", "claude"][..], &["setup"]] {
        let err = fails(&sb.manage(args));
        let real = sb.bin.join("claude-real");
        assert!(
            err.contains(&format!(
                "error: {} is a wrapper, but {} is missing",
                sb.bin.join("claude").display(),
                real.display()
            )),
            "{err}"
        );
        assert!(err.contains("help: reinstall claude"), "{err}");
        assert_eq!(tree(&sb.root), before);
    }
}

#[test]
fn a_read_only_bin_folder_is_a_clear_error_and_nothing_changes() {
    let sb = Sandbox::new();
    let claude = plain_tool(&sb, "claude");
    set_mode(&sb.bin, 0o555);
    let mut command = sb.manage_command_unprivileged();
    let out = command.arg("setup").output().unwrap();
    set_mode(&sb.bin, 0o755);

    let err = fails(&out);
    assert!(
        err.contains(&format!(
            "error: permission denied: cannot change {} (nothing changed)",
            sb.bin.display()
        )),
        "{err}"
    );
    assert!(
        err.contains("help: run it as a user who may write to"),
        "{err}"
    );
    assert!(!claude.is_symlink());
    let mut names: Vec<_> = std::fs::read_dir(&sb.bin)
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    names.sort();
    assert_eq!(names, ["claude"], "no temp file or claude-real left behind");
}

trait Unprivileged {
    fn manage_command_unprivileged(&self) -> std::process::Command;
}

impl Unprivileged for Sandbox {
    /// The CLI as a user that folder permissions apply to. Root ignores them, so as root the
    /// command runs as `nobody`, from a copy of the binary that `nobody` may run.
    fn manage_command_unprivileged(&self) -> std::process::Command {
        if !running_as_root() {
            return self.cli_on(&[&self.bin]);
        }
        let exe_dir = self.root.join("exe");
        std::fs::create_dir(&exe_dir).unwrap();
        let exe = exe_dir.join("ai-session-manager");
        // Copied by a child process: a write handle open in this one could leak into a test
        // running in parallel as it forks, and the exec below would then fail with ETXTBSY.
        let copied = std::process::Command::new("cp")
            .arg(BIN)
            .arg(&exe)
            .status()
            .unwrap();
        assert!(copied.success());
        set_mode(&self.root, 0o755);
        let mut command = std::process::Command::new(&exe);
        command
            .env_clear()
            .env("HOME", &self.home)
            .env("PATH", &self.bin)
            .current_dir(&self.project)
            .uid(65534)
            .gid(65534);
        command
    }
}

#[test]
fn an_interrupted_setup_is_finished_by_running_setup_again() {
    // Crashed after the hard link, before the rename: claude and claude-real are one file.
    let sb = Sandbox::new();
    let claude = plain_tool(&sb, "claude");
    let real = sb.bin.join("claude-real");
    std::fs::hard_link(&claude, &real).unwrap();
    let original_inode = inode(&claude);
    let bytes = std::fs::read(&claude).unwrap();

    let out = success(&sb.manage(["setup"]));
    assert!(out.contains("claude: finished setting up"), "{out}");
    assert_wrapped(&claude);
    assert_eq!(inode(&real), original_inode);
    assert_runs_through_wrapper(&sb, &sb.bin);

    success(&sb.manage(["teardown"]));
    assert_eq!(inode(&claude), original_inode);
    assert_eq!(std::fs::read(&claude).unwrap(), bytes);
    assert!(real.symlink_metadata().is_err());
}

#[test]
fn an_interrupted_setup_of_a_link_is_finished_too() {
    let sb = Sandbox::new();
    npm_claude(&sb);
    symlink(NPM_TARGET, sb.bin.join("claude-real")).unwrap();

    let out = success(&sb.manage(["setup", "claude"]));
    assert!(out.contains("claude: finished setting up"), "{out}");
    assert_wrapped(&sb.bin.join("claude"));
    assert_eq!(link(&sb.bin.join("claude-real")), Path::new(NPM_TARGET));
}

#[test]
fn teardown_of_an_interrupted_setup_removes_only_the_second_name() {
    let sb = Sandbox::new();
    let claude = plain_tool(&sb, "claude");
    std::fs::hard_link(&claude, sb.bin.join("claude-real")).unwrap();
    let original_inode = inode(&claude);

    let out = success(&sb.manage(["teardown", "claude"]));
    assert!(out.contains("a second name for"), "{out}");
    assert_eq!(inode(&claude), original_inode);
    assert!(!sb.bin.join("claude-real").exists());
}

#[test]
fn a_named_tool_that_is_absent_is_an_error_and_creates_nothing() {
    let sb = Sandbox::new();
    plain_tool(&sb, "claude");
    let before = tree(&sb.root);
    let err = fails(&sb.manage(["setup", "codex"]));
    assert!(err.contains("error: codex was not found on PATH"), "{err}");
    assert!(err.contains("help: install Codex first"), "{err}");
    assert_eq!(tree(&sb.root), before);

    let err = fails(&sb.manage(["teardown", "codex"]));
    assert!(err.contains("error: codex was not found on PATH"), "{err}");
    assert_eq!(tree(&sb.root), before);
}

#[test]
fn setup_with_no_tool_on_path_is_an_error() {
    let sb = Sandbox::new();
    for command in ["setup", "teardown"] {
        let err = fails(&sb.manage([command]));
        assert!(
            err.contains("error: No supported tool binaries were found"),
            "{err}"
        );
        assert!(err.contains("help: install one of claude, codex"), "{err}");
    }
    assert!(std::fs::read_dir(&sb.bin).unwrap().next().is_none());
}

#[test]
fn setup_without_names_skips_absent_tools_and_wraps_the_rest() {
    let sb = Sandbox::new();
    plain_tool(&sb, "codex");
    plain_tool(&sb, "agy");
    let out = success(&sb.manage(["setup", "all"]));
    assert!(out.contains("codex: wrapped"), "{out}");
    assert!(out.contains("agy: wrapped"), "{out}");
    assert!(!out.contains("claude"), "{out}");
    assert_wrapped(&sb.bin.join("codex"));
    assert_wrapped(&sb.bin.join("agy"));
}

#[test]
fn dry_runs_print_the_plan_and_change_nothing() {
    let sb = Sandbox::new();
    plain_tool(&sb, "claude");
    npm_tool(&sb, "gemini", "@google/gemini-cli");
    let before = tree(&sb.root);
    let out = success(&sb.manage(["setup", "--dry-run"]));
    assert!(out.contains("dry run, nothing changed"), "{out}");
    assert!(
        out.contains(&format!(
            "link {} to the same file as {}",
            sb.bin.join("claude-real").display(),
            sb.bin.join("claude").display()
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "link {} to the same target as",
            sb.bin.join("gemini-real").display()
        )),
        "{out}"
    );
    assert_eq!(tree(&sb.root), before);

    success(&sb.manage(["setup"]));
    let wrapped = tree(&sb.root);
    let out = success(&sb.manage(["teardown", "--dry-run"]));
    assert!(
        out.contains(&format!(
            "rename {} to {}",
            sb.bin.join("claude-real").display(),
            sb.bin.join("claude").display()
        )),
        "{out}"
    );
    assert_eq!(tree(&sb.root), wrapped);
}

#[test]
fn a_wrapper_left_without_its_real_binary_is_removed_by_teardown() {
    let sb = Sandbox::new();
    symlink(BIN, sb.bin.join("claude")).unwrap();
    let err = fails(&sb.manage(["teardown"]));
    assert!(
        err.contains("claude-real is missing, so claude cannot be restored; removed the wrapper"),
        "{err}"
    );
    assert!(err.contains("help: reinstall claude"), "{err}");
    assert!(sb.bin.join("claude").symlink_metadata().is_err());
}

#[test]
fn a_real_binary_left_without_its_wrapper_is_restored_or_wrapped_again() {
    let sb = Sandbox::new();
    let real = sb.bin.join("claude-real");
    write_executable(&real, &fake_tool_script("claude"));
    let bytes = std::fs::read(&real).unwrap();

    let out = success(&sb.manage(["setup"]));
    assert!(out.contains("put the wrapper back"), "{out}");
    assert_wrapped(&sb.bin.join("claude"));

    std::fs::remove_file(sb.bin.join("claude")).unwrap();
    let out = success(&sb.manage(["teardown"]));
    assert!(out.contains("its wrapper was already gone"), "{out}");
    assert_eq!(std::fs::read(sb.bin.join("claude")).unwrap(), bytes);
    assert!(real.symlink_metadata().is_err());
}

#[test]
fn teardown_after_an_update_keeps_both_binaries() {
    let sb = Sandbox::new();
    let claude = plain_tool(&sb, "claude");
    success(&sb.manage(["setup"]));
    std::fs::remove_file(&claude).unwrap();
    write_executable(&claude, "#!/bin/sh\n# v2\n");
    let before = tree(&sb.root);

    let out = success(&sb.manage(["teardown"]));
    assert!(
        out.contains("not wrapped: an update replaced the wrapper"),
        "{out}"
    );
    assert_eq!(tree(&sb.root), before);
}

#[test]
fn a_wrapper_of_another_copy_is_pointed_at_this_one() {
    let sb = Sandbox::new();
    let claude = plain_tool(&sb, "claude");
    success(&sb.manage(["setup"]));
    // An older install of ai-session-manager, since deleted.
    std::fs::remove_file(&claude).unwrap();
    symlink(sb.root.join("old/ai-session-manager"), &claude).unwrap();

    let out = success(&sb.manage(["setup"]));
    assert!(out.contains("now starts this copy"), "{out}");
    assert_wrapped(&claude);
}

#[test]
fn a_tool_found_first_on_path_is_the_one_wrapped_and_links_are_kept_as_found() {
    // PATH reaches the tool through a linked folder; setup works in the folder as named.
    let sb = Sandbox::new();
    let store = sb.root.join("store");
    std::fs::create_dir(&store).unwrap();
    let via = sb.root.join("via");
    symlink(&store, &via).unwrap();
    write_executable(&store.join("codex"), &fake_tool_script("codex"));
    plain_tool(&sb, "codex");

    let out = success(&sb.cli_on(&[&via, &sb.bin]).arg("setup").output().unwrap());
    let found = via.join("codex");
    assert!(
        out.contains(&format!(
            "codex: wrapped {}; the original is now {}-real",
            found.display(),
            found.display()
        )),
        "{out}"
    );
    assert_wrapped(&store.join("codex"));
    assert!(store.join("codex-real").is_file());
    assert!(
        !sb.bin.join("codex").is_symlink(),
        "the later one is left alone"
    );
}

#[test]
fn names_that_lead_to_each_other_are_left_alone_so_no_binary_is_lost() {
    // Made by hand: one name links to the other. Replacing either could leave the only copy
    // reachable only through a name that is being replaced.
    for (link_name, file_name) in [("claude", "claude-real"), ("claude-real", "claude")] {
        let sb = Sandbox::new();
        write_executable(&sb.bin.join(file_name), &fake_tool_script("claude"));
        symlink(file_name, sb.bin.join(link_name)).unwrap();
        let before = tree(&sb.root);

        let err = fails(&sb.manage(["setup", "claude"]));
        assert!(
            err.contains("lead to the same file, but not as setup links them; nothing changed"),
            "{err}"
        );
        assert_eq!(tree(&sb.root), before);
        let out = success(&sb.manage(["teardown", "claude"]));
        assert!(out.contains("not wrapped, and left alone"), "{out}");
        assert_eq!(tree(&sb.root), before);
    }
}

/// The shape of the Python ai-session-manager's wrapper: it renamed the tool to `<tool>-real`
/// (the only copy left) and wrote a small script that imports its wrapper module.
fn python_wrapped(sb: &Sandbox, tool: &str) -> (PathBuf, Vec<u8>) {
    let real = sb.bin.join(format!("{tool}-real"));
    write_executable(&real, &fake_tool_script(tool));
    write_executable(
        &sb.bin.join(tool),
        &format!(
            "#!/usr/bin/env python3\n# made by the Python ai-session-manager\n\
             from ai_session_manager.wrapper import run\nrun({tool:?})\n"
        ),
    );
    let bytes = std::fs::read(&real).unwrap();
    (real, bytes)
}

#[test]
fn the_python_tools_wrapper_is_replaced_and_its_real_binary_kept() {
    let sb = Sandbox::new();
    let (real, bytes) = python_wrapped(&sb, "claude");
    let real_inode = inode(&real);

    let out = success(&sb.manage(["setup"]));
    assert!(out.contains("now starts this copy"), "{out}");
    assert_wrapped(&sb.bin.join("claude"));
    assert_eq!(inode(&real), real_inode);
    assert_eq!(std::fs::read(&real).unwrap(), bytes);
    assert_runs_through_wrapper(&sb, &sb.bin);
}

#[test]
fn teardown_of_the_python_tools_wrapper_restores_the_original() {
    let sb = Sandbox::new();
    let (real, bytes) = python_wrapped(&sb, "codex");
    success(&sb.manage(["teardown", "codex"]));
    assert_eq!(std::fs::read(sb.bin.join("codex")).unwrap(), bytes);
    assert!(real.symlink_metadata().is_err());
}
