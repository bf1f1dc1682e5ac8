//! Full-text search over the visible conversation of sessions (what `show` prints), streaming
//! every file at search time: there is no index to build or go stale.
//!
//! Each file is read in two passes. The first reads it behind a line gate: lines whose raw bytes
//! cannot hold the pattern are skipped before anything parses them, and the read stops at the
//! first message that matches. Most files end there. A file that matched is read again in full,
//! so that message numbers, replaced messages (gemini) and snippets are exactly `show`'s. Files
//! are searched in parallel; memory is bounded by the longest line.

pub mod pattern;

use anyhow::{Result, anyhow};
use chrono::{DateTime, Utc};
use rayon::prelude::*;

pub use pattern::Query;

use crate::base::lines;
use crate::tool::Tool;
use crate::transcript::summary::{Projects, SessionInfo};
use crate::transcript::{Message, Role};

/// One session to search.
pub struct Candidate {
    pub tool: &'static dyn Tool,
    pub info: SessionInfo,
}

/// A message that matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageMatch {
    /// Its place among the session's visible messages, from 0.
    pub index: usize,
    pub role: Role,
    pub timestamp: Option<DateTime<Utc>>,
    pub text: String,
    /// Byte ranges of every match in `text`.
    pub ranges: Vec<(usize, usize)>,
}

/// A session with matches.
pub struct Hit {
    pub tool: &'static dyn Tool,
    pub info: SessionInfo,
    pub matches: Vec<MessageMatch>,
}

/// Why a session could not be searched.
pub struct Failed {
    pub tool: &'static dyn Tool,
    pub info: SessionInfo,
    pub error: anyhow::Error,
}

/// Each tool's sessions of `projects`, newest first (at most `limit` of each tool), as
/// `sessions` lists them; and the tools whose store could not be listed.
pub fn sessions_of(
    tools: &[&'static dyn Tool],
    projects: &Projects,
    limit: Option<usize>,
) -> (Vec<Candidate>, Vec<(&'static dyn Tool, anyhow::Error)>) {
    let mut listed = Vec::new();
    let mut failed = Vec::new();
    for &tool in tools {
        let Some(lister) = tool.session_lister() else {
            continue;
        };
        let mut sessions = match lister.list(projects) {
            Ok(sessions) => sessions,
            Err(error) => {
                failed.push((tool, error));
                continue;
            }
        };
        sessions.sort_by(|a, b| {
            b.updated_at
                .cmp(&a.updated_at)
                .then_with(|| a.id.cmp(&b.id))
        });
        if let Some(limit) = limit {
            sessions.truncate(limit);
        }
        listed.extend(sessions.into_iter().map(|info| Candidate { tool, info }));
    }
    (listed, failed)
}

/// Searches `candidates` in parallel; hits and failures come back in the candidates' order.
pub fn search(query: &Query, candidates: Vec<Candidate>) -> (Vec<Hit>, Vec<Failed>) {
    enum Outcome {
        Hit(Hit),
        Nothing,
        Failed(Failed),
    }
    let outcomes: Vec<Outcome> = candidates
        .into_par_iter()
        .map(|candidate| match search_one(query, &candidate) {
            Ok(Some(matches)) => Outcome::Hit(Hit {
                tool: candidate.tool,
                info: candidate.info,
                matches,
            }),
            Ok(None) => Outcome::Nothing,
            Err(error) => Outcome::Failed(Failed {
                tool: candidate.tool,
                info: candidate.info,
                error,
            }),
        })
        .collect();
    let mut hits = Vec::new();
    let mut failed = Vec::new();
    for outcome in outcomes {
        match outcome {
            Outcome::Hit(hit) => hits.push(hit),
            Outcome::Nothing => {}
            Outcome::Failed(failure) => failed.push(failure),
        }
    }
    (hits, failed)
}

/// The matching messages of one session, or `None` when nothing matches.
pub fn search_one(query: &Query, candidate: &Candidate) -> Result<Option<Vec<MessageMatch>>> {
    let source = candidate
        .tool
        .transcript_source()
        .ok_or_else(|| anyhow!("{} sessions cannot be read", candidate.tool.name()))?;
    let path = &candidate.info.path;
    if let Some(gate) = query.gate() {
        let mut seen = false;
        let read = lines::gated(gate, || {
            source.read_transcript(path, &mut |message: Message| {
                if query.is_match(&message.text) {
                    seen = true;
                    // Enough: stop reading this file.
                    return Err(anyhow!(FOUND));
                }
                Ok(())
            })
        });
        if !seen {
            read?;
            return Ok(None);
        }
    }
    let mut matches = Vec::new();
    let mut index = 0;
    source.read_transcript(path, &mut |message: Message| {
        let ranges = query.find(&message.text);
        if !ranges.is_empty() {
            matches.push(MessageMatch {
                index,
                role: message.role,
                timestamp: message.timestamp,
                text: message.text,
                ranges,
            });
        }
        index += 1;
        Ok(())
    })?;
    Ok((!matches.is_empty()).then_some(matches))
}

const FOUND: &str = "found";

/// The line of `text` around its first match, cut to about `width` characters with `…` where
/// it was cut, and the match ranges within that snippet.
pub fn snippet(
    text: &str,
    ranges: &[(usize, usize)],
    width: usize,
) -> (String, Vec<(usize, usize)>) {
    let Some(&(first_start, _)) = ranges.first() else {
        return (String::new(), Vec::new());
    };
    let line_start = text[..first_start].rfind('\n').map_or(0, |at| at + 1);
    let line_end = text[first_start..]
        .find('\n')
        .map_or(text.len(), |at| first_start + at);
    // A line that fits is shown whole; else some context before the match, then as much after
    // as fits.
    let context = width / 3;
    let mut start = line_start;
    let before = text[line_start..first_start].chars().count();
    let fits = text[line_start..line_end].chars().count() <= width;
    if !fits && before > context {
        let skip = before - context;
        start = text[line_start..]
            .char_indices()
            .nth(skip)
            .map_or(first_start, |(at, _)| line_start + at);
    }
    let mut end = line_end;
    if text[start..line_end].chars().count() > width {
        end = text[start..]
            .char_indices()
            .nth(width)
            .map_or(line_end, |(at, _)| start + at);
    }
    let prefix = if start > line_start { "…" } else { "" };
    let suffix = if end < line_end { "…" } else { "" };
    let shown = format!("{prefix}{}{suffix}", &text[start..end]);
    let shift = prefix.len();
    let within = ranges
        .iter()
        .filter(|(s, e)| *s >= start && *e <= end)
        .map(|(s, e)| (s - start + shift, e - start + shift))
        .collect();
    (shown, within)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snippet_is_the_matching_line_cut_around_the_match() {
        let text = "first line\nsome words before the coupon and many words after it\nlast";
        let query = Query::new("coupon", false, false).unwrap();
        let ranges = query.find(text);
        let (shown, within) = snippet(text, &ranges, 24);
        assert_eq!(shown, "…ore the coupon and many …");
        let (s, e) = within[0];
        assert_eq!(&shown[s..e], "coupon");
        let (whole, _) = snippet("a coupon", &query.find("a coupon"), 80);
        assert_eq!(whole, "a coupon");
    }
}
