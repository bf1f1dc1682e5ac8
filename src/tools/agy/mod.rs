//! Antigravity CLI (`agy`): agy picks its own conversation id and has no flag to set one, so the
//! wrapper learns it afterwards.
//!
//! Its root is `~/.gemini/antigravity-cli/` (under `$GEMINI_CLI_HOME` when that is set). The
//! latest conversation of each workspace is in `cache/last_conversations.json`, which `agy -c`
//! itself uses; `history.jsonl` and the `brain/<id>/` transcripts are the fallbacks.

mod store;
mod transcript;

use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::base::failure::failure;
use crate::base::ids::is_native_id;
use crate::base::lines::ReadOptions;
use crate::contract::reference::{SessionRef, pick_session, session_file};
use crate::contract::{
    Announce, ArgRules, Context, MovedFrom, Plan, SessionLister, SessionStore, Tool, ToolInfo,
    TranscriptSource, native_target,
};
use crate::project::SessionMode;
use crate::transcript::listing::{Projects, SessionInfo, store_entries};
use crate::transcript::read::read_records;
use crate::transcript::{Sink, Tally};

pub struct Agy;

static INFO: ToolInfo = ToolInfo {
    name: "agy",
    display_name: "Antigravity CLI",
    session_mode: SessionMode::AutoResume,
    accepts_target: native_target,
    legacy_id_file: None,
    root_variable: None,
    wrap_refusal: None,
    args: ArgRules {
        value_flags: &["--model", "--dir"],
        subcommands: &["install", "update", "plugin", "auth"],
        pass_flags: &[
            // explicit sessions
            "-c",
            "--continue",
            "--conversation",
            // non-interactive
            "-p",
            "--prompt",
        ],
        positional_prompt_is_one_shot: false,
        interactive_flags: &[],
    },
};

impl Tool for Agy {
    fn info(&self) -> &'static ToolInfo {
        &INFO
    }

    fn plan(&self, context: &Context, stored: Option<&str>, fresh: bool) -> Result<Plan> {
        if fresh {
            return Ok(Plan::untouched(None, Announce::StartingNew));
        }
        let root = store::root()?;
        let resume =
            |id: &str| Plan::resume(id.to_owned(), vec!["--conversation".into(), id.into()]);
        // The workspace's latest conversation is the one to continue, even if it is not ours.
        if let Some(latest) = store::latest_conversation(&root, context) {
            return Ok(resume(&latest));
        }
        let continue_latest = || Plan {
            inject: vec!["-c".into()],
            ..Plan::untouched(None, Announce::ResumingLatest)
        };
        Ok(match stored {
            Some(id) if store::is_known(&root, id) => resume(id),
            Some(id) => continue_latest()
                .with_notice(format!("Antigravity conversation {id} no longer exists")),
            None => continue_latest(),
        })
    }

    /// Agy resumes a conversation by id from anywhere; one not yet learned is looked for under
    /// the project's old folder.
    fn follow_move(
        &self,
        context: &Context,
        stored: Option<&str>,
        moved: &MovedFrom,
    ) -> Result<Plan> {
        if stored.is_none()
            && let Some(id) =
                store::latest_conversation(&store::root()?, &context.at(moved.old_session_dir()))
        {
            return Ok(Plan::resume(
                id.clone(),
                vec!["--conversation".into(), id.into()],
            ));
        }
        self.plan(context, stored, false)
    }

    fn session_folder(&self, _near: &Path, id: &str) -> Result<Option<PathBuf>> {
        let root = store::root()?;
        if !store::is_known(&root, id) {
            return Ok(None);
        }
        Ok(store::Workspaces::read(&root).by_id.remove(id))
    }

    fn discover(&self, context: &Context) -> Result<Option<String>> {
        Ok(store::latest_conversation(&store::root()?, context))
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

impl SessionStore for Agy {
    fn root(&self) -> Result<PathBuf> {
        store::root()
    }

    fn has_session(&self, _context: &Context, id: &str) -> Result<bool> {
        Ok(store::is_known(&store::root()?, id))
    }
}

impl TranscriptSource for Agy {
    fn find_session(&self, _cwd: &Path, reference: &str) -> Result<PathBuf> {
        let root = store::root()?;
        let transcript_of = |id: &str| {
            store::transcript(&root, id).ok_or_else(|| {
                failure(
                    format!("Antigravity conversation {id} has no transcript"),
                    "give the path of a transcript.jsonl or transcript_full.jsonl",
                )
            })
        };
        match SessionRef::parse(self, reference)? {
            // A `brain/<id>` folder stands for its transcript.
            SessionRef::Path(path) if path.is_dir() => {
                let id = path.file_name().and_then(|name| name.to_str());
                match id.filter(|_| path.parent().is_some_and(|p| p.ends_with("brain"))) {
                    Some(id) => transcript_of(id),
                    None => session_file(self, path),
                }
            }
            SessionRef::Path(path) => session_file(self, path),
            SessionRef::Id(id) => {
                let brains = std::fs::read_dir(root.join("brain"));
                let candidates = brains.into_iter().flatten().flatten().filter_map(|entry| {
                    let id = entry.file_name().into_string().ok()?;
                    Some((id, entry.path()))
                });
                let brain = pick_session(self, id, candidates)?;
                let id = brain
                    .file_name()
                    .and_then(|name| name.to_str())
                    .unwrap_or(id);
                transcript_of(id)
            }
        }
    }

    fn read_transcript(&self, path: &Path, options: &ReadOptions, sink: Sink) -> Result<Tally> {
        read_records::<transcript::TranscriptStep>(path, options, sink)
    }
}

impl SessionLister for Agy {
    /// agy keys conversations by workspace (docs/formats.md): its cache and history say which
    /// workspace each `brain/<id>` conversation is from, by id or, in early builds, by prompt.
    fn list(
        &self,
        projects: &Projects,
        _skipped: &mut Vec<anyhow::Error>,
        found: &mut dyn FnMut(SessionInfo),
    ) -> Result<()> {
        let root = store::root()?;
        let workspaces = store::Workspaces::read(&root);
        for entry in store_entries(&root.join("brain"))? {
            let Some(id) = entry.file_name().to_str().map(str::to_owned) else {
                continue;
            };
            if !is_native_id(&id) || !entry.path().is_dir() {
                continue;
            }
            let path = store::transcript(&root, &id).unwrap_or_else(|| entry.path());
            let info = transcript::describe_conversation(id, path, &workspaces);
            if projects.includes(info.cwd.as_deref()) {
                found(info);
            }
        }
        Ok(())
    }

    fn describe(&self, path: &Path) -> Result<SessionInfo> {
        let root = store::root()?;
        // `brain/<id>/.system_generated/logs/<transcript>`, or any file given by its path.
        let brain = path
            .ancestors()
            .find(|dir| dir.parent().is_some_and(|parent| parent.ends_with("brain")));
        let id = match brain {
            Some(brain) => brain.file_name(),
            None => path.file_stem(),
        };
        let id = id.map(|id| id.to_string_lossy().into_owned());
        let workspaces = store::Workspaces::read(&root);
        Ok(transcript::describe_conversation(
            id.unwrap_or_default(),
            path.to_path_buf(),
            &workspaces,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::testing::{fixture, read, tally, triples};
    use crate::transcript::Dropped::*;

    #[test]
    fn takes_the_user_request_and_the_planner_responses() {
        let (messages, counted) = read(&Agy, &fixture("convert/agy-transcript.jsonl"));
        assert_eq!(
            messages,
            triples(&[
                ("user", "Refactor the parser", "2026-11-21T13:00:01.000Z"),
                (
                    "assistant",
                    "I will split it into two functions.",
                    "2026-11-21T13:00:05.000Z"
                ),
                (
                    "assistant",
                    "Done: `lex` and `parse`.",
                    "2026-11-21T13:00:20.000Z"
                ),
                ("user", "Thanks", "2026-11-21T13:01:00.000Z"),
            ])
        );
        assert_eq!(counted, tally(&[(ToolCalls, 1)], 1));
    }
}
