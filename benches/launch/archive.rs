//! Case 11: what keeping the sessions in the repository adds to a launch. Three real git
//! projects resume the same kind of claude session: one with `archive = off`; one with the
//! archive on and a run started a moment ago (the common launch: nothing is due); and one where
//! a background run is started at every launch (its folder in `.git` is a file, so no run can
//! note that it started). Each is measured against the direct launch, interleaved with `off`.

use std::process::Command;

use super::{Bench, Table, compare_builds, write};

fn git_project(bench: &Bench, name: &str) -> std::path::PathBuf {
    let project = bench.root.join(name);
    std::fs::create_dir_all(&project).unwrap();
    let status = Command::new("git")
        .args(["init", "-q"])
        .current_dir(&project)
        .status()
        .unwrap();
    assert!(status.success());
    project
}

pub fn case(bench: &Bench, table: &mut Table, runs: usize) {
    let id = "1b5c6f0e-3f7e-4c1b-9d55-2f5a8f1e9c11";
    let off = git_project(bench, "archive-off");
    bench.claude_session(&off, id);
    write(
        &off.join(".ai-session-manager/config.toml"),
        "archive = \"off\"\n",
    );
    let on = git_project(bench, "archive-on");
    bench.claude_session(&on, id);
    let every = git_project(bench, "archive-every-launch");
    bench.claude_session(&every, id);
    write(&every.join(".git/ai-session-manager"), "");

    let direct = bench.launch(&off, "claude-real", &["--resume", id]);
    let off_launch = bench.launch(&off, "claude", &[]);
    let on_launch = bench.launch(&on, "claude", &[]);
    let stamp = on.join(".git/ai-session-manager/archive-started");
    // One launch starts the run whose stamp makes the rest wait a minute.
    on_launch.run();
    for _ in 0..100 {
        if stamp.exists() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let (with, without) = compare_builds(runs, &direct, &on_launch, &off_launch);
    table.row(
        "11. archive on, no run due: added over archive = off",
        format!("{with:.2} - {without:.2} ms = {:.3} ms", with - without),
        "<= 0.2 ms",
        with - without <= 0.2,
    );
    let every_launch = bench.launch(&every, "claude", &[]);
    let (with, without) = compare_builds(runs, &direct, &every_launch, &off_launch);
    // At most once a minute per repository, so it never moves the median of case 1. It
    // counts the two forks and the wait for the first, and the started run competing for the
    // cores with the launches measured after it.
    table.row(
        "11. archive on, a background run started (once a minute at most): added over off",
        format!("{with:.2} - {without:.2} ms = {:.3} ms", with - without),
        "-",
        true,
    );
}
