//! Reading a tool's JSONL transcript: a record a line, parsed only when it may hold a message,
//! and fields taken only in the shape expected.

use std::ops::ControlFlow;
use std::path::Path;

use anyhow::Result;
use serde::de::DeserializeOwned;

use super::{Message, Sink, Tally};
use crate::base::lines::{ReadOptions, for_each_line};

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
pub fn read_records<R: Record>(path: &Path, options: &ReadOptions, sink: Sink) -> Result<Tally> {
    let mut tally = Tally::default();
    let oversized = for_each_line(path, options, |_, line| {
        if !R::wanted(line) {
            return Ok(ControlFlow::Continue(()));
        }
        match parse_line::<R>(line, &mut tally).and_then(|record| record.visible(&mut tally)) {
            Some(message) => sink(message),
            None => Ok(ControlFlow::Continue(())),
        }
    })?;
    tally.malformed += oversized;
    Ok(tally)
}

/// Whether `text`, after leading whitespace, opens with one of `openings`: how the tools mark the
/// blocks they put in a user's turn themselves.
pub fn opens_with_any(text: &str, openings: &[&str]) -> bool {
    let text = text.trim_start();
    openings.iter().any(|opening| text.starts_with(opening))
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
