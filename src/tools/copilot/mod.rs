//! GitHub Copilot CLI (`copilot`): the wrapper picks the session UUID, and `--session-id` both
//! creates and resumes, so it is passed on every launch.

mod store;
mod transcript;

use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::base::files::{STORE_FILE_CAP, read_store_file};
use crate::base::ids::is_native_id;
use crate::base::lines::ReadOptions;
use crate::contract::reference::{SessionRef, pick_session, session_file};
use crate::contract::{
    ArgRules, Context, Existing, Plan, SessionLister, SessionStore, Tool, ToolInfo,
    TranscriptSource, managed_target, plan_managed,
};
use crate::project::{LegacyIdFile, SessionMode};
use crate::transcript::listing::{Projects, SessionInfo, store_entries};
use crate::transcript::read::read_records;
use crate::transcript::{Sink, Tally};

pub struct Copilot;

static INFO: ToolInfo = ToolInfo {
    name: "copilot",
    display_name: "GitHub Copilot CLI",
    session_mode: SessionMode::ManagedId,
    accepts_target: managed_target,
    legacy_id_file: Some(LegacyIdFile {
        in_git: "copilot-session",
        in_folder: ".copilot-session",
    }),
    root_variable: Some(store::HOME_VARIABLE),
    wrap_refusal: None,
    args: ArgRules {
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
    },
};

impl Tool for Copilot {
    fn info(&self) -> &'static ToolInfo {
        &INFO
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

    fn session_folder(&self, _near: &Path, id: &str) -> Result<Option<PathBuf>> {
        let workspace = store::session_dir(id)?.join(store::WORKSPACE);
        let Some(bytes) = read_store_file(&workspace, STORE_FILE_CAP) else {
            return Ok(None);
        };
        let text = String::from_utf8_lossy(&bytes);
        Ok(store::yaml_scalar(&text, "cwd").map(PathBuf::from))
    }

    fn session_store(&self) -> Option<&dyn SessionStore> {
        Some(self)
    }

    fn transcript_source(&self) -> Option<&dyn TranscriptSource> {
        Some(self)
    }

    fn session_lister(&self) -> Option<&dyn SessionLister> {
        Some(self)
    }
}

impl SessionStore for Copilot {
    fn root(&self) -> Result<PathBuf> {
        store::root()
    }

    fn has_session(&self, _context: &Context, id: &str) -> Result<bool> {
        Ok(store::session_dir(id)?.is_dir())
    }
}

impl TranscriptSource for Copilot {
    fn find_session(&self, _cwd: &Path, reference: &str) -> Result<PathBuf> {
        match SessionRef::parse(self, reference)? {
            // A session folder stands for its event log.
            SessionRef::Path(path) if path.is_dir() => session_file(self, path.join(store::EVENTS)),
            SessionRef::Path(path) => session_file(self, path),
            SessionRef::Id(id) => {
                let sessions = std::fs::read_dir(store::root()?.join("session-state"));
                let candidates = sessions
                    .into_iter()
                    .flatten()
                    .flatten()
                    .filter_map(|entry| {
                        let id = entry.file_name().into_string().ok()?;
                        let events = entry.path().join(store::EVENTS);
                        events.is_file().then_some((id, events))
                    });
                pick_session(self, id, candidates)
            }
        }
    }

    fn read_transcript(&self, path: &Path, options: &ReadOptions, sink: Sink) -> Result<Tally> {
        read_records::<transcript::Event>(path, options, sink)
    }
}

impl SessionLister for Copilot {
    /// Copilot records each session's folder in its `workspace.yaml` (`cwd`, `git_root`), and
    /// again in the `session.start` event: a session belongs to the project holding either.
    fn list(
        &self,
        projects: &Projects,
        _skipped: &mut Vec<anyhow::Error>,
        found: &mut dyn FnMut(SessionInfo),
    ) -> Result<()> {
        for entry in store_entries(&store::root()?.join("session-state"))? {
            let Some(id) = entry.file_name().to_str().map(str::to_owned) else {
                continue;
            };
            if !is_native_id(&id) || !entry.path().is_dir() {
                continue;
            }
            let (info, git_root) = transcript::describe_session(id, &entry.path());
            if projects.includes(info.cwd.as_deref()) || projects.includes(git_root.as_deref()) {
                found(info);
            }
        }
        Ok(())
    }

    fn describe(&self, path: &Path) -> Result<SessionInfo> {
        let dir = path.parent().unwrap_or(path);
        let id = dir
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(transcript::describe_session(id, dir).0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::testing::{fixture, read, tally, triples};
    use crate::transcript::Dropped::*;

    #[test]
    fn reads_messages_and_counts_tools_and_attachments() {
        let (messages, counted) = read(&Copilot, &fixture("convert/copilot-events.jsonl"));
        assert_eq!(
            messages,
            triples(&[
                ("user", "List the failing tests", "2026-11-21T12:00:01.000Z"),
                (
                    "assistant",
                    "Two tests fail: `a` and `b`.",
                    "2026-11-21T12:00:10.000Z"
                ),
                ("user", "Fix a", "2026-11-21T12:01:00.000Z"),
                ("assistant", "Done.", "2026-11-21T12:01:05.000Z"),
            ])
        );
        let expected = [
            (Thinking, 1),
            (ToolCalls, 1),
            (ToolResults, 1),
            (Attachments, 1),
        ];
        assert_eq!(counted, tally(&expected, 1));
    }
}
