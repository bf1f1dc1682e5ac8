//! `cargo bench --bench launch [-- --compare-python] [-- --baseline OTHER-BUILD] [-- --only search]`
//!
//! What the wrapper costs a launch. Every case runs the real binary directly (A) and through the
//! wrapper (B), alternating A and B in one run, and reports medians, p95 and the time added per
//! launch (the median of the paired differences). Everything runs in throwaway sandboxes: a temp
//! HOME, a copy of `true` as the "real" tool, synthetic session stores. No network, no AI tools.

use std::ffi::OsString;
use std::fmt::Write as _;
use std::io::Write as _;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[path = "launch/hostile.rs"]
mod hostile;
#[path = "launch/many.rs"]
mod many;
#[path = "launch/search.rs"]
mod search;

const BUILT: &str = env!("CARGO_BIN_EXE_ai-session-manager");
/// The codex cases' projects: the newest session, one among the newest, one 200 folders back.
const CODEX_PROJECTS: [&str; 3] = ["codex-newest", "codex-recent", "codex-deep"];

/// The binary under test: the one cargo built, or `ASM_BENCH_BIN` (say, a static build).
fn binary_under_test() -> PathBuf {
    std::env::var_os("ASM_BENCH_BIN").map_or_else(|| PathBuf::from(BUILT), PathBuf::from)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some(search::MEASURE) {
        search::measure(&args[1..]);
        return;
    }
    let compare_python = args.iter().any(|arg| arg == "--compare-python");
    let runs = flag_value(&args, "--runs").unwrap_or(200);
    let baseline = args
        .iter()
        .position(|arg| arg == "--baseline")
        .and_then(|at| args.get(at + 1))
        .map(PathBuf::from);

    let bench = Bench::new(args.iter().any(|arg| arg == "--keep"));
    let mut table = Table::default();
    eprintln!("sandbox: {}", bench.root.display());
    // `--only search`: case 9 alone, for working on search.
    if args.iter().any(|arg| arg == "search") && args.iter().any(|arg| arg == "--only") {
        search::case(&bench, &mut table);
        println!("{}", table.render());
        return;
    }
    // `--only many`: case 10 alone.
    if args.iter().any(|arg| arg == "many") && args.iter().any(|arg| arg == "--only") {
        many::case(&bench, &mut table);
        println!("{}", table.render());
        return;
    }

    // 1. claude, resume path.
    let claude = bench.claude_resume_case();
    let case1 = compare(runs, &claude.direct, &claude.wrapped, None);
    table.row_added("1. claude resume: added per launch", &case1, 1.0);
    table.row_ratio("1. claude resume: wrapped / direct", &case1);
    if let Some(baseline) = &baseline {
        // The same case through another build, interleaved with this one in the same run.
        let other = bench.baseline_launch(&claude.wrapped, baseline);
        let (this, before) = compare_builds(runs, &claude.direct, &claude.wrapped, &other);
        table.row(
            "1. claude resume vs --baseline: added, this / baseline",
            format!("{this:.2} / {before:.2} ms = {:.2}x", this / before),
            "<= 1.05x",
            this <= before * 1.05,
        );
    }
    // `--only launch`: case 1 alone (with `--baseline`, against another build).
    if args.iter().any(|arg| arg == "launch") && args.iter().any(|arg| arg == "--only") {
        println!("{}", table.render());
        return;
    }

    // 2.-3. codex in a large history.
    eprintln!("writing 10,000 synthetic codex rollouts ...");
    let codex = bench.codex_history();
    eprintln!(
        "  {} rollouts in {} date folders, {:.0} MB",
        codex.files,
        codex.days,
        codex.bytes as f64 / 1e6
    );
    let stored = bench.codex_case(CODEX_PROJECTS[0], &codex.newest_id, true);
    let case2 = compare(runs, &stored.direct, &stored.wrapped, None);
    table.row_added("2. codex, stored id valid: added", &case2, 2.0);

    let recent = bench.codex_case(CODEX_PROJECTS[1], &codex.recent_id, false);
    let case3a = compare(runs, &recent.direct, &recent.wrapped, Some(&*recent.reset));
    table.row_added("3a. codex discovery, session recent: added", &case3a, 10.0);

    let deep = bench.codex_case(CODEX_PROJECTS[2], &codex.deep_id, false);
    let case3b = compare(runs, &deep.direct, &deep.wrapped, Some(&*deep.reset));
    table.row_added(
        "3b. codex discovery, 200 folders back (past the 2,000-read budget): added",
        &case3b,
        50.0,
    );

    // 4. agy discovery with a long history.
    let agy = bench.agy_case();
    let case4 = compare(runs, &agy.direct, &agy.wrapped, Some(&*agy.reset));
    table.row_added("4. agy discovery, 50,000-line history: added", &case4, 10.0);

    // 5. convert a 200 MB claude transcript to codex.
    eprintln!("writing a 200 MB synthetic claude transcript ...");
    match bench.convert_case() {
        Ok(convert) => {
            table.row(
                "5. convert 200 MB claude -> codex: time",
                format!("{:.2} s", convert.seconds),
                "<= 3 s",
                convert.seconds <= 3.0,
            );
            table.row(
                "5. convert 200 MB claude -> codex: peak RSS",
                format!("{:.1} MB", convert.peak_rss_mb),
                "<= 100 MB",
                convert.peak_rss_mb <= 100.0,
            );
        }
        Err(error) => table.row(
            "5. convert 200 MB claude -> codex",
            error,
            "<= 3 s, <= 100 MB",
            false,
        ),
    }

    // 6. the wrapper's own peak RSS on the resume path.
    let rss = median(&case1.wrapped_rss_kb) / 1024.0;
    table.row(
        "6. wrapper peak RSS, resume path",
        format!("{rss:.1} MB"),
        "<= 5 MB",
        rss <= 5.0,
    );

    // 7. listing a project with 1,000 sessions, among the stores the cases above filled.
    eprintln!("writing 1,000 claude sessions of one project, and 1,000 of others ...");
    let listing = bench.sessions_case();
    for (case, seconds) in [
        (
            "7a. sessions --json, 1,000 claude sessions + case 2's codex",
            listing.all_tools,
        ),
        ("7b. sessions claude --json, 1,000 sessions", listing.claude),
    ] {
        table.row(
            case,
            format!("{:.0} ms", seconds * 1e3),
            "< 1 s",
            seconds < 1.0,
        );
    }

    // 8. stores grown past what a launch can read quickly.
    hostile::cases(&bench, runs, &mut table);

    // 9. search over a 1 GB store, against ripgrep.
    search::case(&bench, &mut table);
    // 10. search and listing over 10,000 and 100,000 files.
    many::case(&bench, &mut table);

    if compare_python {
        // Cases 3 and 4 rewrote the codex state; put back the stored id of case 2.
        let stored = bench.codex_case(CODEX_PROJECTS[0], &codex.newest_id, true);
        bench.compare_python(runs, &claude, &stored, &case1, &case2, &mut table);
    }

    println!();
    println!(
        "ai-session-manager launch benchmark: {runs} launches per side, A/B alternating, {} cores",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!("binary: {}", binary_under_test().display());
    println!("{}", table.render());
    println!(
        "{}",
        case_details(&[
            ("1", &case1),
            ("2", &case2),
            ("3a", &case3a),
            ("3b", &case3b),
            ("4", &case4),
        ])
    );
}

fn flag_value(args: &[String], name: &str) -> Option<usize> {
    let at = args.iter().position(|arg| arg == name)?;
    args.get(at + 1)?.parse().ok()
}

// ---------------------------------------------------------------- measuring

/// A command line to time, with the environment it runs in.
#[derive(Clone)]
struct Launch {
    program: PathBuf,
    arg0: String,
    args: Vec<OsString>,
    env: Vec<(String, OsString)>,
    cwd: PathBuf,
}

impl Launch {
    fn command(&self) -> Command {
        let mut command = Command::new(&self.program);
        command
            .arg0(&self.arg0)
            .args(&self.args)
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .current_dir(&self.cwd)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        command
    }

    /// Wall time and peak RSS (KB) of one launch.
    fn run(&self) -> (Duration, f64) {
        let started = Instant::now();
        let (status, rss_kb) = run_with_rusage(&mut self.command(), |_| {});
        let elapsed = started.elapsed();
        assert!(
            libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
            "{} failed: status {status}",
            self.program.display()
        );
        (elapsed, rss_kb)
    }
}

/// Spawns `command`, lets `during` use the child, then reaps it with `wait4`, which also reports
/// its peak RSS (std's `wait` does not).
#[allow(clippy::zombie_processes)]
fn run_with_rusage(
    command: &mut Command,
    during: impl FnOnce(&mut std::process::Child),
) -> (i32, f64) {
    let mut child = command.spawn().expect("spawn");
    during(&mut child);
    wait_with_rusage(child.id() as libc::pid_t)
}

fn wait_with_rusage(pid: libc::pid_t) -> (i32, f64) {
    let mut status = 0;
    // SAFETY: plain wait4 on our own child with valid out-pointers.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid, "wait4");
    (status, usage.ru_maxrss as f64)
}

#[derive(Default)]
struct Comparison {
    direct_ms: Vec<f64>,
    wrapped_ms: Vec<f64>,
    added_ms: Vec<f64>,
    wrapped_rss_kb: Vec<f64>,
}

/// Alternates A and B `runs` times; `reset` runs untimed before each B launch.
fn compare(runs: usize, direct: &Launch, wrapped: &Launch, reset: Option<&dyn Fn()>) -> Comparison {
    let mut result = Comparison::default();
    // Warm the page cache and the loader for both sides.
    for _ in 0..5 {
        if let Some(reset) = reset {
            reset();
        }
        direct.run();
        wrapped.run();
    }
    for _ in 0..runs {
        let (a, _) = direct.run();
        if let Some(reset) = reset {
            reset();
        }
        let (b, rss) = wrapped.run();
        let (a, b) = (a.as_secs_f64() * 1e3, b.as_secs_f64() * 1e3);
        result.direct_ms.push(a);
        result.wrapped_ms.push(b);
        result.added_ms.push(b - a);
        result.wrapped_rss_kb.push(rss);
    }
    result
}

/// The median time each build adds to `direct`, measured in one run: every round runs the direct
/// launch and both builds, in an order that turns each round so that none is always first.
fn compare_builds(runs: usize, direct: &Launch, this: &Launch, other: &Launch) -> (f64, f64) {
    let launches = [direct, this, other];
    for launch in launches {
        for _ in 0..5 {
            launch.run();
        }
    }
    let (mut added_this, mut added_other) = (Vec::new(), Vec::new());
    for round in 0..runs {
        let mut ms = [0.0; 3];
        for step in 0..3 {
            let which = (round + step) % 3;
            ms[which] = launches[which].run().0.as_secs_f64() * 1e3;
        }
        added_this.push(ms[1] - ms[0]);
        added_other.push(ms[2] - ms[0]);
    }
    (median(&added_this), median(&added_other))
}

fn percentile(values: &[f64], p: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(|a, b| a.total_cmp(b));
    let rank = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[rank]
}

fn median(values: &[f64]) -> f64 {
    percentile(values, 0.5)
}

#[derive(Default)]
struct Table {
    rows: Vec<[String; 4]>,
}

impl Table {
    fn row(&mut self, case: &str, measured: String, target: &str, ok: bool) {
        let verdict = if ok { "ok" } else { "MISSED" };
        self.rows.push([
            case.to_owned(),
            measured,
            target.to_owned(),
            verdict.to_owned(),
        ]);
    }

    fn row_added(&mut self, case: &str, comparison: &Comparison, target_ms: f64) {
        let added = median(&comparison.added_ms);
        self.row(
            case,
            format!(
                "{added:.2} ms (p95 {:.2})",
                percentile(&comparison.added_ms, 0.95)
            ),
            &format!("<= {target_ms} ms"),
            added <= target_ms,
        );
    }

    fn row_ratio(&mut self, case: &str, comparison: &Comparison) {
        let ratio = median(&comparison.wrapped_ms) / median(&comparison.direct_ms);
        self.rows.push([
            case.to_owned(),
            format!("{ratio:.2}x"),
            "-".into(),
            "".into(),
        ]);
    }

    fn render(&self) -> String {
        let header = ["case", "measured", "target", ""];
        let mut widths = header.map(str::len);
        for row in &self.rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        let line = |cells: [&str; 4]| {
            let mut out = String::from("|");
            for (cell, width) in cells.iter().zip(widths) {
                let _ = write!(out, " {cell:<width$} |");
            }
            out
        };
        let mut out = line(header) + "\n";
        out += &line(widths.map(|w| "-".repeat(w)).each_ref().map(String::as_str));
        for row in &self.rows {
            out += "\n";
            out += &line(row.each_ref().map(String::as_str));
        }
        out
    }
}

fn case_details(cases: &[(&str, &Comparison)]) -> String {
    let mut out = String::from(
        "\n| case | direct median | direct p95 | wrapped median | wrapped p95 | ratio |\n|---|---|---|---|---|---|",
    );
    for (name, c) in cases {
        let _ = write!(
            out,
            "\n| {name} | {:.2} ms | {:.2} ms | {:.2} ms | {:.2} ms | {:.2}x |",
            median(&c.direct_ms),
            percentile(&c.direct_ms, 0.95),
            median(&c.wrapped_ms),
            percentile(&c.wrapped_ms, 0.95),
            median(&c.wrapped_ms) / median(&c.direct_ms),
        );
    }
    out
}

// ---------------------------------------------------------------- sandboxes

struct Bench {
    _dir: Option<tempfile::TempDir>,
    root: PathBuf,
    home: PathBuf,
    bin: PathBuf,
}

struct Pair {
    direct: Launch,
    wrapped: Launch,
}

struct ResetPair {
    direct: Launch,
    wrapped: Launch,
    reset: Box<dyn Fn()>,
}

struct CodexHistory {
    files: usize,
    days: usize,
    bytes: u64,
    newest_id: String,
    recent_id: String,
    deep_id: String,
}

struct Converted {
    seconds: f64,
    peak_rss_mb: f64,
}

/// Median seconds of `sessions --json` for every tool, and for claude alone.
struct Listed {
    all_tools: f64,
    claude: f64,
}

fn write(path: &Path, content: impl AsRef<[u8]>) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, content).unwrap();
}

/// A tiny deterministic generator, so every run builds the same history.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }
}

/// A UUIDv7-shaped id whose time prefix follows `ms`, as codex's are.
fn v7(ms: u64, n: u64) -> String {
    let hex = format!("{:012x}", ms);
    format!(
        "{}-{}-7{:03x}-8{:03x}-{:012x}",
        &hex[..8],
        &hex[8..12],
        n % 0x1000,
        (n >> 12) % 0x1000,
        n
    )
}

impl Bench {
    /// `keep` leaves the sandbox in place, for profiling.
    fn new(keep: bool) -> Bench {
        let dir = tempfile::Builder::new()
            .prefix("asm-bench-")
            .tempdir()
            .unwrap();
        let root = dir.path().canonicalize().unwrap();
        let dir = if keep {
            let _ = dir.keep();
            None
        } else {
            Some(dir)
        };
        let home = root.join("home");
        let bin = root.join("bin");
        std::fs::create_dir_all(&home).unwrap();
        std::fs::create_dir_all(&bin).unwrap();
        let truth = which("true").expect("a `true` binary on PATH");
        for tool in ["claude", "codex", "gemini", "agy"] {
            let real = bin.join(format!("{tool}-real"));
            std::fs::copy(&truth, &real).unwrap();
            std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o755)).unwrap();
            std::os::unix::fs::symlink(binary_under_test(), bin.join(tool)).unwrap();
        }
        Bench {
            _dir: dir,
            root,
            home,
            bin,
        }
    }

    /// A project of its own for each case, so no case finds another's session.
    fn project(&self, name: &str) -> PathBuf {
        let project = self.root.join(name);
        std::fs::create_dir_all(project.join(".git")).unwrap();
        project
    }

    fn env(&self) -> Vec<(String, OsString)> {
        let mut path = self.bin.clone().into_os_string();
        path.push(":/usr/bin:/bin");
        vec![
            ("HOME".into(), self.home.clone().into_os_string()),
            ("PATH".into(), path),
        ]
    }

    /// `wrapped` run through another build of ai-session-manager, in a bin folder of its own.
    fn baseline_launch(&self, wrapped: &Launch, binary: &Path) -> Launch {
        let bin = self.root.join("bin-baseline");
        std::fs::create_dir_all(&bin).unwrap();
        let real = bin.join(format!("{}-real", wrapped.arg0));
        std::fs::copy(self.bin.join(format!("{}-real", wrapped.arg0)), &real).unwrap();
        let tool = bin.join(&wrapped.arg0);
        let _ = std::fs::remove_file(&tool);
        std::os::unix::fs::symlink(binary, &tool).unwrap();
        let mut path = bin.into_os_string();
        path.push(":/usr/bin:/bin");
        let mut env = wrapped.env.clone();
        env.retain(|(key, _)| key != "PATH");
        env.push(("PATH".into(), path));
        Launch {
            program: tool,
            env,
            ..wrapped.clone()
        }
    }

    /// A tool started by name, through PATH, as a shell would.
    fn launch(&self, project: &Path, name: &str, args: &[&str]) -> Launch {
        Launch {
            program: self.bin.join(name),
            arg0: name.to_owned(),
            args: args.iter().map(OsString::from).collect(),
            env: self.env(),
            cwd: project.to_path_buf(),
        }
    }

    fn state(&self, project: &Path, tool: &str, target: Option<&str>, dated: bool) -> Vec<u8> {
        let mode = if tool == "claude" {
            "managed-id"
        } else {
            "auto-resume"
        };
        let mut state = serde_json::json!({
            "version": 1, "tool": tool, "session_mode": mode, "cwd": project,
        });
        if let Some(target) = target {
            state["resume_target"] = target.into();
        }
        if dated {
            state["created_at"] = "2026-01-01T00:00:00Z".into();
        }
        serde_json::to_vec_pretty(&state).unwrap()
    }

    fn claude_resume_case(&self) -> Pair {
        let project = self.project("claude-project");
        let id = "0b5c6f0e-3f7e-4c1b-9d55-2f5a8f1e9c11";
        write(
            &state_path(&project, "claude"),
            self.state(&project, "claude", Some(id), true),
        );
        let folder: String = project
            .to_str()
            .unwrap()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        write(
            &self
                .home
                .join(".claude/projects")
                .join(folder)
                .join(format!("{id}.jsonl")),
            "{\"type\":\"user\"}\n",
        );
        Pair {
            direct: self.launch(&project, "claude-real", &["--resume", id]),
            wrapped: self.launch(&project, "claude", &[]),
        }
    }

    /// 10,000 rollouts across 300 date folders, 20 KB to 2 MB each, 300+ MB in all.
    fn codex_history(&self) -> CodexHistory {
        let sessions = self.home.join(".codex/sessions");
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let today = chrono::Utc::now().date_naive();
        let instructions = "You are a coding agent running in the Codex CLI. ".repeat(500);
        let other = self.root.join("elsewhere");
        let (days, files) = (300u64, 10_000u64);
        let mut bytes = 0u64;
        let mut ids = (String::new(), String::new(), String::new());
        let mut n = 0u64;
        for day_index in 0..days {
            let day = today - chrono::Days::new(day_index);
            let per_day = files / days + u64::from(day_index < files % days);
            for slot in 0..per_day {
                n += 1;
                // Newest file of the newest day first; times fall as slot grows.
                let seconds = 86_000 - slot * 2_000;
                let time = day.and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp() as u64 + seconds;
                let id = v7(time * 1000, n);
                let cwd = match (day_index, slot) {
                    (0, 0) => {
                        ids.0 = id.clone();
                        self.root.join(CODEX_PROJECTS[0])
                    }
                    (0, 5) => {
                        ids.1 = id.clone();
                        self.root.join(CODEX_PROJECTS[1])
                    }
                    (200, 10) => {
                        ids.2 = id.clone();
                        self.root.join(CODEX_PROJECTS[2])
                    }
                    _ => other.clone(),
                };
                let stamp = chrono::DateTime::from_timestamp(time as i64, 0).unwrap();
                // Field order as codex 0.169 writes it: the instructions come last.
                let meta = format!(
                    concat!(
                        r#"{{"timestamp":"{time}","ordinal":0,"type":"session_meta","payload":{{"#,
                        r#""account_scoped":true,"session_id":"{id}","id":"{id}","timestamp":"{time}","#,
                        r#""cwd":{cwd},"runtime_workspace_roots":[{cwd}],"originator":"codex-tui","#,
                        r#""cli_version":"0.169.0","source":"cli","thread_source":"user","#,
                        r#""model_provider":"openai","base_instructions":{{"text":{text}}}}}}}"#
                    ),
                    time = stamp.to_rfc3339(),
                    id = id,
                    cwd = serde_json::Value::from(cwd.to_str().unwrap()),
                    text = serde_json::Value::from(instructions.as_str()),
                );
                // Mostly 20-40 KB, one in 100 up to 2 MB.
                let size = if rng.below(100) == 0 {
                    200_000 + rng.below(1_800_000)
                } else {
                    20_000 + rng.below(20_000)
                };
                let mut body = meta + "\n";
                let filler =
                    serde_json::json!({"timestamp": stamp.to_rfc3339(), "type": "response_item",
                    "payload": {"type": "message", "role": "assistant",
                        "content": [{"type": "output_text", "text": "x".repeat(900)}]}})
                    .to_string()
                        + "\n";
                while (body.len() as u64) < size {
                    body += &filler;
                }
                bytes += body.len() as u64;
                let name = format!("rollout-{}-{id}.jsonl", stamp.format("%Y-%m-%dT%H-%M-%S"));
                write(
                    &sessions.join(day.format("%Y/%m/%d").to_string()).join(name),
                    body,
                );
            }
        }
        CodexHistory {
            files: n as usize,
            days: days as usize,
            bytes,
            newest_id: ids.0,
            recent_id: ids.1,
            deep_id: ids.2,
        }
    }

    /// Codex resuming `id` in `project`: stored, or discovered anew before each launch.
    fn codex_case(&self, project: &str, id: &str, stored: bool) -> ResetPair {
        let project = self.project(project);
        let state_path = state_path(&project, "codex");
        // Without created_at, as a state from the Python tool: the search is not bounded by it.
        let state = self.state(&project, "codex", stored.then_some(id), false);
        write(&state_path, &state);
        let reset: Box<dyn Fn()> = if stored {
            Box::new(|| {})
        } else {
            Box::new(move || std::fs::write(&state_path, &state).unwrap())
        };
        ResetPair {
            direct: self.launch(&project, "codex-real", &["resume", id]),
            wrapped: self.launch(&project, "codex", &[]),
            reset,
        }
    }

    /// agy learning its conversation from a 50,000-line history, with no cache file.
    fn agy_case(&self) -> ResetPair {
        let project = self.project("agy-project");
        let agy = self.home.join(".gemini/antigravity-cli");
        let id = "c0ffee00-1111-4222-8333-444444444444";
        let mut history = String::new();
        for n in 0..50_000u32 {
            let (workspace, conversation) = if n == 49_990 {
                (project.to_str().unwrap().to_owned(), id.to_owned())
            } else {
                (
                    format!("/home/dev/project-{}", n % 40),
                    format!("conv-{}", n % 97),
                )
            };
            let line = serde_json::json!({"display": format!("prompt number {n} about the code"),
                "timestamp": 1_795_000_000_000u64 + u64::from(n), "workspace": workspace,
                "conversationId": conversation});
            history += &(line.to_string() + "\n");
        }
        write(&agy.join("history.jsonl"), history);
        std::fs::create_dir_all(agy.join("brain").join(id)).unwrap();
        let state_path = state_path(&project, "agy");
        let state = self.state(&project, "agy", None, true);
        write(&state_path, &state);
        ResetPair {
            direct: self.launch(&project, "agy-real", &["--conversation", id]),
            wrapped: self.launch(&project, "agy", &[]),
            reset: Box::new(move || std::fs::write(&state_path, &state).unwrap()),
        }
    }

    /// A 200 MB claude transcript, mostly tool output, converted to codex three times.
    fn convert_case(&self) -> Result<Converted, String> {
        let config = self.root.join("claude-convert");
        let id = "5e1f0a9c-8b7d-4c3e-9f21-0a1b2c3d4e5f";
        let transcript = config.join("projects/-src/").join(format!("{id}.jsonl"));
        std::fs::create_dir_all(transcript.parent().unwrap()).unwrap();
        let mut file = std::io::BufWriter::new(std::fs::File::create(&transcript).unwrap());
        let mut written = 0usize;
        let mut parent = serde_json::Value::Null;
        let mut turn = 0u64;
        let big_output = "line of tool output\n".repeat(2_500);
        let reply = "Here is what I found and what I changed. ".repeat(60);
        while written < 200_000_000 {
            turn += 1;
            let records = [
                serde_json::json!({"type": "user", "message": {"role": "user",
                    "content": format!("question {turn}: please look at module {turn}")}}),
                serde_json::json!({"type": "assistant", "message": {"role": "assistant",
                    "content": [{"type": "thinking", "thinking": "hmm"},
                        {"type": "text", "text": reply},
                        {"type": "tool_use", "id": format!("t{turn}"), "name": "Bash", "input": {"command": "ls"}}]}}),
                serde_json::json!({"type": "user", "message": {"role": "user",
                    "content": [{"type": "tool_result", "tool_use_id": format!("t{turn}"), "content": big_output}]}}),
                serde_json::json!({"type": "assistant", "message": {"role": "assistant",
                    "content": [{"type": "text", "text": reply}]}}),
            ];
            for mut record in records {
                let uuid = format!("00000000-0000-4000-8000-{turn:012x}");
                record["uuid"] = uuid.clone().into();
                record["parentUuid"] = parent.clone();
                record["sessionId"] = id.into();
                record["cwd"] = "/src".into();
                record["timestamp"] = "2026-11-21T10:00:00.000Z".into();
                record["version"] = "2.1.330".into();
                record["isSidechain"] = false.into();
                let line = record.to_string() + "\n";
                written += line.len();
                file.write_all(line.as_bytes()).unwrap();
                parent = uuid.into();
            }
        }
        file.flush().unwrap();
        drop(file);

        let mut seconds = Vec::new();
        let mut rss = Vec::new();
        for attempt in 0..3 {
            let codex_home = self.root.join(format!("convert-codex-{attempt}"));
            std::fs::create_dir_all(&codex_home).unwrap();
            let mut command = Command::new(binary_under_test());
            command
                .args([
                    "session",
                    "convert",
                    "--from",
                    "claude",
                    "--to",
                    "codex",
                    "--no-apply",
                ])
                .arg("--source-session")
                .arg(&transcript)
                .env_clear()
                .envs(self.env())
                .env("CLAUDE_CONFIG_DIR", &config)
                .env("CODEX_HOME", &codex_home)
                .current_dir(&self.root)
                .stdout(Stdio::null())
                .stderr(Stdio::piped());
            let started = Instant::now();
            let mut stderr = String::new();
            let (status, rss_kb) = run_with_rusage(&mut command, |child| {
                let pipe = child.stderr.as_mut().expect("piped stderr");
                std::io::Read::read_to_string(pipe, &mut stderr).ok();
            });
            seconds.push(started.elapsed().as_secs_f64());
            if !(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0) {
                return Err(format!("failed: {}", stderr.lines().next().unwrap_or("?")));
            }
            rss.push(rss_kb / 1024.0);
            std::fs::remove_dir_all(&codex_home).ok();
        }
        std::fs::remove_file(&transcript).ok();
        Ok(Converted {
            seconds: median(&seconds),
            peak_rss_mb: rss.iter().copied().fold(0.0, f64::max),
        })
    }

    /// A project with 1,000 claude sessions, 20 KB to 2 MB each and shaped like Claude's (its
    /// own records before the first prompt), beside 1,000 sessions of ten other projects, one of
    /// whose folder names starts like this project's. `sessions` reads each file's head only.
    fn sessions_case(&self) -> Listed {
        let project = self.project("sessions-project");
        let projects = self.home.join(".claude/projects");
        let folder = |dir: &Path| -> String {
            let text = dir.to_str().unwrap();
            text.chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                .collect()
        };
        let mut rng = Rng(0x2545_F491_4F6C_DD1D);
        let reply = serde_json::json!({"type": "assistant", "message": {"role": "assistant",
            "content": [{"type": "text", "text": "Here is the change. ".repeat(100)}]}})
        .to_string()
            + "\n";
        let write_session = |cwd: &Path, n: u64, size: u64| {
            // Spread first characters, as random ids have them.
            let id = format!(
                "{:08x}-0000-4000-8000-{n:012x}",
                n.wrapping_mul(2_654_435_761) as u32
            );
            let record = |kind: &str, meta: bool, text: &str| {
                serde_json::json!({"parentUuid": null, "isSidechain": false, "type": kind,
                    "isMeta": meta, "message": {"role": kind, "content": text},
                    "uuid": format!("u-{n}"), "timestamp": "2026-11-21T10:00:00.000Z",
                    "cwd": cwd, "sessionId": id, "version": "2.1.330", "gitBranch": "main"})
                .to_string()
                    + "\n"
            };
            let mut body = serde_json::json!({"type": "queue-operation", "operation": "enqueue",
                "timestamp": "2026-11-21T10:00:00.000Z", "sessionId": id})
            .to_string()
                + "\n";
            body += &record(
                "user",
                true,
                "Caveat: the messages below were generated by the user",
            );
            body += &record("user", false, "<command-name>/model</command-name>");
            body += &record(
                "user",
                false,
                &format!("Task {n}: tidy the module and its tests"),
            );
            while (body.len() as u64) < size {
                body += &reply;
            }
            write(
                &projects.join(folder(cwd)).join(format!("{id}.jsonl")),
                body,
            );
        };
        for n in 0..1_000u64 {
            // Mostly 20-120 KB, one in 50 up to 2 MB.
            let size = match rng.below(50) {
                0 => 200_000 + rng.below(1_800_000),
                _ => 20_000 + rng.below(100_000),
            };
            write_session(&project, n, size);
        }
        for n in 0..1_000u64 {
            let other = match n % 10 {
                0 => self.root.join("sessions-project-old"),
                k => self.root.join(format!("other-{k}")),
            };
            write_session(&other, 1_000 + n, 20_000);
        }
        let time = |args: &[&str]| {
            let mut seconds = Vec::new();
            for run in 0..12 {
                let started = Instant::now();
                let out = Command::new(binary_under_test())
                    .args(args)
                    .env_clear()
                    .envs(self.env())
                    .current_dir(&project)
                    .output()
                    .expect("run sessions");
                let elapsed = started.elapsed().as_secs_f64();
                assert!(out.status.success(), "sessions failed");
                let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
                let claude = rows.iter().filter(|row| row["tool"] == "claude").count();
                assert_eq!(claude, 1_000, "sessions listed {claude} claude sessions");
                // The first two warm the page cache.
                if run >= 2 {
                    seconds.push(elapsed);
                }
            }
            median(&seconds)
        };
        Listed {
            all_tools: time(&["sessions", "--json"]),
            claude: time(&["sessions", "claude", "--json"]),
        }
    }

    /// Cases 1 and 2 against the Python ai-session-manager 0.1.4, in the same alternating loop.
    fn compare_python(
        &self,
        runs: usize,
        claude: &Pair,
        codex: &ResetPair,
        case1: &Comparison,
        case2: &Comparison,
        table: &mut Table,
    ) {
        let venv = self.root.join("py-venv");
        let ok = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .is_ok_and(|s| s.success())
            && Command::new(venv.join("bin/pip"))
                .args(["install", "--quiet", "ai-session-manager==0.1.4"])
                .status()
                .is_ok_and(|s| s.success());
        if !ok {
            println!(
                "notice: could not install ai-session-manager==0.1.4 with pip; skipping the Python comparison"
            );
            return;
        }
        // Its wrappers, as its own setup writes them, beside copies of the same real binaries.
        let py_bin = self.root.join("py-bin");
        std::fs::create_dir_all(&py_bin).unwrap();
        for tool in ["claude", "codex"] {
            let wrapper = py_bin.join(tool);
            write(
                &wrapper,
                format!(
                    "#!{}\nfrom ai_session_manager.wrapper import run\nrun({tool:?})\n",
                    venv.join("bin/python").display()
                ),
            );
            std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
            std::fs::copy(
                self.bin.join(format!("{tool}-real")),
                py_bin.join(format!("{tool}-real")),
            )
            .unwrap();
        }
        // It checks a codex id against history.jsonl, and needs git for the project root.
        let codex_id = codex.direct.args[1].to_str().unwrap().to_owned();
        write(
            &self.home.join(".codex/history.jsonl"),
            format!("{{\"session_id\":\"{codex_id}\",\"ts\":1,\"text\":\"hi\"}}\n"),
        );
        let py_launch = |template: &Launch, name: &str| {
            let mut launch = template.clone();
            launch.args.clear();
            launch.arg0 = name.to_owned();
            launch.program = py_bin.join(name);
            let mut path = py_bin.clone().into_os_string();
            path.push(":/usr/bin:/bin");
            launch.env[1].1 = path;
            launch
        };
        let python_claude = py_launch(&claude.wrapped, "claude");
        let py1 = compare(runs, &claude.direct, &python_claude, None);
        let python_runs = runs.min(20);
        eprintln!("python codex: {python_runs} launches (each reads every rollout) ...");
        let python_codex = py_launch(&codex.wrapped, "codex");
        let py2 = compare(python_runs, &codex.direct, &python_codex, None);
        for (case, ours, theirs) in [
            ("1. claude resume", case1, &py1),
            ("2. codex stored id", case2, &py2),
        ] {
            let (ours, theirs) = (median(&ours.added_ms), median(&theirs.added_ms));
            let ratio = theirs / ours.max(0.001);
            table.row(
                &format!("{case}: Python 0.1.4 added / ours"),
                format!("{theirs:.1} ms / {ours:.2} ms = {ratio:.0}x"),
                ">= 20x",
                ratio >= 20.0,
            );
        }
    }
}

fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .map(|dir| dir.join(name))
        .find(|path| path.is_file())
}

fn state_path(project: &Path, tool: &str) -> PathBuf {
    project
        .join(".ai-session-manager")
        .join(format!("{tool}.json"))
}
