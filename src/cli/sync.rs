//! `sync`, `sync push`, `sync pull`: a project's sessions carried between machines on refs of
//! its git remote (`sessions::sync` does the work).

use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context as _, Result};
use clap::{Args, Subcommand};

use super::args::ToolList;
use crate::base::visible::{errln, outln};
use crate::project::keeping;
use crate::project::settings;
use crate::project::{Scope, archive::repo_of};
use crate::sessions::sync::{self, Peer, PullReport, PushReport};

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SyncArgs {
    #[command(subcommand)]
    action: Option<SyncAction>,
    #[command(flatten)]
    options: SyncOptions,
}

#[derive(Subcommand)]
enum SyncAction {
    /// Send this project's sessions to the remote, redacted
    Push(SyncOptions),
    /// Take this project's sessions from the remote, placed where this machine's tools look
    Pull(PullOptions),
}

#[derive(Args, Clone)]
pub struct SyncOptions {
    #[command(flatten)]
    tools: ToolList,
    /// The git remote (default: the sync.remote setting, else origin)
    #[arg(long, value_name = "NAME")]
    remote: Option<String>,
    /// Print what would be sent or received, and what would be redacted; change nothing
    #[arg(long)]
    dry_run: bool,
    /// Run as a launch starts it: quietly, only if sync.auto is on
    #[arg(long, hide = true)]
    background: bool,
}

#[derive(Args, Clone)]
pub struct PullOptions {
    #[command(flatten)]
    options: SyncOptions,
    /// Take a teammate's sessions of this project (their sync.user or email), as forks
    #[arg(long, value_name = "PERSON")]
    from: Option<String>,
}

pub fn run(args: &SyncArgs) -> Result<ExitCode> {
    let scope = Scope::current()?;
    let loaded = settings::load(&scope.state_dir());
    let (push, pull, options, from) = match &args.action {
        None => (true, true, &args.options, None),
        Some(SyncAction::Push(options)) => (true, false, options, None),
        Some(SyncAction::Pull(pull)) => (false, true, &pull.options, pull.from.as_deref()),
    };
    if options.background && !loaded.sync.auto {
        return Ok(ExitCode::SUCCESS);
    }
    let repo = repo_of(&scope)?;
    let peer = sync::peer(&repo, options.remote.as_deref(), &loaded.sync)?;
    let own = keeping::own_dir(&repo.git_dir);
    std::fs::create_dir_all(&own).with_context(|| format!("cannot create {}", own.display()))?;
    let busy = "another archive or sync run is going on in this repository; try again later";
    let patience = Duration::from_secs(30);
    let _lock = match super::archive::lock_repository(&own, options.background, patience, busy)? {
        Ok(lock) => lock,
        Err(code) => return Ok(code),
    };
    let tools = options.tools.selected();
    let interactive = !options.background;
    if pull {
        let report = sync::pull(&scope, &tools, &peer, from, options.dry_run, interactive)?;
        if !options.background {
            print_pull(&peer, from, &report, options.dry_run);
        }
    }
    if push && from.is_none() {
        let report = sync::push(&scope, &tools, &peer, options.dry_run, interactive)?;
        if !options.background {
            print_push(&peer, &report, options.dry_run);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_pull(peer: &Peer, from: Option<&str>, report: &PullReport, dry_run: bool) {
    let whose = from.unwrap_or(&peer.person);
    if !report.found {
        outln!("{} holds no sessions of {whose} yet", peer.remote);
        return;
    }
    let verb = if dry_run { "would take" } else { "took" };
    for line in &report.skipped {
        errln!("warning: skipped {line}");
    }
    for name in &report.placed {
        outln!("{verb} {name} (new here)");
    }
    for name in &report.continued {
        outln!("{verb} {name} (continued on the other side)");
    }
    for (name, fork) in &report.forked {
        match from {
            Some(_) => outln!("{verb} {whose}'s {name} as {fork}"),
            None => outln!("{verb} {name} as the fork {fork} (it went on both here and there)"),
        }
    }
    for (tool, id, changed) in &report.resumes {
        match (changed, dry_run) {
            (true, false) => outln!("{tool} now resumes {id}"),
            (true, true) => outln!("{tool} would resume {id}"),
            (false, _) => outln!("{tool} still resumes {id}, the newer one"),
        }
    }
    let taken = report.placed.len() + report.continued.len() + report.forked.len();
    outln!(
        "Pull from {} ({whose}): {taken} session(s) {verb}, {} unchanged, {} skipped",
        peer.remote,
        report.unchanged,
        report.skipped.len()
    );
}

fn print_push(peer: &Peer, report: &PushReport, dry_run: bool) {
    for line in &report.held_back {
        errln!("warning: not sent: {line}");
    }
    let verb = if dry_run { "would send" } else { "sent" };
    for name in &report.sent {
        outln!("{verb} {name}");
    }
    let redacted: Vec<String> = report
        .redacted
        .iter()
        .map(|(kind, count)| format!("{kind} {count}"))
        .collect();
    if !redacted.is_empty() {
        outln!("redacted: {}", redacted.join(", "));
    }
    match (report.sent.len(), dry_run) {
        (0, _) => outln!(
            "Nothing new to push to {} ({} session(s) there already; no ref changed)",
            peer.remote,
            report.unchanged
        ),
        (sent, _) => outln!(
            "Push to {} as {}: {sent} session(s) {verb}, {} unchanged{}",
            peer.remote,
            peer.person,
            report.unchanged,
            if report.attempts > 1 {
                format!(" ({} tries: the remote moved meanwhile)", report.attempts)
            } else {
                String::new()
            }
        ),
    }
}
