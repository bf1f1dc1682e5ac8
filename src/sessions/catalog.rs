//! The catalog: every tool's sessions of some projects, newest first, each marked when it is the
//! one its project resumes. `sessions`, `search` and `browse` list through here.

use crate::base::visible::errln;
use crate::contract::Tool;
use crate::project::Scope;
use crate::sessions::locate::resumed_session;
use crate::transcript::listing::{Projects, SessionInfo};

/// One session of the catalog.
#[derive(Clone)]
pub struct Listed {
    pub tool: &'static dyn Tool,
    pub info: SessionInfo,
    /// It is the session `scope` resumes with its tool.
    pub current: bool,
}

/// What a listing found, and the tools whose store could not be listed (in whole or in part).
pub struct Catalog {
    pub sessions: Vec<Listed>,
    pub unlisted: Vec<(&'static dyn Tool, anyhow::Error)>,
}

/// Each tool's sessions of `projects`, each tool's newest first (at most `limit` of each), the
/// ones `scope` resumes marked. A state that cannot say which session it resumes marks none,
/// with a warning.
pub fn catalog(
    scope: &Scope,
    tools: &[&'static dyn Tool],
    projects: &Projects,
    limit: Option<usize>,
) -> Catalog {
    let mut catalog = Catalog {
        sessions: Vec::new(),
        unlisted: Vec::new(),
    };
    for &tool in tools {
        let Some(lister) = tool.session_lister() else {
            continue;
        };
        let mut skipped = Vec::new();
        let listed = lister.list(projects, &mut skipped);
        catalog
            .unlisted
            .extend(skipped.into_iter().map(|error| (tool, error)));
        let mut sessions = match listed {
            Ok(sessions) => sessions,
            Err(error) => {
                catalog.unlisted.push((tool, error));
                continue;
            }
        };
        sessions.sort_by(|a, b| {
            b.updated_at
                .cmp(&a.updated_at)
                .then_with(|| a.id.cmp(&b.id))
        });
        if let Some(limit) = limit {
            sessions.truncate(limit);
        }
        if sessions.is_empty() {
            continue;
        }
        let resumed = current_id(tool, scope);
        catalog
            .sessions
            .extend(sessions.into_iter().map(|info| Listed {
                current: resumed.as_deref() == Some(info.id.as_str()),
                tool,
                info,
            }));
    }
    catalog
}

impl Listed {
    /// Which session it is: (tool, id).
    pub fn key(&self) -> (&'static str, &str) {
        (self.tool.name(), self.info.id.as_str())
    }
}

impl Catalog {
    /// Newest first across the tools, as one list (stable: a tie keeps the tools' order).
    pub fn newest_first(mut self) -> Catalog {
        self.sessions
            .sort_by_key(|listed| std::cmp::Reverse(listed.info.updated_at));
        self
    }
}

/// The id `scope` resumes with `tool`.
fn current_id(tool: &dyn Tool, scope: &Scope) -> Option<String> {
    match resumed_session(tool, scope) {
        Ok(id) => id,
        Err(error) => {
            errln!(
                "warning: cannot tell which {} session this project resumes: {error:#}",
                tool.name()
            );
            None
        }
    }
}
