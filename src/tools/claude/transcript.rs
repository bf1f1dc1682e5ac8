//! Claude's transcripts: the reader of its records, and the writer of converted sessions in the
//! shape Claude itself writes.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Result;
use chrono::{DateTime, Local, Utc};
use serde::{Deserialize, Serialize};

use crate::base::ids::new_uuid;
use crate::base::json_prefix::{self, Found};
use crate::base::time::{format_time, parse_time};
use crate::base::{env, platform};
use crate::contract::{NewSession, SessionEncoder};
use crate::transcript::listing::{SessionHead, SessionInfo};
use crate::transcript::read::{self, parse_line};
use crate::transcript::write::{Stamps, json_line};
use crate::transcript::{Dropped, Message, Role, Tally, join_texts};

/// The session's folder, start and first prompt, from the first records of its transcript.
pub fn describe_transcript(id: &str, path: PathBuf) -> SessionInfo {
    const FIELDS: &[&[&str]; 3] = &[&["type"], &["timestamp"], &["cwd"]];
    let head = SessionHead::read(&path, |head, line| {
        let [kind, time, cwd] = json_prefix::strings(line, FIELDS);
        head.recognised |= kind.is_some();
        if head.started_at.is_none() {
            head.started_at = parse_time(time.as_deref());
        }
        if head.cwd.is_none() {
            head.cwd = cwd.map(PathBuf::from);
        }
        if kind.as_deref() == Some("user") {
            let mut tally = Tally::default();
            let record = parse_line::<Record>(line, &mut tally);
            head.offer(record.and_then(|record| read::Record::visible(record, &mut tally)));
        }
        head.until_known()
    });
    SessionInfo::new(id.to_owned(), path, head)
}

/// The fields of a transcript record that matter for conversion.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Record {
    #[serde(rename = "type")]
    kind: Option<String>,
    is_meta: Option<bool>,
    is_sidechain: Option<bool>,
    /// Claude's own "API Error: …" replies, not the model's.
    is_api_error_message: Option<bool>,
    timestamp: Option<String>,
    message: Option<RecordMessage>,
    attachment: Option<Attachment>,
}

#[derive(Deserialize)]
struct RecordMessage {
    content: Option<Content>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Content {
    Text(String),
    Blocks(Vec<Block>),
    Other(serde::de::IgnoredAny),
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Block {
    Typed {
        #[serde(rename = "type")]
        kind: String,
        text: Option<String>,
    },
    Other(serde::de::IgnoredAny),
}

#[derive(Deserialize)]
struct Attachment {
    #[serde(rename = "type")]
    kind: Option<String>,
}

/// Attachments the user added (files, images, editor selections). Claude also records context
/// it adds itself as attachments (environment, tool and skill listings): those are not counted.
const USER_ATTACHMENTS: &[&str] = &[
    "file",
    "directory",
    "image",
    "pdf",
    "pdf_reference",
    "compact_file_reference",
    "selected_lines_in_ide",
    "opened_file_in_ide",
    "mcp_resource",
];

/// Slash commands and `!` shell commands are recorded as user text wrapped in these tags.
const COMMAND_TAGS: &[&str] = &[
    "<command-name>",
    "<command-message>",
    "<command-args>",
    "<local-command-stdout>",
    "<local-command-stderr>",
    "<local-command-caveat>",
    "<bash-input>",
    "<bash-stdout>",
    "<bash-stderr>",
];

fn is_command(text: &str) -> bool {
    read::opens_with_any(text, COMMAND_TAGS)
}

impl read::Record for Record {
    /// Only user, assistant and attachment records matter; the type is found without parsing
    /// the rest, as `api-request*` lines can be huge. A line whose type cannot be read is parsed,
    /// so that damage is counted.
    fn wanted(line: &[u8]) -> bool {
        match json_prefix::scan(line, &[&["type"]]).pop().flatten() {
            Some(Found::Str(kind)) => matches!(kind.as_str(), "user" | "assistant" | "attachment"),
            _ => true,
        }
    }

    fn visible(self, tally: &mut Tally) -> Option<Message> {
        let role = match self.kind.as_deref() {
            Some("user") => Role::User,
            Some("assistant") => Role::Assistant,
            Some("attachment") => {
                let kind = self.attachment.and_then(|attachment| attachment.kind);
                if kind.is_some_and(|kind| USER_ATTACHMENTS.contains(&kind.as_str())) {
                    tally.add(Dropped::Attachments, 1);
                }
                return None;
            }
            _ => return None,
        };
        // Meta records are Claude's own context: caveats, reminders, expanded skills.
        if role == Role::User && self.is_meta == Some(true) {
            return None;
        }
        if self.is_sidechain == Some(true) {
            tally.add(Dropped::Subagents, 1);
            return None;
        }
        if role == Role::Assistant && self.is_api_error_message == Some(true) {
            tally.add(Dropped::Notices, 1);
            return None;
        }
        let mut texts: Vec<String> = Vec::new();
        match self.message.and_then(|message| message.content) {
            Some(Content::Text(text)) => texts.push(text),
            Some(Content::Blocks(blocks)) => {
                for block in blocks {
                    let Block::Typed { kind, text } = block else {
                        continue;
                    };
                    match kind.as_str() {
                        "text" => texts.extend(text),
                        "thinking" | "redacted_thinking" => tally.add(Dropped::Thinking, 1),
                        "image" => tally.add(Dropped::Images, 1),
                        "document" => tally.add(Dropped::Attachments, 1),
                        "tool_use" | "server_tool_use" | "mcp_tool_use" => {
                            tally.add(Dropped::ToolCalls, 1)
                        }
                        kind if kind.ends_with("tool_result") => tally.add(Dropped::ToolResults, 1),
                        _ => {}
                    }
                }
            }
            Some(Content::Other(_)) | None => {}
        }
        if role == Role::User && texts.iter().any(|text| is_command(text)) {
            tally.add(Dropped::Commands, 1);
            texts.retain(|text| !is_command(text));
        }
        let text = join_texts(texts.iter().map(String::as_str));
        Message::new(role, text, parse_time(self.timestamp.as_deref()))
    }
}

/// The version written into converted transcripts. Claude only checks that the field is there;
/// asking the installed `claude` would mean running it.
const WRITTEN_VERSION: &str = "2.1.330";

/// The writer of a converted session: Claude's records, with the environment it runs in.
pub fn encoder(session: &NewSession) -> Box<dyn SessionEncoder> {
    let cwd = session.cwd.to_string_lossy().into_owned();
    let environment = Snapshot {
        working_directory: cwd.clone(),
        // A worktree's (or submodule's) `.git` is a file.
        is_worktree: session.scope.root.join(".git").is_file(),
        is_git_repo: session.scope.is_repo,
        additional_working_directories: [],
        platform: node_platform(),
        shell: env::path(env::SHELL)
            .and_then(|shell| shell.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "sh".into()),
        os_version: platform::os_version(),
    };
    Box::new(Encoder {
        session_id: session.id.clone(),
        cwd,
        git_branch: git_branch(&session.scope.root),
        parent: None,
        stamps: Stamps::new(session.created),
        environment: Some(environment),
    })
}

/// Writes records in the shape Claude itself writes: each one names the one before it in
/// `parentUuid`, which is how Claude rebuilds the conversation.
///
/// After the first message come the `environment` and `date` attachments that Claude records at
/// the start of every session. Resuming, Claude sends the attachments after the first prompt as a
/// context turn; without them that turn goes out empty (2.1.330). Only their data is written:
/// Claude renders the text itself, in its own words.
struct Encoder {
    session_id: String,
    cwd: String,
    git_branch: String,
    parent: Option<String>,
    stamps: Stamps,
    /// The environment attachment, until it is written after the first message.
    environment: Option<Snapshot>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OutRecord<'a> {
    parent_uuid: Option<&'a str>,
    is_sidechain: bool,
    #[serde(flatten)]
    body: Body<'a>,
    uuid: &'a str,
    timestamp: String,
    user_type: &'a str,
    entrypoint: &'a str,
    cwd: &'a str,
    session_id: &'a str,
    version: &'a str,
    git_branch: &'a str,
}

/// A record's `type` and what goes with it.
#[derive(Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
enum Body<'a> {
    User { message: OutMessage<'a> },
    Assistant { message: OutMessage<'a> },
    Attachment { attachment: OutAttachment },
}

#[derive(Serialize)]
#[serde(untagged)]
enum OutMessage<'a> {
    User {
        role: &'a str,
        content: &'a str,
    },
    Assistant {
        id: String,
        #[serde(rename = "type")]
        kind: &'a str,
        role: &'a str,
        /// Claude's marker for replies it did not get from a model; resuming skips it when it
        /// restores the session's model.
        model: &'a str,
        content: [TextBlock<'a>; 1],
        stop_reason: &'a str,
        stop_sequence: Option<&'a str>,
        usage: Usage,
    },
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum OutAttachment {
    Environment { snapshot: Snapshot },
    Date { date: String },
}

/// Where the session runs, as Claude's `environment` attachment records it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Snapshot {
    working_directory: String,
    is_worktree: bool,
    is_git_repo: bool,
    additional_working_directories: [String; 0],
    platform: &'static str,
    shell: String,
    os_version: String,
}

/// The platform as Node names it, which is how Claude records it.
fn node_platform() -> &'static str {
    match std::env::consts::OS {
        "macos" => "darwin",
        "windows" => "win32",
        other => other,
    }
}

#[derive(Serialize)]
struct TextBlock<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    text: &'a str,
}

#[derive(Serialize)]
struct Usage {
    input_tokens: u32,
    output_tokens: u32,
    cache_creation_input_tokens: u32,
    cache_read_input_tokens: u32,
}

impl Encoder {
    /// Writes one record after the previous one.
    fn record(&mut self, out: &mut dyn Write, body: Body, time: DateTime<Utc>) -> Result<()> {
        let uuid = new_uuid();
        json_line(
            out,
            &OutRecord {
                parent_uuid: self.parent.as_deref(),
                is_sidechain: false,
                body,
                uuid: &uuid,
                timestamp: format_time(time),
                user_type: "external",
                entrypoint: "cli",
                cwd: &self.cwd,
                session_id: &self.session_id,
                version: WRITTEN_VERSION,
                git_branch: &self.git_branch,
            },
        )?;
        self.parent = Some(uuid);
        Ok(())
    }
}

impl SessionEncoder for Encoder {
    fn message(&mut self, message: &Message, out: &mut dyn Write) -> Result<()> {
        let time = self.stamps.next(message);
        let body = match message.role {
            Role::User => Body::User {
                message: OutMessage::User {
                    role: "user",
                    content: &message.text,
                },
            },
            Role::Assistant => Body::Assistant {
                message: OutMessage::Assistant {
                    id: format!("msg_{}", uuid::Uuid::new_v4().simple()),
                    kind: "message",
                    role: "assistant",
                    model: "<synthetic>",
                    content: [TextBlock {
                        kind: "text",
                        text: &message.text,
                    }],
                    stop_reason: "end_turn",
                    stop_sequence: None,
                    usage: Usage {
                        input_tokens: 0,
                        output_tokens: 0,
                        cache_creation_input_tokens: 0,
                        cache_read_input_tokens: 0,
                    },
                },
            },
        };
        self.record(out, body, time)?;
        if let Some(snapshot) = self.environment.take() {
            let date = time.with_timezone(&Local).format("%Y-%m-%d").to_string();
            for attachment in [
                OutAttachment::Environment { snapshot },
                OutAttachment::Date { date },
            ] {
                self.record(out, Body::Attachment { attachment }, time)?;
            }
        }
        Ok(())
    }
}

/// The checked-out branch, read from `.git/HEAD` (never by running git); `HEAD` when detached
/// or unknown, as Claude writes it.
fn git_branch(root: &Path) -> String {
    let dot_git = root.join(".git");
    let git_dir = match std::fs::read_to_string(&dot_git) {
        // A worktree or submodule: `.git` is a file naming the real git folder.
        Ok(text) => match text.trim().strip_prefix("gitdir:") {
            Some(dir) => root.join(dir.trim()),
            None => return "HEAD".into(),
        },
        Err(_) => dot_git,
    };
    std::fs::read_to_string(git_dir.join("HEAD"))
        .ok()
        .and_then(|head| {
            head.trim()
                .strip_prefix("ref: refs/heads/")
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "HEAD".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn branches_come_from_head_without_git() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(git_branch(dir.path()), "HEAD");
        std::fs::create_dir(dir.path().join(".git")).unwrap();
        std::fs::write(dir.path().join(".git/HEAD"), "ref: refs/heads/feature/x\n").unwrap();
        assert_eq!(git_branch(dir.path()), "feature/x");
        // A worktree's `.git` file names the real git folder.
        let worktree = dir.path().join("wt");
        std::fs::create_dir_all(dir.path().join("gitdirs/wt")).unwrap();
        std::fs::create_dir(&worktree).unwrap();
        std::fs::write(worktree.join(".git"), "gitdir: ../gitdirs/wt\n").unwrap();
        std::fs::write(dir.path().join("gitdirs/wt/HEAD"), "0123abcd\n").unwrap();
        assert_eq!(git_branch(&worktree), "HEAD");
        std::fs::write(dir.path().join("gitdirs/wt/HEAD"), "ref: refs/heads/wt\n").unwrap();
        assert_eq!(git_branch(&worktree), "wt");
    }
}
