//! Case 9: `search` over a 1 GB store mixing claude, codex and gemini sessions in the shapes of
//! `tests/fixtures/real/`, against `rg -F -i -c` over the same files, warm cache, in one run.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use serde_json::json;

use super::{Bench, Rng, Table, median, run_with_rusage, which};

/// The store's size, and the pattern: rare in what people said, more common in tool output.
const STORE_BYTES: u64 = 1 << 30;
const PATTERN: &str = "zanzibar";
/// Timed runs of each side, alternating.
const RUNS: usize = 5;

const WORDS: &[&str] = &[
    "the", "parser", "token", "loop", "bound", "fix", "test", "coupon", "price", "round", "value",
    "function", "return", "error", "module", "import", "build", "cargo", "file", "line", "match",
    "string", "vector", "index", "field", "struct", "trait", "borrow", "lifetime", "thread",
];

fn words(rng: &mut Rng, bytes: usize) -> String {
    let mut text = String::with_capacity(bytes + 16);
    while text.len() < bytes {
        text.push_str(WORDS[rng.below(WORDS.len() as u64) as usize]);
        text.push(if rng.below(12) == 0 { '\n' } else { ' ' });
    }
    text
}

/// One session's lines, in `tool`'s shape: prompts and replies, and tool output that makes up
/// most of the bytes, as in real sessions.
fn session(tool: &str, id: &str, cwd: &Path, rng: &mut Rng, size: usize, rare: Rare) -> String {
    let cwd = cwd.to_str().unwrap();
    let time = "2026-11-21T10:00:00.000Z";
    let mut out = String::new();
    match tool {
        "codex" => {
            let meta = json!({"timestamp": time, "ordinal": 0, "type": "session_meta",
                "payload": {"id": id, "session_id": id, "timestamp": time, "cwd": cwd,
                    "originator": "codex-tui", "cli_version": "0.169.0", "source": "cli",
                    "model_provider": "openai",
                    "base_instructions": {"text": words(rng, 20_000)}}});
            out += &(meta.to_string() + "\n");
        }
        "gemini" => {
            let header = json!({"sessionId": id, "projectHash": "0", "startTime": time,
                "lastUpdated": time, "kind": "main"});
            out += &(header.to_string() + "\n");
        }
        _ => {}
    }
    let mut turn = 0;
    while out.len() < size {
        turn += 1;
        let mut prompt = words(rng, 200);
        if rare == Rare::Said && turn == 3 {
            prompt += " ship it to Zanzibar";
        }
        let output_bytes = 8_000 + rng.below(24_000) as usize;
        let mut output = words(rng, output_bytes);
        if rare == Rare::InToolOutput && turn == 2 {
            output += " zanzibar.rs";
        }
        let reply = words(rng, 600);
        let lines = match tool {
            "claude" => vec![
                json!({"parentUuid": null, "isSidechain": false, "type": "user",
                    "message": {"role": "user", "content": prompt}, "uuid": format!("u{turn}"),
                    "timestamp": time, "cwd": cwd, "sessionId": id, "version": "2.1.330"}),
                json!({"type": "assistant", "uuid": format!("a{turn}"), "timestamp": time,
                    "cwd": cwd, "sessionId": id, "message": {"role": "assistant", "content": [
                        {"type": "tool_use", "id": format!("t{turn}"), "name": "Bash",
                         "input": {"command": "cargo test"}}]}}),
                json!({"type": "user", "uuid": format!("r{turn}"), "timestamp": time, "cwd": cwd,
                    "sessionId": id, "message": {"role": "user", "content": [
                        {"type": "tool_result", "tool_use_id": format!("t{turn}"),
                         "content": output}]}}),
                json!({"type": "assistant", "uuid": format!("b{turn}"), "timestamp": time,
                    "cwd": cwd, "sessionId": id, "message": {"role": "assistant", "content": [
                        {"type": "text", "text": reply}]}}),
            ],
            "codex" => vec![
                json!({"timestamp": time, "type": "response_item", "payload": {"type": "message",
                    "role": "user", "content": [{"type": "input_text", "text": prompt}]}}),
                json!({"timestamp": time, "type": "response_item", "payload": {
                    "type": "function_call_output", "call_id": format!("c{turn}"),
                    "output": output}}),
                json!({"timestamp": time, "type": "response_item", "payload": {"type": "message",
                    "role": "assistant", "content": [{"type": "output_text", "text": reply}]}}),
            ],
            _ => vec![
                json!({"id": format!("u{turn}"), "timestamp": time, "type": "user",
                    "content": [{"text": prompt}]}),
                json!({"id": format!("g{turn}"), "timestamp": time, "type": "gemini",
                    "content": reply, "toolCalls": [{"id": format!("c{turn}"),
                        "name": "run_shell_command", "result": [{"functionResponse": {
                            "response": {"output": output}}}]}]}),
            ],
        };
        for line in lines {
            out += &(line.to_string() + "\n");
        }
    }
    out
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Rare {
    Absent,
    /// In a prompt: a visible match.
    Said,
    /// Only in tool output, which search does not show.
    InToolOutput,
}

/// Writes the store under the bench's HOME for `project`; returns the session files.
fn store(bench: &Bench, home: &Path, project: &Path) -> Vec<PathBuf> {
    let mut rng = Rng(0x5EED_1234_9876_ABCD);
    let claude_dir = home.join(".claude/projects").join(
        project
            .to_str()
            .unwrap()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect::<String>(),
    );
    let codex_dir = home.join(".codex/sessions/2026/11/21");
    let gemini_dir = home.join(".gemini/tmp/search-project/chats");
    for dir in [&claude_dir, &codex_dir, &gemini_dir] {
        std::fs::create_dir_all(dir).unwrap();
    }
    let registry = json!({"projects": {project.to_str().unwrap(): "search-project"}});
    std::fs::write(home.join(".gemini/projects.json"), registry.to_string()).unwrap();
    let mut files = Vec::new();
    let mut total = 0u64;
    let mut n = 0u64;
    while total < STORE_BYTES {
        n += 1;
        let tool = ["claude", "codex", "gemini"][(n % 3) as usize];
        let rare = match n % 97 {
            0 => Rare::Said,
            1..=3 => Rare::InToolOutput,
            _ => Rare::Absent,
        };
        let size = 300_000 + rng.below(1_400_000) as usize;
        let id = match tool {
            "codex" => format!("019a8f10-{:04x}-7000-8000-{n:012x}", n % 0xffff),
            _ => format!("{:08x}-2222-4333-8444-{n:012x}", n),
        };
        let body = session(tool, &id, project, &mut rng, size, rare);
        let path = match tool {
            "claude" => claude_dir.join(format!("{id}.jsonl")),
            "codex" => codex_dir.join(format!(
                "rollout-2026-11-21T10-{:02}-{:02}-{id}.jsonl",
                (n / 60) % 60,
                n % 60
            )),
            _ => gemini_dir.join(format!("session-2026-11-21T10-00-{}.jsonl", &id[..8])),
        };
        total += body.len() as u64;
        std::fs::write(&path, body).unwrap();
        files.push(path);
    }
    let _ = bench;
    files
}

pub fn seconds(command: &mut Command) -> (f64, f64, Option<i32>) {
    let started = Instant::now();
    let (status, rss_kb) = run_with_rusage(
        command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
        |_| {},
    );
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    (started.elapsed().as_secs_f64(), rss_kb / 1024.0, code)
}

/// The argument that makes the bench binary a small helper which runs a command of the binary
/// under test once and prints its peak RSS in KB: `--measure-rss HOME DIR BINARY ARGS...`.
pub const MEASURE: &str = "--measure-rss";

/// The helper's side of [`MEASURE`]. A child's `ru_maxrss` also counts the memory of the process
/// it was forked from (Linux keeps the high-water mark across exec), and by case 9 the bench holds
/// hundreds of MB; a fresh, small process measures only `search`.
pub fn measure(args: &[String]) {
    let [home, dir, binary, rest @ ..] = args else {
        panic!("{MEASURE} HOME DIR BINARY ARGS...");
    };
    let mut command = Command::new(binary);
    command
        .args(rest)
        .env_clear()
        .env("HOME", home)
        .env("PATH", "/usr/bin:/bin")
        .current_dir(dir);
    let (_, rss_mb, code) = seconds(&mut command);
    assert_eq!(code, Some(0), "{rest:?} found nothing");
    println!("{}", rss_mb * 1024.0);
}

/// Peak RSS of one `search` run, in MB, measured by the helper.
fn search_rss_mb(home: &Path, project: &Path) -> f64 {
    rss_mb(home, project, &["search", PATTERN])
}

/// Peak RSS of one run of the binary under test with `args`, in MB, measured by the helper.
pub fn rss_mb(home: &Path, project: &Path, args: &[&str]) -> f64 {
    let out = Command::new(std::env::current_exe().unwrap())
        .arg(MEASURE)
        .args([home, project, &super::binary_under_test()])
        .args(args)
        .output()
        .unwrap();
    let kb: f64 = String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or(f64::NAN);
    kb / 1024.0
}

pub fn case(bench: &Bench, table: &mut Table) {
    eprintln!("writing a 1 GB store of claude, codex and gemini sessions ...");
    let home = bench.root.join("homes/search");
    let project = bench.project("search-project");
    let files = store(bench, &home, &project);
    let ours = || {
        let mut command = Command::new(super::binary_under_test());
        command
            .args(["search", PATTERN])
            .env_clear()
            .env("HOME", &home)
            .env("PATH", "/usr/bin:/bin")
            .current_dir(&project);
        command
    };
    let ripgrep = which("rg").map(|rg| {
        move || {
            let mut command = Command::new(&rg);
            command.args(["-F", "-i", "-c", PATTERN]).args(&files);
            command
        }
    });
    // Warm the page cache for both, and check that search finds what it should.
    let (_, _, code) = seconds(&mut ours());
    assert_eq!(code, Some(0), "search found nothing");
    if let Some(rg) = &ripgrep {
        seconds(&mut rg());
    }
    let (mut ours_s, mut rg_s, mut rss) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..RUNS {
        ours_s.push(seconds(&mut ours()).0);
        rss.push(search_rss_mb(&home, &project));
        if let Some(rg) = &ripgrep {
            rg_s.push(seconds(&mut rg()).0);
        }
    }
    let ours_median = median(&ours_s);
    match ripgrep {
        Some(_) => {
            let rg_median = median(&rg_s);
            let ratio = ours_median / rg_median;
            table.row(
                "9. search 1 GB (claude+codex+gemini) vs rg -F -i -c: time",
                format!("{ours_median:.2} s / {rg_median:.2} s = {ratio:.2}x"),
                "<= 2.00x",
                ratio <= 2.0,
            );
        }
        None => table.row(
            "9. search 1 GB (claude+codex+gemini): time (rg not installed)",
            format!("{ours_median:.2} s"),
            "<= 2x rg",
            true,
        ),
    }
    let peak = median(&rss);
    table.row(
        "9. search 1 GB: peak RSS",
        format!("{peak:.1} MB"),
        "bounded by the longest line",
        peak <= 100.0,
    );
}
