//! `sessions`: what each tool remembers about this project, newest first, with the session the
//! project resumes marked. Each tool's lister decides which sessions belong (`tools::*`); this
//! module only orders and prints them.

use std::fmt::Write as _;
use std::process::ExitCode;

use anyhow::Result;
use chrono::Utc;
use clap::Args;
use serde::Serialize;

use super::args::ToolList;
use super::output;
use crate::base::failure::report;
use crate::base::layout;
use crate::base::layout::Style;
use crate::base::platform;
use crate::base::time::format_time;
use crate::base::visible;
use crate::project::Scope;
use crate::sessions::{self, Catalog, Listed, Order, Sessions, archive};
use crate::transcript::listing::Projects;

#[derive(Args)]
pub struct SessionsArgs {
    #[command(flatten)]
    pub tools: ToolList,
    /// List the sessions of every project, with the folder each one started in
    #[arg(long)]
    pub all_projects: bool,
    /// Print one JSON array
    #[arg(long)]
    pub json: bool,
    /// Show at most N sessions of each tool, the newest
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// Browse them interactively (the same as `browse`)
    #[arg(short, long, conflicts_with_all = ["json", "limit"])]
    pub interactive: bool,
    /// List the sessions only the project's archive still holds (see `restore`)
    #[arg(long, conflicts_with_all = ["all_projects", "interactive", "limit"])]
    pub archived: bool,
}

/// A row as `--json` prints it; the field names are the stable keys.
#[derive(Serialize)]
struct JsonRow<'a> {
    tool: &'a str,
    id: &'a str,
    /// The folder the session started in, as the tool recorded it.
    project: Option<String>,
    started_at: Option<String>,
    updated_at: Option<String>,
    size_bytes: u64,
    /// The first prompt on one line; `null` when there is none or the file cannot be read.
    title: Option<&'a str>,
    /// Whether this project resumes the session.
    current: bool,
    /// The session's file, which `show` also takes.
    path: String,
}

/// A row that serializes as its [`JsonRow`].
struct JsonOwned(Listed);

impl Serialize for JsonOwned {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        JsonRow::from(&self.0).serialize(serializer)
    }
}

impl<'a> From<&'a Listed> for JsonRow<'a> {
    fn from(row: &'a Listed) -> JsonRow<'a> {
        let info = &row.info;
        JsonRow {
            tool: row.tool.name(),
            id: &info.id,
            project: info.cwd.as_ref().map(|cwd| cwd.display().to_string()),
            started_at: info.started_at.map(format_time),
            updated_at: info.updated_at.map(format_time),
            size_bytes: info.size_bytes,
            title: info.title.prompt(),
            current: row.current,
            path: info.path.display().to_string(),
        }
    }
}

/// The rows as one JSON array, written as they are listed rather than built whole first; a
/// reader that went away (`| head`) is not an error.
fn write_json(rows: impl Iterator<Item = Listed>) -> Result<()> {
    use serde::Serializer as _;
    use std::io::Write as _;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let written = (|| -> std::io::Result<()> {
        let mut serializer = serde_json::Serializer::pretty(&mut out);
        serializer.collect_seq(rows.map(JsonOwned))?;
        out.write_all(b"\n")?;
        out.flush()
    })();
    match written {
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(anyhow::Context::context(other, "cannot write to stdout")?),
    }
}

pub fn run(args: &SessionsArgs) -> Result<ExitCode> {
    let scope = Scope::current()?;
    if args.archived {
        return archived(&scope, args);
    }
    let projects = match args.all_projects {
        true => Projects::All,
        false => Projects::of(&scope),
    };
    let tools = args.tools.selected();
    let Catalog {
        sessions: mut rows,
        unlisted,
    } = sessions::catalog(&scope, &tools, &projects, args.limit, Order::ByTool);
    let unlisted_any = !unlisted.is_empty();
    for (tool, error) in unlisted {
        report(&error.context(format!("cannot list {} sessions", tool.name())));
    }
    match args.json {
        true => write_json(&mut rows)?,
        false => write_table(&mut rows, &scope, args)?,
    }
    let failed = unlisted_any || rows.incomplete();
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Rows a table aligns together, with the shortest unambiguous ids. A longer listing is printed
/// as it is read, a block of this many rows at a time, each aligned on its own, with whole ids:
/// a prefix unique within one block might not be within the listing.
const WHOLE_TABLE: usize = 1000;

fn write_table(rows: &mut Sessions, scope: &Scope, args: &SessionsArgs) -> Result<()> {
    let first: Vec<Listed> = rows.by_ref().take(WHOLE_TABLE + 1).collect();
    if first.len() <= WHOLE_TABLE {
        return output::write_stdout(table(&first, scope, args).as_bytes());
    }
    let now = Utc::now();
    let style = Style {
        colour: output::colour_on_stdout(),
    };
    let mut block = first;
    let mut header = true;
    loop {
        let ids: Vec<String> = block.iter().map(|row| row.info.id.clone()).collect();
        let cells = cells(&block, ids, args, now);
        let text = render(&cells, output::terminal_width(), style, header);
        if !output::write_stdout_while_read(text.as_bytes())? {
            return Ok(());
        }
        header = false;
        block = rows.by_ref().take(WHOLE_TABLE).collect();
        if block.is_empty() {
            break;
        }
    }
    output::write_stdout(branch_note(scope).as_bytes())
}

fn table(rows: &[Listed], scope: &Scope, args: &SessionsArgs) -> String {
    if rows.is_empty() {
        let whose = match args.all_projects {
            true => "No sessions in the tools' stores".to_owned(),
            false => format!(
                "No sessions of this {} ({}) in the tools' stores",
                scope.kind(),
                scope.root.display()
            ),
        };
        return visible::one_line(&whose).into_owned() + "\n";
    }
    let cells = cells(rows, short_ids(rows), args, Utc::now());
    let mut out = render(
        &cells,
        output::terminal_width(),
        Style {
            colour: output::colour_on_stdout(),
        },
        true,
    );
    out += &branch_note(scope);
    out
}

/// The header and a line of cells per row, each row shown with its id from `ids`.
fn cells(
    rows: &[Listed],
    ids: Vec<String>,
    args: &SessionsArgs,
    now: chrono::DateTime<Utc>,
) -> Vec<Vec<String>> {
    let mut cells: Vec<Vec<String>> = vec![header(args.all_projects)];
    for (row, id) in rows.iter().zip(ids) {
        let mut line = vec![
            if row.current { "*" } else { "" }.to_owned(),
            row.tool.name().to_owned(),
            id,
            row.info
                .updated_at
                .map_or_else(|| "?".to_owned(), |time| layout::relative_time(time, now)),
            layout::human_size(row.info.size_bytes),
        ];
        if args.all_projects {
            let project = row.info.cwd.as_ref().map(|cwd| cwd.display().to_string());
            line.push(project.as_deref().map_or("?".into(), home_relative));
        }
        line.push(row.info.title.shown().to_owned());
        cells.push(line);
    }
    cells
}

/// With one session per branch, * marks the current branch's.
fn branch_note(scope: &Scope) -> String {
    let mut out = String::new();
    if let Some(branch) = &scope.branch {
        let branch = branch.display().to_string();
        let branch = visible::one_line(&branch);
        let _ = writeln!(out, "\n* marks the sessions of branch {branch}");
    }
    out
}

fn header(all_projects: bool) -> Vec<String> {
    let mut names = vec!["", "TOOL", "ID", "LAST ACTIVITY", "SIZE"];
    if all_projects {
        names.push("PROJECT");
    }
    names.push("TITLE");
    names.into_iter().map(str::to_owned).collect()
}

/// Aligned columns; the size is right-aligned, and the last column (the title) is cut to what
/// is left of `width`. The first row is the header, printed when `header` says so.
fn render(cells: &[Vec<String>], width: Option<usize>, style: Style, header: bool) -> String {
    const SIZE_COLUMN: usize = 4;
    let cells: Vec<Vec<String>> = cells
        .iter()
        .map(|row| {
            row.iter()
                .map(|cell| visible::one_line(cell).into_owned())
                .collect()
        })
        .collect();
    let columns = cells.first().map_or(0, Vec::len);
    let mut widths = vec![0; columns];
    for row in &cells {
        for (widest, cell) in widths.iter_mut().zip(row) {
            *widest = (*widest).max(layout::width(cell));
        }
    }
    let separator = |column: usize| if column == 0 { " " } else { "  " };
    let fixed: usize = widths
        .iter()
        .take(columns.saturating_sub(1))
        .enumerate()
        .map(|(column, widest)| widest + separator(column).len())
        .sum();
    let mut out = String::new();
    for (index, row) in cells.iter().enumerate() {
        let Some((title, aligned)) = row.split_last() else {
            continue;
        };
        if index == 0 && !header {
            continue;
        }
        let mut line = String::new();
        for (column, (cell, &widest)) in aligned.iter().zip(&widths).enumerate() {
            let fill = " ".repeat(widest.saturating_sub(layout::width(cell)));
            match column {
                SIZE_COLUMN => line.extend([fill.as_str(), cell]),
                _ => line.extend([cell.as_str(), &fill]),
            }
            line.push_str(separator(column));
        }
        match width {
            Some(width) => line += &layout::cut(title, width.saturating_sub(fixed).max(10)),
            None => line += title,
        }
        let line = line.trim_end();
        let line = match (index, row.first().map(String::as_str)) {
            (0, _) => style.paint(line, Style::DIM),
            (_, Some("*")) => style.paint(line, Style::BOLD),
            _ => line.to_owned(),
        };
        let _ = writeln!(out, "{line}");
    }
    out
}

/// Each id's shortest prefix of at least 8 characters that no other listed id of the same tool
/// shares, as `git` abbreviates hashes; codex ids of one minute share their first 8. The longest
/// prefix an id shares is with a neighbour in sorted order.
fn short_ids(rows: &[Listed]) -> Vec<String> {
    let mut sorted: Vec<(&str, &str)> = rows
        .iter()
        .map(|row| (row.tool.name(), row.info.id.as_str()))
        .collect();
    sorted.sort_unstable();
    sorted.dedup();
    let shared = |row: &Listed| {
        let Ok(index) = sorted.binary_search(&(row.tool.name(), row.info.id.as_str())) else {
            return row.info.id.len();
        };
        let neighbours = [index.checked_sub(1), Some(index + 1)];
        neighbours
            .into_iter()
            .flatten()
            .filter_map(|other| sorted.get(other))
            .filter(|other| other.0 == row.tool.name())
            .map(|other| common_prefix(&row.info.id, other.1))
            .max()
            .unwrap_or(0)
    };
    rows.iter()
        .map(|row| {
            let len = (shared(row) + 1).max(8);
            match row.info.id.char_indices().nth(len) {
                Some((end, _)) => row.info.id[..end].to_owned(),
                None => row.info.id.clone(),
            }
        })
        .collect()
}

fn common_prefix(a: &str, b: &str) -> usize {
    a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count()
}

/// A path under HOME as `~/…`.
fn home_relative(path: &str) -> String {
    match platform::home_dir() {
        Some(home) => match std::path::Path::new(path).strip_prefix(&home) {
            Ok(rest) if rest.as_os_str().is_empty() => "~".to_owned(),
            Ok(rest) => format!("~/{}", rest.display()),
            Err(_) => path.to_owned(),
        },
        None => path.to_owned(),
    }
}

/// `--archived`: what only the archive holds, newest first.
fn archived(scope: &Scope, args: &SessionsArgs) -> Result<ExitCode> {
    let (only, warnings) = archive::archived_only(scope, &args.tools.selected())?;
    for warning in &warnings {
        crate::base::visible::errln!("warning: {warning}");
    }
    if args.json {
        let manifests: Vec<&crate::project::archive::Manifest> =
            only.iter().map(|a| &a.manifest).collect();
        let text = serde_json::to_string_pretty(&manifests)? + "\n";
        return output::write_stdout(text.as_bytes()).map(|()| ExitCode::SUCCESS);
    }
    if only.is_empty() {
        let text = "The archive holds no session the tools have lost\n";
        return output::write_stdout(text.as_bytes()).map(|()| ExitCode::SUCCESS);
    }
    let now = Utc::now();
    let mut cells = vec![
        ["", "TOOL", "ID", "LAST ACTIVITY", "SIZE", "TITLE"]
            .map(str::to_owned)
            .to_vec(),
    ];
    for entry in &only {
        let manifest = &entry.manifest;
        cells.push(vec![
            String::new(),
            manifest.tool.clone(),
            manifest.id.clone(),
            manifest
                .updated_at
                .map_or_else(|| "?".to_owned(), |time| layout::relative_time(time, now)),
            layout::human_size(manifest.size_bytes),
            manifest
                .title
                .clone()
                .unwrap_or_else(|| "(no prompt)".to_owned()),
        ]);
    }
    let style = Style {
        colour: output::colour_on_stdout(),
    };
    let mut text = render(&cells, output::terminal_width(), style, true);
    text += "\nBring one back with: ai-session-manager restore TOOL ID\n";
    output::write_stdout(text.as_bytes()).map(|()| ExitCode::SUCCESS)
}
