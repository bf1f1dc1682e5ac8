//! The archive: a project's sessions kept in its own git repository, on a ref of their own
//! ([`REF`]), so that they outlive the tools' cleanup (claude's 30-day sweep, gemini's deletion
//! of resumed chats). Never in the working tree, never on a branch, never sent by a plain
//! `git push` (which pushes branches and tags only).
//!
//! The ref's commit holds a tree with, per session, `<tool>/<id>/session` (the tool's file,
//! byte for byte) and `<tool>/<id>/manifest.json` ([`Manifest`]). This module reads it and puts
//! sessions back; `sessions::archive` writes it, and the launch restores through it.
//!
//! What the ref holds is read as untrusted (a repository can arrive with a download): ids are
//! checked by the tool's own rule, a manifest that does not match its place is skipped, and a
//! restore writes only to a path checked to lie in the tool's own store, never over a file,
//! never through a link.

pub mod git;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Scope;
use crate::base::failure::failure;
use crate::base::files::NewFile;
use git::{Repo, TreeEntry};

/// The ref the archive lives on: outside `refs/heads` and `refs/tags`, so no plain push or
/// clone carries it.
pub const REF: &str = "refs/ai-session-manager/archive";

/// What the archive needs to know of the tools, from the floors that know them.
pub trait ArchiveRules {
    /// The folder of the tool's store its archived sessions lie under; `None` for a tool the
    /// archive does not keep.
    fn area(&self, tool: &str) -> Option<&'static str>;
    /// Whether `id` is an id the tool itself takes.
    fn takes_id(&self, tool: &str, id: &str) -> bool;
    /// The tool's store.
    fn store_root(&self, tool: &str) -> Result<PathBuf>;
}

/// What the archive records of a session beside its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub tool: String,
    pub id: String,
    pub title: Option<String>,
    pub started_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
    pub size_bytes: u64,
    /// Where the file was, relative to the tool's store, with `/` between the parts.
    pub store_path: String,
    /// The branch checked out when it was archived.
    pub branch: Option<String>,
    pub archived_at: DateTime<Utc>,
    /// The project's folder on the machine that wrote it, which `sync pull` turns into this
    /// machine's folder of the project.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root: Option<String>,
}

/// A session the archive holds.
#[derive(Debug, Clone)]
pub struct Archived {
    pub manifest: Manifest,
    /// The object holding the session's bytes.
    pub blob: String,
    /// Its size, as the tree says.
    pub size: u64,
}

/// What the archive holds: its commit, its sessions, and a line for each entry left out.
pub struct Contents {
    pub commit: Option<String>,
    pub sessions: Vec<Archived>,
    pub warnings: Vec<String>,
}

/// The repository a project's archive lives in.
pub fn repo_of(scope: &Scope) -> Result<Repo> {
    // A `.git` that is not a repository (no objects, no HEAD) holds no archive either.
    let is_repository = |dir: &Path| dir.join("objects").is_dir() && dir.join("HEAD").is_file();
    match scope.git() {
        Some(dirs) if scope.is_repo && is_repository(&dirs.common_dir) => {
            Ok(Repo::new(&dirs.common_dir))
        }
        _ => Err(failure(
            format!(
                "{} is not in a git repository, where the archive is kept",
                scope.root.display()
            ),
            "run `git init` there to keep its sessions",
        )),
    }
}

/// What the archive holds; entries that are not ours or do not match their place are left out,
/// each with a line in the warnings.
pub fn read(repo: &Repo, rules: &dyn ArchiveRules) -> Result<Contents> {
    read_ref(repo, rules, REF)
}

/// What `reference` holds, in the archive's layout, read as [`read`] reads the archive.
pub fn read_ref(repo: &Repo, rules: &dyn ArchiveRules, reference: &str) -> Result<Contents> {
    let Some(commit) = repo.resolve(reference)? else {
        return Ok(Contents {
            commit: None,
            sessions: Vec::new(),
            warnings: Vec::new(),
        });
    };
    type Place = (Option<String>, Option<(String, u64)>);
    let mut places: HashMap<(String, String), Place> = HashMap::new();
    let mut warnings = Vec::new();
    let mut not_ours =
        |path: &str| warnings.push(format!("the archive holds {path:?}, which is not ours"));
    for TreeEntry {
        oid,
        path,
        size,
        mode,
    } in repo.tree(&commit)?
    {
        // A link or an executable is not what the archive writes.
        if mode != "100644" {
            not_ours(&path);
            continue;
        }
        let parts: Vec<&str> = path.split('/').collect();
        let [tool, id, name] = parts.as_slice() else {
            not_ours(&path);
            continue;
        };
        if rules.area(tool).is_none() || !is_valid_id(rules, tool, id) {
            not_ours(&path);
            continue;
        }
        let place = places
            .entry((tool.to_string(), id.to_string()))
            .or_default();
        match *name {
            "manifest.json" => place.0 = Some(oid),
            "session" => place.1 = Some((oid, size)),
            _ => not_ours(&path),
        }
    }
    let mut keys: Vec<(String, String)> = places.keys().cloned().collect();
    keys.sort();
    let manifest_oids: Vec<String> = keys
        .iter()
        .map(|key| places[key].0.clone().unwrap_or_default())
        .collect();
    let manifests = repo.small_blobs(&manifest_oids, git::MANIFEST_CAP)?;
    let mut sessions = Vec::new();
    for ((tool, id), bytes) in keys.into_iter().zip(manifests) {
        let blob = places[&(tool.clone(), id.clone())].1.clone();
        let manifest = bytes.and_then(|bytes| serde_json::from_slice::<Manifest>(&bytes).ok());
        match (manifest, blob) {
            (Some(manifest), Some((blob, size)))
                if manifest.tool == tool
                    && manifest.id == id
                    && store_relative(rules, &manifest).is_ok() =>
            {
                sessions.push(Archived {
                    manifest,
                    blob,
                    size,
                });
            }
            _ => warnings.push(format!(
                "the archive's {tool} session {id:?} is incomplete or not ours; left alone"
            )),
        }
    }
    Ok(Contents {
        commit: Some(commit),
        sessions,
        warnings,
    })
}

/// A name that is safe as one part of a path: not empty, not `.` or `..`, no separator, no
/// control character, not too long.
pub fn is_safe_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 255
        && name != "."
        && name != ".."
        && !name
            .chars()
            .any(|c| c == '/' || c == '\\' || c == ':' || c.is_control())
}

/// An id as the tool itself takes it, which is also a safe file name and never reads as a flag.
pub fn is_valid_id(rules: &dyn ArchiveRules, tool: &str, id: &str) -> bool {
    rules.takes_id(tool, id) && is_safe_name(id) && !id.starts_with(['-', '.'])
}

/// The manifest's store path, checked: relative, plain parts only, under the tool's area, the
/// file named with the session's id (gemini names its files with the first 8 characters) and
/// not like a flag.
pub fn store_relative(rules: &dyn ArchiveRules, manifest: &Manifest) -> Result<PathBuf> {
    let parts: Vec<&str> = manifest.store_path.split('/').collect();
    let short = manifest.id.get(..8).unwrap_or(&manifest.id);
    let named = parts
        .last()
        .is_some_and(|file| file.contains(short) && !file.starts_with(['-', '.']));
    if parts.len() < 2
        || parts.len() > 8
        || rules.area(&manifest.tool) != parts.first().copied()
        || !named
        || !parts.iter().all(|part| is_safe_name(part))
        || !is_valid_id(rules, &manifest.tool, &manifest.id)
    {
        bail!(
            "the archive names {:?} as where the session goes, which is not in {}'s store",
            manifest.store_path,
            manifest.tool
        );
    }
    Ok(parts.iter().collect())
}

/// What a restore did.
pub enum Restored {
    /// The session is back at this path.
    Written(PathBuf),
    /// The tool has a file there: nothing was written.
    Present(PathBuf),
}

/// Puts `archived` back where its tool keeps it, byte for byte; never over a file that is there,
/// never through a link.
pub fn restore(repo: &Repo, rules: &dyn ArchiveRules, archived: &Archived) -> Result<Restored> {
    let manifest = &archived.manifest;
    let root = rules.store_root(&manifest.tool)?;
    let target = root.join(store_relative(rules, manifest)?);
    if target.symlink_metadata().is_ok() {
        return Ok(Restored::Present(target));
    }
    refuse_links_below(&root, &target)?;
    let mut file = NewFile::create(&target)?;
    let size = repo.blob_into(&archived.blob, file.out())?;
    if size != manifest.size_bytes {
        bail!(
            "the archived {} session {} holds {size} bytes, not the {} its manifest says; \
             nothing restored",
            manifest.tool,
            manifest.id,
            manifest.size_bytes
        );
    }
    match file.commit()? {
        true => Ok(Restored::Written(target)),
        false => Ok(Restored::Present(target)),
    }
}

/// Each folder between `root` and `target` that exists must be a folder, not a link.
pub fn refuse_links_below(root: &Path, target: &Path) -> Result<()> {
    let Ok(rest) = target.strip_prefix(root) else {
        bail!("{} is not in the tool's store", target.display());
    };
    let mut at = root.to_path_buf();
    for component in rest.parent().into_iter().flat_map(Path::components) {
        at.push(component);
        match at.symlink_metadata() {
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => bail!(
                "{} is not a folder (a link, or a file): nothing restored",
                at.display()
            ),
            Err(_) => break,
        }
    }
    Ok(())
}

/// The archived session `id` of `tool`, put back if the archive holds it (`None` if not), and
/// only from an archive this machine wrote: a launch restores without being asked, and a
/// repository that arrived with a download may carry a ref of any content.
pub fn restore_id(
    repo: &Repo,
    rules: &dyn ArchiveRules,
    tool: &str,
    id: &str,
) -> Result<Option<Restored>> {
    let contents = read(repo, rules)?;
    if !contents
        .commit
        .as_deref()
        .is_some_and(|commit| super::keeping::written_here_is(&repo.git_dir, commit))
    {
        bail!(
            "the project's archive was not written on this machine; \
             restore by hand with `ai-session-manager restore {tool} {id}`"
        );
    }
    let found = contents
        .sessions
        .iter()
        .find(|a| a.manifest.tool == tool && a.manifest.id == id);
    found
        .map(|archived| restore(repo, rules, archived))
        .transpose()
}
