//! Copilot's event log as a conversation, and what a session's first events and
//! `workspace.yaml` say for a listing.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::de::IgnoredAny;

use super::store::{EVENTS, WORKSPACE, yaml_scalar};
use crate::base::files::{STORE_FILE_CAP, read_store_file};
use crate::base::json_prefix;
use crate::base::time::parse_time;
use crate::transcript::listing::{SessionHead, SessionInfo, until};
use crate::transcript::read::{Loose, Record, parse_line};
use crate::transcript::{Dropped, Message, Role, Tally};

/// A session's folder, start and first prompt, from `workspace.yaml` and the first events; and
/// the git root it ran in.
pub fn describe_session(id: String, dir: &Path) -> (SessionInfo, Option<PathBuf>) {
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
    let workspace = read_store_file(&dir.join(WORKSPACE), STORE_FILE_CAP)
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_default();
    let field = |key: &str| yaml_scalar(&workspace, key).map(PathBuf::from);
    let mut git_root = field("git_root");
    let events = dir.join(EVENTS);
    let head = SessionHead::read(&events, |head, line| {
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
        None if !events.exists() && !workspace.is_empty() => Some(SessionHead {
            recognised: true,
            ..SessionHead::default()
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

/// One line of `events.jsonl`: `{id, timestamp, parentId, type, data}`.
#[derive(Deserialize)]
pub struct Event {
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
