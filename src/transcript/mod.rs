//! The tool-neutral shape of a conversation: the visible user and assistant messages in order,
//! and a tally of what a conversion cannot carry.
//!
//! Readers live in each tool's module. They stream: every message goes to a sink as soon as it is
//! read, so memory stays flat whatever the transcript size. [`Transcript::collect`] gathers a
//! whole conversation when a caller does want it in memory.

pub mod listing;
pub mod read;
pub mod tally;
pub mod write;

use std::fmt;
use std::ops::ControlFlow;

use anyhow::Result;
use chrono::{DateTime, Utc};
use serde::Serialize;

pub use tally::{Dropped, Tally};

use crate::base::time::format_time;

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

/// Where a reader sends each message. `Break` stops the reading there, as a success; an error
/// (a failed write) stops it as a failure.
pub type Sink<'a> = &'a mut dyn FnMut(Message) -> Result<ControlFlow<()>>;

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
    /// Every message a streaming reader yields, in memory.
    pub fn collect(read: impl FnOnce(Sink) -> Result<Tally>) -> Result<Transcript> {
        let mut messages = Vec::new();
        let tally = read(&mut |message| {
            messages.push(message);
            Ok(ControlFlow::Continue(()))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_messages_are_not_messages() {
        assert!(Message::new(Role::User, " \n".into(), None).is_none());
        assert_eq!(join_texts(["a", " ", "b"]), "a\n\nb");
    }
}
