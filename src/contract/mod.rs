//! The contract every tool keeps: its fixed facts, its launch rule and the capabilities it may
//! offer. The tools themselves are in `crate::tools`, one folder each.

pub mod args;
pub mod capability;
pub mod plan;
pub mod reference;
#[cfg(test)]
pub mod testing;

use std::path::{Path, PathBuf};

use anyhow::Result;

pub use crate::project::whereabouts::{ForkFrom, MovedFrom};
pub use args::ArgRules;
pub use capability::{
    ConversionTarget, NewSession, SessionEncoder, SessionLister, SessionPlacement, SessionStore,
    TranscriptSource,
};
pub use plan::{Announce, Context, Existing, Plan, context_for, plan_managed};

use crate::base::ids::{is_native_id, is_uuid, new_uuid};
use crate::base::{env, platform};
use crate::project::{LegacyIdFile, SessionMode, StateRules};

/// Why a wrapper may not go in a folder: a message and a next step; `None` when it may.
pub type WrapRefusal = fn(&Path) -> Option<(String, String)>;

/// What never changes about a tool.
pub struct ToolInfo {
    /// The binary name, which is also the argv[0] the wrapper answers to.
    pub name: &'static str,
    /// The name people know it by.
    pub display_name: &'static str,
    pub session_mode: SessionMode,
    pub args: ArgRules,
    /// Whether a resume target read from a state file may be used: [`managed_target`],
    /// [`native_target`], or a rule of the tool's own.
    pub accepts_target: fn(&str, &Path) -> bool,
    /// Where the Python tool kept this tool's session id, if it had a file of its own.
    pub legacy_id_file: Option<LegacyIdFile>,
    /// The variable that moves the tool's own store (declared in its `store.rs`).
    pub root_variable: Option<&'static str>,
    /// Why `setup` must not wrap the tool in a folder, when a tool has such a rule.
    pub wrap_refusal: Option<WrapRefusal>,
}

/// A managed tool's target: a UUID the wrapper gave it.
pub fn managed_target(target: &str, _state_dir: &Path) -> bool {
    is_uuid(target)
}

/// A target the tool picked: a native id.
pub fn native_target(target: &str, _state_dir: &Path) -> bool {
    is_native_id(target)
}

/// One tool's launch rule, and the capabilities it offers beyond it. A launch calls `plan` (or,
/// once after a move, a copy, a new branch or worktree, `follow_move` or `fork`), and may ask
/// `session_folder` and `discover`; the commands use the capabilities, each `None` unless the
/// tool offers it. What never changes about a tool is its [`ToolInfo`], read through the
/// methods of `dyn Tool`.
pub trait Tool: Sync {
    /// The tool's fixed facts.
    fn info(&self) -> &'static ToolInfo;

    /// Decide the launch. `stored` is the validated target from the state file; `fresh` means
    /// this launch just created that state.
    fn plan(&self, context: &Context, stored: Option<&str>, fresh: bool) -> Result<Plan>;

    /// The first launch after the project moved from `moved.from_root` to this scope's root:
    /// carry the session over so that it resumes here with its whole history, never as a blank
    /// session under the old id. `context.session_cwd` is already the session's new folder.
    /// Tools whose resume by id works from anywhere need nothing more than [`Tool::plan`].
    fn follow_move(
        &self,
        context: &Context,
        stored: Option<&str>,
        _moved: &MovedFrom,
    ) -> Result<Plan> {
        self.plan(context, stored, false)
    }

    /// The first launch of a copy, a new worktree or a new branch whose source has session
    /// `from.target`: start a session of this place's own that holds that conversation. A tool
    /// that cannot fork starts a new session, and says so.
    fn fork(&self, context: &Context, from: &ForkFrom) -> Result<Plan> {
        let plan = self.plan(context, initial_target(self.info()).as_deref(), true)?;
        Ok(plan.with_notice(format!(
            "{} cannot fork a session, so this starts a new one ({} keeps session {})",
            self.info().display_name,
            from.label,
            from.target
        )))
    }

    /// The folder session `id` ran in, as the session itself records it in the tool's store;
    /// `None` when the store does not hold it or does not say. `near` is where it is expected,
    /// for stores filed by folder. A state file may name any id; only this says whose it is.
    fn session_folder(&self, _near: &Path, _id: &str) -> Result<Option<PathBuf>> {
        Ok(None)
    }

    /// The newest native session of this project, for tools that pick their own ids.
    fn discover(&self, _context: &Context) -> Result<Option<String>> {
        Ok(None)
    }

    /// Where the tool keeps its sessions, and whether it holds one, for `status`; `None` if
    /// that cannot be told.
    fn session_store(&self) -> Option<&dyn SessionStore> {
        None
    }

    /// How `session convert` finds and reads this tool's sessions; `None` if it cannot.
    fn transcript_source(&self) -> Option<&dyn TranscriptSource> {
        None
    }

    /// How `session convert` writes a session this tool resumes; `None` if it cannot.
    fn conversion_target(&self) -> Option<&dyn ConversionTarget> {
        None
    }

    /// How `sessions`, `show` and `use` see the tool's store; `None` if they cannot.
    fn session_lister(&self) -> Option<&dyn SessionLister> {
        None
    }

    /// How `sync pull` places a session from another machine; `None` if it cannot.
    fn session_placement(&self) -> Option<&dyn SessionPlacement> {
        None
    }
}

/// The facts of [`ToolInfo`], and what follows from them alone.
impl dyn Tool + '_ {
    /// The binary name, which is also the argv[0] the wrapper answers to.
    pub fn name(&self) -> &'static str {
        self.info().name
    }

    /// The name people know it by.
    pub fn display_name(&self) -> &'static str {
        self.info().display_name
    }

    pub fn arg_rules(&self) -> &'static ArgRules {
        &self.info().args
    }

    /// Whether a resume target read from a state file may be used at all.
    pub fn accepts_target(&self, target: &str, state_dir: &Path) -> bool {
        (self.info().accepts_target)(target, state_dir)
    }

    /// What the state files need to know about the tool.
    pub fn state_rules(&self) -> StateRules {
        let info = self.info();
        StateRules {
            tool: info.name,
            mode: info.session_mode,
            accepts: info.accepts_target,
            legacy_id_file: info.legacy_id_file,
        }
    }

    /// The target a brand-new state starts with.
    pub fn initial_target(&self) -> Option<String> {
        initial_target(self.info())
    }

    /// Why `setup` must not put a wrapper in `dir`, the folder PATH finds the tool in, as a
    /// message and a next step; `None` when it may.
    pub fn wrap_refusal(&self, dir: &Path) -> Option<(String, String)> {
        self.info().wrap_refusal.and_then(|refusal| refusal(dir))
    }
}

fn initial_target(info: &ToolInfo) -> Option<String> {
    match info.session_mode {
        SessionMode::ManagedId => Some(new_uuid()),
        SessionMode::AutoResume => None,
    }
}

/// A tool's root folder: an override from the environment, else a folder under HOME.
pub fn root_from(env_var: &str, home_relative: &str) -> Result<PathBuf> {
    match env::path(env_var) {
        Some(root) => Ok(root),
        None => Ok(home()?.join(home_relative)),
    }
}

pub fn home() -> Result<PathBuf> {
    platform::home_dir().ok_or_else(|| anyhow::anyhow!("HOME is not set"))
}

/// The archive's questions about tools (`project::archive`), answered by their capabilities.
pub struct ArchiveRulesOf<'a>(pub &'a [&'static dyn Tool]);

impl ArchiveRulesOf<'_> {
    fn find(&self, name: &str) -> Option<&'static dyn Tool> {
        self.0.iter().copied().find(|tool| tool.name() == name)
    }
}

impl crate::project::archive::ArchiveRules for ArchiveRulesOf<'_> {
    fn area(&self, tool: &str) -> Option<&'static str> {
        self.find(tool)?.session_store()?.archive_area()
    }

    fn takes_id(&self, tool: &str, id: &str) -> bool {
        let target = self.find(tool).and_then(|tool| tool.conversion_target());
        target.is_some_and(|target| target.session_id(Some(id)).ok().as_deref() == Some(id))
    }

    fn store_root(&self, tool: &str) -> Result<std::path::PathBuf> {
        match self.find(tool).and_then(|tool| tool.session_store()) {
            Some(store) => store.root(),
            None => anyhow::bail!("{tool} keeps no sessions"),
        }
    }
}
