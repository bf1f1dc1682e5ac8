//! A session's visible conversation rendered for people and programs: text for a terminal, a
//! markdown document, the JSON transcript model, one JSON message per line, or an HTML page
//! (`html.rs`). What is not shown (tool calls and the like) is tallied at the end. `show`,
//! `export` and `browse` all render through here.

pub mod html;

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context as _, Result};
use chrono::{DateTime, Local, Utc};
use clap::ValueEnum;
use serde::Serialize;

use crate::base::failure::failure;
use crate::base::files;
use crate::base::layout::{self, Style};
use crate::base::lines::ReadOptions;
use crate::base::time::format_time;
use crate::base::visible::{self, Layout};
use crate::contract::Tool;
use crate::transcript::listing::SessionInfo;
use crate::transcript::{Message, Role, Tally, Transcript};

/// How a session is rendered. (`ValueEnum`: the commands offer these names as they are.)
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Markdown,
    Json,
    Jsonl,
    Html,
}

impl Format {
    /// The format a file's extension names.
    pub fn for_file(path: &Path) -> Option<Format> {
        match path.extension()?.to_str()? {
            "md" | "markdown" => Some(Format::Markdown),
            "json" => Some(Format::Json),
            "jsonl" => Some(Format::Jsonl),
            "html" | "htm" => Some(Format::Html),
            "txt" => Some(Format::Text),
            _ => None,
        }
    }

    /// The usual file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Text => "txt",
            Format::Markdown => "md",
            Format::Json => "json",
            Format::Jsonl => "jsonl",
            Format::Html => "html",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Markdown => "markdown",
            Format::Json => "json",
            Format::Jsonl => "jsonl",
            Format::Html => "html",
        }
    }
}

/// Text wraps here when it is not going to a terminal.
pub const DEFAULT_WIDTH: usize = 80;

/// A session's conversation as `show` prints it as text, with no colour, for a preview.
pub fn preview(tool: &'static dyn Tool, info: &SessionInfo, width: usize) -> Result<String> {
    let transcript = read(tool, info)?;
    let document = Document {
        tool,
        info,
        transcript: &transcript,
        raw: false,
    };
    Ok(document.text(Style { colour: false }, width))
}

/// Writes a session to a new file in `format`, as `export` does (never over a file); returns the
/// number of messages written.
pub fn export(
    tool: &'static dyn Tool,
    info: &SessionInfo,
    format: Format,
    path: &Path,
) -> Result<usize> {
    check_output(path, false)?;
    let transcript = read(tool, info)?;
    let document = Document {
        tool,
        info,
        transcript: &transcript,
        raw: false,
    };
    let rendered = document.render(format, Style { colour: false }, DEFAULT_WIDTH)?;
    write_file(path, rendered.as_bytes(), false)?;
    Ok(transcript.messages.len())
}

/// The whole visible conversation of a listed session.
pub fn read(tool: &'static dyn Tool, info: &SessionInfo) -> Result<Transcript> {
    let source = tool
        .transcript_source()
        .with_context(|| format!("{} sessions cannot be read", tool.name()))?;
    Transcript::collect(|sink| source.read_transcript(&info.path, &ReadOptions::default(), sink))
}

/// Writes the whole file through a temp file; without `force`, never over an existing one.
pub fn write_file(path: &Path, bytes: &[u8], force: bool) -> Result<()> {
    if force {
        // Checked again right before the file is replaced.
        check_output(path, force)?;
        return files::write_atomic(path, bytes);
    }
    match files::create_new_atomic(path, bytes)? {
        true => Ok(()),
        false => Err(file_in_the_way(path)),
    }
}

/// Output goes to a new file, or with `--force` over a regular file; never over a device, a FIFO,
/// a folder or a link.
pub fn check_output(path: &Path, force: bool) -> Result<()> {
    match path.symlink_metadata() {
        Err(_) => Ok(()),
        Ok(meta) if meta.is_file() && force => Ok(()),
        Ok(meta) if meta.is_file() => Err(file_in_the_way(path)),
        Ok(_) => Err(failure(
            format!(
                "{} is not a regular file; output is written to files only",
                path.display()
            ),
            "choose another file name, or -o - for standard output",
        )),
    }
}

fn file_in_the_way(path: &Path) -> anyhow::Error {
    failure(
        format!("{} already exists", path.display()),
        "add --force to replace it, or choose another file",
    )
}

/// "not shown: 2 tool calls, 1 image; 1 malformed line skipped", if anything was left out.
pub fn not_shown(tally: &Tally) -> Option<String> {
    let counted = tally.counted();
    let mut line = match counted.is_empty() {
        true => String::new(),
        false => format!("not shown: {}", counted.join(", ")),
    };
    if let Some(malformed) = tally.malformed_note() {
        line = match line.is_empty() {
            true => malformed,
            false => format!("{line}; {malformed}"),
        };
    }
    (!line.is_empty()).then_some(line)
}

/// A session's conversation, ready to render in any [`Format`].
pub struct Document<'a> {
    pub tool: &'static dyn Tool,
    pub info: &'a SessionInfo,
    pub transcript: &'a Transcript,
    /// Text and markdown keep control codes as they are (`--raw`).
    pub raw: bool,
}

/// `show --format json`: the transcript model. The field names are stable.
#[derive(Serialize)]
struct Model<'a> {
    tool: &'a str,
    id: &'a str,
    /// The folder the session started in, as the tool recorded it.
    project: Option<String>,
    started_at: Option<String>,
    updated_at: Option<String>,
    messages: &'a [Message],
    not_shown: &'a Tally,
}

impl Document<'_> {
    pub fn render(&self, format: Format, style: Style, width: usize) -> Result<String> {
        Ok(match format {
            Format::Text => self.text(style, width),
            Format::Markdown => self.markdown(),
            Format::Json => serde_json::to_string_pretty(&self.model())? + "\n",
            Format::Jsonl => self.jsonl()?,
            Format::Html => self.html(),
        })
    }

    /// `text` as a text or markdown document prints it: made visible, unless raw.
    fn shown<'t>(&self, text: &'t str, layout: Layout) -> std::borrow::Cow<'t, str> {
        match self.raw {
            true => text.into(),
            false => visible::visible(text, layout),
        }
    }

    fn project(&self) -> Option<String> {
        self.info.cwd.as_ref().map(|cwd| cwd.display().to_string())
    }

    /// When the session started: its first line's time, else its first message's.
    fn started(&self) -> Option<DateTime<Utc>> {
        let first = self.transcript.messages.first();
        self.info
            .started_at
            .or_else(|| first.and_then(|message| message.timestamp))
    }

    /// The conversation's last activity: its last message's time, else the file's.
    fn updated(&self) -> Option<DateTime<Utc>> {
        let mut newest_first = self.transcript.messages.iter().rev();
        newest_first
            .find_map(|message| message.timestamp)
            .or(self.info.updated_at)
    }

    fn model(&self) -> Model<'_> {
        Model {
            tool: self.tool.name(),
            id: &self.info.id,
            project: self.project(),
            started_at: self.started().map(format_time),
            updated_at: self.updated().map(format_time),
            messages: &self.transcript.messages,
            not_shown: &self.transcript.tally,
        }
    }

    fn jsonl(&self) -> Result<String> {
        let mut out = String::new();
        for message in &self.transcript.messages {
            out += &serde_json::to_string(message)?;
            out.push('\n');
        }
        Ok(out)
    }

    /// Role headers and wrapped text, in local time, for a terminal.
    fn text(&self, style: Style, width: usize) -> String {
        let local = |time: Option<DateTime<Utc>>, format: &str| match time {
            Some(time) => time.with_timezone(&Local).format(format).to_string(),
            None => "unknown".to_owned(),
        };
        let paint = |text: &str, code: &str| match self.raw {
            true => text.to_owned(),
            false => style.paint(text, code),
        };
        let mut out = String::new();
        let title = format!("{} session {}", self.tool.display_name(), self.info.id);
        let _ = writeln!(out, "{}", paint(&title, Style::BOLD));
        let meta = [
            (
                "project",
                self.project().unwrap_or_else(|| "unknown".into()),
            ),
            ("started", local(self.started(), "%Y-%m-%d %H:%M:%S %:z")),
            ("updated", local(self.updated(), "%Y-%m-%d %H:%M:%S %:z")),
            ("messages", self.transcript.messages.len().to_string()),
        ];
        for (label, value) in meta {
            let line = format!("  {:<10}{value}", format!("{label}:"));
            let _ = writeln!(out, "{}", paint(&line, Style::DIM));
        }
        for message in &self.transcript.messages {
            let (name, colour) = match message.role {
                Role::User => ("User", Style::CYAN),
                Role::Assistant => ("Assistant", Style::GREEN),
            };
            let mut header = format!("── {name}");
            if message.timestamp.is_some() {
                header += &format!(" · {}", local(message.timestamp, "%Y-%m-%d %H:%M:%S"));
            }
            header.push(' ');
            let rule = width.saturating_sub(layout::width(&header));
            header += &"─".repeat(rule);
            let _ = writeln!(out, "\n{}", paint(&header, colour));
            for line in layout::wrap(&message.text, width) {
                let _ = writeln!(out, "{}", self.shown(&line, Layout::KeepLines));
            }
        }
        if let Some(line) = not_shown(&self.transcript.tally) {
            out.push('\n');
            for line in layout::wrap(&line, width) {
                let _ = writeln!(out, "{}", paint(&line, Style::DIM));
            }
        }
        out
    }

    /// A document: the session's metadata, then one section per message. Times are UTC, so
    /// the document reads the same wherever it is opened.
    fn markdown(&self) -> String {
        let utc = |time: Option<DateTime<Utc>>| match time {
            Some(time) => time.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            None => "unknown".to_owned(),
        };
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# {} session `{}`\n",
            self.tool.display_name(),
            self.shown(&self.info.id, Layout::OneLine)
        );
        let project = match self.project() {
            Some(project) => format!("`{}`", self.shown(&project, Layout::OneLine)),
            None => "unknown".to_owned(),
        };
        let _ = writeln!(out, "- **Tool:** {}", self.tool.name());
        let _ = writeln!(
            out,
            "- **Session:** `{}`",
            self.shown(&self.info.id, Layout::OneLine)
        );
        let _ = writeln!(out, "- **Project:** {project}");
        let _ = writeln!(out, "- **Started:** {}", utc(self.started()));
        let _ = writeln!(out, "- **Updated:** {}", utc(self.updated()));
        let _ = writeln!(out, "- **Messages:** {}", self.transcript.messages.len());
        for message in &self.transcript.messages {
            let name = match message.role {
                Role::User => "User",
                Role::Assistant => "Assistant",
            };
            let _ = writeln!(out, "\n## {name}\n");
            if message.timestamp.is_some() {
                let _ = writeln!(out, "*{}*\n", utc(message.timestamp));
            }
            let _ = writeln!(
                out,
                "{}",
                self.shown(message.text.trim_end(), Layout::KeepLines)
            );
        }
        if let Some(line) = not_shown(&self.transcript.tally) {
            let _ = writeln!(
                out,
                "\n---\n\n*{}*",
                self.shown(&capitalised(&line), Layout::OneLine)
            );
        }
        out
    }
}

impl Document<'_> {
    /// One self-contained page, its times in UTC like the markdown document.
    fn html(&self) -> String {
        let utc = |time: Option<DateTime<Utc>>| {
            time.map(|time| time.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        };
        let unknown = || "unknown".to_owned();
        let page = html::Page {
            title: format!("{} session {}", self.tool.display_name(), self.info.id),
            facts: vec![
                ("Tool", self.tool.name().to_owned()),
                ("Session", self.info.id.clone()),
                ("Project", self.project().unwrap_or_else(unknown)),
                ("Started", utc(self.started()).unwrap_or_else(unknown)),
                ("Updated", utc(self.updated()).unwrap_or_else(unknown)),
                ("Messages", self.transcript.messages.len().to_string()),
            ],
            messages: self
                .transcript
                .messages
                .iter()
                .map(|message| {
                    let (class, name) = match message.role {
                        Role::User => ("user", "User"),
                        Role::Assistant => ("assistant", "Assistant"),
                    };
                    (class, name, utc(message.timestamp), message.text.as_str())
                })
                .collect(),
            footer: not_shown(&self.transcript.tally).map(|line| capitalised(&line)),
        };
        page.render()
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
