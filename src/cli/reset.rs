//! `ai-session-manager reset [TOOL...]`: forget this project's sessions.

use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use super::args::ToolList;
use crate::base::visible::outln;
use crate::project::{Scope, StateStore};

#[derive(Args)]
pub struct ResetArgs {
    #[command(flatten)]
    tools: ToolList,
}

pub fn run(args: &ResetArgs) -> Result<ExitCode> {
    let scope = Scope::current()?;
    for tool in args.tools.selected() {
        let removed = StateStore::new(&scope, tool.state_rules()).remove()?;
        if removed.is_empty() {
            outln!(
                "{}: no saved session for {} ({})",
                tool.name(),
                scope.place(),
                scope.root.display()
            );
            continue;
        }
        for path in &removed {
            outln!("{}: removed {}", tool.name(), path.display());
        }
        outln!(
            "{}: the next launch in {} starts a new session",
            tool.name(),
            scope.place()
        );
    }
    Ok(ExitCode::SUCCESS)
}
