//! `sync pull`: a person's sessions of this project taken from the remote and placed where this
//! machine's tools look; a session that went on on both sides kept twice.

use std::collections::HashMap;
use std::io::{BufReader, BufWriter, Seek, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use chrono::{DateTime, Utc};

use super::carry::{Rewrite, Standing, compare};
use super::records::{Forks, Pushed as PushedRecord};
use super::redact::{self, Counts};
use super::{Peer, SESSION_CAP, name_of, neutral_paths, pairs, remote_ref, tracking_ref};
use crate::base::files::NewFile;
use crate::contract::{ArchiveRulesOf, Tool};
use crate::project::archive::git::Repo;
use crate::project::archive::{self, Archived};
use crate::project::settings::is_person;
use crate::project::{Scope, keeping};
use crate::sessions::archive::archived_tools;

/// What a pull did, or would do.
#[derive(Debug, Default)]
pub struct PullReport {
    /// Sessions written where the tool had none, as `tool/id`.
    pub placed: Vec<String>,
    /// Sessions here that the remote's copy continued, now holding its continuation.
    pub continued: Vec<String>,
    /// Copies kept as forks: `tool/id` and the fork's id.
    pub forked: Vec<(String, String)>,
    pub unchanged: usize,
    /// Entries not taken, each with why.
    pub skipped: Vec<String>,
    /// What the project resumes after the pull, per tool that took a session, and whether the
    /// pull changed it.
    pub resumes: Vec<(String, String, bool)>,
    /// Whether the remote holds anything for the person.
    pub found: bool,
}

/// Takes `person`'s sessions of this project from the remote (the peer's own when `from` is
/// `None`, else as forks of the teammate's), placing each where this machine's tool looks.
pub fn pull(
    scope: &Scope,
    tools: &[&'static dyn Tool],
    peer: &Peer,
    from: Option<&str>,
    dry_run: bool,
    interactive: bool,
) -> Result<PullReport> {
    let repo = archive::repo_of(scope)?;
    let person = from.unwrap_or(&peer.person);
    if !is_person(person) {
        bail!("{person:?} cannot name a person's sessions");
    }
    let teammate = person != peer.person;
    let tools: Vec<&'static dyn Tool> = archived_tools(tools)
        .into_iter()
        .filter(|tool| tool.session_placement().is_some())
        .collect();
    let rules = ArchiveRulesOf(&tools);
    let mut report = PullReport::default();
    let tracking = tracking_ref(&peer.remote, person);
    if repo
        .fetch(&peer.remote, &remote_ref(person), &tracking, interactive)?
        .is_none()
    {
        return Ok(report);
    }
    report.found = true;
    let contents = archive::read_ref(&repo, &rules, &tracking)?;
    report.skipped.extend(contents.warnings);
    let own = keeping::own_dir(&repo.git_dir);
    std::fs::create_dir_all(&own)?;
    let record = PushedRecord::load(&own, &peer.remote, &peer.person);
    let mut forks = Forks::load(&own);
    let paths = neutral_paths(scope);
    let local = Rewrite::new(&pairs(&paths, true), None);
    let neutral = Rewrite::new(&pairs(&paths, false), None);
    let mut newest: HashMap<&'static str, (Option<DateTime<Utc>>, String)> = HashMap::new();
    for theirs in &contents.sessions {
        let manifest = &theirs.manifest;
        let name = name_of(manifest);
        let Some(tool) = tools.iter().copied().find(|t| t.name() == manifest.tool) else {
            continue;
        };
        if theirs.size > SESSION_CAP {
            report.skipped.push(format!(
                "{name}: {} bytes, more than a session is taken at ({SESSION_CAP})",
                theirs.size
            ));
            continue;
        }
        if forks.fork_of(person, &name, &theirs.blob).is_some()
            || (!teammate && record.sent_as(&name, &theirs.blob))
        {
            report.unchanged += 1;
            continue;
        }
        let outcome = take(
            &repo,
            scope,
            tool,
            theirs,
            teammate,
            (&local, &neutral),
            dry_run,
        );
        match outcome {
            Ok(Taken::Unchanged) => report.unchanged += 1,
            Ok(Taken::Placed(id)) => {
                report.placed.push(name);
                note_newest(&mut newest, tool.name(), manifest.updated_at, id);
            }
            Ok(Taken::Continued(id)) => {
                report.continued.push(name);
                note_newest(&mut newest, tool.name(), manifest.updated_at, id);
            }
            Ok(Taken::Forked(id)) => {
                forks.add(person, &name, &theirs.blob, &id);
                report.forked.push((name, id.clone()));
                note_newest(&mut newest, tool.name(), manifest.updated_at, id);
            }
            Err(error) => report.skipped.push(format!("{name}: {error:#}")),
        }
    }
    if dry_run {
        return Ok(report);
    }
    forks.save()?;
    for tool in &tools {
        let Some((updated, id)) = newest.remove(tool.name()) else {
            continue;
        };
        let resumed = crate::sessions::locate::resumed_session(*tool, scope)
            .ok()
            .flatten();
        match resumed {
            Some(current) if current != id && !newer_than(*tool, scope, &current, updated) => {
                report
                    .resumes
                    .push((tool.name().to_owned(), current, false));
            }
            _ => match crate::sessions::pin::pin(*tool, scope, &id) {
                Ok(_) => report.resumes.push((tool.name().to_owned(), id, true)),
                Err(error) => report
                    .skipped
                    .push(format!("{}: cannot resume {id}: {error:#}", tool.name())),
            },
        }
    }
    Ok(report)
}

fn note_newest(
    newest: &mut HashMap<&'static str, (Option<DateTime<Utc>>, String)>,
    tool: &'static str,
    updated: Option<DateTime<Utc>>,
    id: String,
) {
    let entry = newest.entry(tool).or_insert((None, String::new()));
    if entry.1.is_empty() || updated > entry.0 {
        *entry = (updated, id);
    }
}

/// Whether a session updated at `updated` is newer than `current`, which the project resumes
/// now (a session the store no longer holds is older than any).
fn newer_than(
    tool: &'static dyn Tool,
    scope: &Scope,
    current: &str,
    updated: Option<DateTime<Utc>>,
) -> bool {
    match crate::sessions::locate::locate(tool, Some(current), scope) {
        Ok((_, info)) => updated > info.updated_at,
        Err(_) => true,
    }
}

enum Taken {
    Unchanged,
    Placed(String),
    Continued(String),
    Forked(String),
}

/// Takes one session from the remote.
fn take(
    repo: &Repo,
    scope: &Scope,
    tool: &'static dyn Tool,
    theirs: &Archived,
    teammate: bool,
    (local, neutral): (&Rewrite, &Rewrite),
    dry_run: bool,
) -> Result<Taken> {
    let tools = [tool];
    let rules = ArchiveRulesOf(&tools);
    let manifest = &theirs.manifest;
    let placement = tool
        .session_placement()
        .context("the tool cannot place sessions")?;
    let store_root = archive::ArchiveRules::store_root(&rules, tool.name())?;
    let kept_at = archive::store_relative(&rules, manifest)?;
    let id = &manifest.id;
    if !teammate {
        let own_path = store_root.join(placement.placed_path(&scope.root, id, id, &kept_at)?);
        let existing = match own_path.symlink_metadata() {
            Ok(_) => Some(own_path.clone()),
            Err(_) => tool
                .transcript_source()
                .and_then(|source| source.find_session(&scope.root, id).ok()),
        };
        let Some(existing) = existing else {
            if !dry_run {
                place(repo, &store_root, &own_path, &theirs.blob, local)?;
            }
            return Ok(Taken::Placed(id.clone()));
        };
        let (here, here_meta) = crate::base::files::open_regular(&existing, false)
            .map_err(|why| anyhow::anyhow!("cannot read {}: {why}", existing.display()))?;
        // This machine's copy as the remote would hold it, against the remote's.
        let mut mine = tempfile::tempfile()?;
        {
            let mut neutral_copy = tempfile::tempfile()?;
            let mut out = BufWriter::new(&mut neutral_copy);
            neutral.copy(&mut BufReader::new(&here), &mut out)?;
            out.flush()?;
            drop(out);
            neutral_copy.rewind()?;
            let mut out = BufWriter::new(&mut mine);
            redact::redact(
                &mut BufReader::new(&neutral_copy),
                &mut out,
                &mut Counts::new(),
            )?;
            out.flush()?;
        }
        mine.rewind()?;
        let mut remote = BufReader::new(repo.blob_reader(&theirs.blob)?);
        match compare(&mut BufReader::new(&mine), &mut remote)? {
            Standing::Same | Standing::SecondIsPrefix => return Ok(Taken::Unchanged),
            Standing::FirstIsPrefix => {
                if !dry_run {
                    let mine_len = mine.seek(std::io::SeekFrom::End(0))?;
                    extend(repo, &existing, &here_meta, mine_len, &theirs.blob, local)?;
                }
                return Ok(Taken::Continued(id.clone()));
            }
            Standing::Diverged => {}
        }
    }
    let fork = placement.new_id();
    let path = store_root.join(placement.placed_path(&scope.root, &fork, id, &kept_at)?);
    if !dry_run {
        let paths = neutral_paths(scope);
        let fork_rewrite = Rewrite::new(&pairs(&paths, true), Some((id, &fork)));
        place(repo, &store_root, &path, &theirs.blob, &fork_rewrite)?;
    }
    Ok(Taken::Forked(fork))
}

/// Writes the remote's object `blob`, rewritten, as a new file at `path`: never over a file,
/// never through a link.
fn place(
    repo: &Repo,
    store_root: &Path,
    path: &Path,
    blob: &str,
    rewrite: &Rewrite,
) -> Result<PathBuf> {
    archive::refuse_links_below(store_root, path)?;
    let mut file = NewFile::create(path)?;
    rewrite.copy(&mut BufReader::new(repo.blob_reader(blob)?), file.out())?;
    if !file.commit()? {
        bail!("{} appeared meanwhile; left as it is", path.display());
    }
    Ok(path.to_path_buf())
}

/// Gives the session at `path` the remote's continuation: its own bytes as they are, then what
/// the remote holds past the `mine_len` bytes both share, in place of the file only if the file
/// did not change meanwhile.
fn extend(
    repo: &Repo,
    path: &Path,
    before: &std::fs::Metadata,
    mine_len: u64,
    blob: &str,
    rewrite: &Rewrite,
) -> Result<()> {
    let (temp, mut out) = crate::base::files::create_temp(path)?;
    let result = (|| -> Result<()> {
        let (mut here, _) = crate::base::files::open_regular(path, false)
            .map_err(|why| anyhow::anyhow!("cannot read {}: {why}", path.display()))?;
        std::io::copy(&mut here, &mut out)?;
        let mut remote = BufReader::new(repo.blob_reader(blob)?);
        std::io::copy(
            &mut std::io::Read::take(&mut remote, mine_len),
            &mut std::io::sink(),
        )?;
        let mut writer = BufWriter::new(&mut out);
        rewrite.copy(&mut remote, &mut writer)?;
        writer.flush()?;
        drop(writer);
        out.sync_all()?;
        let now = path.symlink_metadata()?;
        if now.len() != before.len() || now.modified().ok() != before.modified().ok() {
            bail!(
                "{} changed while it was pulled; left as it is",
                path.display()
            );
        }
        std::fs::rename(&temp, path)?;
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}
