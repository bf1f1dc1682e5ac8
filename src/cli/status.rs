//! `status`: what is wrapped, and which session this project resumes.
//!
//! The same report prints for people or, with `--json`, as one JSON document whose keys are
//! documented in the README and kept stable.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use serde::Serialize;

use super::args::ToolList;
use crate::base::failure;
use crate::base::platform;
use crate::base::time::format_time;
use crate::base::visible::outln;
use crate::contract::{Tool, context_for};
use crate::install::{self, Site, Situation};
use crate::project::settings::{self, Source};
use crate::project::state::Inspected;
use crate::project::{Arrival, Scope, StateStore, Whereabouts};
use crate::project::{archive, keeping};

#[derive(Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub tools: ToolList,
    /// Print one JSON document
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct Report {
    platform: String,
    executable: String,
    project: Project,
    tools: Vec<ToolStatus>,
}

#[derive(Serialize)]
struct Project {
    root: String,
    kind: &'static str,
    /// The branch whose sessions this scope holds, with `scope = branch`.
    branch: Option<String>,
    /// Each setting in effect, and where it comes from (`default`, `user`, `project`).
    settings: Vec<Setting>,
    /// The sessions kept in the repository; `null` when it has no archive.
    archive: Option<ArchiveStatus>,
}

#[derive(Serialize)]
struct ArchiveStatus {
    #[serde(rename = "ref")]
    reference: &'static str,
    /// The sessions it held after its last run, as `tool/id`.
    sessions: Vec<String>,
    last_run: Option<String>,
    /// What launches restored from it, `tool id time` each, newest last.
    restored: Vec<String>,
}

#[derive(Serialize)]
struct Setting {
    key: &'static str,
    value: String,
    from: String,
}

#[derive(Serialize)]
struct ToolStatus {
    tool: &'static str,
    #[serde(skip)]
    display_name: &'static str,
    /// The path PATH finds for the tool, as found.
    path: Option<String>,
    /// Where `path` links to, if it is a link (the link's own text).
    links_to: Option<String>,
    real: Option<String>,
    real_links_to: Option<String>,
    wrapper: WrapperState,
    /// The wrapper state in words.
    wrapper_note: String,
    state_file: String,
    state_exists: bool,
    session: Option<String>,
    /// Whether the tool's own store holds `session`; `null` when unknown.
    session_exists: Option<bool>,
    /// codex and agy: the newest session of this project, when it is not the stored one.
    discovered: Option<String>,
    /// How the session came here (`moved`, `copied`, `worktree`, `branch`) and from where.
    origin: Option<crate::project::Origin>,
    /// Where the project moved from, when the next launch is the first since the move.
    moved_from: Option<String>,
    /// What the next launch will repair in the state: a file it sets aside, or migrates.
    state_problem: Option<String>,
    /// Where the tool keeps its sessions (for people; not a JSON key).
    #[serde(skip)]
    store: Option<String>,
    /// The variable that moved the store there, when it is set.
    #[serde(skip)]
    store_variable: Option<&'static str>,
    /// Why part of this could not be read.
    error: Option<String>,
}

#[derive(Serialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
enum WrapperState {
    Active,
    NotInstalled,
    Overwritten,
    Broken,
}

pub fn run(args: &StatusArgs) -> Result<ExitCode> {
    let scope = Scope::current()?;
    let exe = install::this_executable()?;
    let selected = args.tools.selected();
    let tools: Vec<ToolStatus> = selected
        .iter()
        .map(|tool| tool_status(*tool, &scope, &exe))
        .collect();
    let missing: Vec<&dyn Tool> = selected
        .iter()
        .zip(&tools)
        .filter(|(_, status)| status.path.is_none() && status.real.is_none())
        .map(|(tool, _)| *tool)
        .collect();
    let report = Report {
        platform: platform::description(),
        executable: exe.display().to_string(),
        project: Project {
            root: scope.root.display().to_string(),
            kind: scope.kind(),
            branch: scope.branch.as_ref().map(|branch| branch.display()),
            settings: settings::load(&scope.state_dir())
                .sources
                .into_iter()
                .map(|(key, value, from)| Setting {
                    key,
                    value,
                    from: from.to_string(),
                })
                .collect(),
            archive: archive_status(&scope),
        },
        tools,
    };
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_human(&report);
    }
    // A tool the user named and that is absent is an error (docs/behaviour.md §1), after the report.
    if args.tools.explicit() && !missing.is_empty() {
        for tool in missing {
            failure::report(&install::not_found(tool.name(), tool.display_name()));
        }
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

fn tool_status(tool: &'static dyn Tool, scope: &Scope, exe: &Path) -> ToolStatus {
    let site = install::locate(tool.name(), exe);
    let store = StateStore::new(scope, tool.state_rules());
    let real = site
        .as_ref()
        .map(|site| site.layout.real.as_path())
        .filter(|real| real.symlink_metadata().is_ok());
    let mut status = ToolStatus {
        tool: tool.name(),
        display_name: tool.display_name(),
        path: site
            .as_ref()
            .and_then(|site| site.found.as_deref())
            .map(text),
        links_to: site
            .as_ref()
            .and_then(|site| site.found.as_deref())
            .and_then(link_text),
        real: real.map(text),
        real_links_to: real.and_then(link_text),
        wrapper: wrapper_state(site.as_ref()),
        wrapper_note: match &site {
            Some(site) => site.describe(),
            None => "not found on PATH".to_owned(),
        },
        state_file: text(&store.path()),
        state_exists: false,
        session: None,
        session_exists: None,
        discovered: None,
        origin: None,
        moved_from: None,
        state_problem: None,
        store: tool
            .session_store()
            .and_then(|store| store.root().ok())
            .map(|root| text(&root)),
        store_variable: tool
            .info()
            .root_variable
            .filter(|name| crate::base::env::path(name).is_some()),
        error: None,
    };
    if let Err(error) = add_session(&mut status, tool, scope, &store) {
        status.error = Some(format!("{error:#}"));
    }
    status
}

/// This project's stored session, whether the tool still has it, and (codex, agy) a newer one
/// found in the tool's own store. The wrapper stores a discovered id at its next launch, with
/// the folder the session started in; status only reports it.
fn add_session(
    status: &mut ToolStatus,
    tool: &dyn Tool,
    scope: &Scope,
    store: &StateStore,
) -> Result<()> {
    // Looking changes nothing: what a launch would repair is only reported.
    let state = match store.inspect() {
        Inspected::Usable(state) => *state,
        Inspected::Unusable(problem) => {
            status.state_exists = true;
            status.state_problem = Some(format!(
                "unusable ({problem}); the next launch moves it aside and starts a new session"
            ));
            return Ok(());
        }
        Inspected::Legacy(path) => {
            status.state_problem = Some(format!(
                "an older version's state is at {}; the next launch migrates it",
                path.display()
            ));
            return Ok(());
        }
        Inspected::Absent => return Ok(()),
    };
    status.state_exists = true;
    status.origin = state.origin.clone();
    if let Whereabouts::Moved { from } = Whereabouts::of(&state, scope) {
        status.moved_from = Some(text(&from));
    }
    let (context, _) = context_for(scope, &state, store.dir());
    if let Some(id) = &state.resume_target {
        status.session = Some(id.clone());
        if let Some(sessions) = tool.session_store() {
            status.session_exists = Some(sessions.has_session(&context, id)?);
        }
    }
    status.discovered = tool
        .discover(&context)?
        .filter(|id| state.resume_target.as_ref() != Some(id));
    Ok(())
}

fn wrapper_state(site: Option<&Site>) -> WrapperState {
    let Some(site) = site else {
        return WrapperState::NotInstalled;
    };
    match site.situation {
        Situation::Wrapped => WrapperState::Active,
        // Another copy's wrapper works only while that copy is still there.
        Situation::WrappedByOtherCopy => match &site.found {
            Some(found) if platform::is_executable_file(found) => WrapperState::Active,
            _ => WrapperState::Broken,
        },
        Situation::Unwrapped => WrapperState::NotInstalled,
        Situation::Interrupted | Situation::Overwritten | Situation::RealOnly => {
            WrapperState::Overwritten
        }
        Situation::RealMissing | Situation::Tangled => WrapperState::Broken,
    }
}

fn text(path: &Path) -> String {
    path.display().to_string()
}

fn link_text(path: &Path) -> Option<String> {
    std::fs::read_link(path).ok().map(|target| text(&target))
}

fn archive_status(scope: &Scope) -> Option<ArchiveStatus> {
    let common = scope.git().filter(|_| scope.is_repo)?.common_dir;
    let summary = keeping::summary(&common)?;
    Some(ArchiveStatus {
        reference: archive::REF,
        sessions: summary.held,
        last_run: summary
            .last_run
            .map(|time| format_time(chrono::DateTime::<chrono::Utc>::from(time))),
        restored: summary.restored,
    })
}

fn print_human(report: &Report) {
    outln!("project: {} ({})", report.project.root, report.project.kind);
    if let Some(branch) = &report.project.branch {
        outln!("branch:  {branch} (one session per branch)");
    }
    let settings: Vec<String> = report
        .project
        .settings
        .iter()
        .map(|setting| match setting.from.as_str() {
            from if from == Source::Default.to_string() => {
                format!("{} = {}", setting.key, setting.value)
            }
            from => format!("{} = {} ({from})", setting.key, setting.value),
        })
        .collect();
    outln!("settings: {}", settings.join(", "));
    if let Some(archive) = &report.project.archive {
        let when = archive.last_run.as_deref().unwrap_or("never");
        outln!(
            "archive: {} session(s) in {}, last run {when}",
            archive.sessions.len(),
            archive.reference
        );
        if let Some(last) = archive.restored.last() {
            outln!("         restored by a launch: {last}");
        }
    }
    for status in &report.tools {
        let tool = status.tool;
        let setup = format!("run 'ai-session-manager setup {tool}'");
        outln!();
        outln!("{tool}");
        line("platform", &report.platform);
        line("tool", &with_link(status.path.as_deref(), &status.links_to));
        line(
            "real binary",
            &with_link(status.real.as_deref(), &status.real_links_to),
        );
        let wrapper = match status.wrapper {
            WrapperState::Active => "active".to_owned(),
            WrapperState::NotInstalled if status.path.is_none() => "not installed".to_owned(),
            WrapperState::NotInstalled => format!("not installed ({setup})"),
            WrapperState::Overwritten => format!(
                "overwritten by an update: real binary present but wrapper missing ({setup})"
            ),
            WrapperState::Broken => format!("broken: {}", status.wrapper_note),
        };
        line("wrapper", &wrapper);
        // Which of the cases it is: an update, an unfinished setup, a removed wrapper.
        if status.wrapper == WrapperState::Overwritten {
            line("", &status.wrapper_note);
        }
        let state_file = match status.state_exists {
            true => status.state_file.clone(),
            false => format!("{} (none yet)", status.state_file),
        };
        line("state file", &state_file);
        if let Some(problem) = &status.state_problem {
            line("", problem);
        }
        let store = status.display_name;
        let session = match (&status.session, status.session_exists) {
            (None, _) if status.state_exists => "none stored yet".to_owned(),
            (None, _) => "none yet: the next launch starts one".to_owned(),
            (Some(id), Some(true)) => format!("{id} (exists in {store}'s store)"),
            (Some(id), Some(false)) => format!("{id} (not in {store}'s store yet)"),
            (Some(id), None) => format!("{id} (could not check {store}'s store)"),
        };
        line("session", &session);
        if let Some(from) = &status.moved_from {
            line(
                "moved",
                &format!("from {from}; the next launch carries the session over"),
            );
        } else if let Some(origin) = &status.origin {
            let when = origin.at.get(..10).unwrap_or(&origin.at);
            let how = match origin.how {
                Arrival::Moved => None,
                Arrival::Copied => Some("copied"),
                Arrival::Worktree => Some("worktree"),
                Arrival::Branch => Some("branch"),
            };
            let what = match how {
                None => format!("moved from {} on {when}", origin.from),
                Some(how) => format!(
                    "forked from {} of {} on {when} ({how})",
                    origin.session.as_deref().unwrap_or("a session"),
                    origin.from
                ),
            };
            line("origin", &what);
        }
        if let Some(id) = &status.discovered {
            line(
                "discovered",
                &format!("{id} (not stored yet; the next launch resumes it)"),
            );
        }
        match (&status.store, status.store_variable) {
            (Some(store), Some(variable)) => line("store", &format!("{store} (from {variable})")),
            (Some(store), None) => line("store", store),
            (None, _) => {}
        }
        if let Some(error) = &status.error {
            line("error", error);
        }
    }
}

fn line(label: &str, value: &str) {
    let label = if label.is_empty() {
        String::new()
    } else {
        format!("{label}:")
    };
    outln!("  {label:<13}{value}");
}

fn with_link(path: Option<&str>, link: &Option<String>) -> String {
    match (path, link) {
        (None, _) => "not found".to_owned(),
        (Some(path), Some(link)) => format!("{path} -> {link}"),
        (Some(path), None) => path.to_owned(),
    }
}
