//! `show` and `export`: a session's visible conversation, read by the same readers as
//! `session convert` and rendered by `sessions::render`, to stdout or a file. What is not shown
//! goes on stderr for the JSON formats.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use clap::Args;

use super::output;
use crate::base::layout::Style;
use crate::base::visible::{errln, outln};
use crate::project::Scope;
use crate::sessions::locate;
use crate::sessions::render::{
    self, DEFAULT_WIDTH, Document, Format, check_output, not_shown, write_file,
};
use crate::tools;

#[derive(Args)]
pub struct ShowArgs {
    #[command(flatten)]
    pub session: SessionArg,
    /// Output format (default: from the FILE's extension .md, .json, .jsonl or .html; else text)
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Write to FILE, atomically, instead of stdout (- is stdout)
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Replace FILE if it already exists
    #[arg(long)]
    pub force: bool,
    /// Text and markdown keep the transcript's exact bytes, control codes included. Without it,
    /// control codes, BiDi controls and invisible characters are shown as `^[` or `<U+202E>`, so
    /// that a transcript cannot drive the terminal (JSON escapes them; HTML is sanitised)
    #[arg(long)]
    pub raw: bool,
}

/// A tool and, optionally, one of its sessions.
#[derive(Args)]
pub struct SessionArg {
    /// The tool whose session it is
    #[arg(value_name = "TOOL", value_parser = super::args::tool_name())]
    pub tool: String,
    /// The session: its id, or a unique prefix of it (default: the one this project resumes)
    #[arg(value_name = "ID|PREFIX")]
    pub session: Option<String>,
}

pub fn run(args: &ShowArgs) -> Result<ExitCode> {
    // `-o -` is standard output, as the convention goes.
    let output = args
        .output
        .as_deref()
        .filter(|file| *file != Path::new("-"));
    if let Some(file) = output {
        check_output(file, args.force)?;
    }
    let tool = tools::find(&args.session.tool).context("unknown tool")?;
    let scope = Scope::current()?;
    let (_, info) = locate::locate(tool, args.session.session.as_deref(), &scope)?;
    let transcript = render::read(tool, &info)?;
    let document = Document {
        tool,
        info: &info,
        transcript: &transcript,
        raw: args.raw,
    };
    let format = args
        .format
        .or_else(|| output.and_then(Format::for_file))
        .unwrap_or(Format::Text);
    let (style, width) = match output {
        Some(_) => (Style { colour: false }, DEFAULT_WIDTH),
        None => (
            Style {
                colour: output::colour_on_stdout(),
            },
            output::terminal_width().unwrap_or(DEFAULT_WIDTH),
        ),
    };
    let rendered = document.render(format, style, width)?;
    match output {
        None => output::write_stdout(rendered.as_bytes())?,
        Some(file) => {
            write_file(file, rendered.as_bytes(), args.force)?;
            outln!(
                "Wrote {} session {} to {} ({}, {} messages)",
                tool.name(),
                info.id,
                file.display(),
                format.name(),
                transcript.messages.len()
            );
        }
    }
    if matches!(format, Format::Json | Format::Jsonl)
        && let Some(line) = not_shown(&transcript.tally)
    {
        errln!("{line}");
    }
    Ok(ExitCode::SUCCESS)
}
