//! The tool-neutral shape of a conversation: the visible user and assistant messages in order,
//! and a tally of what a conversion cannot carry.
//!
//! Readers live in each tool's module. They stream: every message goes to a sink as soon as it is
//! read, so memory stays flat whatever the transcript size. [`Transcript::collect`] gathers a
//! whole conversation when a caller does want it in memory.

use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::tools::TranscriptSource;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    User,
    Assistant,
}

/// One visible message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub role: Role,
    pub text: String,
    pub timestamp: Option<DateTime<Utc>>,
}

impl Message {
    /// A message, or `None` when the text is blank: a blank message carries nothing.
    pub fn new(role: Role, text: String, timestamp: Option<DateTime<Utc>>) -> Option<Message> {
        (!text.trim().is_empty()).then_some(Message {
            role,
            text,
            timestamp,
        })
    }
}

/// Where a reader sends each message. An error (a failed write) stops the reading.
pub type Sink<'a> = &'a mut dyn FnMut(Message) -> Result<()>;

/// Kinds of items a conversion cannot carry: only visible text crosses between tools.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Dropped {
    ToolCalls,
    ToolResults,
    Thinking,
    Attachments,
    Images,
    /// Slash commands and their local output.
    Commands,
    /// Notices the tool itself wrote into the conversation: API errors, info lines.
    Notices,
    /// Messages of sub-agents, which are not part of the main conversation.
    Subagents,
}

impl Dropped {
    const ALL: [Dropped; 8] = [
        Dropped::ToolCalls,
        Dropped::ToolResults,
        Dropped::Thinking,
        Dropped::Attachments,
        Dropped::Images,
        Dropped::Commands,
        Dropped::Notices,
        Dropped::Subagents,
    ];

    /// The key of the kind in `show --format json`'s `not_shown`.
    fn key(self) -> &'static str {
        match self {
            Dropped::ToolCalls => "tool_calls",
            Dropped::ToolResults => "tool_results",
            Dropped::Thinking => "thinking",
            Dropped::Attachments => "attachments",
            Dropped::Images => "images",
            Dropped::Commands => "commands",
            Dropped::Notices => "notices",
            Dropped::Subagents => "subagents",
        }
    }

    /// Singular and plural names for warnings.
    fn names(self) -> (&'static str, &'static str) {
        match self {
            Dropped::ToolCalls => ("tool call", "tool calls"),
            Dropped::ToolResults => ("tool result", "tool results"),
            Dropped::Thinking => ("thinking block", "thinking blocks"),
            Dropped::Attachments => ("attachment", "attachments"),
            Dropped::Images => ("image", "images"),
            Dropped::Commands => ("slash command or its output", "slash commands and outputs"),
            Dropped::Notices => ("error or info notice", "error and info notices"),
            Dropped::Subagents => ("sub-agent message", "sub-agent messages"),
        }
    }
}

/// What a reader could not carry, by kind, and how many lines it could not parse.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    counts: [u64; Dropped::ALL.len()],
    pub malformed: u64,
}

impl Tally {
    pub fn add(&mut self, kind: Dropped, count: u64) {
        self.counts[kind as usize] += count;
    }

    pub fn count(&self, kind: Dropped) -> u64 {
        self.counts[kind as usize]
    }

    /// One line per kind that occurred, with its count; then the malformed lines.
    pub fn warnings(&self) -> Vec<String> {
        let mut lines: Vec<String> = self
            .counted()
            .into_iter()
            .map(|counted| format!("{counted} not carried"))
            .collect();
        lines.extend(self.malformed_note());
        lines
    }

    /// Each kind that occurred with its count, such as "3 tool calls".
    pub fn counted(&self) -> Vec<String> {
        Dropped::ALL
            .iter()
            .filter(|kind| self.count(**kind) > 0)
            .map(|kind| {
                let count = self.count(*kind);
                let (one, many) = kind.names();
                format!("{count} {}", if count == 1 { one } else { many })
            })
            .collect()
    }

    /// "2 malformed lines skipped", if there were any.
    pub fn malformed_note(&self) -> Option<String> {
        let lines_word = if self.malformed == 1 { "line" } else { "lines" };
        (self.malformed > 0).then(|| format!("{} malformed {lines_word} skipped", self.malformed))
    }
}

/// Every kind by its key, malformed lines included, so that the keys are always there.
impl Serialize for Tally {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(Dropped::ALL.len() + 1))?;
        for kind in Dropped::ALL {
            map.serialize_entry(kind.key(), &self.count(kind))?;
        }
        map.serialize_entry("malformed_lines", &self.malformed)?;
        map.end()
    }
}

/// `{"role", "text", "timestamp"}`; the timestamp in the tools' UTC form, or null.
impl Serialize for Message {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut message = serializer.serialize_struct("Message", 3)?;
        message.serialize_field("role", &self.role.to_string())?;
        message.serialize_field("text", &self.text)?;
        message.serialize_field("timestamp", &self.timestamp.map(format_time))?;
        message.end()
    }
}

/// A whole conversation in memory, for `show`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Transcript {
    pub messages: Vec<Message>,
    pub tally: Tally,
}

impl Transcript {
    /// Reads every message of a session file into memory.
    pub fn collect(source: &dyn TranscriptSource, path: &Path) -> Result<Transcript> {
        let mut messages = Vec::new();
        let tally = source.read_transcript(path, &mut |message| {
            messages.push(message);
            Ok(())
        })?;
        Ok(Transcript { messages, tally })
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::User => "user",
            Role::Assistant => "assistant",
        })
    }
}

/// A line buffer that grew for one huge line is not kept for the rest of the file.
const KEEP_BUFFER: usize = 1024 * 1024;

/// Reads a file's non-blank lines one at a time, with their byte offsets, holding only the
/// current line.
pub struct LineReader {
    path: PathBuf,
    reader: BufReader<File>,
    line: Vec<u8>,
    /// The offset of the next unread byte.
    offset: u64,
}

impl LineReader {
    pub fn open(path: &Path) -> Result<LineReader> {
        let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        Ok(LineReader {
            path: path.to_path_buf(),
            reader: BufReader::with_capacity(64 * 1024, file),
            line: Vec::new(),
            offset: 0,
        })
    }

    /// The next non-blank line, without its line ending, and the offset it starts at.
    pub fn next_line(&mut self) -> Result<Option<(u64, &[u8])>> {
        if self.line.capacity() > KEEP_BUFFER {
            self.line = Vec::new();
        }
        loop {
            self.line.clear();
            let read = self
                .reader
                .read_until(b'\n', &mut self.line)
                .with_context(|| format!("cannot read {}", self.path.display()))?;
            if read == 0 {
                return Ok(None);
            }
            let start = self.offset;
            self.offset += read as u64;
            if !self.line.iter().all(u8::is_ascii_whitespace) {
                return Ok(Some((start, trim_line_end(&self.line))));
            }
        }
    }

    /// Continues reading at `offset`, which must be the start of a line.
    pub fn seek(&mut self, offset: u64) -> Result<()> {
        if offset != self.offset {
            self.reader
                .seek(SeekFrom::Start(offset))
                .with_context(|| format!("cannot read {}", self.path.display()))?;
            self.offset = offset;
        }
        Ok(())
    }
}

/// Calls `each` with the offset and the bytes of every non-blank line of `path`.
pub fn for_each_line(path: &Path, mut each: impl FnMut(u64, &[u8]) -> Result<()>) -> Result<()> {
    let mut lines = LineReader::open(path)?;
    while let Some((offset, line)) = lines.next_line()? {
        each(offset, line)?;
    }
    Ok(())
}

/// A line without its `\n` or `\r\n`.
pub fn trim_line_end(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// One line of a JSONL transcript whose lines each hold at most one message.
pub trait Record: DeserializeOwned {
    /// Whether a line is worth parsing at all; records of other kinds are skipped unparsed.
    fn wanted(_line: &[u8]) -> bool {
        true
    }

    /// The visible message the record holds, if any; whatever else it holds is counted.
    fn visible(self, tally: &mut Tally) -> Option<Message>;
}

/// Streams a transcript made of [`Record`] lines to `sink`.
pub fn read_records<R: Record>(path: &Path, sink: Sink) -> Result<Tally> {
    let mut tally = Tally::default();
    for_each_line(path, |_, line| {
        if !R::wanted(line) {
            return Ok(());
        }
        match parse_line::<R>(line, &mut tally).and_then(|record| record.visible(&mut tally)) {
            Some(message) => sink(message),
            None => Ok(()),
        }
    })?;
    Ok(tally)
}

/// A field that readers take only in the expected shape: anything else is ignored rather than
/// spoiling the whole record.
#[derive(Debug, serde::Deserialize)]
#[serde(untagged)]
pub enum Loose<T> {
    Valid(T),
    Other(serde::de::IgnoredAny),
}

impl<T> Loose<T> {
    pub fn valid(self) -> Option<T> {
        match self {
            Loose::Valid(value) => Some(value),
            Loose::Other(_) => None,
        }
    }
}

/// A JSON line as `T`; a line that does not parse is counted as malformed and skipped.
pub fn parse_line<T: DeserializeOwned>(line: &[u8], tally: &mut Tally) -> Option<T> {
    match serde_json::from_slice(line) {
        Ok(value) => Some(value),
        Err(_) => {
            tally.malformed += 1;
            None
        }
    }
}

/// An RFC 3339 timestamp, as every tool writes them.
pub fn parse_time(text: Option<&str>) -> Option<DateTime<Utc>> {
    let time = DateTime::parse_from_rfc3339(text?.trim()).ok()?;
    Some(time.to_utc())
}

/// The timestamp form the tools write: UTC with milliseconds, `2026-11-21T11:13:38.603Z`.
pub fn format_time(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Non-blank texts joined by a blank line, as separate text blocks of one message read.
pub fn join_texts<'a>(texts: impl IntoIterator<Item = &'a str>) -> String {
    let mut joined = String::new();
    for text in texts.into_iter().filter(|text| !text.trim().is_empty()) {
        if !joined.is_empty() {
            joined.push_str("\n\n");
        }
        joined.push_str(text);
    }
    joined
}

/// Helpers for the readers' tests.
#[cfg(test)]
pub mod testing {
    use super::*;

    pub fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name)
    }

    /// A transcript as (role, text, time) triples, for exact comparisons.
    pub fn read(
        source: &dyn TranscriptSource,
        path: &Path,
    ) -> (Vec<(String, String, String)>, Tally) {
        let transcript = Transcript::collect(source, path).unwrap();
        let messages = transcript
            .messages
            .into_iter()
            .map(|message| {
                let time = message.timestamp.map(format_time).unwrap_or_default();
                (message.role.to_string(), message.text, time)
            })
            .collect();
        (messages, transcript.tally)
    }

    pub fn triples(expected: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
        expected
            .iter()
            .map(|(role, text, time)| (role.to_string(), text.to_string(), time.to_string()))
            .collect()
    }

    /// A tally with these counts.
    pub fn tally(counts: &[(Dropped, u64)], malformed: u64) -> Tally {
        let mut tally = Tally {
            malformed,
            ..Tally::default()
        };
        for (kind, count) in counts {
            tally.add(*kind, *count);
        }
        tally
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warnings_name_each_kind_once_with_its_count() {
        let mut tally = Tally::default();
        tally.add(Dropped::ToolCalls, 2);
        tally.add(Dropped::ToolCalls, 1);
        tally.add(Dropped::Images, 1);
        tally.malformed = 1;
        assert_eq!(
            tally.warnings(),
            [
                "3 tool calls not carried",
                "1 image not carried",
                "1 malformed line skipped"
            ]
        );
        assert!(Tally::default().warnings().is_empty());
    }

    #[test]
    fn lines_are_read_one_at_a_time_with_offsets() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.jsonl");
        std::fs::write(&path, "a\r\n\n  \nbb\nlast").unwrap();
        let mut seen = Vec::new();
        for_each_line(&path, |offset, line| {
            seen.push((offset, String::from_utf8(line.to_vec()).unwrap()));
            Ok(())
        })
        .unwrap();
        assert_eq!(
            seen,
            [(0, "a".into()), (7, "bb".into()), (10, "last".into())]
        );
    }

    #[test]
    fn blank_messages_are_not_messages() {
        assert!(Message::new(Role::User, " \n".into(), None).is_none());
        assert_eq!(join_texts(["a", " ", "b"]), "a\n\nb");
    }

    #[test]
    fn times_round_trip_in_the_tools_form() {
        let time = parse_time(Some("2026-11-21T11:13:38.603Z")).unwrap();
        assert_eq!(format_time(time), "2026-11-21T11:13:38.603Z");
        assert_eq!(
            format_time(parse_time(Some("2026-11-21T12:13:38+01:00")).unwrap()),
            "2026-11-21T11:13:38.000Z"
        );
        assert!(parse_time(Some("yesterday")).is_none());
    }
}
