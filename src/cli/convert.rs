//! `session convert`: rebuild one tool's conversation as another tool's session.
//!
//! The summary goes to stdout; one `warning:` line per kind of item not carried goes to stderr,
//! with the errors.

use std::process::ExitCode;

use anyhow::{Context as _, Result};
use clap::Args;

use crate::base::visible::{errln, outln};
use crate::project::Scope;
use crate::sessions::convert::{self, Request};
use crate::tools;

#[derive(Args)]
pub struct ConvertArgs {
    /// The tool the conversation comes from
    #[arg(long, value_parser = super::args::tool_name())]
    pub from: String,
    /// The tool that will resume it
    #[arg(long, value_parser = super::args::tool_name())]
    pub to: String,
    /// The source session: an id, a unique id prefix, or a path (default: this project's)
    #[arg(long, value_name = "ID|PREFIX|PATH")]
    pub source_session: Option<String>,
    /// The id for the new session (default: a new UUID)
    #[arg(long, value_name = "ID")]
    pub target_session: Option<String>,
    /// Write the session without making it this project's session for the target tool
    #[arg(long)]
    pub no_apply: bool,
}

pub fn run(args: &ConvertArgs) -> Result<ExitCode> {
    let from = tools::find(&args.from).context("unknown --from tool")?;
    let to = tools::find(&args.to).context("unknown --to tool")?;
    let scope = Scope::current()?;
    let outcome = convert::convert(
        &Request {
            from,
            to,
            source_session: args.source_session.as_deref(),
            target_session: args.target_session.as_deref(),
            apply: !args.no_apply,
        },
        &scope,
    )?;

    outln!(
        "Converted {} session to {} session {}",
        from.name(),
        to.name(),
        outcome.target_id
    );
    outln!("  source:   {}", outcome.source.display());
    outln!("  file:     {}", outcome.file.display());
    outln!("  messages: {}", outcome.messages);
    match &outcome.applied {
        Some(state) => outln!(
            "  applied:  yes, the next `{}` in {} resumes it ({})",
            to.name(),
            scope.place(),
            state.display()
        ),
        None => outln!(
            "  applied:  no (--no-apply); resume it with `{}`",
            outcome.resume_hint
        ),
    }
    for warning in outcome.tally.warnings() {
        errln!("warning: {warning}");
    }
    Ok(ExitCode::SUCCESS)
}
