//! `use TOOL ID|PREFIX`: pin an existing session as the one this project resumes
//! (`sessions::pin` does it, after checking everything).

use std::process::ExitCode;

use anyhow::{Context as _, Result};
use clap::Args;

use crate::base::visible::outln;
use crate::project::Scope;
use crate::sessions::pin::pin;
use crate::tools;

#[derive(Args)]
pub struct UseArgs {
    /// The tool whose session to pin
    #[arg(value_name = "TOOL", value_parser = super::args::tool_name())]
    pub tool: String,
    /// The session: its id, or a unique prefix of it
    #[arg(value_name = "ID|PREFIX")]
    pub session: String,
}

pub fn run(args: &UseArgs) -> Result<ExitCode> {
    let tool = tools::find(&args.tool).context("unknown tool")?;
    let scope = Scope::current()?;
    let pinned = pin(tool, &scope, &args.session)?;
    outln!(
        "{}: {} now resumes session {}",
        tool.name(),
        scope.place(),
        pinned.info.id
    );
    outln!("  title:   {}", pinned.info.title.shown());
    outln!("  runs in: {}", pinned.run_in.display());
    outln!("  next:    {}", pinned.command.join(" "));
    outln!("  state:   {}", pinned.state.display());
    Ok(ExitCode::SUCCESS)
}
