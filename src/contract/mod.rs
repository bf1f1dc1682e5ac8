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
    ConversionTarget, NewSession, SessionEncoder, SessionLister, TranscriptSource,
};
pub use plan::{Announce, Context, Existing, Plan, context_for, plan_managed};

use crate::base::ids::{is_native_id, is_uuid, new_uuid};
use crate::base::{env, platform};
use crate::project::{LegacyIdFile, SessionMode, StateRules};

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
    /// The variable that moves the tool's own store (declared in `base::env`).
    pub root_variable: Option<&'static str>,
}

/// A managed tool's target: a UUID the wrapper gave it.
pub fn managed_target(target: &str, _state_dir: &Path) -> bool {
    is_uuid(target)
}

/// A target the tool picked: a native id.
pub fn native_target(target: &str, _state_dir: &Path) -> bool {
    is_native_id(target)
}

/// One tool's behaviour. The launch path calls only `plan`; the management commands use the rest.
pub trait Tool: Sync {
    /// The tool's fixed facts.
    fn info(&self) -> &'static ToolInfo;

    /// The binary name, which is also the argv[0] the wrapper answers to.
    fn name(&self) -> &'static str {
        self.info().name
    }

    /// The name people know it by.
    fn display_name(&self) -> &'static str {
        self.info().display_name
    }

    fn session_mode(&self) -> SessionMode {
        self.info().session_mode
    }

    fn arg_rules(&self) -> &'static ArgRules {
        &self.info().args
    }

    /// Whether a resume target read from a state file may be used at all.
    fn accepts_target(&self, target: &str, state_dir: &Path) -> bool {
        (self.info().accepts_target)(target, state_dir)
    }

    /// What the state files need to know about the tool.
    fn state_rules(&self) -> StateRules {
        let info = self.info();
        StateRules {
            tool: info.name,
            mode: info.session_mode,
            accepts: info.accepts_target,
            legacy_id_file: info.legacy_id_file,
        }
    }

    /// The target a brand-new state starts with.
    fn initial_target(&self) -> Option<String> {
        match self.session_mode() {
            SessionMode::ManagedId => Some(new_uuid()),
            SessionMode::AutoResume => None,
        }
    }

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
        let plan = self.plan(context, self.initial_target().as_deref(), true)?;
        Ok(plan.with_notice(format!(
            "{} cannot fork a session, so this starts a new one ({} keeps session {})",
            self.display_name(),
            from.label,
            from.target
        )))
    }

    /// Whether the tool's own store holds this session.
    fn has_session(&self, context: &Context, id: &str) -> Result<bool>;

    /// The folder session `id` ran in, as the session itself records it in the tool's store;
    /// `None` when the store does not hold it or does not say. `near` is where it is expected,
    /// for stores filed by folder. A state file may name any id; only this says whose it is.
    fn session_folder(&self, _near: &Path, _id: &str) -> Result<Option<PathBuf>> {
        Ok(None)
    }

    /// The folder the tool keeps its sessions in: under HOME, or where its root variable says.
    fn store_root(&self) -> Result<PathBuf>;

    /// The newest native session of this project, for tools that pick their own ids.
    fn discover(&self, _context: &Context) -> Result<Option<String>> {
        Ok(None)
    }

    /// Why `setup` must not put a wrapper in `dir`, the folder PATH finds the tool in, as a
    /// message and a next step; `None` when it may.
    fn wrap_refusal(&self, _dir: &Path) -> Option<(String, String)> {
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
