//! Full-text search over the visible conversation of sessions (what `show` prints), streaming
//! every file at search time: there is no index to build or go stale.
//!
//! Each file is read in two passes. The first reads it behind a line gate: lines whose raw bytes
//! cannot hold the pattern are skipped before anything parses them, and the read stops at the
//! first message that matches. Most files end there. A file that matched is read again in full,
//! so that message numbers, replaced messages (gemini) and snippets are exactly `show`'s. Files
//! are searched in parallel; memory is bounded by the longest line.

pub mod pattern;

use std::ops::ControlFlow::{self, Break, Continue};

use anyhow::{Result, anyhow};
use chrono::{DateTime, Utc};
use rayon::prelude::*;

pub use pattern::Query;

use crate::base::lines::ReadOptions;
use crate::sessions::Listed;
use crate::transcript::{Message, Role};

/// A message that matched: where, and the line around its first match, never its whole text,
/// so that what a search holds stays small however large the messages are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageMatch {
    /// Its place among the session's visible messages, from 0.
    pub index: usize,
    pub role: Role,
    pub timestamp: Option<DateTime<Utc>>,
    /// The line around the first match, cut to the snippet width ([`snippet`]).
    pub snippet: String,
    /// Byte ranges of each match in `snippet`.
    pub snippet_ranges: Vec<(usize, usize)>,
    /// Byte ranges of every match in the whole message text.
    pub ranges: Vec<(usize, usize)>,
}

/// Where a search's findings go, in the candidates' order; `Break` stops the search there,
/// reading nothing more.
pub trait Findings {
    /// A matching message of `session`; `first` for its first.
    fn matched(&mut self, session: &Listed, first: bool, found: MessageMatch) -> ControlFlow<()>;
    /// `session` is read to its end, and held `matched` matching messages.
    fn finished(&mut self, session: &Listed, matched: usize) -> ControlFlow<()>;
    /// `session` could not be searched.
    fn failed(&mut self, session: &Listed, error: anyhow::Error) -> ControlFlow<()>;
}

/// How many sessions are looked through at once: enough to keep every core busy.
const BATCH: usize = 64;

/// Searches `candidates`: a batch at a time, every session of it is read in parallel up to its
/// first matching message; then the sessions that matched are read again, one after another,
/// each matching message handed to `findings` as it is read. Nothing is gathered, so memory
/// stays bounded by the longest line whatever the store holds. Snippets are cut to
/// `snippet_width` characters.
pub fn search_each(
    query: &Query,
    candidates: impl IntoIterator<Item = Listed>,
    snippet_width: usize,
    findings: &mut dyn Findings,
) {
    let mut candidates = candidates.into_iter().peekable();
    while candidates.peek().is_some() {
        let batch: Vec<Listed> = candidates.by_ref().take(BATCH).collect();
        let firsts: Vec<Result<bool>> = batch
            .par_iter()
            .map(|candidate| first_match(query, candidate))
            .collect();
        for (candidate, first) in batch.iter().zip(firsts) {
            let flow = match first {
                Ok(false) => ControlFlow::Continue(()),
                Ok(true) => match each_match(query, candidate, snippet_width, findings) {
                    Ok(ControlFlow::Break(())) => ControlFlow::Break(()),
                    Ok(ControlFlow::Continue(matched)) => findings.finished(candidate, matched),
                    Err(error) => findings.failed(candidate, error),
                },
                Err(error) => findings.failed(candidate, error),
            };
            if flow.is_break() {
                return;
            }
        }
    }
}

/// The candidates whose visible conversation holds a match, in parallel; those that could not
/// be read are left out.
pub fn matching(query: &Query, candidates: Vec<Listed>) -> Vec<Listed> {
    candidates
        .into_par_iter()
        .filter(|candidate| first_match(query, candidate).unwrap_or(false))
        .collect()
}

/// How much of a matching line a snippet shows by default.
pub const SNIPPET_WIDTH: usize = 100;

fn source_of(candidate: &Listed) -> Result<&dyn crate::contract::TranscriptSource> {
    candidate
        .tool
        .transcript_source()
        .ok_or_else(|| anyhow!("{} sessions cannot be read", candidate.tool.name()))
}

/// Whether any visible message of the session matches: read behind the line gate, when the
/// pattern has one, and only up to the first match.
pub fn first_match(query: &Query, candidate: &Listed) -> Result<bool> {
    let source = source_of(candidate)?;
    let options = ReadOptions::gated(query.gate());
    let mut seen = false;
    source.read_transcript(&candidate.info.path, &options, &mut |message: Message| {
        seen = query.is_match(&message.text);
        // One is enough: stop reading this file.
        Ok(if seen { Break(()) } else { Continue(()) })
    })?;
    Ok(seen)
}

/// Reads the whole session, handing each matching message to `findings`, numbered as `show`
/// numbers them; how many matched, or `Break` when `findings` said stop.
fn each_match(
    query: &Query,
    candidate: &Listed,
    snippet_width: usize,
    findings: &mut dyn Findings,
) -> Result<ControlFlow<(), usize>> {
    let source = source_of(candidate)?;
    let mut index = 0;
    let mut matched = 0;
    let mut stopped = false;
    let every_line = ReadOptions::default();
    source.read_transcript(
        &candidate.info.path,
        &every_line,
        &mut |message: Message| {
            let ranges = query.find(&message.text);
            if !ranges.is_empty() {
                let (snippet, snippet_ranges) = snippet(&message.text, &ranges, snippet_width);
                let found = MessageMatch {
                    index,
                    role: message.role,
                    timestamp: message.timestamp,
                    snippet,
                    snippet_ranges,
                    ranges,
                };
                matched += 1;
                if findings.matched(candidate, matched == 1, found).is_break() {
                    stopped = true;
                    return Ok(Break(()));
                }
            }
            index += 1;
            Ok(Continue(()))
        },
    )?;
    Ok(if stopped {
        Break(())
    } else {
        Continue(matched)
    })
}

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
