//! `search PATTERN`: the visible conversation of this project's sessions, in every tool, grouped
//! by session, newest first. Exit codes are grep's: 0 when something matched, 1 when nothing
//! did, 2 on an error.

use std::fmt::Write as _;
use std::process::ExitCode;

use anyhow::Result;
use chrono::{DateTime, Local, Utc};
use clap::Args;
use serde::Serialize;

use super::args::ToolList;
use super::output::{self, Style};
use crate::base::failure::report;
use crate::base::time::format_time;
use crate::base::visible::{self, errln};
use crate::project::Scope;
use crate::search::{self, Hit, Query, snippet};
use crate::transcript::summary::Projects;

#[derive(Args)]
pub struct SearchArgs {
    /// What to look for: literal text, smart-case (case-insensitive unless it has an upper-case
    /// letter)
    pub pattern: String,
    #[command(flatten)]
    pub tools: ToolList,
    /// Search the sessions of every project
    #[arg(long)]
    pub all_projects: bool,
    /// PATTERN is a regular expression
    #[arg(long)]
    pub regex: bool,
    /// Match case exactly, whatever PATTERN holds
    #[arg(long)]
    pub case_sensitive: bool,
    /// Print one JSON object per matching message, a line each
    #[arg(long)]
    pub json: bool,
    /// Show at most N sessions, the newest
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
}

/// One matching message; the field names are the stable `--json` keys.
#[derive(Serialize)]
struct JsonMatch<'a> {
    tool: &'a str,
    id: &'a str,
    path: String,
    role: String,
    timestamp: Option<String>,
    /// The message's place among the session's visible messages, from 0.
    message: usize,
    snippet: String,
    /// Byte ranges of each match in `snippet`.
    snippet_offsets: Vec<(usize, usize)>,
    /// Byte ranges of each match in the whole message text.
    offsets: &'a [(usize, usize)],
}

/// How much of a matching line a snippet shows.
const SNIPPET_WIDTH: usize = 100;

pub fn run(args: &SearchArgs) -> Result<ExitCode> {
    match search(args) {
        Ok(found) => Ok(ExitCode::from(if found { 0 } else { 1 })),
        Err(error) => {
            report(&error);
            Ok(ExitCode::from(2))
        }
    }
}

fn search(args: &SearchArgs) -> Result<bool> {
    let query = Query::new(&args.pattern, args.regex, args.case_sensitive)?;
    let scope = Scope::current()?;
    let projects = match args.all_projects {
        true => Projects::All,
        false => Projects::of(&scope),
    };
    let (mut candidates, unlisted) = search::sessions_of(&args.tools.selected(), &projects, None);
    for (tool, error) in &unlisted {
        errln!("warning: cannot list {} sessions: {error:#}", tool.name());
    }
    // Newest first across tools, as one list.
    candidates.sort_by_key(|candidate| std::cmp::Reverse(candidate.info.updated_at));
    let (mut hits, failed) = search::search(&query, candidates);
    for failure in &failed {
        errln!(
            "warning: cannot search {} session {}: {:#}",
            failure.tool.name(),
            failure.info.id,
            failure.error
        );
    }
    if let Some(limit) = args.limit {
        hits.truncate(limit);
    }
    let text = match args.json {
        true => json_lines(&hits)?,
        false => human(
            &hits,
            Style {
                colour: output::colour_on_stdout(),
            },
        ),
    };
    output::write_stdout(text.as_bytes())?;
    Ok(!hits.is_empty())
}

fn json_lines(hits: &[Hit]) -> Result<String> {
    let mut out = String::new();
    for hit in hits {
        for found in &hit.matches {
            let (snippet, snippet_offsets) = snippet(&found.text, &found.ranges, SNIPPET_WIDTH);
            let line = JsonMatch {
                tool: hit.tool.name(),
                id: &hit.info.id,
                path: hit.info.path.display().to_string(),
                role: found.role.to_string(),
                timestamp: found.timestamp.map(format_time),
                message: found.index,
                snippet,
                snippet_offsets,
                offsets: &found.ranges,
            };
            out += &serde_json::to_string(&line)?;
            out.push('\n');
        }
    }
    Ok(out)
}

/// A header line per session (tool, short id for `show` and `use`, time, title), then each
/// matching message's role, time and snippet, the matches highlighted.
fn human(hits: &[Hit], style: Style) -> String {
    let local = |time: Option<DateTime<Utc>>, format: &str| match time {
        Some(time) => time.with_timezone(&Local).format(format).to_string(),
        None => "?".to_owned(),
    };
    let width = output::terminal_width().unwrap_or(SNIPPET_WIDTH + 30);
    let mut out = String::new();
    for (n, hit) in hits.iter().enumerate() {
        if n > 0 {
            out.push('\n');
        }
        let short: String = hit.info.id.chars().take(8).collect();
        let header = format!(
            "{} {short}  {}  {}",
            hit.tool.name(),
            local(hit.info.updated_at, "%Y-%m-%d %H:%M"),
            hit.info.title.shown()
        );
        let _ = writeln!(
            out,
            "{}",
            style.paint(
                &output::cut(&visible::one_line(&header), width),
                Style::BOLD
            )
        );
        for found in &hit.matches {
            let room = width.saturating_sub(24).clamp(20, SNIPPET_WIDTH);
            let (shown, ranges) = snippet(&found.text, &found.ranges, room);
            let lead = format!(
                "  {:<9}  {}  ",
                found.role.to_string(),
                local(found.timestamp, "%H:%M:%S")
            );
            let _ = writeln!(
                out,
                "{}{}",
                style.paint(&lead, Style::DIM),
                highlighted(&shown, &ranges, style)
            );
        }
    }
    out
}

fn highlighted(text: &str, ranges: &[(usize, usize)], style: Style) -> String {
    let mut out = String::new();
    let mut at = 0;
    for &(start, end) in ranges {
        if start < at {
            continue;
        }
        out += &visible::one_line(&text[at..start]);
        out += &style.paint(&text[start..end], Style::MATCH);
        at = end;
    }
    out += &visible::one_line(&text[at..]);
    out
}
