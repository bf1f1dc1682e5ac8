//! Agy's transcripts as conversations, and what a conversation's first steps say for a listing.

use std::path::PathBuf;

use serde::Deserialize;

use super::store::{Workspaces, user_request};
use crate::base::time::parse_time;
use crate::transcript::listing::{SessionHead, SessionInfo, until};
use crate::transcript::read::{Loose, Record, parse_line};
use crate::transcript::{Dropped, Message, Role, Tally};

/// A conversation's start and first request from the first steps of its transcript (`path`; a
/// conversation without one is its `brain/<id>` folder), and its workspace.
pub fn describe_conversation(id: String, path: PathBuf, workspaces: &Workspaces) -> SessionInfo {
    let mut request = None;
    let head = match path.is_dir() {
        true => Some(SessionHead::default()),
        false => SessionHead::read(&path, |head, line| {
            let [kind, time] =
                crate::base::json_prefix::strings(line, &[&["type"], &["created_at"]]);
            head.recognised |= kind.is_some();
            if head.started_at.is_none() {
                head.started_at = parse_time(time.as_deref());
            }
            if kind.as_deref() == Some("USER_INPUT") {
                let mut tally = Tally::default();
                let step = parse_line::<TranscriptStep>(line, &mut tally);
                let message = step.and_then(|step| step.visible(&mut tally));
                if request.is_none() {
                    request = message.as_ref().map(|message| message.text.clone());
                }
                head.offer(message);
            }
            until(head.prompt.is_some())
        }),
    };
    let mut info = SessionInfo::new(id, path, head);
    if info.updated_at.is_none() {
        // A conversation without a transcript: its folder's time.
        let modified = std::fs::metadata(&info.path).and_then(|meta| meta.modified());
        info.updated_at = modified.ok().map(Into::into);
    }
    info.cwd = workspaces.by_id.get(&info.id).cloned().or_else(|| {
        let request = request?;
        workspaces.by_prompt.get(request.trim()).cloned()
    });
    info
}

/// One step of a transcript: `{type, source, created_at, content, tool_calls}`.

#[derive(Deserialize)]
pub struct TranscriptStep {
    #[serde(rename = "type")]
    kind: Option<Loose<String>>,
    created_at: Option<Loose<String>>,
    content: Option<Loose<String>>,
    tool_calls: Option<Loose<Vec<serde::de::IgnoredAny>>>,
}

impl Record for TranscriptStep {
    fn visible(self, tally: &mut Tally) -> Option<Message> {
        let role = match self.kind.and_then(Loose::valid).as_deref() {
            Some("USER_INPUT") => Role::User,
            Some("PLANNER_RESPONSE") => Role::Assistant,
            _ => return None,
        };
        let calls = self.tool_calls.and_then(Loose::valid);
        tally.add(
            Dropped::ToolCalls,
            calls.map_or(0, |calls| calls.len() as u64),
        );
        let content = self.content.and_then(Loose::valid)?;
        let text = match role {
            // agy wraps what the user typed in context it adds; the request is the typed part.
            Role::User => user_request(&content).unwrap_or(&content).to_owned(),
            Role::Assistant => content,
        };
        let time = parse_time(self.created_at.and_then(Loose::valid).as_deref());
        Message::new(role, text, time)
    }
}
