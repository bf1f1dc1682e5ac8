//! Cases 1 to 4: the launches themselves, claude, codex (in a large history) and agy.

use super::*;

/// The folder claude files a project's transcripts under: every character but ASCII letters and
/// digits becomes `-`.
pub fn claude_folder(project: &Path) -> String {
    project
        .to_str()
        .unwrap()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

impl Bench {
    /// A state that resumes claude session `id` in `project`, and its one-line transcript.
    pub fn claude_session(&self, project: &Path, id: &str) {
        write(
            &state_path(project, "claude"),
            self.state(project, "claude", Some(id), true),
        );
        write(
            &self
                .home
                .join(".claude/projects")
                .join(claude_folder(project))
                .join(format!("{id}.jsonl")),
            "{\"type\":\"user\"}\n",
        );
    }

    pub fn claude_resume_case(&self) -> Pair {
        let project = self.project("claude-project");
        let id = "0b5c6f0e-3f7e-4c1b-9d55-2f5a8f1e9c11";
        self.claude_session(&project, id);
        Pair {
            direct: self.launch(&project, "claude-real", &["--resume", id]),
            wrapped: self.launch(&project, "claude", &[]),
        }
    }

    /// 10,000 rollouts across 300 date folders, 20 KB to 2 MB each, 300+ MB in all.
    pub fn codex_history(&self) -> CodexHistory {
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
    pub fn codex_case(&self, project: &str, id: &str, stored: bool) -> ResetPair {
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
    pub fn agy_case(&self) -> ResetPair {
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
}
