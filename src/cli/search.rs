//! `search PATTERN`: the visible conversation of this project's sessions, in every tool, grouped
//! by session, newest first. Exit codes are grep's: 0 when something matched, 1 when nothing
//! did, 2 on an error.

use std::fmt::Write as _;
use std::ops::ControlFlow;
use std::process::ExitCode;

use anyhow::Result;
use chrono::{DateTime, Local, Utc};
use clap::Args;
use serde::Serialize;

use super::args::ToolList;
use super::output;
use crate::base::failure::report;
use crate::base::layout;
use crate::base::layout::Style;
use crate::base::time::format_time;
use crate::base::visible::{self, errln};
use crate::project::Scope;
use crate::sessions::search::{self, Findings, MessageMatch, Query, SNIPPET_WIDTH};
use crate::sessions::{self, Catalog, Listed, Order};
use crate::transcript::listing::Projects;

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
    snippet: &'a str,
    /// Byte ranges of each match in `snippet`.
    snippet_offsets: &'a [(usize, usize)],
    /// Byte ranges of each match in the whole message text.
    offsets: &'a [(usize, usize)],
}

pub fn run(args: &SearchArgs) -> Result<ExitCode> {
    match search(args) {
        Ok(Searched { found: true, .. }) => Ok(ExitCode::from(0)),
        // As grep and ripgrep: something could not be searched and nothing matched.
        Ok(Searched {
            incomplete: true, ..
        }) => Ok(ExitCode::from(2)),
        Ok(_) => Ok(ExitCode::from(1)),
        Err(error) => {
            report(&error);
            Ok(ExitCode::from(2))
        }
    }
}

struct Searched {
    found: bool,
    /// Some store or session could not be read.
    incomplete: bool,
}

/// Prints each session's matches as soon as they are found, newest session first; with
/// `--limit`, stops reading once that many sessions are printed.
fn search(args: &SearchArgs) -> Result<Searched> {
    let query = Query::new(&args.pattern, args.regex, args.case_sensitive)?;
    let scope = Scope::current()?;
    let projects = match args.all_projects {
        true => Projects::All,
        false => Projects::of(&scope),
    };
    let tools = args.tools.selected();
    let Catalog {
        mut sessions,
        unlisted,
    } = sessions::catalog(&scope, &tools, &projects, None, Order::NewestFirst);
    for (tool, error) in &unlisted {
        errln!("warning: cannot list {} sessions: {error:#}", tool.name());
    }
    let width = output::terminal_width().unwrap_or(SNIPPET_WIDTH + 30);
    let mut printer = Printer {
        json: args.json,
        style: Style {
            colour: output::colour_on_stdout(),
        },
        width,
        limit: args.limit,
        sessions: 0,
        matched: false,
        failed: false,
        written: Ok(()),
    };
    let snippet_width = match args.json {
        true => SNIPPET_WIDTH,
        false => width.saturating_sub(24).clamp(20, SNIPPET_WIDTH),
    };
    search::search_each(&query, &mut sessions, snippet_width, &mut printer);
    printer.written?;
    Ok(Searched {
        found: printer.matched,
        incomplete: printer.failed || !unlisted.is_empty() || sessions.incomplete(),
    })
}

/// Writes each finding as it comes: for people, a header line per session (tool, short id for
/// `show` and `use`, time, title), then each matching message's role, time and snippet, the
/// matches highlighted; or one JSON object per matching message.
struct Printer {
    json: bool,
    style: Style,
    width: usize,
    limit: Option<usize>,
    /// Sessions printed so far.
    sessions: usize,
    /// Whether any message matched.
    matched: bool,
    failed: bool,
    written: Result<()>,
}

impl Printer {
    /// Writes `text`; stops the search when stdout fails or nobody reads it any more.
    fn write(&mut self, text: &str) -> ControlFlow<()> {
        match output::write_stdout_while_read(text.as_bytes()) {
            Ok(true) => ControlFlow::Continue(()),
            Ok(false) => ControlFlow::Break(()),
            Err(error) => {
                self.written = Err(error);
                ControlFlow::Break(())
            }
        }
    }
}

fn local(time: Option<DateTime<Utc>>, format: &str) -> String {
    match time {
        Some(time) => time.with_timezone(&Local).format(format).to_string(),
        None => "?".to_owned(),
    }
}

impl Findings for Printer {
    fn matched(&mut self, session: &Listed, first: bool, found: MessageMatch) -> ControlFlow<()> {
        self.matched = true;
        let mut out = String::new();
        if self.json {
            let line = JsonMatch {
                tool: session.tool.name(),
                id: &session.info.id,
                path: session.info.path.display().to_string(),
                role: found.role.to_string(),
                timestamp: found.timestamp.map(format_time),
                message: found.index,
                snippet: &found.snippet,
                snippet_offsets: &found.snippet_ranges,
                offsets: &found.ranges,
            };
            match serde_json::to_string(&line) {
                Ok(json) => out = json + "\n",
                Err(error) => {
                    self.written = Err(error.into());
                    return ControlFlow::Break(());
                }
            }
            return self.write(&out);
        }
        if first {
            if self.sessions > 0 {
                out.push('\n');
            }
            let short: String = session.info.id.chars().take(8).collect();
            let header = format!(
                "{} {short}  {}  {}",
                session.tool.name(),
                local(session.info.updated_at, "%Y-%m-%d %H:%M"),
                session.info.title.shown()
            );
            let header = layout::cut(&visible::one_line(&header), self.width);
            let _ = writeln!(out, "{}", self.style.paint(&header, Style::BOLD));
        }
        let lead = format!(
            "  {:<9}  {}  ",
            found.role.to_string(),
            local(found.timestamp, "%H:%M:%S")
        );
        let _ = writeln!(
            out,
            "{}{}",
            self.style.paint(&lead, Style::DIM),
            highlighted(&found.snippet, &found.snippet_ranges, self.style)
        );
        self.write(&out)
    }

    fn finished(&mut self, _session: &Listed, matched: usize) -> ControlFlow<()> {
        if matched > 0 {
            self.sessions += 1;
        }
        match self.limit.is_some_and(|limit| self.sessions >= limit) {
            true => ControlFlow::Break(()),
            false => ControlFlow::Continue(()),
        }
    }

    fn failed(&mut self, session: &Listed, error: anyhow::Error) -> ControlFlow<()> {
        self.failed = true;
        errln!(
            "warning: cannot search {} session {}: {error:#}",
            session.tool.name(),
            session.info.id,
        );
        ControlFlow::Continue(())
    }
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
