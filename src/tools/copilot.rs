//! GitHub Copilot CLI (`copilot`): the wrapper picks the session UUID, and `--session-id` both
//! creates and resumes, so it is passed on every launch.
//!
//! Sessions live in `<root>/session-state/<id>/`, where `<root>` is `$COPILOT_HOME` (the
//! `.copilot` folder itself) or `~/.copilot`.

use std::path::{Path, PathBuf};

use anyhow::Result;
use serde::Deserialize;
use serde::de::IgnoredAny;

use super::{
    ArgRules, Context, Existing, Plan, SessionLister, SessionMode, SessionRef, Tool, ToolInfo,
    TranscriptSource, is_native_id, pick_session, plan_managed,
};
use crate::env;
use crate::json_prefix;
use crate::listing::{Head, Projects, SessionInfo, store_entries, until};
use crate::transcript::{
    Dropped, Loose, Message, Record, Role, Sink, Tally, parse_line, parse_time, read_records,
};

pub struct Copilot;

static INFO: ToolInfo = ToolInfo {
    name: "copilot",
    display_name: "GitHub Copilot CLI",
    session_mode: SessionMode::ManagedId,
    args: ArgRules {
        value_flags: &[
            "--model",
            "--add-dir",
            "--allow-tool",
            "--deny-tool",
            "--allow-url",
            "--deny-url",
            "--available-tools",
            "--excluded-tools",
            "--additional-mcp-config",
            "--agent",
            "--config-dir",
            "--log-dir",
            "--log-level",
            "--stream",
            "-i",
            "--interactive",
        ],
        subcommands: &[
            "init",
            "login",
            "mcp",
            "plugin",
            "skill",
            "config",
            "workflow",
            "sandbox",
            "completion",
            "lsp",
            "instruction",
            "update",
            "version",
            "help",
        ],
        pass_flags: &[
            // explicit sessions
            "-r",
            "--resume",
            "--continue",
            "--session-id",
            "--new-session-id",
            "-n",
            "--name",
            "--connect",
            "--cloud",
            // non-interactive
            "-p",
            "--prompt",
            "--acp",
            "--server",
            "--headless",
        ],
        positional_prompt_is_one_shot: false,
        interactive_flags: &[],
    },
};

impl Tool for Copilot {
    fn info(&self) -> &'static ToolInfo {
        &INFO
    }

    fn plan(&self, context: &Context, stored: Option<&str>, fresh: bool) -> Result<Plan> {
        plan_managed(stored, fresh, "--session-id", |id| {
            Ok(if self.has_session(context, id)? {
                // Create-or-resume: the same flag resumes.
                Existing::Resume(vec!["--session-id".into(), id.into()])
            } else {
                Existing::NotStarted
            })
        })
    }

    fn has_session(&self, _context: &Context, id: &str) -> Result<bool> {
        Ok(session_dir(id)?.is_dir())
    }

    fn transcript_source(&self) -> Option<&dyn TranscriptSource> {
        Some(self)
    }

    fn session_lister(&self) -> Option<&dyn SessionLister> {
        Some(self)
    }
}

/// `$COPILOT_HOME`, else `~/.copilot`.
pub fn root() -> Result<PathBuf> {
    super::root_from(env::COPILOT_HOME, ".copilot")
}

pub fn session_dir(id: &str) -> Result<PathBuf> {
    Ok(root()?.join("session-state").join(id))
}

const EVENTS: &str = "events.jsonl";
const WORKSPACE: &str = "workspace.yaml";

impl TranscriptSource for Copilot {
    fn find_session(&self, _cwd: &Path, reference: &str) -> Result<PathBuf> {
        match SessionRef::parse(self, reference)? {
            // A session folder stands for its event log.
            SessionRef::Path(path) if path.is_dir() => super::session_file(self, path.join(EVENTS)),
            SessionRef::Path(path) => super::session_file(self, path),
            SessionRef::Id(id) => {
                let sessions = std::fs::read_dir(root()?.join("session-state"));
                let candidates = sessions
                    .into_iter()
                    .flatten()
                    .flatten()
                    .filter_map(|entry| {
                        let id = entry.file_name().into_string().ok()?;
                        let events = entry.path().join(EVENTS);
                        events.is_file().then_some((id, events))
                    });
                pick_session(self, id, candidates)
            }
        }
    }

    fn read_transcript(&self, path: &Path, sink: Sink) -> Result<Tally> {
        read_records::<Event>(path, sink)
    }
}

impl SessionLister for Copilot {
    /// Copilot records each session's folder in its `workspace.yaml` (`cwd`, `git_root`), and
    /// again in the `session.start` event: a session belongs to the project holding either.
    fn list(&self, projects: &Projects) -> Result<Vec<SessionInfo>> {
        let mut sessions = Vec::new();
        for entry in store_entries(&root()?.join("session-state"))? {
            let Some(id) = entry.file_name().to_str().map(str::to_owned) else {
                continue;
            };
            if !is_native_id(&id) || !entry.path().is_dir() {
                continue;
            }
            let (info, git_root) = describe_session(id, &entry.path());
            if projects.includes(info.cwd.as_deref()) || projects.includes(git_root.as_deref()) {
                sessions.push(info);
            }
        }
        Ok(sessions)
    }

    fn describe(&self, path: &Path) -> Result<SessionInfo> {
        let dir = path.parent().unwrap_or(path);
        let id = dir
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(describe_session(id, dir).0)
    }
}

/// A session's folder, start and first prompt, from `workspace.yaml` and the first events; and
/// the git root it ran in.
fn describe_session(id: String, dir: &Path) -> (SessionInfo, Option<PathBuf>) {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Start {
        data: Option<Loose<StartData>>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct StartData {
        start_time: Option<Loose<String>>,
        context: Option<Loose<StartContext>>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct StartContext {
        cwd: Option<Loose<String>>,
        git_root: Option<Loose<String>>,
    }
    let workspace = std::fs::read_to_string(dir.join(WORKSPACE)).unwrap_or_default();
    let field = |key| yaml_scalar(&workspace, key).map(PathBuf::from);
    let mut git_root = field("git_root");
    let events = dir.join(EVENTS);
    let head = Head::read(&events, |head, line| {
        let [kind, time] = json_prefix::strings(line, &[&["type"], &["timestamp"]]);
        head.recognised |= kind.is_some();
        if head.started_at.is_none() {
            head.started_at = parse_time(time.as_deref());
        }
        match kind.as_deref() {
            Some("session.start") => {
                let data = serde_json::from_slice::<Start>(line)
                    .ok()
                    .and_then(|start| start.data?.valid());
                if let Some(data) = data {
                    let started = parse_time(data.start_time.and_then(Loose::valid).as_deref());
                    head.started_at = started.or(head.started_at);
                    if let Some(context) = data.context.and_then(Loose::valid) {
                        head.cwd = context.cwd.and_then(Loose::valid).map(PathBuf::from);
                        git_root = git_root
                            .take()
                            .or_else(|| context.git_root.and_then(Loose::valid).map(PathBuf::from));
                    }
                }
            }
            Some("user.message") => {
                let mut tally = Tally::default();
                let event = parse_line::<Event>(line, &mut tally);
                head.offer(event.and_then(|event| event.visible(&mut tally)));
            }
            _ => {}
        }
        until(head.prompt.is_some())
    });
    // Copilot writes no event log until the first prompt: a session with only its workspace
    // file has no prompt yet, rather than being unreadable.
    let head = match head {
        None if !events.exists() && !workspace.is_empty() => Some(Head {
            recognised: true,
            ..Head::default()
        }),
        head => head,
    };
    let mut info = SessionInfo::new(id, events, head);
    // workspace.yaml is copilot's own record of the session; the events only stand in for it.
    info.cwd = field("cwd").or(info.cwd);
    if let Some(created) = yaml_scalar(&workspace, "created_at") {
        info.started_at = parse_time(Some(&created)).or(info.started_at);
    }
    if info.updated_at.is_none() {
        let modified = std::fs::metadata(dir.join(WORKSPACE)).and_then(|meta| meta.modified());
        info.updated_at = modified.ok().map(Into::into);
    }
    (info, git_root)
}

/// A top-level `key: value` of a YAML file as copilot writes `workspace.yaml`; quotes removed.
fn yaml_scalar(text: &str, key: &str) -> Option<String> {
    let value = text.lines().find_map(|line| {
        let rest = line.strip_prefix(key)?.strip_prefix(':')?;
        Some(rest.trim())
    })?;
    let value = if let Some(quoted) = value.strip_prefix('"') {
        // Double quotes escape as JSON does.
        serde_json::from_str::<String>(&format!("\"{quoted}")).ok()?
    } else if let Some(quoted) = value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')) {
        quoted.replace("''", "'")
    } else {
        value.to_owned()
    };
    (!value.is_empty() && value != "null" && value != "~").then_some(value)
}

/// One line of `events.jsonl`: `{id, timestamp, parentId, type, data}`.
#[derive(Deserialize)]
struct Event {
    #[serde(rename = "type")]
    kind: Option<Loose<String>>,
    timestamp: Option<Loose<String>>,
    data: Option<Loose<EventData>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EventData {
    /// What the user typed, or the assistant's text; `transformedContent` is what the model got
    /// after copilot expanded it.
    content: Option<Loose<String>>,
    attachments: Option<Loose<Vec<IgnoredAny>>>,
    tool_requests: Option<Loose<Vec<IgnoredAny>>>,
}

impl Record for Event {
    fn visible(self, tally: &mut Tally) -> Option<Message> {
        let role = match self.kind.and_then(Loose::valid).as_deref() {
            Some("user.message") => Role::User,
            Some("assistant.message") => Role::Assistant,
            Some("assistant.reasoning") => {
                tally.add(Dropped::Thinking, 1);
                return None;
            }
            Some("tool.execution_complete") => {
                tally.add(Dropped::ToolResults, 1);
                return None;
            }
            _ => return None,
        };
        let data = self.data.and_then(Loose::valid)?;
        let count = |list: Option<Loose<Vec<IgnoredAny>>>| {
            list.and_then(Loose::valid)
                .map_or(0, |list| list.len() as u64)
        };
        tally.add(Dropped::Attachments, count(data.attachments));
        tally.add(Dropped::ToolCalls, count(data.tool_requests));
        let text = data.content.and_then(Loose::valid)?;
        let time = parse_time(self.timestamp.and_then(Loose::valid).as_deref());
        Message::new(role, text, time)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transcript::Dropped::*;
    use crate::transcript::testing::{fixture, read, tally, triples};

    #[test]
    fn reads_messages_and_counts_tools_and_attachments() {
        let (messages, counted) = read(&Copilot, &fixture("convert/copilot-events.jsonl"));
        assert_eq!(
            messages,
            triples(&[
                ("user", "List the failing tests", "2026-11-21T12:00:01.000Z"),
                (
                    "assistant",
                    "Two tests fail: `a` and `b`.",
                    "2026-11-21T12:00:10.000Z"
                ),
                ("user", "Fix a", "2026-11-21T12:01:00.000Z"),
                ("assistant", "Done.", "2026-11-21T12:01:05.000Z"),
            ])
        );
        let expected = [
            (Thinking, 1),
            (ToolCalls, 1),
            (ToolResults, 1),
            (Attachments, 1),
        ];
        assert_eq!(counted, tally(&expected, 1));
    }
}
