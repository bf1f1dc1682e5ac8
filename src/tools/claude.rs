//! Claude Code (`claude`): the wrapper picks the session UUID.
//!
//! Transcripts live at `<root>/projects/<name>/<id>.jsonl`, where `<root>` is `$CLAUDE_CONFIG_DIR`
//! or `~/.claude` and `<name>` is derived from the working directory. The file only appears once
//! the first message is recorded, so `--resume` is used only while it exists.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Result;
use chrono::{DateTime, Local, Utc};
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use super::{
    ArgRules, Context, ConversionTarget, Existing, NewSession, Plan, SessionEncoder, SessionLister,
    SessionMode, SessionRef, Tool, ToolInfo, TranscriptSource, is_uuid, pick_session, plan_managed,
};
use crate::convert::{Stamps, json_line};
use crate::env;
use crate::json_prefix::{self, Found};
use crate::listing::{Head, Projects, SessionInfo, store_entries};
use crate::transcript::{
    self, Dropped, Message, Role, Sink, Tally, format_time, join_texts, parse_line, parse_time,
    read_records,
};

pub struct Claude;

static INFO: ToolInfo = ToolInfo {
    name: "claude",
    display_name: "Claude Code",
    session_mode: SessionMode::ManagedId,
    args: ArgRules {
        value_flags: &[
            "--add-dir",
            "--advisor",
            "--agent",
            "--agents",
            "--allowedTools",
            "--allowed-tools",
            "--append-system-prompt",
            "--append-system-prompt-file",
            "--betas",
            "--disallowedTools",
            "--disallowed-tools",
            "--effort",
            "--fallback-model",
            "--file",
            "--input-format",
            "--json-schema",
            "--max-budget-usd",
            "--max-turns",
            "--mcp-config",
            "--model",
            "--output-format",
            "--permission-mode",
            "--permission-prompt-tool",
            "--plugin-dir",
            "--setting-sources",
            "--settings",
            "--system-prompt",
            "--system-prompt-file",
            "--tools",
        ],
        subcommands: &[
            "agents",
            "attach",
            "auth",
            "auto-mode",
            "doctor",
            "gateway",
            "import",
            "install",
            "logs",
            "mcp",
            "plugin",
            "plugins",
            "purge",
            "respawn",
            "rm",
            "setup-token",
            "stop",
            "kill",
            "ultrareview",
            "update",
            "upgrade",
            "remote-control",
            "rc",
            "remote",
            "sync",
            "bridge",
            "self-hosted-runner",
            "daemon",
            "sandbox",
            "project",
            "import-conversations",
        ],
        pass_flags: &[
            // explicit sessions
            "-c",
            "--continue",
            "-r",
            "--resume",
            "--session-id",
            "--fork-session",
            "--from-pr",
            "--teleport",
            // non-interactive
            "-p",
            "--print",
            // Claude's own relaunches of itself
            "--daemon-worker",
            "--bg-pty-host",
            "--bg-spare",
            "--preload",
            "--chrome-native-host",
            "--claude-in-chrome-mcp",
        ],
        positional_prompt_is_one_shot: false,
        interactive_flags: &[],
    },
};

impl Tool for Claude {
    fn info(&self) -> &'static ToolInfo {
        &INFO
    }

    fn plan(&self, context: &Context, stored: Option<&str>, fresh: bool) -> Result<Plan> {
        plan_managed(stored, fresh, "--session-id", |id| {
            Ok(match transcript(&context.session_cwd, id)? {
                Some(_) => Existing::Resume(vec!["--resume".into(), id.into()]),
                // Never `-c` and never a new id: the same id starts the conversation afresh.
                None => Existing::NotStarted,
            })
        })
    }

    fn has_session(&self, context: &Context, id: &str) -> Result<bool> {
        Ok(transcript(&context.session_cwd, id)?.is_some())
    }

    fn transcript_source(&self) -> Option<&dyn TranscriptSource> {
        Some(self)
    }

    fn conversion_target(&self) -> Option<&dyn ConversionTarget> {
        Some(self)
    }

    fn session_lister(&self) -> Option<&dyn SessionLister> {
        Some(self)
    }
}

/// `$CLAUDE_CONFIG_DIR`, else `~/.claude`.
pub fn root() -> Result<PathBuf> {
    super::root_from(env::CLAUDE_CONFIG_DIR, ".claude")
}

/// The folder Claude keeps this directory's transcripts in. `cwd` is already a real path, as
/// Claude names it: the current directory from getcwd, or a recorded one that
/// `Scope::contains` resolved.
pub fn project_dir(cwd: &Path) -> Result<PathBuf> {
    let name = match (
        env::path(env::CLAUDE_CONFIG_DIR),
        env::os(env::CLAUDE_CODE_PROJECT_DIR_NAME),
    ) {
        // The override counts only together with CLAUDE_CONFIG_DIR (2.1.234+).
        (Some(_), Some(name)) if Path::new(&name).components().count() == 1 => {
            name.to_string_lossy().into_owned()
        }
        _ => project_dir_name(cwd),
    };
    Ok(root()?.join("projects").join(name))
}

/// The transcript of session `id` for a launch in `cwd`. Claude 2.1.240+ also resumes a session
/// filed under another directory's folder when exactly one folder holds it.
pub fn transcript(cwd: &Path, id: &str) -> Result<Option<PathBuf>> {
    let file_name = format!("{id}.jsonl");
    let primary = project_dir(cwd)?.join(&file_name);
    if primary.is_file() {
        return Ok(Some(primary));
    }
    let Ok(folders) = std::fs::read_dir(root()?.join("projects")) else {
        return Ok(None);
    };
    let mut found = folders
        .flatten()
        .map(|folder| folder.path().join(&file_name))
        .filter(|path| path.is_file());
    match (found.next(), found.next()) {
        (Some(only), None) => Ok(Some(only)),
        _ => Ok(None),
    }
}

/// Every transcript in every project folder, as (id, file).
fn all_transcripts() -> Result<impl Iterator<Item = (String, PathBuf)>> {
    let folders = std::fs::read_dir(root()?.join("projects"))
        .into_iter()
        .flatten();
    Ok(folders.flatten().flat_map(|folder| {
        let files = std::fs::read_dir(folder.path()).into_iter().flatten();
        files.flatten().filter_map(|file| {
            let name = file.file_name().into_string().ok()?;
            let id = name.strip_suffix(".jsonl")?.to_owned();
            Some((id, file.path()))
        })
    }))
}

impl TranscriptSource for Claude {
    fn find_session(&self, cwd: &Path, reference: &str) -> Result<PathBuf> {
        match SessionRef::parse(self, reference)? {
            SessionRef::Path(path) => super::session_file(self, path),
            SessionRef::Id(id) => {
                if is_uuid(id)
                    && let Some(path) = transcript(cwd, id)?
                {
                    return Ok(path);
                }
                pick_session(self, id, all_transcripts()?)
            }
        }
    }

    fn read_transcript(&self, path: &Path, sink: Sink) -> Result<Tally> {
        read_records::<Record>(path, sink)
    }
}

/// How a project folder relates to the project being listed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Belongs {
    /// The project's own folder: its sessions belong unless their `cwd` says otherwise (`a.b`
    /// and `a-b` share a folder name).
    Own,
    /// A folder whose name starts like the project's (a subfolder, or a sibling such as
    /// `shop-old`): only the `cwd` of its sessions tells.
    ByCwd,
    Any,
}

impl SessionLister for Claude {
    /// Claude files sessions by the folder they started in (FORMATS.md), so this project's are
    /// in its own folder and in its subfolders' folders, whose names start with its name.
    fn list(&self, projects: &Projects) -> Result<Vec<SessionInfo>> {
        let own = match projects.root() {
            Some(root) => Some(project_dir(root)?),
            None => None,
        };
        let own_name = own
            .as_ref()
            .and_then(|dir| dir.file_name())
            .and_then(|name| name.to_str());
        // Names past 200 characters end in a hash of the whole path: compare the cut part.
        let prefix = own_name.map(|name| name.get(..200).unwrap_or(name));
        let mut sessions = Vec::new();
        for folder in store_entries(&root()?.join("projects"))? {
            let name = folder.file_name();
            let Some(name) = name.to_str() else { continue };
            let belongs = match (own_name, prefix) {
                (Some(own), _) if name == own => Belongs::Own,
                (_, Some(prefix)) if name.starts_with(prefix) => Belongs::ByCwd,
                (Some(_), _) => continue,
                (None, _) => Belongs::Any,
            };
            let Ok(files) = std::fs::read_dir(folder.path()) else {
                continue;
            };
            for file in files.flatten() {
                let file_name = file.file_name();
                let Some(id) = file_name.to_str().and_then(|n| n.strip_suffix(".jsonl")) else {
                    continue;
                };
                // Sub-agent transcripts (`agent-….jsonl`) are not sessions claude resumes.
                if !is_uuid(id) {
                    continue;
                }
                let info = describe_transcript(id, file.path());
                let keep = match belongs {
                    Belongs::Own => info.cwd.is_none() || projects.includes(info.cwd.as_deref()),
                    Belongs::ByCwd => projects.includes(info.cwd.as_deref()),
                    Belongs::Any => true,
                };
                if keep {
                    sessions.push(info);
                }
            }
        }
        Ok(sessions)
    }

    fn describe(&self, path: &Path) -> Result<SessionInfo> {
        let id = path
            .file_stem()
            .map(|stem| stem.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(describe_transcript(&id, path.to_path_buf()))
    }
}

/// The session's folder, start and first prompt, from the first records of its transcript.
fn describe_transcript(id: &str, path: PathBuf) -> SessionInfo {
    const FIELDS: &[&[&str]; 3] = &[&["type"], &["timestamp"], &["cwd"]];
    let head = Head::read(&path, |head, line| {
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
            head.offer(record.and_then(|record| transcript::Record::visible(record, &mut tally)));
        }
        head.until_known()
    });
    SessionInfo::new(id.to_owned(), path, head)
}

/// The fields of a transcript record that matter for conversion.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Record {
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
    let text = text.trim_start();
    COMMAND_TAGS.iter().any(|tag| text.starts_with(tag))
}

impl transcript::Record for Record {
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

impl ConversionTarget for Claude {
    fn session_id(&self, requested: Option<&str>) -> Result<String> {
        match requested {
            None => Ok(super::new_uuid()),
            Some(id) if is_uuid(id) => Ok(id.to_ascii_lowercase()),
            Some(id) => Err(crate::cli::failure(
                format!("{id:?} is not a UUID, which claude needs as a session id"),
                "leave out --target-session for a new one",
            )),
        }
    }

    fn session_path(&self, session: &NewSession) -> Result<PathBuf> {
        // Claude also resumes a session filed under another folder, so an id anywhere is taken.
        if let Some(existing) = transcript(&session.cwd, &session.id)? {
            return Err(crate::convert::exists(self, &session.id, &existing));
        }
        Ok(project_dir(&session.cwd)?.join(format!("{}.jsonl", session.id)))
    }

    fn encoder(&self, session: &NewSession) -> Result<Box<dyn SessionEncoder>> {
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
            os_version: crate::platform::os_version(),
        };
        Ok(Box::new(Encoder {
            session_id: session.id.clone(),
            cwd,
            git_branch: git_branch(&session.scope.root),
            parent: None,
            stamps: Stamps::new(session.created),
            environment: Some(environment),
        }))
    }

    fn resume_hint(&self, session: &NewSession, _path: &Path) -> String {
        format!("claude --resume {}", session.id)
    }
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
        let uuid = super::new_uuid();
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

/// Claude's folder name for a directory: the NFC form of its real path with every UTF-16 code
/// unit that is not an ASCII letter or digit turned into `-`; past 200 characters it is cut and
/// gets `-` plus the base-36 of the absolute Java `hashCode` of the path.
pub fn project_dir_name(real_path: &Path) -> String {
    let text = real_path.to_string_lossy();
    let text: String = if text.is_ascii() {
        text.into_owned()
    } else {
        text.nfc().collect()
    };
    let units: Vec<u16> = text.encode_utf16().collect();
    let mut name: String = units
        .iter()
        .map(|&unit| match u8::try_from(unit) {
            Ok(byte) if byte.is_ascii_alphanumeric() => byte as char,
            _ => '-',
        })
        .collect();
    if name.len() > 200 {
        let hash = units.iter().fold(0i32, |hash, &unit| {
            hash.wrapping_mul(31).wrapping_add(unit as i32)
        });
        name.truncate(200);
        name.push('-');
        name.push_str(&base36(u64::from(hash.unsigned_abs())));
    }
    name
}

fn base36(mut value: u64) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut digits = Vec::new();
    loop {
        digits.push(char::from(DIGITS[(value % 36) as usize]));
        value /= 36;
        if value == 0 {
            break;
        }
    }
    digits.iter().rev().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transcript::Dropped::*;
    use crate::transcript::testing::{fixture, read, tally, triples};

    #[test]
    fn reads_visible_text_and_counts_the_rest() {
        let (messages, counted) = read(&Claude, &fixture("convert/claude-session.jsonl"));
        assert_eq!(
            messages,
            triples(&[
                (
                    "user",
                    "Why does the parser drop the last token?",
                    "2026-11-21T09:00:00.100Z"
                ),
                (
                    "assistant",
                    "The loop stops one short:\n`i < len - 1` skips the final token.",
                    "2026-11-21T09:00:03.000Z"
                ),
                (
                    "assistant",
                    "Fixed: the bound is now inclusive ✓",
                    "2026-11-21T09:00:05.000Z"
                ),
                (
                    "user",
                    "Here is the failure, naïve me",
                    "2026-11-21T09:02:00.000Z"
                ),
                (
                    "user",
                    "Thanks! Now add a test.",
                    "2026-11-21T09:03:00.000Z"
                ),
                (
                    "assistant",
                    "Added a test: `parses_trailing_token`.",
                    "2026-11-21T09:03:10.000Z"
                ),
            ])
        );
        let expected = [
            (ToolCalls, 1),
            (ToolResults, 1),
            (Thinking, 1),
            (Attachments, 1),
            (Images, 1),
            (Commands, 2),
            (Notices, 1),
            (Subagents, 1),
        ];
        assert_eq!(counted, tally(&expected, 1));
    }

    #[test]
    fn reads_the_real_transcript() {
        let (messages, counted) = read(&Claude, &fixture("real/claude-2.1.330-session.jsonl"));
        assert_eq!(
            messages,
            triples(&[
                ("user", "first", "2026-11-21T11:13:38.603Z"),
                ("user", "second", "2026-11-21T11:13:58.112Z"),
                ("user", "third", "2026-11-21T11:14:16.724Z"),
            ])
        );
        // That run had no API: each reply is Claude's own "API Error" notice, not the model's.
        assert_eq!(counted, tally(&[(Notices, 3)], 0));
    }

    /// The keys of each record of `lines` that is an attachment of `kind`, and of its attachment.
    fn attachment_keys(lines: &[serde_json::Value], kind: &str) -> (Vec<String>, Vec<String>) {
        let record = lines
            .iter()
            .find(|line| line["type"] == "attachment" && line["attachment"]["type"] == kind)
            .unwrap_or_else(|| panic!("no {kind} attachment"));
        let keys = |value: &serde_json::Value| {
            let mut keys: Vec<String> = value.as_object().unwrap().keys().cloned().collect();
            // Claude's own rendering of the text, which converted records leave to Claude.
            keys.retain(|key| key != "rendered" && key != "renderedRole");
            keys.sort();
            keys
        };
        let inner = match kind {
            "environment" => keys(&record["attachment"]["snapshot"]),
            _ => keys(&record["attachment"]),
        };
        (keys(record), inner)
    }

    #[test]
    fn the_start_of_session_attachments_have_the_shape_claude_writes() {
        let real: Vec<serde_json::Value> =
            std::fs::read_to_string(fixture("real/claude-2.1.330-session.jsonl"))
                .unwrap()
                .lines()
                .map(|line| serde_json::from_str(line).unwrap())
                .collect();
        let dir = tempfile::tempdir().unwrap();
        let session = NewSession {
            id: "44444444-2222-4333-8444-555555555555".into(),
            cwd: dir.path().to_path_buf(),
            scope: crate::state::Scope::containing(dir.path().to_path_buf()),
            created: chrono::Utc::now(),
        };
        let mut encoder = Claude.encoder(&session).unwrap();
        let mut out = Vec::new();
        for (role, text) in [(Role::User, "first"), (Role::Assistant, "reply")] {
            let message = Message::new(role, text.into(), None).unwrap();
            encoder.message(&message, &mut out).unwrap();
        }
        let written: Vec<serde_json::Value> = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        let kinds: Vec<&str> = written
            .iter()
            .map(|line| line["type"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["user", "attachment", "attachment", "assistant"]);
        for kind in ["environment", "date"] {
            let (real_record, real_inner) = attachment_keys(&real, kind);
            let (record, inner) = attachment_keys(&written, kind);
            assert_eq!(inner, real_inner, "{kind}");
            assert_eq!(record, real_record, "{kind}");
        }
        assert_eq!(
            written[1]["attachment"]["snapshot"]["workingDirectory"],
            dir.path().to_str().unwrap()
        );
    }

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

    #[test]
    fn folder_names_follow_claude() {
        assert_eq!(
            project_dir_name(Path::new("/tmp/work/My.Proj_dir-1")),
            "-tmp-work-My-Proj-dir-1"
        );
        assert_eq!(project_dir_name(Path::new("/a b/ü😀")), "-a-b----");
    }

    /// Expected values computed by an independent implementation of the FORMATS.md rule.
    #[test]
    fn folder_names_match_the_documented_rule() {
        let cases = [
            ("/home/dev/with space/naïve", "-home-dev-with-space-na-ve"),
            // A decomposed é is NFC-normalised to one code unit first.
            ("/home/dev/cafe\u{301}", "-home-dev-caf-"),
            ("/home/dev/emoji😀x", "-home-dev-emoji--x"),
        ];
        for (path, expected) in cases {
            assert_eq!(project_dir_name(Path::new(path)), expected, "{path}");
        }
        let long: Vec<String> = (0..12)
            .map(|i| format!("segment{i:02}_long.name"))
            .collect();
        let long = format!("/srv/{}", long.join("/"));
        assert_eq!(
            project_dir_name(Path::new(&long)),
            "-srv-segment00-long-name-segment01-long-name-segment02-long-name-segment03-long-name-\
             segment04-long-name-segment05-long-name-segment06-long-name-segment07-long-name-\
             segment08-long-name-segment09-long--hnwnak"
        );
    }

    #[test]
    fn long_names_get_the_hash_suffix() {
        let path = format!("/{}", "x".repeat(250));
        let name = project_dir_name(Path::new(&path));
        assert_eq!(&name[..200], &format!("-{}", "x".repeat(199)));
        assert_eq!(
            name.len(),
            200 + 1 + base36(java_hash_reference(&path)).len()
        );
    }

    fn java_hash_reference(text: &str) -> u64 {
        let mut hash: i64 = 0;
        for unit in text.encode_utf16() {
            hash = (hash * 31 + i64::from(unit)) & 0xffff_ffff;
        }
        let signed = hash as u32 as i32;
        u64::from(signed.unsigned_abs())
    }

    #[test]
    fn base36_matches_javascript() {
        assert_eq!(base36(0), "0");
        assert_eq!(base36(35), "z");
        assert_eq!(base36(2147483648), "zik0zk");
    }
}
