//! The management CLI's surface: help with examples on every command, tool names checked by clap.

use crate::common;

use common::*;

#[test]
fn every_command_has_help_with_an_example() {
    let sb = Sandbox::new();
    let commands: &[&[&str]] = &[
        &[],
        &["setup"],
        &["teardown"],
        &["status"],
        &["reset"],
        &["completions"],
        &["session", "convert"],
        &["sessions"],
        &["show"],
        &["export"],
        &["use"],
    ];
    for command in commands {
        let out = sb.manage([*command, &["--help"]].concat());
        assert!(out.status.success(), "{command:?}: {}", stderr(&out));
        let text = stdout(&out);
        assert!(
            text.contains("Example") && text.contains("  ai-session-manager "),
            "{command:?}: {text}"
        );
    }
}

#[test]
fn unknown_tool_names_are_usage_errors_that_list_the_valid_ones() {
    let sb = Sandbox::new();
    let valid = format!("[possible values: {}, all]", registered_tools().join(", "));
    for command in ["setup", "teardown", "status", "reset", "sessions"] {
        let out = sb.manage([command, "claud"]);
        assert_eq!(out.status.code(), Some(2), "{command}");
        let err = stderr(&out);
        assert!(
            err.contains("invalid value 'claud'") && err.contains(&valid),
            "{command}: {err}"
        );
    }
}

#[test]
fn completions_are_printed_for_a_shell() {
    let sb = Sandbox::new();
    let out = sb.manage(["completions", "bash"]);
    assert!(out.status.success());
    let script = stdout(&out);
    assert!(
        script.contains("complete -F _ai__session__manager"),
        "{script}"
    );
    assert!(script.contains("teardown"), "{script}");
}

#[test]
fn a_reader_that_goes_away_ends_the_cli_quietly() {
    use std::os::unix::process::ExitStatusExt;
    let sb = common::Sandbox::new();
    // A pipe whose reader is already gone, as after `| head` has exited.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = sb
        .cli()
        .args(["completions", "bash"])
        .stdout(writer)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.signal(), Some(13), "{:?} {stderr}", out.status);
}
