//! A private world for the real tools: a temp HOME with each tool's settings pointing at the mock
//! API, a git project, and a bin folder on PATH where `ai-session-manager setup` wrapped the real
//! installs exactly as it would wrap a user's.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::json;
use tempfile::TempDir;

use super::mock::MockApi;
use super::packages::{self, Installed, Unavailable};
use super::tui::Tui;

pub const BIN: &str = env!("CARGO_BIN_EXE_ai-session-manager");
pub const TOOLS: [&str; 4] = ["claude", "codex", "gemini", "copilot"];
const ANTHROPIC_KEY: &str = "sk-ant-mock-0123456789abcdefghij";

pub struct World {
    _dir: TempDir,
    pub root: PathBuf,
    pub home: PathBuf,
    pub bin: PathBuf,
    pub project: PathBuf,
    pub mock: MockApi,
    installed: &'static Installed,
    launches: AtomicUsize,
}

/// A world, or `None` (loudly) when the registry that has the real tools cannot be reached.
pub fn world() -> Option<World> {
    match packages::installed() {
        Ok(installed) => Some(World::new(installed)),
        Err(Unavailable::RegistryUnreachable(why)) => {
            eprintln!(
                "\n!!! SKIPPED: the npm registry could not be reached, so the real tools \
                 cannot be installed.\n{why}"
            );
            None
        }
    }
}

fn node_dir() -> PathBuf {
    let out = Command::new("sh")
        .args(["-c", "command -v node"])
        .output()
        .unwrap();
    let node = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert!(!node.is_empty(), "node must be installed for gemini");
    Path::new(&node).parent().unwrap().to_path_buf()
}

impl World {
    fn new(installed: &'static Installed) -> World {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let home = root.join("home");
        let bin = root.join("bin");
        let project = root.join("work").join("shop");
        for folder in [&home, &bin, &project] {
            std::fs::create_dir_all(folder).unwrap();
        }
        let git = Command::new("git")
            .args(["init", "-q"])
            .current_dir(&project)
            .status()
            .unwrap();
        assert!(git.success());
        let world = World {
            _dir: dir,
            root,
            home,
            bin,
            project,
            mock: MockApi::start(),
            installed,
            launches: AtomicUsize::new(0),
        };
        for tool in TOOLS {
            // As npm links them: `bin/<tool>` is a link into the package.
            std::os::unix::fs::symlink(installed.entry(tool), world.bin.join(tool)).unwrap();
        }
        world.seed_settings();
        let out = world.asm(["setup", "claude", "codex", "gemini", "copilot"]);
        assert!(out.status.success(), "setup: {}", text(&out.stderr));
        world
    }

    /// Each tool's own settings: onboarding done, the project trusted, the mock as the model.
    fn seed_settings(&self) {
        let project = self.project.to_str().unwrap();
        let key_tail = &ANTHROPIC_KEY[ANTHROPIC_KEY.len() - 20..];
        write(
            &self.home.join(".claude.json"),
            json!({"hasCompletedOnboarding": true, "theme": "dark",
                "lastOnboardingVersion": "2.1.330",
                "customApiKeyResponses": {"approved": [key_tail], "rejected": []},
                "projects": {project: {"hasTrustDialogAccepted": true,
                    "hasCompletedProjectOnboarding": true}}})
            .to_string(),
        );
        write(
            &self.home.join(".codex/config.toml"),
            format!(
                "model = \"mock-model\"\nmodel_provider = \"mock\"\n\n\
                 [model_providers.mock]\nname = \"Mock\"\nbase_url = \"{}/v1\"\n\
                 wire_api = \"responses\"\nenv_key = \"OPENAI_API_KEY\"\n\
                 supports_websockets = false\n\n[projects.\"{project}\"]\n\
                 trust_level = \"trusted\"\n",
                self.mock.base_url()
            ),
        );
        write(
            &self.home.join(".gemini/settings.json"),
            json!({"security": {"auth": {"selectedType": "gemini-api-key"}}}).to_string(),
        );
        write(
            &self.home.join(".copilot/config.json"),
            json!({"trustedFolders": [project]}).to_string(),
        );
    }

    /// Trusts `dir` in every tool's settings too, as a user who works there has done: for a
    /// project moved or copied to `dir`.
    pub fn trust(&self, dir: &Path) {
        let folder = dir.to_str().unwrap();
        let claude = self.home.join(".claude.json");
        let mut settings: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&claude).unwrap()).unwrap();
        settings["projects"][folder] =
            json!({"hasTrustDialogAccepted": true, "hasCompletedProjectOnboarding": true});
        write(&claude, settings.to_string());
        let codex = self.home.join(".codex/config.toml");
        let mut config = std::fs::read_to_string(&codex).unwrap();
        config += &format!("\n[projects.\"{folder}\"]\ntrust_level = \"trusted\"\n");
        write(&codex, config);
        let copilot = self.home.join(".copilot/config.json");
        // Copilot rewrites its config with `//` comment lines on top.
        let body = std::fs::read_to_string(&copilot).unwrap();
        let json: String = body
            .lines()
            .filter(|line| !line.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        let mut settings: serde_json::Value = serde_json::from_str(&json).unwrap();
        settings["trustedFolders"]
            .as_array_mut()
            .unwrap()
            .push(folder.into());
        write(&copilot, settings.to_string());
    }

    pub fn path_var(&self) -> String {
        format!(
            "{}:{}:/usr/local/bin:/usr/bin:/bin",
            self.bin.display(),
            node_dir().display()
        )
    }

    /// The environment every tool runs in: only loopback is reachable.
    pub fn env(&self) -> Vec<(String, String)> {
        let mock = self.mock.base_url();
        let mut env = vec![
            ("HOME", self.home.display().to_string()),
            ("PATH", self.path_var()),
            ("TERM", "xterm-256color".into()),
            ("LANG", "C.UTF-8".into()),
            ("ANTHROPIC_BASE_URL", mock.clone()),
            ("ANTHROPIC_API_KEY", ANTHROPIC_KEY.into()),
            ("DISABLE_AUTOUPDATER", "1".into()),
            ("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1".into()),
            ("OPENAI_API_KEY", "sk-mock".into()),
            ("GOOGLE_GEMINI_BASE_URL", mock.clone()),
            ("GEMINI_API_KEY", "mock-key".into()),
            ("GEMINI_CLI_TRUST_WORKSPACE", "true".into()),
            ("COPILOT_OFFLINE", "true".into()),
            ("COPILOT_PROVIDER_BASE_URL", format!("{mock}/v1")),
            ("COPILOT_PROVIDER_WIRE_API", "responses".into()),
            ("COPILOT_PROVIDER_API_KEY", "mock-key".into()),
            ("COPILOT_MODEL", "gpt-5".into()),
            ("COPILOT_AUTO_UPDATE", "false".into()),
        ];
        // Anything that tries to leave the machine meets a closed local port.
        for proxy in ["HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"] {
            env.push((proxy, "http://127.0.0.1:9".into()));
        }
        for exempt in ["NO_PROXY", "no_proxy"] {
            env.push((exempt, "127.0.0.1,localhost".into()));
        }
        env.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
    }

    fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let mut command = Command::new(program);
        command
            .env_clear()
            .envs(self.env())
            .current_dir(&self.project)
            .stdin(Stdio::null());
        command
    }

    /// `ai-session-manager ARGS` in the project.
    pub fn asm<I, S>(&self, args: I) -> Output
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.command(BIN).args(args).output().unwrap()
    }

    /// A tool's real binary, run directly with `args` (for the non-interactive runs that make
    /// source sessions).
    pub fn real(&self, tool: &str, args: &[&str]) -> Output {
        self.real_in(&self.project, tool, args)
    }

    /// [`Self::real`] in another folder.
    pub fn real_in(&self, dir: &Path, tool: &str, args: &[&str]) -> Output {
        let out = self.try_real_in(dir, tool, args);
        assert!(
            out.status.success(),
            "{tool} {args:?}: {}{}",
            text(&out.stdout),
            text(&out.stderr)
        );
        out
    }

    /// A tool's real binary run in `dir`, however it ends.
    pub fn try_real_in(&self, dir: &Path, tool: &str, args: &[&str]) -> Output {
        self.command(self.bin.join(format!("{tool}-real")))
            .current_dir(dir)
            .args(args)
            .output()
            .unwrap()
    }

    /// `tool ARGS` started the way a user starts it: by name through PATH, in a terminal.
    pub fn launch(&self, tool: &str, args: &[&str]) -> Tui {
        self.launch_in(&self.project, tool, args)
    }

    /// [`Self::launch`] in another folder.
    pub fn launch_in(&self, dir: &Path, tool: &str, args: &[&str]) -> Tui {
        let n = self.launches.fetch_add(1, Ordering::SeqCst);
        let script = self.root.join(format!("launch-{n}.sh"));
        let mut body = format!("cd '{}'\n", dir.display());
        let words: Vec<String> = args.iter().map(|arg| format!("'{arg}'")).collect();
        body += &format!("exec {tool} {}\n", words.join(" "));
        write(&script, body);
        let ready = match tool {
            "claude" => "shift+tab to cycle",
            "codex" => "for shortcuts",
            "gemini" => "Type your message",
            _ => "Interactive",
        };
        Tui::start(
            &self.root.join(format!("tmux-{n}.sock")),
            &script,
            &self.env(),
            ready,
        )
    }

    pub fn state(&self, tool: &str) -> serde_json::Value {
        self.state_in(&self.project, tool)
    }

    /// The state file of `tool` in the project at `dir`.
    pub fn state_in(&self, dir: &Path, tool: &str) -> serde_json::Value {
        let path = dir.join(".ai-session-manager").join(format!("{tool}.json"));
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap()
    }

    pub fn target(&self, tool: &str) -> Option<String> {
        self.state(tool)["resume_target"]
            .as_str()
            .map(str::to_owned)
    }

    /// Every file below `dir`, for counting what a tool wrote.
    pub fn files_under(&self, dir: &Path) -> Vec<PathBuf> {
        let mut found = Vec::new();
        let mut pending = vec![dir.to_path_buf()];
        while let Some(dir) = pending.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    pending.push(path);
                } else {
                    found.push(path);
                }
            }
        }
        found.sort();
        found
    }
}

impl Drop for World {
    /// Codex leaves a daemon behind; nothing of this world may outlive it.
    fn drop(&mut self) {
        let root = self.root.to_string_lossy().into_owned();
        let Ok(processes) = std::fs::read_dir("/proc") else {
            return;
        };
        for process in processes.flatten() {
            let Some(pid) = process
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<i32>().ok())
            else {
                continue;
            };
            let cmdline = std::fs::read(process.path().join("cmdline")).unwrap_or_default();
            let environ = std::fs::read(process.path().join("environ")).unwrap_or_default();
            let mentions = |bytes: &[u8]| String::from_utf8_lossy(bytes).contains(&root);
            if pid != std::process::id() as i32 && (mentions(&cmdline) || mentions(&environ)) {
                let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            }
        }
    }
}

pub fn write(path: &Path, content: impl AsRef<[u8]>) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, content).unwrap();
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
