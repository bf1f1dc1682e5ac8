//! A sixth tool that exists only in tests: it plugs in through the registry line alone, and the
//! tests below show every part of the program knows it from there: the launch, the state, the
//! catalog, `show`, `session convert` and `use`. It offers each capability with the least code
//! a tool can: a store of `<id>.jsonl` files, one message a line after a header line.

use std::io::Write;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::Result;
use serde::{Deserialize, Serialize};

use crate::base::ids::{is_uuid, new_uuid};
use crate::base::lines::{ReadOptions, for_each_line};
use crate::contract::reference::{SessionRef, pick_session, session_file};
use crate::contract::{
    ArgRules, Context, ConversionTarget, Existing, NewSession, Plan, SessionEncoder, SessionLister,
    SessionStore, Tool, ToolInfo, TranscriptSource, managed_target, plan_managed,
};
use crate::project::SessionMode;
use crate::transcript::listing::{Projects, SessionHead, SessionInfo, store_entries, until};
use crate::transcript::write::json_line;
use crate::transcript::{Message, Role, Sink, Tally};

pub struct Sixth;

static INFO: ToolInfo = ToolInfo {
    name: "sixth",
    display_name: "Sixth Tool",
    session_mode: SessionMode::ManagedId,
    args: ArgRules {
        value_flags: &["--model"],
        subcommands: &["login"],
        pass_flags: &["--resume", "-p"],
        positional_prompt_is_one_shot: false,
        interactive_flags: &[],
    },
    accepts_target: managed_target,
    legacy_id_file: None,
    root_variable: None,
    wrap_refusal: None,
};

/// The store, one per test process: a folder of its own, so no test reads a real HOME.
fn root() -> &'static Path {
    static ROOT: OnceLock<tempfile::TempDir> = OnceLock::new();
    ROOT.get_or_init(|| tempfile::tempdir().expect("a temporary folder"))
        .path()
}

/// The first line of a session file: the folder it ran in.
#[derive(Serialize, Deserialize)]
struct Header {
    sixth: u32,
    cwd: PathBuf,
}

#[derive(Serialize, Deserialize)]
struct Line {
    role: String,
    text: String,
}

impl Tool for Sixth {
    fn info(&self) -> &'static ToolInfo {
        &INFO
    }

    fn plan(&self, _context: &Context, stored: Option<&str>, fresh: bool) -> Result<Plan> {
        plan_managed(stored, fresh, "--session", |id| {
            Ok(Existing::Resume(vec!["--resume".into(), id.into()]))
        })
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

impl SessionStore for Sixth {
    fn root(&self) -> Result<PathBuf> {
        Ok(root().to_path_buf())
    }

    fn has_session(&self, _context: &Context, id: &str) -> Result<bool> {
        Ok(is_uuid(id) && root().join(format!("{id}.jsonl")).is_file())
    }
}

impl SessionLister for Sixth {
    fn list(
        &self,
        projects: &Projects,
        _skipped: &mut Vec<anyhow::Error>,
        found: &mut dyn FnMut(SessionInfo),
    ) -> Result<()> {
        for entry in store_entries(root())? {
            let info = self.describe(&entry.path())?;
            if is_uuid(&info.id) && projects.includes(info.cwd.as_deref()) {
                found(info);
            }
        }
        Ok(())
    }

    fn describe(&self, path: &Path) -> Result<SessionInfo> {
        let id = path.file_stem().unwrap_or_default().to_string_lossy();
        let head = SessionHead::read(path, |head, line| {
            if let Ok(header) = serde_json::from_slice::<Header>(line) {
                head.recognised = true;
                head.cwd = Some(header.cwd);
            } else if let Ok(line) = serde_json::from_slice::<Line>(line) {
                head.offer(message(line));
            }
            until(head.prompt.is_some())
        });
        Ok(SessionInfo::new(id.into_owned(), path.to_path_buf(), head))
    }
}

fn message(line: Line) -> Option<Message> {
    let role = match line.role.as_str() {
        "user" => Role::User,
        "assistant" => Role::Assistant,
        _ => return None,
    };
    Message::new(role, line.text, None)
}

impl TranscriptSource for Sixth {
    fn find_session(&self, _cwd: &Path, reference: &str) -> Result<PathBuf> {
        match SessionRef::parse(self, reference)? {
            SessionRef::Path(path) => session_file(self, path),
            SessionRef::Id(id) => {
                let candidates = store_entries(root())?.filter_map(|entry| {
                    let path = entry.path();
                    let id = path.file_stem()?.to_str()?.to_owned();
                    Some((id, path))
                });
                pick_session(self, id, candidates)
            }
        }
    }

    fn read_transcript(&self, path: &Path, options: &ReadOptions, sink: Sink) -> Result<Tally> {
        let mut tally = Tally::default();
        let oversized = for_each_line(path, options, |_, line| {
            match serde_json::from_slice::<Line>(line).ok().and_then(message) {
                Some(message) => sink(message),
                None => Ok(ControlFlow::Continue(())),
            }
        })?;
        tally.malformed += oversized;
        Ok(tally)
    }
}

impl ConversionTarget for Sixth {
    fn session_id(&self, requested: Option<&str>) -> Result<String> {
        Ok(requested
            .filter(|id| is_uuid(id))
            .map_or_else(new_uuid, str::to_owned))
    }

    fn session_path(&self, session: &NewSession) -> Result<PathBuf> {
        Ok(root().join(format!("{}.jsonl", session.id)))
    }

    fn encoder(&self, session: &NewSession) -> Result<Box<dyn SessionEncoder>> {
        Ok(Box::new(Encoder {
            cwd: Some(session.cwd.clone()),
        }))
    }

    fn resume_hint(&self, session: &NewSession, _path: &Path) -> String {
        format!("sixth --resume {}", session.id)
    }
}

struct Encoder {
    /// The header, until it is written.
    cwd: Option<PathBuf>,
}

impl SessionEncoder for Encoder {
    fn message(&mut self, message: &Message, out: &mut dyn Write) -> Result<()> {
        if let Some(cwd) = self.cwd.take() {
            json_line(out, &Header { sixth: 1, cwd })?;
        }
        let line = Line {
            role: message.role.to_string(),
            text: message.text.clone(),
        };
        json_line(out, &line)
    }
}

#[cfg(test)]
mod tests {
    use std::ffi::OsString;

    use super::*;
    use crate::base::layout::Style;
    use crate::project::{Scope, StateStore};
    use crate::sessions::convert::{Request, convert};
    use crate::sessions::render::{self, Document, Format};
    use crate::sessions::{Listed, Order, catalog, locate, pin};
    use crate::tools;

    /// A project folder, and a session of the sixth tool that ran in it.
    fn project_with_session(texts: &[(&str, &str)]) -> (tempfile::TempDir, Scope, String) {
        let dir = tempfile::tempdir().unwrap();
        let scope = Scope::containing(dir.path().to_path_buf());
        let id = new_uuid();
        let mut bytes = serde_json::to_vec(&Header {
            sixth: 1,
            cwd: dir.path().join("src"),
        })
        .unwrap();
        for (role, text) in texts {
            bytes.push(b'\n');
            bytes.extend(
                serde_json::to_vec(&Line {
                    role: (*role).into(),
                    text: (*text).into(),
                })
                .unwrap(),
            );
        }
        std::fs::write(root().join(format!("{id}.jsonl")), bytes).unwrap();
        (dir, scope, id)
    }

    fn sixth() -> &'static dyn Tool {
        tools::find("sixth").unwrap()
    }

    #[test]
    fn the_catalog_lists_its_sessions_of_the_project_and_marks_the_one_it_resumes() {
        let (_dir, scope, id) = project_with_session(&[("user", "plant the tomatoes")]);
        let (_other, _, elsewhere) = project_with_session(&[("user", "not this project")]);
        let listed = listing(&scope, None, Order::ByTool, usize::MAX);
        let ids: Vec<&str> = listed.iter().map(|l| l.info.id.as_str()).collect();
        assert_eq!(ids, [id.as_str()]);
        assert!(!ids.contains(&elsewhere.as_str()));
        assert_eq!(listed[0].info.title.shown(), "plant the tomatoes");
        assert!(!listed[0].current);

        pin::pin(sixth(), &scope, &id).unwrap();
        let listed = listing(&scope, None, Order::ByTool, usize::MAX);
        assert!(listed[0].current, "the pinned session is marked");
    }

    fn listing(scope: &Scope, limit: Option<usize>, order: Order, budget: usize) -> Vec<Listed> {
        let projects = Projects::of(scope);
        catalog::catalog_within(scope, &[sixth()], &projects, limit, order, budget)
            .sessions
            .collect()
    }

    /// What a listing says of each session, every field.
    fn described(listed: &[Listed]) -> Vec<String> {
        let each = |l: &Listed| format!("{} {:?} {}", l.tool.name(), l.info, l.current);
        listed.iter().map(each).collect()
    }

    #[test]
    fn a_listing_spilled_to_temporary_files_is_the_listing_held_in_memory() {
        let (dir, scope, pinned) = project_with_session(&[("user", "the first")]);
        let mut ids = vec![pinned.clone()];
        for n in 0..40u64 {
            let id = new_uuid();
            let header = serde_json::to_string(&Header {
                sixth: 1,
                cwd: dir.path().join(format!("sub \u{1b}{n}")),
            })
            .unwrap();
            let text = match n % 3 {
                0 => String::new(),
                _ => format!("\n{{\"role\":\"user\",\"text\":\"prompt {n} é\"}}"),
            };
            let path = root().join(format!("{id}.jsonl"));
            std::fs::write(&path, header + &text).unwrap();
            // Some share a time, for the ids to order them.
            let time =
                std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000 + n / 4);
            std::fs::File::options()
                .write(true)
                .open(&path)
                .unwrap()
                .set_modified(time)
                .unwrap();
            ids.push(id);
        }
        pin::pin(sixth(), &scope, &pinned).unwrap();
        for order in [Order::ByTool, Order::NewestFirst] {
            for limit in [None, Some(7)] {
                let held = listing(&scope, limit, order, usize::MAX);
                let spilled = listing(&scope, limit, order, 1);
                assert_eq!(described(&spilled), described(&held), "{order:?} {limit:?}");
                assert_eq!(held.len(), limit.unwrap_or(ids.len()));
                let times: Vec<_> = held.iter().map(|l| l.info.updated_at).collect();
                assert!(times.is_sorted_by(|a, b| a >= b), "newest first: {times:?}");
            }
        }
        let held = listing(&scope, None, Order::ByTool, 1);
        assert_eq!(
            held[0].info.id, pinned,
            "the newest: the others are dated 2023"
        );
        assert!(held[0].current);
        assert_eq!(held.iter().filter(|l| l.current).count(), 1);
    }

    #[test]
    fn show_renders_its_conversation() {
        let (_dir, scope, id) = project_with_session(&[
            ("user", "how tall do they grow"),
            ("assistant", "about two metres"),
        ]);
        let (_, info) = locate::locate(sixth(), Some(&id[..8]), &scope).unwrap();
        assert_eq!(info.id, id);
        let transcript = render::read(sixth(), &info).unwrap();
        let document = Document {
            tool: sixth(),
            info: &info,
            transcript: &transcript,
            raw: false,
        };
        let text = document
            .render(Format::Markdown, Style { colour: false }, 80)
            .unwrap();
        assert!(text.contains("how tall do they grow"), "{text}");
        assert!(text.contains("about two metres"), "{text}");
    }

    #[test]
    fn a_session_converts_into_it_and_out_of_it_and_the_project_then_resumes_it() {
        let (_dir, scope, id) = project_with_session(&[
            ("user", "water them daily"),
            ("assistant", "in the morning"),
        ]);
        let request = Request {
            from: sixth(),
            to: sixth(),
            source_session: Some(&id),
            target_session: None,
            apply: true,
        };
        let outcome = convert(&request, &scope).unwrap();
        assert_eq!(outcome.messages, 2);
        assert_ne!(outcome.target_id, id);
        let written = std::fs::read_to_string(&outcome.file).unwrap();
        let lines: Vec<&str> = written.lines().collect();
        assert_eq!(
            lines[1..],
            [
                r#"{"role":"user","text":"water them daily"}"#,
                r#"{"role":"assistant","text":"in the morning"}"#
            ]
        );
        let header: Header = serde_json::from_str(lines[0]).unwrap();
        assert_eq!(header.cwd, scope.cwd);
        assert_eq!(
            locate::resumed_session(sixth(), &scope).unwrap().as_deref(),
            Some(outcome.target_id.as_str())
        );
    }

    #[test]
    fn the_registry_line_alone_makes_it_a_tool() {
        assert!(tools::find("sixth").is_some());
        assert_eq!(tools::names().last(), Some("sixth"));
    }

    #[test]
    fn its_own_flags_decide_what_passes_through() {
        let words = |args: &[&str]| -> Vec<OsString> { args.iter().map(OsString::from).collect() };
        let rules = sixth().arg_rules();
        assert!(rules.passes_through(&words(&["--model", "m", "login"])));
        assert!(rules.passes_through(&words(&["-p", "question"])));
        assert!(!rules.passes_through(&words(&["--model", "login"])));
    }

    #[test]
    fn its_state_is_a_file_of_its_own_with_its_own_rules() {
        let dir = tempfile::tempdir().unwrap();
        let scope = Scope::containing(dir.path().to_path_buf());
        let store = StateStore::new(&scope, sixth().state_rules());
        let created = store.create(store.fresh(sixth().initial_target())).unwrap();
        assert!(created.ours);
        assert_eq!(
            store.path(),
            dir.path().join(".ai-session-manager/sixth.json")
        );
        let loaded = store.load().unwrap().unwrap();
        assert_eq!(loaded.tool, "sixth");
        assert_eq!(loaded.resume_target, created.state.resume_target);
        let context = crate::contract::context_for(&scope, &loaded, store.dir()).0;
        let plan = Sixth
            .plan(&context, loaded.resume_target.as_deref(), false)
            .unwrap();
        assert_eq!(plan.inject[0], "--resume");
    }
}
