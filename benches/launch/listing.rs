//! Cases 5 to 7: `session convert` and `sessions` over large stores.

use super::*;

impl Bench {
    /// A 200 MB claude transcript, mostly tool output, converted to codex three times.
    pub fn convert_case(&self) -> Result<Converted, String> {
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
    pub fn sessions_case(&self) -> Listed {
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
}
