//! Gemini CLI (`gemini`): the wrapper picks the session id.
//!
//! Sessions are kept per exact working directory: `projects.json` maps the directory to a slug,
//! and the chats live in `<root>/tmp/<slug>/chats/session-<time>-<first 8 of id>.jsonl`, where
//! `<root>` is `$GEMINI_CLI_HOME/.gemini` or `~/.gemini`. `--session-id` fails (exit 42) when the
//! session already exists and `--resume` fails when it does not, so the store decides which one
//! to pass. `projects.json` is only ever read: gemini resets it if it sees a slug it dislikes.
//!
//! A converted session reaches gemini through `--session-file`, which imports it under a new id;
//! see `import` for how the wrapper imports it once and resumes the imported copy after.

mod import;
mod store;
mod transcript;
mod whereabouts;
mod writer;

use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::base::failure::failure;
use crate::base::ids::{is_uuid, new_uuid};
use crate::base::lines::ReadOptions;
use crate::contract::reference::{SessionRef, pick_session, session_file};
use crate::contract::{
    ArgRules, Context, ConversionTarget, Existing, ForkFrom, MovedFrom, NewSession, Plan,
    SessionEncoder, SessionLister, SessionStore, Tool, ToolInfo, TranscriptSource, plan_managed,
};
use crate::project::{SessionMode, StateStore};
use crate::transcript::listing::{Projects, SessionInfo};
use crate::transcript::{Sink, Tally};
use import::Import;
use writer::is_session_id;

pub struct Gemini;

static INFO: ToolInfo = ToolInfo {
    name: "gemini",
    display_name: "Gemini CLI",
    session_mode: SessionMode::ManagedId,
    accepts_target: gemini_target,
    legacy_id_file: None,
    root_variable: Some(store::HOME_VARIABLE),
    wrap_refusal: None,
    args: ArgRules {
        value_flags: &[
            "-m",
            "--model",
            "-i",
            "--prompt-interactive",
            "--approval-mode",
            "--allowed-mcp-server-names",
            "--allowed-tools",
            "-e",
            "--extensions",
            "--include-directories",
            "-o",
            "--output-format",
            "--proxy",
            "--policy",
            "--sandbox-image",
            "--telemetry-target",
            "--telemetry-otlp-endpoint",
            "--telemetry-otlp-protocol",
            "--telemetry-outfile",
        ],
        subcommands: &[
            "mcp",
            "extensions",
            "extension",
            "skills",
            "skill",
            "hooks",
            "hook",
            "gemma",
        ],
        pass_flags: &[
            // explicit sessions
            "-r",
            "--resume",
            "--session-id",
            "--session-file",
            "--list-sessions",
            "--delete-session",
            // non-interactive, or print-and-exit
            "-p",
            "--prompt",
            "--acp",
            "--experimental-acp",
            "--server",
            "--headless",
            "-l",
            "--list-extensions",
        ],
        // `gemini "question"` answers once and exits; `-i "question"` stays interactive.
        positional_prompt_is_one_shot: true,
        interactive_flags: &["-i", "--prompt-interactive"],
    },
};

/// A gemini target: a session id the wrapper gave it, or a converted file being imported.
fn gemini_target(target: &str, state_dir: &Path) -> bool {
    is_uuid(target) || import::import_file(target, state_dir).is_some()
}

impl Tool for Gemini {
    fn info(&self) -> &'static ToolInfo {
        &INFO
    }

    fn plan(&self, context: &Context, stored: Option<&str>, fresh: bool) -> Result<Plan> {
        if let Some(file) =
            stored.and_then(|target| import::import_file(target, &context.state_dir))
        {
            return import::plan_import(context, file);
        }
        plan_managed(stored, fresh, "--session-id", |id| {
            Ok(match store::session_status(&context.session_cwd, id)? {
                store::SessionStatus::HasMessages => {
                    Existing::Resume(vec!["--resume".into(), id.into()])
                }
                store::SessionStatus::Missing => Existing::NotStarted,
                store::SessionStatus::Empty => Existing::Unusable,
            })
        })
    }

    /// Gemini files sessions under the exact folder, so `--resume` from the new place would
    /// fail, and `--session-id` would start a blank session under the old id: the session is
    /// imported here instead, whole.
    fn follow_move(
        &self,
        context: &Context,
        stored: Option<&str>,
        moved: &MovedFrom,
    ) -> Result<Plan> {
        let Some(id) = stored.filter(|target| is_uuid(target)) else {
            return self.plan(context, stored, false);
        };
        if matches!(
            store::session_status(&context.session_cwd, id)?,
            store::SessionStatus::HasMessages
        ) {
            return self.plan(context, stored, false);
        }
        import_here(
            context,
            id,
            moved.old_session_dir(),
            "moved",
            "the project's old place",
        )
    }

    /// A fork is an import of the session's file, which gemini gives a new id.
    fn fork(&self, context: &Context, from: &ForkFrom) -> Result<Plan> {
        if !is_uuid(&from.target) {
            return Ok(
                Plan::new_session(new_uuid(), "--session-id").with_notice(format!(
                    "{} was still importing a converted session; starting a new one here",
                    from.label
                )),
            );
        }
        let source_dir = from.cwd.as_deref().unwrap_or(&context.session_cwd);
        import_here(context, &from.target, source_dir, "fork", &from.label)
    }

    fn session_store(&self) -> Option<&dyn SessionStore> {
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

impl SessionStore for Gemini {
    fn archive_area(&self) -> Option<&'static str> {
        Some("tmp")
    }

    fn root(&self) -> Result<PathBuf> {
        store::root()
    }

    fn has_session(&self, context: &Context, id: &str) -> Result<bool> {
        // A converted session being imported is in the store once gemini has imported it.
        if import::import_file(id, &context.state_dir).is_some() {
            return Ok(match Import::from_state(context.tool_state.as_ref()) {
                Some(import) => import::find_imported(&context.session_cwd, &import)?.is_some(),
                None => false,
            });
        }
        Ok(matches!(
            store::session_status(&context.session_cwd, id)?,
            store::SessionStatus::HasMessages | store::SessionStatus::Empty
        ))
    }
}

/// Imports session `id`, filed by gemini for `source_dir`, into this place (see `whereabouts::import_copy`).
fn import_here(
    context: &Context,
    id: &str,
    source_dir: &Path,
    kind: &str,
    label: &str,
) -> Result<Plan> {
    let start_new = |why: String| {
        Ok(
            Plan::new_session(new_uuid(), "--session-id").with_notice(format!(
                "Gemini session {id} of {label} {why}; starting a new one"
            )),
        )
    };
    let files = store::session_files(source_dir, id)?;
    let Some((_, source)) = files.into_iter().find(|(found, _)| found == id) else {
        return start_new("is gone".into());
    };
    if source.extension().is_some_and(|ext| ext == "json") {
        return start_new("is in gemini's older format, which cannot be imported".into());
    }
    let name = format!("gemini-{kind}-{id}.jsonl");
    let (file, _) = match whereabouts::import_copy(&source, &context.state_dir, &name) {
        Ok(copied) => copied,
        Err(error) => return start_new(format!("cannot be carried over ({error:#})")),
    };
    import::record_written(&file)?;
    let mut fresh = context.at(&context.session_cwd);
    fresh.tool_state = Import::of_file(&file, Some(id.to_owned()))
        .and_then(|import| serde_json::to_value(import).ok());
    import::plan_import(&fresh, file)
}

impl TranscriptSource for Gemini {
    fn find_session(&self, cwd: &Path, reference: &str) -> Result<PathBuf> {
        match SessionRef::parse(self, reference)? {
            SessionRef::Path(path) => session_file(self, path),
            SessionRef::Id(id) => pick_session(self, id, store::session_files(cwd, id)?),
        }
    }

    fn read_transcript(&self, path: &Path, options: &ReadOptions, sink: Sink) -> Result<Tally> {
        if path.extension().is_some_and(|ext| ext == "json") {
            transcript::read_legacy(path, sink)
        } else {
            transcript::read_jsonl(path, options, sink)
        }
    }
}

impl SessionLister for Gemini {
    /// This project's chats, one per session id; sub-agent sessions are left out.
    fn list(
        &self,
        projects: &Projects,
        _skipped: &mut Vec<anyhow::Error>,
        found: &mut dyn FnMut(SessionInfo),
    ) -> Result<()> {
        for (chats, cwd) in store::project_chats(projects)? {
            let Ok(files) = std::fs::read_dir(&chats) else {
                continue;
            };
            let chats = files.flatten().filter_map(|file| {
                let path = file.path();
                store::is_session_file(&path)
                    .then(|| transcript::describe_chat(path, cwd.clone()))
                    .flatten()
                    .filter(|chat| !chat.subagent)
            });
            // A project's chats are held together, to keep the newest of each id.
            for chat in transcript::one_per_session(chats) {
                found(chat.info);
            }
        }
        Ok(())
    }

    fn describe(&self, path: &Path) -> Result<SessionInfo> {
        let cwd = store::registered_dir(path)?;
        let described = transcript::describe_chat(path.to_path_buf(), cwd);
        Ok(described.map_or_else(
            || SessionInfo::new(String::new(), path.to_path_buf(), None),
            |chat| chat.info,
        ))
    }
}

impl ConversionTarget for Gemini {
    fn session_id(&self, requested: Option<&str>) -> Result<String> {
        match requested {
            None => Ok(new_uuid()),
            Some(id) if is_session_id(id) => Ok(id.to_owned()),
            Some(id) => Err(failure(
                format!("{id:?} is not a gemini session id (letters, digits, - and _)"),
                "leave out --target-session for a new one",
            )),
        }
    }

    /// The converted file goes in the project's state folder, where the wrapper imports it from;
    /// gemini gives the import its own id.
    fn session_path(&self, session: &NewSession) -> Result<PathBuf> {
        let store = StateStore::new(&session.scope, (self as &dyn Tool).state_rules());
        store.check_dir()?;
        Ok(store
            .dir()
            .join(format!("gemini-session-{}.jsonl", session.id)))
    }

    fn encoder(&self, session: &NewSession) -> Result<Box<dyn SessionEncoder>> {
        Ok(writer::encoder(session))
    }

    /// The wrapper imports only what this machine's `session convert` wrote.
    fn written(&self, _session: &NewSession, path: &Path) -> Result<()> {
        import::record_written(path)
    }

    fn resume_target(&self, _session: &NewSession, path: &Path) -> String {
        path.to_string_lossy().into_owned()
    }

    fn resume_hint(&self, _session: &NewSession, path: &Path) -> String {
        format!("gemini --session-file {}", path.display())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::time::parse_time;
    use crate::contract::testing::{fixture, read, tally, triples};
    use crate::transcript::Dropped::*;
    use crate::transcript::{Message, Role};
    use import::{first_message_id, imported_from};

    #[test]
    fn replaced_and_rewound_messages_count_as_gemini_counts_them() {
        let (messages, counted) = read(&Gemini, &fixture("convert/gemini-session.jsonl"));
        assert_eq!(
            messages,
            triples(&[
                ("user", "Summarise README.md", "2026-11-21T11:00:01.000Z"),
                (
                    "assistant",
                    "It explains setup and usage.",
                    "2026-11-21T11:00:02.000Z"
                ),
                ("user", "Now CONTRIBUTING.md", "2026-11-21T11:03:00.000Z"),
                (
                    "assistant",
                    "It covers the review process.",
                    "2026-11-21T11:03:05.000Z"
                ),
            ])
        );
        // Only the surviving version of a replaced message is counted.
        let expected = [
            (ToolCalls, 1),
            (Thinking, 1),
            (Notices, 1),
            (Commands, 1),
            (Images, 1),
        ];
        assert_eq!(counted, tally(&expected, 1));
    }

    #[test]
    fn a_replaced_message_keeps_its_place_and_a_checkpoint_starts_over() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("session.jsonl");
        let lines = [
            r#"{"sessionId":"s","projectHash":"p"}"#,
            r#"{"id":"a","type":"user","content":[{"text":"one"}]}"#,
            r#"{"id":"b","type":"gemini","content":"draft"}"#,
            r#"{"id":"c","type":"user","content":"three"}"#,
            r#"{"id":"b","type":"gemini","content":"two"}"#,
            r#"{"$rewindTo":"unknown"}"#,
            r#"{"$set":{"messages":[{"id":"x","type":"user","content":"kept"},{"id":"y","type":"gemini","content":"old"}]}}"#,
            r#"{"id":"z","type":"user","content":"after"}"#,
            r#"{"id":"y","type":"gemini","content":"new"}"#,
        ];
        std::fs::write(&path, lines[..5].join("\n")).unwrap();
        let (messages, _) = read(&Gemini, &path);
        let texts: Vec<&str> = messages.iter().map(|m| m.1.as_str()).collect();
        assert_eq!(texts, ["one", "two", "three"]);

        std::fs::write(&path, lines.join("\n")).unwrap();
        let (messages, _) = read(&Gemini, &path);
        let texts: Vec<&str> = messages.iter().map(|m| m.1.as_str()).collect();
        assert_eq!(texts, ["kept", "new", "after"]);
    }

    #[test]
    fn a_gated_read_still_sees_every_replacement_and_rewind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("session.jsonl");
        let lines = [
            r#"{"sessionId":"s","projectHash":"p"}"#,
            r#"{"id":"a","type":"user","content":"one"}"#,
            r#"{"id":"b","type":"gemini","content":"draft zebra"}"#,
            r#"{"id":"b","type":"gemini","content":"two"}"#,
            r#"{"id":"c","type":"user","content":"zebra, later taken back"}"#,
            r#"{"$rewindTo":"c"}"#,
            r#"{"id":"d","type":"user","content":"a zebra that stays"}"#,
        ];
        std::fs::write(&path, lines.join("\n")).unwrap();
        let gate: crate::base::lines::Gate =
            std::sync::Arc::new(|line: &[u8]| memchr::memmem::find(line, b"zebra").is_some());
        let mut seen = Vec::new();
        Gemini
            .read_transcript(&path, &ReadOptions::gated(Some(gate)), &mut |message| {
                seen.push(message.text);
                Ok(std::ops::ControlFlow::Continue(()))
            })
            .unwrap();
        assert_eq!(seen, ["a zebra that stays"]);
    }

    #[test]
    fn streams_the_older_single_object_format() {
        let (messages, counted) = read(&Gemini, &fixture("convert/gemini-legacy.json"));
        assert_eq!(
            messages,
            triples(&[
                ("user", "Explain the build", "2025-08-01T12:00:01.000Z"),
                ("assistant", "It uses cargo.", "2025-08-01T12:00:05.000Z"),
                ("user", "And the tests?", "2025-08-01T12:02:00.000Z"),
                (
                    "assistant",
                    "cargo test runs them.",
                    "2025-08-01T12:02:05.000Z"
                ),
            ])
        );
        assert_eq!(counted, tally(&[(Thinking, 1), (Notices, 1)], 0));
    }

    #[test]
    fn a_broken_single_object_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("session-x.json");
        std::fs::write(
            &path,
            r#"{"sessionId":"s","messages":[{"type":"user","content":"a"},"#,
        )
        .unwrap();
        let result = Gemini.read_transcript(&path, &ReadOptions::default(), &mut |_| {
            Ok(std::ops::ControlFlow::Continue(()))
        });
        assert!(result.is_err());
    }

    #[test]
    fn an_import_is_recognised_by_its_first_message() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("session-1795259969000-0a1b2c3d.jsonl");
        let imported = "0a1b2c3d-1111-4222-8333-444455556666";
        let lines = [
            format!(r#"{{"sessionId":"{imported}","projectHash":"h","kind":"main"}}"#),
            r#"{"id":"import-1","type":"info","content":"Imported session from /p/x.jsonl"}"#
                .to_owned(),
            r#"{"id":"m-first","type":"user","content":[{"text":"hi"}]}"#.to_owned(),
        ];
        std::fs::write(&path, lines.join("\n")).unwrap();
        assert_eq!(imported_from(&path, "m-first").as_deref(), Some(imported));
        assert_eq!(imported_from(&path, "m-other"), None);
    }

    #[test]
    fn written_sessions_read_back_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.jsonl");
        let session = NewSession {
            id: "s-1".into(),
            cwd: dir.path().to_path_buf(),
            scope: crate::project::Scope::containing(dir.path().to_path_buf()),
            created: chrono::Utc::now(),
        };
        let mut out = Vec::new();
        let mut encoder = Gemini.encoder(&session).unwrap();
        let (source, _) = read(&Gemini, &fixture("convert/gemini-session.jsonl"));
        for (role, text, time) in &source {
            let role = if role == "user" {
                Role::User
            } else {
                Role::Assistant
            };
            let message = Message::new(role, text.clone(), parse_time(Some(time))).unwrap();
            encoder.message(&message, &mut out).unwrap();
        }
        encoder.finish(&mut out).unwrap();
        std::fs::write(&path, &out).unwrap();
        let (back, counted) = read(&Gemini, &path);
        assert_eq!(back, source);
        assert_eq!(counted, Tally::default());
        assert_eq!(first_message_id(&path).map(|id| id.len()), Some(36));
    }
}
