//! Codex CLI (`codex`): codex picks its own session id; the wrapper learns it from the rollouts
//! and resumes it with `codex resume <id>`.

mod store;
mod transcript;

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use anyhow::Result;
use chrono::Local;

use crate::base::failure::failure;
use crate::base::ids::is_uuid;
use crate::base::lines::ReadOptions;
use crate::contract::reference::{SessionRef, pick_session, session_file, session_id_taken};
use crate::contract::{
    Announce, ArgRules, Context, ConversionTarget, ForkFrom, MovedFrom, NewSession, Plan,
    SessionEncoder, SessionLister, SessionPlacement, SessionStore, Tool, ToolInfo,
    TranscriptSource, native_target,
};
use crate::project::SessionMode;
use crate::transcript::listing::{Projects, SessionInfo};
use crate::transcript::{Sink, Tally};
use store::Discovered;

pub struct Codex;

static INFO: ToolInfo = ToolInfo {
    name: "codex",
    display_name: "Codex",
    session_mode: SessionMode::AutoResume,
    accepts_target: native_target,
    legacy_id_file: None,
    root_variable: Some(store::HOME_VARIABLE),
    wrap_refusal: Some(wrap_refusal),
    args: ArgRules {
        value_flags: &[
            "-c",
            "--config",
            "--enable",
            "--disable",
            "--remote",
            "--remote-auth-token-env",
            "-i",
            "--image",
            "-m",
            "--model",
            "--local-provider",
            "-p",
            "--profile",
            "-s",
            "--sandbox",
            "-C",
            "--cd",
            "--add-dir",
            "-a",
            "--ask-for-approval",
        ],
        subcommands: &[
            "exec",
            "e",
            "review",
            "login",
            "logout",
            "mcp",
            "mcp-server",
            "plugin",
            "app-server",
            "remote-control",
            "completion",
            "update",
            "doctor",
            "sandbox",
            "debug",
            "apply",
            "a",
            "resume",
            "queue",
            "archive",
            "delete",
            "migrate-rollouts",
            "unarchive",
            "fork",
            "cloud",
            "exec-server",
            "features",
            "help",
            "agents",
        ],
        pass_flags: &[],
        positional_prompt_is_one_shot: false,
        interactive_flags: &[],
    },
};

impl Tool for Codex {
    fn info(&self) -> &'static ToolInfo {
        &INFO
    }

    fn plan(&self, context: &Context, stored: Option<&str>, fresh: bool) -> Result<Plan> {
        if fresh {
            return Ok(Plan::untouched(None, Announce::StartingNew));
        }
        let sessions = store::sessions_dir()?;
        let mut notice = None;
        if let Some(id) = stored {
            match store::locate(&sessions, id) {
                Some(path) => {
                    // A session started later in the same place (`/new`, `codex fork`) takes over.
                    let newer = store::find_newer(&sessions, context, &path);
                    return Ok(match newer {
                        Some(found) => resume(found).with_notice(format!(
                            "Following the newer Codex session of this project (was {id})"
                        )),
                        None => resume_at(id, &path, context),
                    });
                }
                None => notice = Some(format!("Codex session {id} no longer exists")),
            }
        }
        let search = store::find_newest(&sessions, context, context.created_at);
        let mut plan = match search.found {
            Some(found) => resume(found),
            None => Plan::untouched(None, Announce::StartingNew),
        };
        if let Some(dir) = &search.skipped {
            plan = plan.with_notice(format!(
                "Skipped {}: it holds more Codex sessions than a launch reads",
                dir.display()
            ));
        }
        if search.exhausted && plan.target.is_none() {
            plan = plan.with_notice(format!(
                "Looked through the newest {} Codex sessions without finding this project's; \
                 `ai-session-manager use codex <id>` pins an older one",
                store::DISCOVERY_BUDGET
            ));
        }
        Ok(match notice {
            Some(notice) => plan.with_notice(notice),
            None => plan,
        })
    }

    /// Codex resumes by id from anywhere; a session not yet learned is looked for where the
    /// project was.
    fn follow_move(
        &self,
        context: &Context,
        stored: Option<&str>,
        moved: &MovedFrom,
    ) -> Result<Plan> {
        if stored.is_none() {
            let sessions = store::sessions_dir()?;
            let before = context.at(moved.old_session_dir());
            if let Some(found) = store::find_newest(&sessions, &before, context.created_at).found
                && let Some(path) = store::locate(&sessions, &found.id)
            {
                return Ok(resume_at(&found.id, &path, context));
            }
        }
        self.plan(context, stored, false)
    }

    /// `codex fork` copies the session under a new id, started here; the next launch learns
    /// that id as it learns any.
    fn fork(&self, context: &Context, from: &ForkFrom) -> Result<Plan> {
        if store::locate(&store::sessions_dir()?, &from.target).is_none() {
            return Ok(
                Plan::untouched(None, Announce::StartingNew).with_notice(format!(
                    "Codex session {} of {} no longer exists",
                    from.target, from.label
                )),
            );
        }
        Ok(Plan {
            inject: vec![
                "fork".into(),
                from.target.clone().into(),
                "-C".into(),
                context.session_cwd.clone().into_os_string(),
            ],
            ..Plan::untouched(
                None,
                Announce::Forking {
                    from: from.target.clone(),
                    to: None,
                },
            )
        })
    }

    fn session_folder(&self, _near: &Path, id: &str) -> Result<Option<PathBuf>> {
        let rollout = store::locate(&store::sessions_dir()?, id);
        let meta = rollout.as_deref().and_then(store::read_meta);
        Ok(meta.and_then(|meta| meta.cwd).map(PathBuf::from))
    }

    fn discover(&self, context: &Context) -> Result<Option<String>> {
        let search = store::find_newest(&store::sessions_dir()?, context, context.created_at);
        Ok(search.found.map(|found| found.id))
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

/// Codex files rollouts by date, not by folder, so a session from another machine keeps its
/// place; a fork's file is named with its new id.
impl SessionPlacement for Codex {
    fn placed_path(
        &self,
        _root: &Path,
        id: &str,
        kept_id: &str,
        kept_at: &Path,
    ) -> Result<PathBuf> {
        let name = kept_at
            .file_name()
            .and_then(|name| name.to_str())
            .filter(|name| name.contains(kept_id))
            .ok_or_else(|| {
                anyhow::anyhow!("{} is not a rollout of {kept_id}", kept_at.display())
            })?;
        Ok(kept_at.with_file_name(name.replace(kept_id, id)))
    }

    fn new_id(&self) -> String {
        uuid::Uuid::now_v7().hyphenated().to_string()
    }
}

impl SessionStore for Codex {
    fn archive_area(&self) -> Option<&'static str> {
        Some("sessions")
    }

    fn root(&self) -> Result<PathBuf> {
        store::root()
    }

    fn has_session(&self, _context: &Context, id: &str) -> Result<bool> {
        Ok(store::locate(&store::sessions_dir()?, id).is_some())
    }
}

/// Resumes the rollout at `path`. A session whose recorded folder is gone (the project moved) is
/// told where it runs now; else codex would ask.
fn resume_at(id: &str, path: &Path, context: &Context) -> Plan {
    let mut plan = resume(Discovered {
        id: id.to_owned(),
        cwd: None,
    });
    let recorded = store::read_meta(path).and_then(|meta| meta.cwd);
    if recorded.is_some_and(|dir| !Path::new(&dir).is_dir()) {
        plan.inject.push("-C".into());
        plan.inject
            .push(context.session_cwd.clone().into_os_string());
    }
    plan
}

fn resume(found: Discovered) -> Plan {
    let inject: Vec<OsString> = vec!["resume".into(), found.id.clone().into()];
    let mut plan = Plan::resume(found.id, inject);
    plan.session_cwd = found.cwd;
    plan
}

impl TranscriptSource for Codex {
    fn find_session(&self, _cwd: &Path, reference: &str) -> Result<PathBuf> {
        match SessionRef::parse(self, reference)? {
            SessionRef::Path(path) => session_file(self, path),
            SessionRef::Id(id) => {
                let sessions = store::sessions_dir()?;
                if let Some(path) = store::locate(&sessions, id) {
                    return Ok(path);
                }
                let rollouts = store::rollouts_newest_first(&sessions);
                pick_session(self, id, rollouts.map(|rollout| (rollout.id, rollout.path)))
            }
        }
    }

    fn read_transcript(&self, path: &Path, options: &ReadOptions, sink: Sink) -> Result<Tally> {
        transcript::read(path, options, sink)
    }
}

impl SessionLister for Codex {
    fn list(
        &self,
        projects: &Projects,
        skipped: &mut Vec<anyhow::Error>,
        found: &mut dyn FnMut(SessionInfo),
    ) -> Result<()> {
        store::project_rollouts(projects, skipped, &mut |rollout, meta| {
            found(transcript::describe_rollout(rollout.id, rollout.path, meta));
        })
    }

    fn describe(&self, path: &Path) -> Result<SessionInfo> {
        let name = path
            .file_name()
            .and_then(|name| name.to_str())
            .unwrap_or("");
        let id = store::rollout_id(name).unwrap_or(name).to_owned();
        let meta = store::read_meta(path);
        Ok(transcript::describe_rollout(id, path.to_path_buf(), meta))
    }
}

impl ConversionTarget for Codex {
    fn session_id(&self, requested: Option<&str>) -> Result<String> {
        match requested {
            // Current codex ids are UUIDv7: time-ordered, and `locate` finds them by their date.
            None => Ok(uuid::Uuid::now_v7().hyphenated().to_string()),
            Some(id) if is_uuid(id) => Ok(id.to_ascii_lowercase()),
            Some(id) => Err(failure(
                format!("{id:?} is not a UUID, which codex needs as a session id"),
                "leave out --target-session for a new one",
            )),
        }
    }

    fn session_path(&self, session: &NewSession) -> Result<PathBuf> {
        let sessions = store::sessions_dir()?;
        if let Some(existing) = store::locate(&sessions, &session.id) {
            return Err(session_id_taken(self, &session.id, &existing));
        }
        // Codex names rollouts by local time, in local date folders.
        let local = session.created.with_timezone(&Local);
        Ok(sessions
            .join(local.format("%Y/%m/%d").to_string())
            .join(format!(
                "rollout-{}-{}.jsonl",
                local.format("%Y-%m-%dT%H-%M-%S"),
                session.id
            )))
    }

    fn encoder(&self, session: &NewSession) -> Result<Box<dyn SessionEncoder>> {
        Ok(transcript::encoder(session, store::configured_provider()?))
    }

    fn resume_hint(&self, session: &NewSession, _path: &Path) -> String {
        format!("codex resume {}", session.id)
    }
}

/// Codex copies its own package (`codex-package.json` beside `bin/`) to start its background
/// server, and refuses a package whose `bin/codex` links outside it ("package link escapes
/// its root"). The npm platform package put on PATH directly is such a folder.
fn wrap_refusal(dir: &Path) -> Option<(String, String)> {
    let package = dir.parent()?;
    if !package.join("codex-package.json").is_file() {
        return None;
    }
    let tool = dir.join("codex");
    Some((
        format!(
            "{} is inside codex's own package ({}); codex stops working with a wrapper \
             there, so nothing changed",
            dir.display(),
            package.display()
        ),
        format!(
            "wrap a link to it instead: mkdir -p ~/.local/bin && ln -s {} ~/.local/bin/codex, \
             put ~/.local/bin before {} on PATH, then run 'ai-session-manager setup codex'",
            tool.display(),
            dir.display()
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::testing::{fixture, read, tally, triples};
    use crate::transcript::Dropped::*;

    #[test]
    fn takes_the_response_items_once_and_drops_injected_blocks() {
        let (messages, counted) = read(&Codex, &fixture("convert/codex-rollout.jsonl"));
        assert_eq!(
            messages,
            triples(&[
                (
                    "user",
                    "Rename `foo` to `bar` everywhere.",
                    "2026-11-21T10:00:01.000Z"
                ),
                (
                    "assistant",
                    "Renamed in 3 files.",
                    "2026-11-21T10:00:05.010Z"
                ),
                ("user", "And this screenshot?", "2026-11-21T10:01:00.000Z"),
                (
                    "assistant",
                    "That is the old name in the docs; updated too.",
                    "2026-11-21T10:01:01.010Z"
                ),
            ])
        );
        let expected = [(Thinking, 1), (ToolCalls, 1), (ToolResults, 1), (Images, 1)];
        assert_eq!(counted, tally(&expected, 1));
    }

    #[test]
    fn reads_the_real_rollout_without_doubling() {
        let (messages, counted) = read(&Codex, &fixture("real/codex-0.169-rollout.jsonl"));
        assert_eq!(
            messages,
            triples(&[
                ("user", "first tui prompt", "2026-11-21T11:19:30.020Z"),
                ("assistant", "MOCK_REPLY hello", "2026-11-21T11:19:30.064Z"),
            ])
        );
        assert_eq!(counted, Tally::default());
    }

    #[test]
    fn reads_the_event_form_of_older_rollouts() {
        let (messages, counted) = read(&Codex, &fixture("convert/codex-events.jsonl"));
        assert_eq!(
            messages,
            triples(&[
                ("user", "What does main.rs do?", "2025-09-01T08:00:02.000Z"),
                (
                    "assistant",
                    "It starts the server.",
                    "2025-09-01T08:00:05.000Z"
                ),
            ])
        );
        assert_eq!(
            counted,
            tally(&[(Images, 1), (Thinking, 1), (ToolCalls, 1)], 0)
        );
    }

    #[test]
    fn reads_the_item_completed_events_when_there_are_no_response_items() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rollout.jsonl");
        let real = std::fs::read_to_string(fixture("real/codex-0.169-rollout.jsonl")).unwrap();
        let events: Vec<&str> = real
            .lines()
            .filter(|line| !line.contains("\"type\": \"response_item\""))
            .collect();
        std::fs::write(&path, events.join("\n")).unwrap();
        let (messages, _) = read(&Codex, &path);
        assert_eq!(
            messages,
            triples(&[
                ("user", "first tui prompt", "2026-11-21T11:19:30.023Z"),
                ("assistant", "MOCK_REPLY hello", "2026-11-21T11:19:30.057Z"),
            ])
        );
    }

    #[test]
    fn reads_the_real_first_line() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/real/codex-0.169-rollout.jsonl");
        let meta = store::read_meta(&path).expect("session_meta");
        assert_eq!(meta.cwd.as_deref(), Some("/tmp/research-cc/work/cx2"));
        assert!(meta.interactive);
    }

    fn words(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    #[test]
    fn first_positional_skips_flag_values() {
        let rules = &Codex.info().args;
        assert!(rules.passes_through(&words(&["-m", "o3", "review"])));
        assert!(rules.passes_through(&words(&["--model=o3", "exec", "x"])));
        assert!(!rules.passes_through(&words(&["-m", "review"])));
        assert!(!rules.passes_through(&words(&["fix the review comments"])));
        assert!(!rules.passes_through(&words(&["--", "--help"])));
    }
}
