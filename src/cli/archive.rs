//! `archive` and `restore`: a project's sessions kept in its git repository, and put back when a
//! tool deleted them (`sessions::archive` does the work).

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context as _, Result, bail};
use clap::Args;

use super::args::ToolList;
use crate::base::failure::failure;
use crate::base::platform;
use crate::base::visible::{errln, outln};
use crate::project::Scope;
use crate::project::archive::{REF, Restored};
use crate::project::keeping;
use crate::project::settings::{self, ArchiveSetting};
use crate::sessions::archive;
use crate::sessions::locate::resumed_session;
use crate::sessions::sync;
use crate::tools;

#[derive(Args)]
pub struct ArchiveArgs {
    #[command(flatten)]
    pub tools: ToolList,
    /// Run as a launch starts it: quietly, only if the setting is on and no other run is going
    #[arg(long, hide = true)]
    pub background: bool,
}

#[derive(Args)]
pub struct RestoreArgs {
    /// The tool whose session to restore (default: each tool's session this project resumes)
    #[arg(value_name = "TOOL", value_parser = super::args::tool_name())]
    pub tool: Option<String>,
    /// The session: its id, or a unique prefix (default: the one this project resumes)
    #[arg(value_name = "ID", requires = "tool")]
    pub id: Option<String>,
}

pub fn archive(args: &ArchiveArgs) -> Result<ExitCode> {
    let scope = Scope::current()?;
    if args.background && (scope.settings.archive == ArchiveSetting::Off || !scope.is_repo) {
        return Ok(ExitCode::SUCCESS);
    }
    let repo = crate::project::archive::repo_of(&scope)?;
    let own = keeping::own_dir(&repo.git_dir);
    keeping::mark_started(&own)?;
    let busy = "another archive run is going on in this repository; try again later";
    let _lock = match lock_repository(&own, args.background, Duration::from_secs(10), busy)? {
        Ok(lock) => lock,
        Err(code) => return Ok(code),
    };
    let run = archive::archive(&scope, &args.tools.selected())?;
    if args.background {
        // With sync.auto on (the user's own setting), the background run also syncs; nothing
        // prompts, and a failure stays here.
        let sync_settings = settings::load(&scope.state_dir()).sync;
        if sync_settings.auto
            && let Ok(peer) = sync::peer(&repo, None, &sync_settings)
        {
            let tools = args.tools.selected();
            let _ = sync::pull(&scope, &tools, &peer, None, false, false);
            let _ = sync::push(&scope, &tools, &peer, false, false);
        }
        return Ok(ExitCode::SUCCESS);
    }
    for skipped in &run.skipped {
        errln!("warning: {skipped}");
    }
    match run.written.len() {
        0 => outln!(
            "Nothing new to archive ({} session(s) already in {REF})",
            run.unchanged
        ),
        written => outln!(
            "Archived {written} session(s) in {REF} ({} unchanged)",
            run.unchanged
        ),
    }
    Ok(ExitCode::SUCCESS)
}

/// The repository's lock for a run of archive or sync: at once in the background (where a
/// run going on is success), waiting up to `patience` for a person (where it is said, and an
/// exit code of 1). `Err` holds the exit code when the lock is not had.
pub(super) fn lock_repository(
    own: &Path,
    background: bool,
    patience: Duration,
    busy: &str,
) -> Result<Result<platform::FolderLock, ExitCode>> {
    let patience = if background { Duration::ZERO } else { patience };
    match platform::lock_folder(own, patience)
        .with_context(|| format!("cannot lock {}", own.display()))?
    {
        Some(lock) => Ok(Ok(lock)),
        None if background => Ok(Err(ExitCode::SUCCESS)),
        None => {
            errln!("{busy}");
            Ok(Err(ExitCode::from(1)))
        }
    }
}

pub fn restore(args: &RestoreArgs) -> Result<ExitCode> {
    let scope = Scope::current()?;
    let tools: Vec<&'static dyn crate::contract::Tool> = match &args.tool {
        Some(name) => vec![tools::find(name).context("unknown tool")?],
        None => archive::archived_tools(tools::ALL),
    };
    let mut failed = false;
    for tool in tools {
        let id = match &args.id {
            Some(id) => id.clone(),
            None => match resumed_session(tool, &scope)? {
                Some(id) => id,
                // Without a tool named, a tool that resumes nothing here is passed over.
                None if args.tool.is_none() => continue,
                None => bail!(failure(
                    format!("this project resumes no {} session", tool.name()),
                    format!(
                        "name one: ai-session-manager restore {} ID (see sessions --archived)",
                        tool.name()
                    ),
                )),
            },
        };
        match archive::restore(&scope, tool, &id) {
            Ok(Restored::Written(path)) => {
                outln!(
                    "{}: restored {} from the archive",
                    tool.name(),
                    path.display()
                )
            }
            Ok(Restored::Present(path)) => {
                outln!(
                    "{}: {} is there; nothing to restore",
                    tool.name(),
                    path.display()
                )
            }
            Err(error) if args.tool.is_some() => return Err(error),
            Err(error) => {
                errln!("{}: {error:#}", tool.name());
                failed = true;
            }
        }
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
