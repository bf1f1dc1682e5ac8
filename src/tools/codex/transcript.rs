//! Codex's rollouts as conversations: the reader of both forms codex records messages in, and
//! the writer of converted sessions.

use std::io::Write;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use anyhow::Result;
use serde::{Deserialize, Serialize};

use super::store::Meta;
use crate::base::json_prefix;
use crate::base::lines::{LineReader, ReadOptions, for_each_line};
use crate::base::time::{format_time, parse_time};
use crate::contract::{NewSession, SessionEncoder};
use crate::transcript::listing::{SessionHead, SessionInfo, until};
use crate::transcript::read::{opens_with_any, parse_line};
use crate::transcript::write::{Stamps, json_line};
use crate::transcript::{Dropped, Message, Role, Sink, Tally, join_texts};

/// Codex records every visible message twice: as a `response_item` (what the model saw) and
/// as an `event_msg` (what the UI showed). One form per file is taken, so nothing is doubled:
/// the response items when the file has them, else the events of older or newer versions.
pub fn read(path: &Path, options: &ReadOptions, sink: Sink) -> Result<Tally> {
    let form = if has_response_messages(path)? {
        Form::ResponseItems
    } else {
        Form::Events
    };
    let mut tally = Tally::default();
    let oversized = for_each_line(path, options, |_, line| {
        let [kind, payload_kind] = line_kinds(line);
        let role = match (form, kind.as_deref(), payload_kind.as_deref()) {
            (Form::ResponseItems, Some("response_item"), Some(kind)) => match kind {
                "message" => None,
                "reasoning" => return count(&mut tally, Dropped::Thinking),
                kind if kind.ends_with("_output") => {
                    return count(&mut tally, Dropped::ToolResults);
                }
                kind if kind.ends_with("_call") => {
                    return count(&mut tally, Dropped::ToolCalls);
                }
                _ => return Ok(ControlFlow::Continue(())),
            },
            (Form::Events, Some("event_msg"), Some(kind)) => match kind {
                "user_message" => Some(Role::User),
                "agent_message" => Some(Role::Assistant),
                "item_completed" => None,
                "agent_reasoning" => return count(&mut tally, Dropped::Thinking),
                "exec_command_end" | "mcp_tool_call_end" | "patch_apply_end" | "web_search_end" => {
                    return count(&mut tally, Dropped::ToolCalls);
                }
                _ => return Ok(ControlFlow::Continue(())),
            },
            // A line whose kinds cannot be read is parsed, so that damage is counted.
            (_, None, _) => None,
            _ => return Ok(ControlFlow::Continue(())),
        };
        let Some(line) = parse_line::<Line>(line, &mut tally) else {
            return Ok(ControlFlow::Continue(()));
        };
        match line.visible(form, role, &mut tally) {
            Some(message) => sink(message),
            None => Ok(ControlFlow::Continue(())),
        }
    })?;
    tally.malformed += oversized;
    Ok(tally)
}

/// A rollout's folder and start from its `session_meta`; its title from the first user message
/// the reader finds, in either of the forms codex records.
pub fn describe_rollout(id: String, path: PathBuf, meta: Option<Meta>) -> SessionInfo {
    let head = SessionHead::read(&path, |head, line| {
        let [kind, payload_kind] = line_kinds(line);
        let (form, role) = match (kind.as_deref(), payload_kind.as_deref()) {
            (Some("session_meta"), _) => {
                head.recognised = true;
                return ControlFlow::Continue(());
            }
            (Some("response_item"), Some("message")) => (Form::ResponseItems, None),
            (Some("event_msg"), Some("user_message")) => (Form::Events, Some(Role::User)),
            (Some("event_msg"), Some("item_completed")) => (Form::Events, None),
            _ => return ControlFlow::Continue(()),
        };
        if let Ok(line) = serde_json::from_slice::<Line>(line) {
            head.recognised = true;
            head.offer(line.visible(form, role, &mut Tally::default()));
        }
        until(head.prompt.is_some())
    });
    let mut info = SessionInfo::new(id, path, head);
    if let Some(meta) = meta {
        info.cwd = meta.cwd.map(PathBuf::from);
        info.started_at = meta.started.or(info.started_at);
    }
    info
}

fn count(tally: &mut Tally, kind: Dropped) -> Result<ControlFlow<()>> {
    tally.add(kind, 1);
    Ok(ControlFlow::Continue(()))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Form {
    ResponseItems,
    Events,
}

/// The line's `type` and `payload.type`, read without parsing the rest.
fn line_kinds(line: &[u8]) -> [Option<String>; 2] {
    json_prefix::strings(line, &[&["type"], &["payload", "type"]])
}

/// Whether the rollout records user or assistant messages as response items. The injected
/// environment block comes first in every such file, so this reads a few lines.
fn has_response_messages(path: &Path) -> Result<bool> {
    let mut lines = LineReader::open(path)?;
    while let Some((_, line)) = lines.next_line()? {
        if let [Some(kind), Some(payload_kind)] = line_kinds(line)
            && kind == "response_item"
            && payload_kind == "message"
            && let Ok(line) = serde_json::from_slice::<Line>(line)
            && let Some(payload) = line.payload
            && matches!(payload.role.as_deref(), Some("user" | "assistant"))
        {
            return Ok(true);
        }
    }
    Ok(false)
}

#[derive(Deserialize)]
struct Line {
    timestamp: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    payload: Option<Payload>,
}

/// The payload fields of the lines that hold messages: response-item messages, `user_message`
/// and `agent_message` events, and `item_completed` events.
#[derive(Deserialize)]
struct Payload {
    role: Option<String>,
    content: Option<Vec<ContentItem>>,
    message: Option<String>,
    images: Option<Vec<serde::de::IgnoredAny>>,
    item: Option<EventItem>,
}

#[derive(Deserialize)]
struct EventItem {
    #[serde(rename = "type")]
    kind: Option<String>,
    content: Option<Vec<ContentItem>>,
}

#[derive(Deserialize)]
struct ContentItem {
    #[serde(rename = "type")]
    kind: Option<String>,
    text: Option<String>,
}

/// Blocks codex adds to the user's turn itself: environment, instructions, skills.
const INJECTED: &[&str] = &[
    "<environment_context>",
    "<user_instructions>",
    "# AGENTS.md",
    "<skills_instructions>",
];

fn is_injected(text: &str) -> bool {
    opens_with_any(text, INJECTED)
}

impl Line {
    fn visible(self, form: Form, role: Option<Role>, tally: &mut Tally) -> Option<Message> {
        let time = parse_time(self.timestamp.as_deref());
        let payload = self.payload?;
        let (role, items) = match (form, role, self.kind.as_deref()) {
            (Form::ResponseItems, _, Some("response_item")) => {
                let role = match payload.role.as_deref() {
                    Some("user") => Role::User,
                    Some("assistant") => Role::Assistant,
                    // developer and system messages are instructions, not conversation
                    _ => return None,
                };
                (role, payload.content.unwrap_or_default())
            }
            (Form::Events, Some(role), _) => {
                let images = payload.images.map_or(0, |images| images.len());
                tally.add(Dropped::Images, images as u64);
                let text = payload.message?;
                if role == Role::User && is_injected(&text) {
                    return None;
                }
                return Message::new(role, text, time);
            }
            (Form::Events, None, Some("event_msg")) => {
                let item = payload.item?;
                let role = match item.kind.as_deref() {
                    Some("UserMessage") => Role::User,
                    Some("AgentMessage") => Role::Assistant,
                    Some("Reasoning") => {
                        tally.add(Dropped::Thinking, 1);
                        return None;
                    }
                    _ => return None,
                };
                (role, item.content.unwrap_or_default())
            }
            _ => return None,
        };
        let mut texts = Vec::new();
        for item in &items {
            match (item.kind.as_deref(), &item.text) {
                (Some(kind), _) if kind.contains("image") => tally.add(Dropped::Images, 1),
                (_, Some(text)) if !(role == Role::User && is_injected(text)) => texts.push(text),
                _ => {}
            }
        }
        Message::new(
            role,
            join_texts(texts.into_iter().map(String::as_str)),
            time,
        )
    }
}

/// The writer of a converted rollout, naming `provider` as the session's model provider.
pub fn encoder(session: &NewSession, provider: String) -> Box<dyn SessionEncoder> {
    Box::new(Encoder {
        id: session.id.clone(),
        cwd: session.cwd.to_string_lossy().into_owned(),
        created: format_time(session.created),
        provider,
        stamps: Stamps::new(session.created),
        ordinal: 0,
    })
}

/// Writes a rollout as codex does: `session_meta` naming the configured provider, then each
/// message twice, as the `response_item` codex rebuilds the model's history from and as the
/// event its screen redraws the turn from.
struct Encoder {
    id: String,
    cwd: String,
    created: String,
    provider: String,
    stamps: Stamps,
    ordinal: u64,
}

#[derive(Serialize)]
struct OutLine<'a, P> {
    timestamp: &'a str,
    ordinal: u64,
    #[serde(rename = "type")]
    kind: &'a str,
    payload: P,
}

#[derive(Serialize)]
struct OutMeta<'a> {
    session_id: &'a str,
    id: &'a str,
    timestamp: &'a str,
    /// Where the session runs: codex resumes it there.
    cwd: &'a str,
    originator: &'a str,
    cli_version: &'a str,
    /// An interactive session, so the wrapper and `codex resume` list it.
    source: &'a str,
    /// Codex resumes a session only with this provider.
    model_provider: &'a str,
}

/// The events codex redraws a resumed session's turns from (0.169 still reads this form).
#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum OutEvent<'a> {
    UserMessage {
        message: &'a str,
        images: [&'a str; 0],
        kind: &'a str,
    },
    AgentMessage {
        message: &'a str,
    },
}

#[derive(Serialize)]
struct OutItem<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    role: &'a str,
    content: [OutText<'a>; 1],
}

#[derive(Serialize)]
struct OutText<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    text: &'a str,
}

impl Encoder {
    fn line<P: Serialize>(
        &mut self,
        out: &mut dyn Write,
        timestamp: &str,
        kind: &str,
        payload: P,
    ) -> Result<()> {
        let ordinal = self.ordinal;
        self.ordinal += 1;
        json_line(
            out,
            &OutLine {
                timestamp,
                ordinal,
                kind,
                payload,
            },
        )
    }
}

impl SessionEncoder for Encoder {
    fn message(&mut self, message: &Message, out: &mut dyn Write) -> Result<()> {
        if self.ordinal == 0 {
            let (id, cwd, created) = (self.id.clone(), self.cwd.clone(), self.created.clone());
            let provider = self.provider.clone();
            let meta = OutMeta {
                session_id: &id,
                id: &id,
                timestamp: &created,
                cwd: &cwd,
                originator: "codex-tui",
                cli_version: "0.169.0",
                source: "cli",
                model_provider: &provider,
            };
            self.line(out, &created, "session_meta", meta)?;
        }
        let (role, text_kind) = match message.role {
            Role::User => ("user", "input_text"),
            Role::Assistant => ("assistant", "output_text"),
        };
        let item = OutItem {
            kind: "message",
            role,
            content: [OutText {
                kind: text_kind,
                text: &message.text,
            }],
        };
        let time = format_time(self.stamps.next(message));
        self.line(out, &time, "response_item", item)?;
        let event = match message.role {
            Role::User => OutEvent::UserMessage {
                message: &message.text,
                images: [],
                kind: "plain",
            },
            Role::Assistant => OutEvent::AgentMessage {
                message: &message.text,
            },
        };
        self.line(out, &time, "event_msg", event)
    }
}
