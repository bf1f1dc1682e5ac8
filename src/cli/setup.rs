//! `setup` and `teardown`: wrap and unwrap the installed tools.

use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::Args;

use super::ToolList;

#[derive(Args)]
pub struct SetupArgs {
    #[command(flatten)]
    pub tools: ToolList,
    /// Print the plan and change nothing
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Args)]
pub struct TeardownArgs {
    #[command(flatten)]
    pub tools: ToolList,
    /// Print the plan and change nothing
    #[arg(long)]
    pub dry_run: bool,
}

pub fn setup(_args: &SetupArgs) -> Result<ExitCode> {
    bail!("setup is being built (issue 3)")
}

pub fn teardown(_args: &TeardownArgs) -> Result<ExitCode> {
    bail!("teardown is being built (issue 3)")
}
