//! Case 8: stores grown past what a launch can read quickly. Each case has a HOME of its own, so
//! the other cases' stores do not blur what it measures.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use super::{Bench, Launch, ResetPair, Table, compare, state_path, write};

/// What each hostile store may add to a launch.
const TARGET_MS: f64 = 10.0;

impl Bench {
    /// A HOME for one case, and `launch` moved into it.
    fn own_home(&self, name: &str) -> PathBuf {
        let home = self.root.join("homes").join(name);
        std::fs::create_dir_all(&home).unwrap();
        home
    }

    fn in_home(&self, launch: Launch, home: &Path) -> Launch {
        let mut env: Vec<(String, OsString)> = launch
            .env
            .into_iter()
            .filter(|(key, _)| key != "HOME")
            .collect();
        env.push(("HOME".into(), home.as_os_str().to_owned()));
        Launch { env, ..launch }
    }

    /// A launch of `tool` with no arguments in a new project whose state is written afresh before
    /// each wrapped run, against the real binary started bare.
    fn fresh_case(
        &self,
        name: &str,
        tool: &str,
        home: &Path,
        state: serde_json::Value,
    ) -> ResetPair {
        let project = self.project(name);
        let path = state_path(&project, tool);
        let mut state = state;
        state["cwd"] = project.to_str().unwrap().into();
        let bytes = serde_json::to_vec_pretty(&state).unwrap();
        write(&path, &bytes);
        ResetPair {
            direct: self.in_home(self.launch(&project, &format!("{tool}-real"), &[]), home),
            wrapped: self.in_home(self.launch(&project, tool, &[]), home),
            reset: Box::new(move || std::fs::write(&path, &bytes).unwrap()),
        }
    }
}

/// A file of `len` bytes that takes no disk: `head`, then a hole.
fn sparse(path: &Path, head: &str, len: u64) {
    write(path, head);
    std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .unwrap()
        .set_len(len)
        .unwrap();
}

const GIB: u64 = 1 << 30;

pub fn cases(bench: &Bench, runs: usize, table: &mut Table) {
    let auto = |tool: &str| {
        serde_json::json!({"version": 1, "tool": tool, "session_mode": "auto-resume",
        "created_at": "2026-01-01T00:00:00Z"})
    };

    // 8a. agy with a 1 GB cache/last_conversations.json.
    let home = bench.own_home("agy-huge-cache");
    sparse(
        &home.join(".gemini/antigravity-cli/cache/last_conversations.json"),
        "{\"/elsewhere\": \"c0ffee00-1111-4222-8333-444444444444\", \"pad\": \"",
        GIB,
    );
    let agy = bench.fresh_case("agy-huge-cache", "agy", &home, auto("agy"));
    let case = compare(runs, &agy.direct, &agy.wrapped, Some(&*agy.reset));
    table.row_added("8a. agy, 1 GB conversation cache: added", &case, TARGET_MS);

    // 8b. gemini with a 1 GB projects.json.
    let home = bench.own_home("gemini-huge-registry");
    sparse(
        &home.join(".gemini/projects.json"),
        "{\"projects\": {\"/elsewhere\": \"",
        GIB,
    );
    let id = "44444444-2222-4333-8444-555555555555";
    let managed = |target: &str| {
        serde_json::json!({"version": 1, "tool": "gemini",
        "session_mode": "managed-id", "resume_target": target, "created_at": "2026-01-01T00:00:00Z"})
    };
    let gemini = bench.fresh_case("gemini-huge-registry", "gemini", &home, managed(id));
    let case = compare(runs, &gemini.direct, &gemini.wrapped, Some(&*gemini.reset));
    table.row_added("8b. gemini, 1 GB projects.json: added", &case, TARGET_MS);

    // 8c. gemini resuming a 200 MB session in the old single-JSON format.
    eprintln!("writing a 200 MB old-format gemini session ...");
    let home = bench.own_home("gemini-huge-session");
    let project = bench.project("gemini-huge-session");
    let registry = serde_json::json!({"projects": {project.to_str().unwrap(): "huge"}});
    write(&home.join(".gemini/projects.json"), registry.to_string());
    let message =
        serde_json::json!({"id": "m", "timestamp": "2026-01-01T00:00:00Z", "type": "user",
        "content": "y".repeat(1_000_000)})
        .to_string();
    let mut session = format!(
        "{{\"sessionId\": \"{id}\", \"projectHash\": \"0\", \"startTime\": \"2026-01-01T00:00:00Z\", \"messages\": ["
    );
    for n in 0..200 {
        if n > 0 {
            session.push(',');
        }
        session += &message;
    }
    session += "]}";
    write(
        &home.join(format!(
            ".gemini/tmp/huge/chats/session-2026-01-01T00-00-{}.json",
            &id[..8]
        )),
        session,
    );
    let huge = bench.fresh_case("gemini-huge-session", "gemini", &home, managed(id));
    let case = compare(runs, &huge.direct, &huge.wrapped, Some(&*huge.reset));
    table.row_added(
        "8c. gemini, 200 MB old-format session: added",
        &case,
        TARGET_MS,
    );

    // 8d. codex discovery over 20,000 rollouts in one day folder, none of them this project's.
    eprintln!("writing 20,000 codex rollouts into one day folder ...");
    let home = bench.own_home("codex-crowded-day");
    let day = home.join(".codex/sessions/2026/11/20");
    std::fs::create_dir_all(&day).unwrap();
    for n in 0..20_000u64 {
        let id = format!("019a8f10-0000-7000-8000-{n:012x}");
        let meta = serde_json::json!({"type": "session_meta",
            "payload": {"id": id, "cwd": "/elsewhere", "model_provider": "openai"}});
        std::fs::write(
            day.join(format!(
                "rollout-2026-11-20T{:02}-{:02}-{:02}-{id}.jsonl",
                n / 3600 % 24,
                n / 60 % 60,
                n % 60
            )),
            meta.to_string() + "\n",
        )
        .unwrap();
    }
    let codex = bench.fresh_case("codex-crowded-day", "codex", &home, auto("codex"));
    let case = compare(runs, &codex.direct, &codex.wrapped, Some(&*codex.reset));
    table.row_added(
        "8d. codex, 20,000 rollouts in one day: added",
        &case,
        TARGET_MS,
    );
}
