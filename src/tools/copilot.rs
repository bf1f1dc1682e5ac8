//! GitHub Copilot CLI (`copilot`): the wrapper picks the session UUID, and `--session-id` both
//! creates and resumes, so it is passed on every launch.
//!
//! Sessions live in `<root>/session-state/<id>/`, where `<root>` is `$COPILOT_HOME` (the
//! `.copilot` folder itself) or `~/.copilot`.

use std::path::PathBuf;

use anyhow::Result;

use super::{ArgRules, Context, Existing, Plan, SessionMode, Tool, plan_managed};
use crate::env;

pub struct Copilot;

static RULES: ArgRules = ArgRules {
    value_flags: &[
        "--model",
        "--add-dir",
        "--allow-tool",
        "--deny-tool",
        "--allow-url",
        "--deny-url",
        "--available-tools",
        "--excluded-tools",
        "--additional-mcp-config",
        "--agent",
        "--config-dir",
        "--log-dir",
        "--log-level",
        "--stream",
        "-i",
        "--interactive",
    ],
    subcommands: &[
        "init",
        "login",
        "mcp",
        "plugin",
        "skill",
        "config",
        "workflow",
        "sandbox",
        "completion",
        "lsp",
        "instruction",
        "update",
        "version",
        "help",
    ],
    pass_flags: &[
        // explicit sessions
        "-r",
        "--resume",
        "--continue",
        "--session-id",
        "--new-session-id",
        "-n",
        "--name",
        "--connect",
        "--cloud",
        // non-interactive
        "-p",
        "--prompt",
        "--acp",
        "--server",
        "--headless",
    ],
    positional_prompt_is_one_shot: false,
    interactive_flags: &[],
};

impl Tool for Copilot {
    fn name(&self) -> &'static str {
        "copilot"
    }

    fn display_name(&self) -> &'static str {
        "GitHub Copilot CLI"
    }

    fn session_mode(&self) -> SessionMode {
        SessionMode::ManagedId
    }

    fn arg_rules(&self) -> &'static ArgRules {
        &RULES
    }

    fn plan(&self, context: &Context, stored: Option<&str>, fresh: bool) -> Result<Plan> {
        plan_managed(stored, fresh, "--session-id", |id| {
            Ok(if self.has_session(context, id)? {
                // Create-or-resume: the same flag resumes.
                Existing::Resume(vec!["--session-id".into(), id.into()])
            } else {
                Existing::NotStarted
            })
        })
    }

    fn has_session(&self, _context: &Context, id: &str) -> Result<bool> {
        Ok(session_dir(id)?.is_dir())
    }
}

/// `$COPILOT_HOME`, else `~/.copilot`.
pub fn root() -> Result<PathBuf> {
    super::root_from(env::COPILOT_HOME, ".copilot")
}

pub fn session_dir(id: &str) -> Result<PathBuf> {
    Ok(root()?.join("session-state").join(id))
}
