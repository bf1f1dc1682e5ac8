//! Writing a converted session in gemini's `.jsonl` format, for `--session-file` to import.

use std::io::Write;
use std::path::Path;

use anyhow::Result;
use serde::Serialize;

use crate::base::ids::{is_native_id, new_uuid};
use crate::base::time::format_time;
use crate::contract::{NewSession, SessionEncoder};
use crate::transcript::write::{Stamps, json_line};
use crate::transcript::{Message, Role};

/// Gemini's rule for session ids, kept to names that are also safe as a file name part.
pub fn is_session_id(id: &str) -> bool {
    is_native_id(id) && !id.contains('.')
}

/// The writer of a converted session.
pub fn encoder(session: &NewSession) -> Box<dyn SessionEncoder> {
    Box::new(Encoder {
        session_id: session.id.clone(),
        project: project_label(&session.cwd),
        stamps: Stamps::new(session.created),
        last: None,
    })
}

/// A non-empty `projectHash`, which gemini requires of a session file and replaces with its own
/// on import: the directory's name in the shape of gemini's slugs.
fn project_label(cwd: &Path) -> String {
    let name = cwd
        .file_name()
        .map(|name| name.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let label: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    if label.is_empty() {
        "project".into()
    } else {
        label
    }
}

/// Writes gemini's `.jsonl` session: the metadata line, one record per message, and a closing
/// `$set` of `lastUpdated`, which is only known at the end.
struct Encoder {
    session_id: String,
    project: String,
    stamps: Stamps,
    /// The time of the last message written; `None` before the first.
    last: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OutMeta<'a> {
    session_id: &'a str,
    project_hash: &'a str,
    start_time: &'a str,
    last_updated: &'a str,
    kind: &'a str,
}

#[derive(Serialize)]
struct OutMessage<'a, C> {
    id: String,
    timestamp: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    content: C,
}

#[derive(Serialize)]
struct OutPart<'a> {
    text: &'a str,
}

#[derive(Serialize)]
struct OutUpdate<'a> {
    #[serde(rename = "$set")]
    set: OutLastUpdated<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OutLastUpdated<'a> {
    last_updated: &'a str,
}

impl SessionEncoder for Encoder {
    fn message(&mut self, message: &Message, out: &mut dyn Write) -> Result<()> {
        let time = format_time(self.stamps.next(message));
        if self.last.is_none() {
            let meta = OutMeta {
                session_id: &self.session_id,
                project_hash: &self.project,
                start_time: &time,
                last_updated: &time,
                kind: "main",
            };
            json_line(out, &meta)?;
        }
        // Gemini's own message ids are random UUIDs; the import keeps them.
        let id = new_uuid();
        match message.role {
            Role::User => {
                let content = [OutPart {
                    text: &message.text,
                }];
                let kind = "user";
                json_line(
                    out,
                    &OutMessage {
                        id,
                        timestamp: &time,
                        kind,
                        content,
                    },
                )?;
            }
            Role::Assistant => {
                let content = message.text.as_str();
                let kind = "gemini";
                json_line(
                    out,
                    &OutMessage {
                        id,
                        timestamp: &time,
                        kind,
                        content,
                    },
                )?;
            }
        }
        self.last = Some(time);
        Ok(())
    }

    fn finish(&mut self, out: &mut dyn Write) -> Result<()> {
        match &self.last {
            Some(last) => json_line(
                out,
                &OutUpdate {
                    set: OutLastUpdated { last_updated: last },
                },
            ),
            None => Ok(()),
        }
    }
}
