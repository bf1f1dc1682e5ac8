//! Archive runs, and what the commands ask of the archive (`project::archive` holds its format
//! and the restore): each run writes only the sessions whose file changed since the last
//! (size or modification time), all in one `git fast-import`; a run with nothing new writes no
//! object and moves no ref.

use std::collections::HashMap;
use std::path::{Component, Path};

use anyhow::Result;
use chrono::Utc;

use crate::base::failure::failure;
use crate::base::files;
use crate::contract::{ArchiveRulesOf, Tool};
use crate::project::Scope;
use crate::project::archive::git::Change;
use crate::project::archive::{self, Archived, Manifest, REF, Restored, is_safe_name, is_valid_id};
use crate::project::git::GitHead;
use crate::project::keeping;
use crate::sessions::catalog::{Order, catalog};
use crate::transcript::listing::Projects;

/// What an archive run did.
#[derive(Debug, Default)]
pub struct Run {
    /// The sessions written, as `tool/id`.
    pub written: Vec<String>,
    pub unchanged: usize,
    /// Sessions that could not be archived, each said in a line.
    pub skipped: Vec<String>,
}

/// The tools whose sessions the archive keeps.
pub fn archived_tools(tools: &[&'static dyn Tool]) -> Vec<&'static dyn Tool> {
    let keeps = |tool: &&'static dyn Tool| {
        let area = tool.session_store().and_then(|store| store.archive_area());
        area.is_some()
    };
    tools.iter().copied().filter(keeps).collect()
}

/// Writes this project's sessions of `tools` that changed since the last run to the archive.
pub fn archive(scope: &Scope, tools: &[&'static dyn Tool]) -> Result<Run> {
    let repo = archive::repo_of(scope)?;
    let tools = archived_tools(tools);
    let rules = ArchiveRulesOf(&tools);
    let mut contents = archive::read(&repo, &rules)?;
    let mut run = Run::default();
    // An archive this machine did not write (it came with a downloaded repository, or this
    // machine's note of it is gone) is not built on: it is set aside on a ref of its own, never
    // deleted, and this machine's sessions are written afresh.
    if let Some(commit) = contents.commit.clone()
        && !keeping::written_here_is(&repo.git_dir, &commit)
    {
        let aside = format!("{REF}-set-aside-{}", Utc::now().timestamp());
        repo.update_ref(&aside, Some(&commit), None)?;
        repo.update_ref(REF, None, Some(&commit))?;
        run.skipped.push(format!(
            "the archive was not written on this machine; set it aside as {aside}"
        ));
        contents = archive::Contents {
            commit: None,
            sessions: Vec::new(),
            warnings: Vec::new(),
        };
    }
    let held: HashMap<(String, String), Manifest> = contents
        .sessions
        .into_iter()
        .map(|archived| {
            let key = (archived.manifest.tool.clone(), archived.manifest.id.clone());
            (key, archived.manifest)
        })
        .collect();
    let listing = catalog(scope, &tools, &Projects::of(scope), None, Order::ByTool);
    for (tool, error) in &listing.unlisted {
        run.skipped
            .push(format!("cannot list {} sessions: {error:#}", tool.name()));
    }
    let branch = match scope.git().map(|dirs| dirs.head()) {
        Some(GitHead::Branch(name)) => Some(String::from_utf8_lossy(&name).into_owned()),
        _ => None,
    };
    let mut import = None;
    let mut changes = Vec::new();
    for listed in listing.sessions {
        let tool = listed.tool.name();
        let info = &listed.info;
        let key = (tool.to_owned(), info.id.clone());
        let unchanged = held.get(&key).is_some_and(|manifest| {
            manifest.size_bytes == info.size_bytes && manifest.updated_at == info.updated_at
        });
        if unchanged {
            run.unchanged += 1;
            continue;
        }
        let root = rules_root(&rules, tool);
        let store_path = match root.and_then(|root| relative_to(&info.path, &root)) {
            Some(path) if is_valid_id(&rules, tool, &info.id) => path,
            _ => {
                run.skipped.push(format!(
                    "{tool} session {} is not in {tool}'s store as expected",
                    info.id
                ));
                continue;
            }
        };
        let (mut file, meta) = match files::open_regular(&info.path, false) {
            Ok(opened) => opened,
            Err(why) => {
                let path = info.path.display();
                run.skipped.push(format!("cannot archive {path}: {why}"));
                continue;
            }
        };
        let import = match &mut import {
            Some(import) => import,
            None => import.insert(repo.import()?),
        };
        let mark = import.blob(meta.len(), &mut file)?;
        let manifest = Manifest {
            tool: tool.to_owned(),
            id: info.id.clone(),
            title: info.title.prompt().map(str::to_owned),
            started_at: info.started_at,
            updated_at: info.updated_at,
            size_bytes: meta.len(),
            store_path,
            branch: branch.clone(),
            archived_at: Utc::now(),
            root: scope.root.to_str().map(str::to_owned),
        };
        let folder = format!("{tool}/{}", info.id);
        changes.push((format!("{folder}/session"), Change::Mark(mark)));
        changes.push((
            format!("{folder}/manifest.json"),
            Change::Inline(serde_json::to_vec_pretty(&manifest)?),
        ));
        run.written.push(folder);
    }
    if let Some(import) = import {
        let message = format!("Archive {} session(s)", run.written.len());
        import.finish(REF, contents.commit.as_deref(), &message, &changes)?;
        if let Some(commit) = repo.resolve(REF)? {
            keeping::note_written(&repo.git_dir, &commit)?;
        }
    }
    let mut holds: Vec<String> = held
        .keys()
        .map(|(tool, id)| format!("{tool}/{id}"))
        .collect();
    holds.extend(run.written.iter().cloned());
    holds.sort();
    holds.dedup();
    let own = keeping::own_dir(&repo.git_dir);
    std::fs::create_dir_all(&own)?;
    keeping::mark_holds(&own, &holds)?;
    Ok(run)
}

fn rules_root(rules: &ArchiveRulesOf, tool: &str) -> Option<std::path::PathBuf> {
    archive::ArchiveRules::store_root(rules, tool).ok()
}

/// `path` under `root`, as the parts of a store path, if it lies there.
fn relative_to(path: &Path, root: &Path) -> Option<String> {
    let rest = path.strip_prefix(root).ok()?;
    let mut parts = Vec::new();
    for component in rest.components() {
        match component {
            Component::Normal(part) => parts.push(part.to_str().filter(|p| is_safe_name(p))?),
            _ => return None,
        }
    }
    Some(parts.join("/"))
}

/// Puts back the archived session `id` (or a unique prefix of it) of `tool`.
pub fn restore(scope: &Scope, tool: &'static dyn Tool, id: &str) -> Result<Restored> {
    let repo = archive::repo_of(scope)?;
    let tools = [tool];
    let rules = ArchiveRulesOf(&tools);
    let contents = archive::read(&repo, &rules)?;
    let found: Vec<&Archived> = contents
        .sessions
        .iter()
        .filter(|a| a.manifest.tool == tool.name())
        .filter(|a| a.manifest.id == id || (!id.is_empty() && a.manifest.id.starts_with(id)))
        .collect();
    match found.as_slice() {
        [one] => archive::restore(&repo, &rules, one),
        [] => Err(failure(
            format!("the archive holds no {} session {id}", tool.name()),
            "see what it holds: ai-session-manager sessions --archived",
        )),
        _ => Err(failure(
            format!("{id} names more than one archived {} session", tool.name()),
            "give more of the id",
        )),
    }
}

/// The archived sessions of `tools` that the tools' stores no longer hold, newest first; and a
/// line for each entry of the archive left out.
pub fn archived_only(
    scope: &Scope,
    tools: &[&'static dyn Tool],
) -> Result<(Vec<Archived>, Vec<String>)> {
    let repo = archive::repo_of(scope)?;
    let tools = archived_tools(tools);
    let rules = ArchiveRulesOf(&tools);
    let contents = archive::read(&repo, &rules)?;
    let mut only: Vec<Archived> = contents
        .sessions
        .into_iter()
        .filter(|entry| {
            let relative = archive::store_relative(&rules, &entry.manifest);
            let root = rules_root(&rules, &entry.manifest.tool);
            match (root, relative) {
                (Some(root), Ok(relative)) => root.join(relative).symlink_metadata().is_err(),
                _ => false,
            }
        })
        .collect();
    only.sort_by_key(|a| std::cmp::Reverse(a.manifest.updated_at));
    Ok((only, contents.warnings))
}
