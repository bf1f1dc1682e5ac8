//! The bench itself: it execs, waits on and measures child processes the Unix way.
use std::ffi::OsString;
use std::fmt::Write as _;
use std::io::Write as _;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[path = "archive.rs"]
mod archive;
#[path = "cases.rs"]
mod cases;
#[path = "hostile.rs"]
mod hostile;
#[path = "listing.rs"]
mod listing;
#[path = "many.rs"]
mod many;
#[path = "measure.rs"]
mod measure;
#[path = "python.rs"]
mod python;
#[path = "search.rs"]
mod search;
#[path = "table.rs"]
mod table;

use measure::*;
use table::*;

const BUILT: &str = env!("CARGO_BIN_EXE_ai-session-manager");
/// The codex cases' projects: the newest session, one among the newest, one 200 folders back.
const CODEX_PROJECTS: [&str; 3] = ["codex-newest", "codex-recent", "codex-deep"];

/// The binary under test: the one cargo built, or `ASM_BENCH_BIN` (say, a static build).
fn binary_under_test() -> PathBuf {
    std::env::var_os("ASM_BENCH_BIN").map_or_else(|| PathBuf::from(BUILT), PathBuf::from)
}

pub fn main() {
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

    // `--only archive`: case 11 alone.
    if args.iter().any(|arg| arg == "archive") && args.iter().any(|arg| arg == "--only") {
        archive::case(&bench, &mut table, runs);
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
    // 11. what keeping the sessions in the repository adds to a launch.
    archive::case(&bench, &mut table, runs);

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
