//! Gemini CLI (`gemini`): the wrapper picks the session id.
//!
//! Sessions are kept per exact working directory: `projects.json` maps the directory to a slug,
//! and the chats live in `<root>/tmp/<slug>/chats/session-<time>-<first 8 of id>.jsonl`, where
//! `<root>` is `$GEMINI_CLI_HOME/.gemini` or `~/.gemini`. `--session-id` fails (exit 42) when the
//! session already exists and `--resume` fails when it does not, so the store decides which one
//! to pass. `projects.json` is only ever read: gemini resets it if it sees a slug it dislikes.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Component, Path, PathBuf};

use anyhow::Result;
use serde::Deserialize;

use super::{ArgRules, Context, Existing, Plan, SessionMode, Tool, is_uuid, plan_managed};
use crate::env;

pub struct Gemini;

static RULES: ArgRules = ArgRules {
    value_flags: &[
        "-m",
        "--model",
        "-i",
        "--prompt-interactive",
        "--approval-mode",
        "--allowed-mcp-server-names",
        "--allowed-tools",
        "-e",
        "--extensions",
        "--include-directories",
        "-o",
        "--output-format",
        "--proxy",
        "--policy",
        "--sandbox-image",
        "--telemetry-target",
        "--telemetry-otlp-endpoint",
        "--telemetry-otlp-protocol",
        "--telemetry-outfile",
    ],
    subcommands: &[
        "mcp",
        "extensions",
        "extension",
        "skills",
        "skill",
        "hooks",
        "hook",
        "gemma",
    ],
    pass_flags: &[
        // explicit sessions
        "-r",
        "--resume",
        "--session-id",
        "--session-file",
        "--list-sessions",
        "--delete-session",
        // non-interactive, or print-and-exit
        "-p",
        "--prompt",
        "--acp",
        "--experimental-acp",
        "--server",
        "--headless",
        "-l",
        "--list-extensions",
    ],
    // `gemini "question"` answers once and exits; `-i "question"` stays interactive.
    positional_prompt_is_one_shot: true,
    interactive_flags: &["-i", "--prompt-interactive"],
};

impl Tool for Gemini {
    fn name(&self) -> &'static str {
        "gemini"
    }

    fn display_name(&self) -> &'static str {
        "Gemini CLI"
    }

    fn session_mode(&self) -> SessionMode {
        SessionMode::ManagedId
    }

    fn arg_rules(&self) -> &'static ArgRules {
        &RULES
    }

    fn accepts_target(&self, target: &str, state_dir: &Path) -> bool {
        is_uuid(target) || import_file(target, state_dir).is_some()
    }

    fn plan(&self, context: &Context, stored: Option<&str>, fresh: bool) -> Result<Plan> {
        if let Some(file) = stored.and_then(|target| import_file(target, &context.state_dir)) {
            return Ok(plan_import(file, stored.unwrap_or_default()));
        }
        plan_managed(stored, fresh, "--session-id", |id| {
            Ok(match session_status(&context.session_cwd, id)? {
                SessionStatus::HasMessages => Existing::Resume(vec!["--resume".into(), id.into()]),
                SessionStatus::Missing => Existing::NotStarted,
                SessionStatus::Empty => Existing::Unusable,
            })
        })
    }

    fn has_session(&self, context: &Context, id: &str) -> Result<bool> {
        Ok(matches!(
            session_status(&context.session_cwd, id)?,
            SessionStatus::HasMessages | SessionStatus::Empty
        ))
    }
}

/// A converted session waiting to be imported with `--session-file`. The Python tool stored
/// such a path as the resume target; it must lie in the state folder.
fn plan_import(file: PathBuf, target: &str) -> Plan {
    if !file.is_file() {
        return Plan::new_session(super::new_uuid(), "--session-id")
            .with_notice(format!("Converted session {} is gone", file.display()));
    }
    Plan {
        inject: vec!["--session-file".into(), file.clone().into_os_string()],
        target: Some(target.to_owned()),
        announce: super::Announce::Importing(file.display().to_string()),
        notices: Vec::new(),
        session_cwd: None,
    }
}

/// The import file a state target names, if it is a plain file inside the state folder.
pub fn import_file(target: &str, state_dir: &Path) -> Option<PathBuf> {
    let path = Path::new(target);
    let plain = path.is_absolute()
        && path
            .components()
            .all(|c| !matches!(c, Component::ParentDir));
    (plain && path.parent() == Some(state_dir)).then(|| path.to_path_buf())
}

/// `$GEMINI_CLI_HOME/.gemini`, else `~/.gemini`.
pub fn root() -> Result<PathBuf> {
    let home = match env::path(env::GEMINI_CLI_HOME) {
        Some(home) => home,
        None => super::home()?,
    };
    Ok(home.join(".gemini"))
}

#[derive(Deserialize)]
struct Projects {
    #[serde(default)]
    projects: HashMap<String, String>,
}

/// The chats folder gemini uses for `cwd`, if gemini has registered that directory.
pub fn chats_dir(cwd: &Path) -> Result<Option<PathBuf>> {
    let root = root()?;
    let Ok(bytes) = std::fs::read(root.join("projects.json")) else {
        return Ok(None);
    };
    let Ok(projects) = serde_json::from_slice::<Projects>(&bytes) else {
        return Ok(None);
    };
    let Some(key) = cwd.to_str() else {
        return Ok(None);
    };
    let slug = projects.projects.get(key).filter(|slug| is_slug(slug));
    Ok(slug.map(|slug| root.join("tmp").join(slug).join("chats")))
}

fn is_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug
            .bytes()
            .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-')
}

pub enum SessionStatus {
    Missing,
    /// The file exists but holds no user or model message.
    Empty,
    HasMessages,
}

/// What gemini's store for `cwd` holds of session `id`.
pub fn session_status(cwd: &Path, id: &str) -> Result<SessionStatus> {
    let Some(chats) = chats_dir(cwd)? else {
        return Ok(SessionStatus::Missing);
    };
    let Ok(entries) = std::fs::read_dir(&chats) else {
        return Ok(SessionStatus::Missing);
    };
    let short = id.get(..8).unwrap_or(id);
    let mut status = SessionStatus::Missing;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let stem = name
            .strip_suffix(".jsonl")
            .or_else(|| name.strip_suffix(".json"));
        if !name.starts_with("session-") || !stem.is_some_and(|stem| stem.ends_with(short)) {
            continue;
        }
        match file_status(&entry.path(), id) {
            Some(true) => return Ok(SessionStatus::HasMessages),
            Some(false) => status = SessionStatus::Empty,
            None => {}
        }
    }
    Ok(status)
}

#[derive(Deserialize)]
struct Record {
    #[serde(rename = "sessionId")]
    session_id: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    messages: Vec<Record>,
}

fn is_message(record: &Record) -> bool {
    matches!(record.kind.as_deref(), Some("user" | "gemini"))
}

/// `None` if the file is not session `id`; else whether it holds a message. Reads only until the
/// first message.
fn file_status(path: &Path, id: &str) -> Option<bool> {
    let file = std::fs::File::open(path).ok()?;
    if path.extension().is_some_and(|ext| ext == "json") {
        // The older format: one JSON object holding every message.
        let session: Record = serde_json::from_reader(BufReader::new(file)).ok()?;
        return (session.session_id.as_deref() == Some(id))
            .then(|| session.messages.iter().any(is_message));
    }
    let mut lines = BufReader::new(file).split(b'\n');
    let first: Record = serde_json::from_slice(&lines.next()?.ok()?).ok()?;
    if first.session_id.as_deref() != Some(id) {
        return None;
    }
    let has_message = lines.map_while(Result::ok).any(|line| {
        serde_json::from_slice::<Record>(&line).is_ok_and(|record| is_message(&record))
    });
    Some(has_message)
}
