//! Writing sessions for another tool: one JSON value a line, with times that never go
//! backwards.

use std::io::Write;

use anyhow::{Context as _, Result};
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Message;

/// Writes one JSON value as a line.
pub fn json_line(out: &mut dyn Write, value: &impl Serialize) -> Result<()> {
    serde_json::to_writer(&mut *out, value).context("cannot encode a session line")?;
    out.write_all(b"\n").context("cannot write the session")?;
    Ok(())
}

/// Timestamps for written messages: a message's own, else the one before it, else the time of
/// the conversion; so they never go backwards past a message that had one.
pub struct Stamps {
    last: DateTime<Utc>,
}

impl Stamps {
    pub fn new(start: DateTime<Utc>) -> Stamps {
        Stamps { last: start }
    }

    pub fn next(&mut self, message: &Message) -> DateTime<Utc> {
        if let Some(time) = message.timestamp {
            self.last = time;
        }
        self.last
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::time::parse_time;
    use crate::transcript::Role;

    #[test]
    fn stamps_fill_gaps_with_the_previous_time() {
        let start = Utc::now();
        let earlier = parse_time(Some("2026-01-01T00:00:00Z")).unwrap();
        let mut stamps = Stamps::new(start);
        let message = |timestamp| Message {
            role: Role::User,
            text: "x".into(),
            timestamp,
        };
        assert_eq!(stamps.next(&message(None)), start);
        assert_eq!(stamps.next(&message(Some(earlier))), earlier);
        assert_eq!(stamps.next(&message(None)), earlier);
    }
}
