//! `ai-session-manager completions <shell>`.

use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, CommandFactory};
use clap_complete::Shell;

#[derive(Args)]
pub struct CompletionsArgs {
    /// The shell to print completions for
    shell: Shell,
}

pub fn run<C: CommandFactory>(args: &CompletionsArgs) -> Result<ExitCode> {
    let mut command = C::command();
    clap_complete::generate(
        args.shell,
        &mut command,
        crate::base::platform::BIN_NAME,
        &mut std::io::stdout(),
    );
    Ok(ExitCode::SUCCESS)
}
