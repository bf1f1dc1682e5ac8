//! Claude Code (`claude`): the wrapper picks the session UUID.
//!
//! The transcript only appears once the first message is recorded, so `--resume` is used only
//! while it exists; until then the same id starts the conversation afresh.

mod store;
mod transcript;
mod whereabouts;

use std::path::{Path, PathBuf};

use anyhow::Result;

pub use store::project_dir;

use crate::base::failure::failure;
use crate::base::ids::{is_uuid, new_uuid};
use crate::base::lines::ReadOptions;
use crate::contract::reference::{SessionRef, pick_session, session_file, session_id_taken};
use crate::contract::{
    Announce, ArgRules, Context, ConversionTarget, Existing, ForkFrom, MovedFrom, NewSession, Plan,
    SessionEncoder, SessionLister, SessionPlacement, SessionStore, Tool, ToolInfo,
    TranscriptSource, managed_target, plan_managed,
};
use crate::project::SessionMode;
use crate::transcript::listing::{Projects, SessionInfo};
use crate::transcript::read::read_records;
use crate::transcript::{Sink, Tally};

pub struct Claude;

static INFO: ToolInfo = ToolInfo {
    name: "claude",
    display_name: "Claude Code",
    session_mode: SessionMode::ManagedId,
    accepts_target: managed_target,
    legacy_id_file: None,
    root_variable: Some(store::CONFIG_DIR),
    wrap_refusal: None,
    args: ArgRules {
        value_flags: &[
            "--add-dir",
            "--advisor",
            "--agent",
            "--agents",
            "--allowedTools",
            "--allowed-tools",
            "--append-system-prompt",
            "--append-system-prompt-file",
            "--betas",
            "--disallowedTools",
            "--disallowed-tools",
            "--effort",
            "--fallback-model",
            "--file",
            "--input-format",
            "--json-schema",
            "--max-budget-usd",
            "--max-turns",
            "--mcp-config",
            "--model",
            "--output-format",
            "--permission-mode",
            "--permission-prompt-tool",
            "--plugin-dir",
            "--setting-sources",
            "--settings",
            "--system-prompt",
            "--system-prompt-file",
            "--tools",
        ],
        subcommands: &[
            "agents",
            "attach",
            "auth",
            "auto-mode",
            "doctor",
            "gateway",
            "import",
            "install",
            "logs",
            "mcp",
            "plugin",
            "plugins",
            "purge",
            "respawn",
            "rm",
            "setup-token",
            "stop",
            "kill",
            "ultrareview",
            "update",
            "upgrade",
            "remote-control",
            "rc",
            "remote",
            "sync",
            "bridge",
            "self-hosted-runner",
            "daemon",
            "sandbox",
            "project",
            "import-conversations",
        ],
        pass_flags: &[
            // explicit sessions
            "-c",
            "--continue",
            "-r",
            "--resume",
            "--session-id",
            "--fork-session",
            "--from-pr",
            "--teleport",
            // non-interactive
            "-p",
            "--print",
            // Claude's own relaunches of itself
            "--daemon-worker",
            "--bg-pty-host",
            "--bg-spare",
            "--preload",
            "--chrome-native-host",
            "--claude-in-chrome-mcp",
        ],
        positional_prompt_is_one_shot: false,
        interactive_flags: &[],
    },
};

impl Tool for Claude {
    fn info(&self) -> &'static ToolInfo {
        &INFO
    }

    fn plan(&self, context: &Context, stored: Option<&str>, fresh: bool) -> Result<Plan> {
        plan_managed(stored, fresh, "--session-id", |id| {
            Ok(match store::transcript(&context.session_cwd, id)? {
                Some(_) => Existing::Resume(resume_args(id)),
                None => match store::cleaned_up(context) {
                    Some(days) => Existing::Gone(format!(
                        "The transcript of session {id} is gone: Claude deletes sessions \
                         unused for {days} days (cleanupPeriodDays); starting a new session"
                    )),
                    // Never `-c` and never a new id: the same id starts the conversation
                    // afresh.
                    None => Existing::NotStarted,
                },
            })
        })
    }

    /// Carries the transcript into the new place's project folder, so that claude's
    /// `--continue` and picker find it there too.
    fn follow_move(
        &self,
        context: &Context,
        stored: Option<&str>,
        moved: &MovedFrom,
    ) -> Result<Plan> {
        let Some(id) = stored else {
            return self.plan(context, stored, false);
        };
        let here = store::project_dir(&context.session_cwd)?.join(format!("{id}.jsonl"));
        if here.is_file() {
            return Ok(Plan::resume(id.to_owned(), resume_args(id)));
        }
        let Some(old) = store::transcript(moved.old_session_dir(), id)? else {
            return Ok(
                Plan::new_session(new_uuid(), "--session-id").with_notice(format!(
                    "The transcript of session {id} is gone, so the moved project starts a new \
                 session"
                )),
            );
        };
        let aside =
            whereabouts::move_transcript(&old, &here, &moved.from_root, &context.scope.root)?;
        Ok(
            Plan::resume(id.to_owned(), resume_args(id)).with_notice(format!(
                "Carried session {id} over to this place; the old transcript is kept as {}",
                aside.display()
            )),
        )
    }

    /// `--fork-session` copies the conversation under a new id that the wrapper picks.
    fn fork(&self, context: &Context, from: &ForkFrom) -> Result<Plan> {
        let id = &from.target;
        let source_dir = from.cwd.as_deref().unwrap_or(&context.session_cwd);
        if store::transcript(source_dir, id)?.is_none() {
            return Ok(
                Plan::new_session(new_uuid(), "--session-id").with_notice(format!(
                    "Session {id} of {} has no transcript to fork; starting a new one",
                    from.label
                )),
            );
        }
        let fork = new_uuid();
        let mut inject = resume_args(id);
        inject.extend([
            "--fork-session".into(),
            "--session-id".into(),
            fork.clone().into(),
        ]);
        Ok(Plan {
            inject,
            ..Plan::untouched(
                Some(fork.clone()),
                Announce::Forking {
                    from: id.clone(),
                    to: Some(fork),
                },
            )
        })
    }

    fn session_folder(&self, near: &Path, id: &str) -> Result<Option<PathBuf>> {
        Ok(store::transcript(near, id)?.and_then(|path| store::recorded_cwd(&path)))
    }

    fn session_store(&self) -> Option<&dyn SessionStore> {
        Some(self)
    }

    fn session_placement(&self) -> Option<&dyn SessionPlacement> {
        Some(self)
    }

    fn transcript_source(&self) -> Option<&dyn TranscriptSource> {
        Some(self)
    }

    fn conversion_target(&self) -> Option<&dyn ConversionTarget> {
        Some(self)
    }

    fn session_lister(&self) -> Option<&dyn SessionLister> {
        Some(self)
    }
}

/// Claude files a transcript under the folder named for the project's path, so a session from
/// another machine goes to this machine's folder of the project.
impl SessionPlacement for Claude {
    fn placed_path(
        &self,
        root: &Path,
        id: &str,
        _kept_id: &str,
        _kept_at: &Path,
    ) -> Result<PathBuf> {
        let folder = store::project_dir(root)?;
        let relative = folder.strip_prefix(store::root()?)?.to_path_buf();
        Ok(relative.join(format!("{id}.jsonl")))
    }

    fn new_id(&self) -> String {
        new_uuid()
    }
}

impl SessionStore for Claude {
    fn archive_area(&self) -> Option<&'static str> {
        Some("projects")
    }

    fn root(&self) -> Result<PathBuf> {
        store::root()
    }

    fn has_session(&self, context: &Context, id: &str) -> Result<bool> {
        Ok(store::transcript(&context.session_cwd, id)?.is_some())
    }
}

fn resume_args(id: &str) -> Vec<std::ffi::OsString> {
    vec!["--resume".into(), id.into()]
}

impl TranscriptSource for Claude {
    fn find_session(&self, cwd: &Path, reference: &str) -> Result<PathBuf> {
        match SessionRef::parse(self, reference)? {
            SessionRef::Path(path) => session_file(self, path),
            SessionRef::Id(id) => {
                if is_uuid(id)
                    && let Some(path) = store::transcript(cwd, id)?
                {
                    return Ok(path);
                }
                pick_session(self, id, store::all_transcripts()?)
            }
        }
    }

    fn read_transcript(&self, path: &Path, options: &ReadOptions, sink: Sink) -> Result<Tally> {
        read_records::<transcript::Record>(path, options, sink)
    }
}

impl SessionLister for Claude {
    fn list(
        &self,
        projects: &Projects,
        skipped: &mut Vec<anyhow::Error>,
        found: &mut dyn FnMut(SessionInfo),
    ) -> Result<()> {
        store::listed_transcripts(projects, skipped, &mut |id, path, belongs| {
            let info = transcript::describe_transcript(id, path);
            if belongs.keeps(projects, info.cwd.as_deref()) {
                found(info);
            }
        })
    }

    fn describe(&self, path: &Path) -> Result<SessionInfo> {
        let id = path
            .file_stem()
            .map(|stem| stem.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(transcript::describe_transcript(&id, path.to_path_buf()))
    }
}

impl ConversionTarget for Claude {
    fn session_id(&self, requested: Option<&str>) -> Result<String> {
        match requested {
            None => Ok(new_uuid()),
            Some(id) if is_uuid(id) => Ok(id.to_ascii_lowercase()),
            Some(id) => Err(failure(
                format!("{id:?} is not a UUID, which claude needs as a session id"),
                "leave out --target-session for a new one",
            )),
        }
    }

    fn session_path(&self, session: &NewSession) -> Result<PathBuf> {
        // Claude also resumes a session filed under another folder, so an id anywhere is taken.
        if let Some(existing) = store::transcript(&session.cwd, &session.id)? {
            return Err(session_id_taken(self, &session.id, &existing));
        }
        Ok(project_dir(&session.cwd)?.join(format!("{}.jsonl", session.id)))
    }

    fn encoder(&self, session: &NewSession) -> Result<Box<dyn SessionEncoder>> {
        Ok(transcript::encoder(session))
    }

    fn resume_hint(&self, session: &NewSession, _path: &Path) -> String {
        format!("claude --resume {}", session.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::testing::{fixture, read, tally, triples};
    use crate::transcript::Dropped::*;
    use crate::transcript::{Message, Role};

    #[test]
    fn reads_visible_text_and_counts_the_rest() {
        let (messages, counted) = read(&Claude, &fixture("convert/claude-session.jsonl"));
        assert_eq!(
            messages,
            triples(&[
                (
                    "user",
                    "Why does the parser drop the last token?",
                    "2026-11-21T09:00:00.100Z"
                ),
                (
                    "assistant",
                    "The loop stops one short:\n`i < len - 1` skips the final token.",
                    "2026-11-21T09:00:03.000Z"
                ),
                (
                    "assistant",
                    "Fixed: the bound is now inclusive ✓",
                    "2026-11-21T09:00:05.000Z"
                ),
                (
                    "user",
                    "Here is the failure, naïve me",
                    "2026-11-21T09:02:00.000Z"
                ),
                (
                    "user",
                    "Thanks! Now add a test.",
                    "2026-11-21T09:03:00.000Z"
                ),
                (
                    "assistant",
                    "Added a test: `parses_trailing_token`.",
                    "2026-11-21T09:03:10.000Z"
                ),
            ])
        );
        let expected = [
            (ToolCalls, 1),
            (ToolResults, 1),
            (Thinking, 1),
            (Attachments, 1),
            (Images, 1),
            (Commands, 2),
            (Notices, 1),
            (Subagents, 1),
        ];
        assert_eq!(counted, tally(&expected, 1));
    }

    #[test]
    fn reads_the_real_transcript() {
        let (messages, counted) = read(&Claude, &fixture("real/claude-2.1.330-session.jsonl"));
        assert_eq!(
            messages,
            triples(&[
                ("user", "first", "2026-11-21T11:13:38.603Z"),
                ("user", "second", "2026-11-21T11:13:58.112Z"),
                ("user", "third", "2026-11-21T11:14:16.724Z"),
            ])
        );
        // That run had no API: each reply is Claude's own "API Error" notice, not the model's.
        assert_eq!(counted, tally(&[(Notices, 3)], 0));
    }

    /// The keys of each record of `lines` that is an attachment of `kind`, and of its attachment.
    fn attachment_keys(lines: &[serde_json::Value], kind: &str) -> (Vec<String>, Vec<String>) {
        let record = lines
            .iter()
            .find(|line| line["type"] == "attachment" && line["attachment"]["type"] == kind)
            .unwrap_or_else(|| panic!("no {kind} attachment"));
        let keys = |value: &serde_json::Value| {
            let mut keys: Vec<String> = value.as_object().unwrap().keys().cloned().collect();
            // Claude's own rendering of the text, which converted records leave to Claude.
            keys.retain(|key| key != "rendered" && key != "renderedRole");
            keys.sort();
            keys
        };
        let inner = match kind {
            "environment" => keys(&record["attachment"]["snapshot"]),
            _ => keys(&record["attachment"]),
        };
        (keys(record), inner)
    }

    #[test]
    fn the_start_of_session_attachments_have_the_shape_claude_writes() {
        let real: Vec<serde_json::Value> =
            std::fs::read_to_string(fixture("real/claude-2.1.330-session.jsonl"))
                .unwrap()
                .lines()
                .map(|line| serde_json::from_str(line).unwrap())
                .collect();
        let dir = tempfile::tempdir().unwrap();
        let session = NewSession {
            id: "44444444-2222-4333-8444-555555555555".into(),
            cwd: dir.path().to_path_buf(),
            scope: crate::project::Scope::containing(dir.path().to_path_buf()),
            created: chrono::Utc::now(),
        };
        let mut encoder = Claude.encoder(&session).unwrap();
        let mut out = Vec::new();
        for (role, text) in [(Role::User, "first"), (Role::Assistant, "reply")] {
            let message = Message::new(role, text.into(), None).unwrap();
            encoder.message(&message, &mut out).unwrap();
        }
        let written: Vec<serde_json::Value> = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        let kinds: Vec<&str> = written
            .iter()
            .map(|line| line["type"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["user", "attachment", "attachment", "assistant"]);
        for kind in ["environment", "date"] {
            let (real_record, real_inner) = attachment_keys(&real, kind);
            let (record, inner) = attachment_keys(&written, kind);
            assert_eq!(inner, real_inner, "{kind}");
            assert_eq!(record, real_record, "{kind}");
        }
        assert_eq!(
            written[1]["attachment"]["snapshot"]["workingDirectory"],
            dir.path().to_str().unwrap()
        );
    }
}
