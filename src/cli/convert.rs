//! `session convert`: rebuild one tool's conversation as another tool's session.

use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::Args;

#[derive(Args)]
pub struct ConvertArgs {
    /// The tool the conversation comes from
    #[arg(long, value_parser = super::tool_name())]
    pub from: String,
    /// The tool that will resume it
    #[arg(long, value_parser = super::tool_name())]
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

pub fn run(_args: &ConvertArgs) -> Result<ExitCode> {
    bail!("session convert is being built (issue 4)")
}
