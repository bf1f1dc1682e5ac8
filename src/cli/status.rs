//! `status`: what is wrapped, and which session this project resumes.

use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::Args;

use super::ToolList;

#[derive(Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub tools: ToolList,
    /// Print one JSON document
    #[arg(long)]
    pub json: bool,
}

pub fn run(_args: &StatusArgs) -> Result<ExitCode> {
    bail!("status is being built (issue 3)")
}
