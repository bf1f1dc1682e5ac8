//! Case 10: `search` and `sessions --all-projects` over claude stores of 10,000 and 100,000
//! small transcripts, time and peak RSS, so that the slope between the two shows.

use std::path::Path;
use std::process::Command;

use super::cases::claude_folder;
use super::search::{rss_mb, seconds};
use super::{Bench, Table, median};

const SIZES: [usize; 2] = [10_000, 100_000];
/// Sessions per project folder: the store holds many projects, as a long-used one does.
const PER_PROJECT: usize = 100;
const RUNS: usize = 3;

/// `count` one-message transcripts under `home`, a hundred to a project; the searched project is
/// the first. Returns that project's folder.
fn store(bench: &Bench, home: &Path, count: usize) -> std::path::PathBuf {
    let first = bench.project(&format!("many-{count}/p0"));
    for n in 0..count {
        let project = first.with_file_name(format!("p{}", n / PER_PROJECT));
        let dir = home.join(".claude/projects").join(claude_folder(&project));
        if n % PER_PROJECT == 0 {
            std::fs::create_dir_all(&dir).unwrap();
        }
        let id = format!("{n:08x}-2222-4333-8444-555555555555");
        let line = serde_json::json!({"parentUuid": null, "type": "user",
            "message": {"role": "user", "content": format!("fix the coupon {n} {}", "x".repeat(900))},
            "uuid": "6dc3ecbe-5847-4d95-986d-234f340f1ff8", "timestamp": "2026-11-21T11:13:38.603Z",
            "cwd": project, "sessionId": id, "version": "2.1.330"});
        std::fs::write(dir.join(format!("{id}.jsonl")), line.to_string() + "\n").unwrap();
    }
    first
}

pub fn case(bench: &Bench, table: &mut Table) {
    let mut figures = Vec::new();
    for count in SIZES {
        eprintln!("writing {count} small claude transcripts ...");
        let home = bench.root.join(format!("homes/many-{count}"));
        let project = store(bench, &home, count);
        let run = |args: &[&str]| {
            let mut command = Command::new(super::binary_under_test());
            command
                .args(args)
                .env_clear()
                .env("HOME", &home)
                .env("PATH", "/usr/bin:/bin")
                .current_dir(&project);
            command
        };
        let mut row = Vec::new();
        for args in [
            &["search", "--all-projects", "coupon", "--json"][..],
            &["sessions", "--all-projects", "--json"],
        ] {
            seconds(&mut run(args));
            let times: Vec<f64> = (0..RUNS).map(|_| seconds(&mut run(args)).0).collect();
            let rss = rss_mb(&home, &project, args);
            row.push((args[0], median(&times), rss));
        }
        figures.push((count, row));
    }
    let (small, large) = (&figures[0], &figures[1]);
    for (at, (command, _, _)) in small.1.iter().enumerate() {
        let (_, small_s, small_mb) = small.1[at];
        let (_, large_s, large_mb) = large.1[at];
        table.row(
            &format!("10. {command} --all-projects, 10k / 100k files: time"),
            format!(
                "{small_s:.2} s / {large_s:.2} s = {:.1}x for 10x the files",
                large_s / small_s
            ),
            "linear",
            large_s / small_s <= 15.0,
        );
        table.row(
            &format!("10. {command} --all-projects, 10k / 100k files: peak RSS"),
            format!("{small_mb:.0} MB / {large_mb:.0} MB"),
            "<= 64 MB",
            large_mb <= 64.0,
        );
    }
}
