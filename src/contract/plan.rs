//! What the wrapper decides for one launch, and the context it decides in.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use anyhow::Result;
use chrono::{DateTime, Utc};

use crate::base::ids::new_uuid;
use crate::base::time::parse_time;
use crate::project::{Scope, State};

/// Where the wrapper stands when it plans a launch.
pub struct Context<'a> {
    pub scope: &'a Scope,
    /// The directory the tool will run in: where the session started, or the current one.
    pub session_cwd: PathBuf,
    /// Whether the state recorded `session_cwd`; the Python tool's files do not.
    pub cwd_recorded: bool,
    /// When this project's state was first created, if known; bounds history searches.
    pub created_at: Option<DateTime<Utc>>,
    /// The folder that holds the state files.
    pub state_dir: PathBuf,
    /// The tool's own bookkeeping, as the state records it.
    pub tool_state: Option<serde_json::Value>,
    /// When `use` pinned the stored session: only sessions started after it may take over.
    pub pinned_at: Option<DateTime<Utc>>,
    /// When the state last pointed at a new session.
    pub updated_at: Option<DateTime<Utc>>,
    /// With `scope = branch`, the branch whose session this is: tools that learn their ids tell
    /// sessions of one folder apart by the branch they started on.
    pub branch: Option<Vec<u8>>,
}

impl Context<'_> {
    /// The same context for a session that runs in `dir`.
    pub fn at(&self, dir: &Path) -> Context<'_> {
        Context {
            scope: self.scope,
            session_cwd: dir.to_path_buf(),
            cwd_recorded: true,
            created_at: self.created_at,
            state_dir: self.state_dir.clone(),
            tool_state: self.tool_state.clone(),
            pinned_at: self.pinned_at,
            updated_at: self.updated_at,
            branch: self.branch.clone(),
        }
    }

    /// Whether a session that started in `dir` belongs to this launch: the recorded directory
    /// exactly, or with no record, any directory of the project.
    pub fn is_session_dir(&self, dir: &Path) -> bool {
        if self.cwd_recorded {
            dir == self.session_cwd
        } else {
            dir.starts_with(&self.scope.root)
        }
    }
}

/// What the wrapper does for one launch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Arguments put before the user's own.
    pub inject: Vec<OsString>,
    /// The resume target to keep in the state file afterwards.
    pub target: Option<String>,
    pub announce: Announce,
    /// One-line notices, such as a stored session that no longer exists.
    pub notices: Vec<String>,
    /// Where a discovered session started, when the state did not record it.
    pub session_cwd: Option<PathBuf>,
    /// The tool's own bookkeeping to keep in the state file afterwards.
    pub tool_state: Option<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Announce {
    New(String),
    Resuming(String),
    StartingNew,
    ResumingLatest,
    /// Importing a converted session into a tool that gives imports a new id.
    Importing(String),
    /// Forking session `from` into a new one (`to`, when the wrapper picks its id).
    Forking {
        from: String,
        to: Option<String>,
    },
}

impl Plan {
    pub fn new_session(id: String, flag: &str) -> Plan {
        Plan {
            inject: vec![flag.into(), id.clone().into()],
            announce: Announce::New(id.clone()),
            target: Some(id),
            notices: Vec::new(),
            session_cwd: None,
            tool_state: None,
        }
    }

    pub fn resume(id: String, inject: Vec<OsString>) -> Plan {
        Plan {
            inject,
            announce: Announce::Resuming(id.clone()),
            target: Some(id),
            notices: Vec::new(),
            session_cwd: None,
            tool_state: None,
        }
    }

    pub fn untouched(target: Option<String>, announce: Announce) -> Plan {
        Plan {
            inject: Vec::new(),
            target,
            announce,
            notices: Vec::new(),
            session_cwd: None,
            tool_state: None,
        }
    }

    pub fn with_notice(mut self, notice: String) -> Plan {
        self.notices.push(notice);
        self
    }
}

/// What a managed tool's store says about a stored id.
pub enum Existing {
    /// The session exists: launch with these arguments.
    Resume(Vec<OsString>),
    /// Nothing recorded yet: start it under the same id.
    NotStarted,
    /// The id cannot be started or resumed (an empty gemini session): pick a new one.
    Unusable,
    /// The session was there once and is gone (deleted by the tool): pick a new one, saying so.
    Gone(String),
}

/// The launch rule shared by the tools that take an id from the wrapper.
pub fn plan_managed(
    stored: Option<&str>,
    fresh: bool,
    new_flag: &str,
    check: impl FnOnce(&str) -> Result<Existing>,
) -> Result<Plan> {
    let Some(id) = stored else {
        return Ok(Plan::new_session(new_uuid(), new_flag));
    };
    if fresh {
        return Ok(Plan::new_session(id.to_owned(), new_flag));
    }
    Ok(match check(id)? {
        Existing::Resume(inject) => Plan::resume(id.to_owned(), inject),
        Existing::NotStarted => Plan::new_session(id.to_owned(), new_flag),
        Existing::Unusable => Plan::new_session(new_uuid(), new_flag).with_notice(format!(
            "Session {id} holds no messages; starting a new one"
        )),
        Existing::Gone(notice) => Plan::new_session(new_uuid(), new_flag).with_notice(notice),
    })
}

/// The launch context for a project's state: the session runs where it started, if that folder
/// is still there and inside the project (a state file comes from the repository, so its paths
/// are not trusted). Returns what the caller should warn about.
pub fn context_for<'a>(
    scope: &'a Scope,
    state: &State,
    state_dir: PathBuf,
) -> (Context<'a>, Vec<String>) {
    let mut warnings = Vec::new();
    let recorded = state.cwd.as_deref().map(Path::new);
    let session_cwd = match recorded {
        None => None,
        Some(dir) if dir == scope.cwd => Some(scope.cwd.clone()),
        Some(dir) => match scope.session_folder(dir) {
            Ok(folder) => Some(folder),
            Err(why) => {
                // A folder that is gone is simply not used; anything else there is worth a word.
                if dir.symlink_metadata().is_ok() {
                    warnings.push(format!(
                        "ignoring the recorded folder {}: {why}",
                        dir.display()
                    ));
                }
                None
            }
        },
    };
    let context = Context {
        scope,
        cwd_recorded: session_cwd.is_some(),
        session_cwd: session_cwd.unwrap_or_else(|| scope.cwd.clone()),
        created_at: state.created_at(),
        state_dir,
        tool_state: state.tool_state.clone(),
        pinned_at: state.pinned_at(),
        updated_at: parse_time(state.updated_at.as_deref()),
        branch: scope.branch.as_ref().map(|branch| branch.name.clone()),
    };
    (context, warnings)
}
