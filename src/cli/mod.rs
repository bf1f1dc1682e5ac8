//! The management CLI: `ai-session-manager <command>`.

mod archive;
mod args;
mod browse;
mod completions;
mod config;
mod convert;
mod output;
mod pin;
mod reset;
mod search;
mod sessions;
mod setup;
pub mod show;
mod status;
mod sync;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::base::failure::report;

pub use crate::base::platform::BIN_NAME;

#[derive(Parser)]
#[command(
    name = BIN_NAME,
    version,
    about = "Per-project automatic session resume for AI coding CLIs",
    long_about = long_about(),
    after_help = "Examples:\n  ai-session-manager setup\n  ai-session-manager status\n  \
        ai-session-manager reset claude"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Wrap the installed tools so each project resumes its own session
    #[command(
        after_help = "Examples:\n  ai-session-manager setup\n  ai-session-manager setup claude codex --dry-run"
    )]
    Setup(setup::ChangeArgs),
    /// Remove the wrappers and restore the original binaries exactly
    #[command(
        after_help = "Examples:\n  ai-session-manager teardown\n  ai-session-manager teardown gemini"
    )]
    Teardown(setup::ChangeArgs),
    /// Show what is wrapped and which session this project resumes
    #[command(
        after_help = "Examples:\n  ai-session-manager status\n  ai-session-manager status codex --json"
    )]
    Status(status::StatusArgs),
    /// Forget this project's session, so the next launch starts fresh
    #[command(
        after_help = "Examples:\n  ai-session-manager reset claude\n  ai-session-manager reset"
    )]
    Reset(reset::ResetArgs),
    /// List the sessions each tool keeps for this project, newest first
    #[command(
        after_help = "The session this project resumes is marked with *.\n\nExamples:\n  \
        ai-session-manager sessions\n  ai-session-manager sessions codex --limit 5\n  \
        ai-session-manager sessions --all-projects --json"
    )]
    Sessions(sessions::SessionsArgs),
    /// Search the conversations of this project's sessions, in every tool
    #[command(
        after_help = "Exit status: 0 when something matched, 1 when nothing did, 2 on an error.\n\n\
        Examples:\n  ai-session-manager search coupon\n  ai-session-manager search 'fn \\w+_test' --regex claude\n  \
        ai-session-manager search TODO --all-projects --json | jq .snippet"
    )]
    Search(search::SearchArgs),
    /// Browse every tool's sessions: filter, preview, resume, convert, export
    #[command(
        after_help = "Keys: arrows move, / filters (by title, then full text), Enter resumes the \
        session (as `use`, then starts the tool), c converts, e exports, a toggles every project, \
        ? helps, q quits.\n\nExamples:\n  ai-session-manager browse\n  ai-session-manager sessions -i"
    )]
    Browse(browse::BrowseArgs),
    /// Print a session's conversation
    #[command(after_help = "Examples:\n  ai-session-manager show claude\n  \
        ai-session-manager show codex 019a8f10 --format markdown\n  \
        ai-session-manager show gemini --format jsonl | jq -r .text")]
    Show(show::ShowArgs),
    /// Write a session's conversation to a file (show -o FILE)
    #[command(
        mut_arg("output", |arg| arg.required(true)),
        after_help = "Examples:\n  ai-session-manager export claude -o notes.md\n  \
        ai-session-manager export copilot a3f1 -o session.json --force"
    )]
    Export(show::ShowArgs),
    /// Make an existing session the one this project resumes
    #[command(
        after_help = "The next launch of the tool in this project resumes the session, in the folder \
        it started in.\n\nExamples:\n  ai-session-manager use claude 5f1c2a3b\n  \
        ai-session-manager use codex 019a8f10-1111-7222-8333-444455556666"
    )]
    Use(pin::UseArgs),
    /// Keep this project's sessions in its git repository, safe from the tools' cleanup
    #[command(
        after_help = "Sessions are kept on the ref refs/ai-session-manager/archive, which no \
        plain push or clone carries. A launch does this by itself in the background (setting \
        archive = on|off).\n\nExamples:\n  ai-session-manager archive\n  \
        ai-session-manager archive claude"
    )]
    Archive(archive::ArchiveArgs),
    /// Put back a session the tool deleted, from the project's archive
    #[command(after_help = "Examples:\n  ai-session-manager restore\n  \
        ai-session-manager restore claude 5f1c2a3b\n  ai-session-manager sessions --archived")]
    Restore(archive::RestoreArgs),
    /// Carry this project's sessions to your other machines, through its git remote
    #[command(
        after_help = "Sessions go on refs/ai-session-manager/sync/<person> of the remote \
        (sync.user, else git's user.email), with secrets redacted; `sync` pulls, then pushes.\n\n\
        Examples:\n  ai-session-manager sync\n  ai-session-manager sync push --dry-run\n  \
        ai-session-manager sync pull claude --remote backup\n  \
        ai-session-manager sync pull --from teammate@example.com"
    )]
    Sync(sync::SyncArgs),
    /// Work with sessions across tools
    #[command(subcommand)]
    Session(SessionCommand),
    /// Show or change the settings: session scope, worktrees, branches
    #[command(
        after_help = "Settings:\n  scope = project|branch         one session per project, or per git branch\n  \
        worktree = fresh|fork          a new worktree starts fresh, or forks the main worktree's session\n  \
        branch-start = fork|fresh      with scope = branch, a new branch forks the one it came from\n  \
        archive = on|off               keep a git project's sessions in its repository\n  \
        sync.remote = NAME             the git remote `sync` uses (default origin; --global only)\n  \
        sync.auto = on|off             the background archive run also syncs (--global only)\n  \
        sync.user = NAME               whose refs your sessions go on (default git's user.email)\n\n\
        Examples:\n  ai-session-manager config\n  ai-session-manager config set scope branch\n  \
        ai-session-manager config set worktree fork --global\n  ai-session-manager config unset scope"
    )]
    Config(config::ConfigArgs),
    /// Print a shell completion script
    #[command(
        after_help = "Example:\n  ai-session-manager completions bash > ~/.local/share/bash-completion/completions/ai-session-manager"
    )]
    Completions(completions::CompletionsArgs),
}

#[derive(Subcommand)]
enum SessionCommand {
    /// Rebuild one tool's conversation as a resumable session of another
    #[command(
        after_help = "Examples:\n  ai-session-manager session convert --from codex --to claude\n  \
        ai-session-manager session convert --from claude --to gemini --source-session 44444444"
    )]
    Convert(convert::ConvertArgs),
}

/// Started under a name that is neither this program's nor a tool's, nor a link to a tool's
/// wrapper: it is not for this program to guess which tool was meant.
pub fn unknown_name(name: &str) -> ExitCode {
    let names: Vec<&str> = crate::tools::names().collect();
    report(&crate::base::failure::failure(
        format!("ai-session-manager was started as {name:?}, which is not a tool it wraps"),
        format!(
            "run it as {BIN_NAME}, or under a tool's name: {}",
            names.join(", ")
        ),
    ));
    ExitCode::from(2)
}

/// The long help names the tools the registry holds.
fn long_about() -> String {
    let names: Vec<String> = crate::tools::names()
        .map(|name| format!("`{name}`"))
        .collect();
    let (last, rest) = names.split_last().expect("the registry holds tools");
    format!(
        "Per-project automatic session resume for AI coding CLIs.\n\nAfter `setup`, typing {} or \
         {last} in a project resumes that project's conversation.",
        rest.join(", ")
    )
}

pub fn main() -> ExitCode {
    crate::base::platform::quiet_broken_pipe();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Setup(args) => setup::setup(&args),
        Command::Teardown(args) => setup::teardown(&args),
        Command::Status(args) => status::run(&args),
        Command::Reset(args) => reset::run(&args),
        Command::Sessions(args) if args.interactive => browse::run(&browse::BrowseArgs {
            tools: args.tools,
            all_projects: args.all_projects,
        }),
        Command::Sessions(args) => sessions::run(&args),
        Command::Browse(args) => browse::run(&args),
        Command::Search(args) => search::run(&args),
        Command::Show(args) | Command::Export(args) => show::run(&args),
        Command::Use(args) => pin::run(&args),
        Command::Session(SessionCommand::Convert(args)) => convert::run(&args),
        Command::Config(args) => config::run(&args),
        Command::Archive(args) => archive::archive(&args),
        Command::Restore(args) => archive::restore(&args),
        Command::Sync(args) => sync::run(&args),
        Command::Completions(args) => completions::run::<Cli>(&args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            report(&error);
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser};

    use super::*;

    /// The test-only sixth tool is known to every command that names tools, through the
    /// registry alone.
    #[test]
    fn every_command_takes_the_tools_of_the_registry() {
        for args in [
            &["ai-session-manager", "setup", "sixth"][..],
            &["ai-session-manager", "status", "sixth", "--json"],
            &["ai-session-manager", "reset", "sixth"],
            &["ai-session-manager", "sessions", "sixth"],
            &["ai-session-manager", "use", "sixth", "abc"],
            &["ai-session-manager", "show", "sixth"],
            &[
                "ai-session-manager",
                "session",
                "convert",
                "--from",
                "sixth",
                "--to",
                "claude",
            ],
        ] {
            assert!(Cli::try_parse_from(args).is_ok(), "{args:?}");
        }
        let help = Cli::command().render_long_help().to_string();
        assert!(help.contains("`agy` or `sixth`"), "{help}");
    }
}
