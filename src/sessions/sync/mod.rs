//! `sync`: a project's sessions carried between machines on refs of the project's own git
//! remote, through the system `git` (so the user's remotes, credentials and hosts work as they
//! do).
//!
//! Each person's sessions are one ref on the remote, `refs/ai-session-manager/sync/<person>`, in
//! the archive's layout (`<tool>/<id>/session` and its manifest). What is pushed is not the
//! archive (which keeps the exact bytes, locally) but a copy made for it: the project's folder
//! and HOME turned into `{project}` and `{home}`, then every secret redacted
//! ([`redact`]). A pull turns the placeholders into this machine's folders and places each
//! session where its tool looks ([`crate::contract::SessionPlacement`]); it never writes over a
//! session: one that went on here and there is kept twice, the other side's as a fork.

pub mod carry;
mod pull;
pub mod records;
pub mod redact;

pub use pull::{PullReport, pull};

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Seek, Write};

use anyhow::{Context as _, Result, bail};

use crate::base::failure::failure;
use crate::contract::{ArchiveRulesOf, Tool};
use crate::project::archive::git::{Change, Pushed, Repo};
use crate::project::archive::{self, Archived, Manifest};
use crate::project::settings::{SyncSettings, is_person, is_remote_name};
use crate::project::{Scope, keeping};
use crate::sessions::archive::{archive as archive_run, archived_tools};
use carry::{Rewrite, Standing, compare};
use records::{Forks, Pushed as PushedRecord};
use redact::Counts;

/// The refs of every person's sessions on a remote.
pub const NAMESPACE: &str = "refs/ai-session-manager/sync";
/// The commit a push builds before it is sent.
const OUTGOING: &str = "refs/ai-session-manager/outgoing";
/// A session larger than this is not taken from a remote.
pub const SESSION_CAP: u64 = 1 << 30;
/// How many times a push fetches again after the remote's ref moved under it.
const ATTEMPTS: usize = 4;
const PROJECT: &str = "{project}";
const HOME: &str = "{home}";

/// Where sessions go and whose they are.
pub struct Peer {
    pub remote: String,
    pub person: String,
}

/// The remote and person a sync uses: `--remote`, else the `sync.remote` setting, else
/// `origin`, and it must be a remote the repository has; the `sync.user` setting, else git's
/// `user.email`.
pub fn peer(repo: &Repo, remote: Option<&str>, settings: &SyncSettings) -> Result<Peer> {
    let remote = remote
        .or(settings.remote.as_deref())
        .unwrap_or("origin")
        .to_owned();
    if !is_remote_name(&remote) || !repo.has_remote(&remote) {
        bail!(failure(
            format!("the repository has no git remote named {remote:?}"),
            "name one of `git remote` with --remote NAME, or set it: \
             ai-session-manager config set --global sync.remote NAME",
        ));
    }
    let person = settings
        .user
        .clone()
        .or_else(|| repo.config("user.email"))
        .unwrap_or_default();
    if !is_person(&person) {
        bail!(failure(
            "cannot tell whose sessions these are (no sync.user setting, no usable user.email)",
            "ai-session-manager config set --global sync.user NAME",
        ));
    }
    Ok(Peer { remote, person })
}

fn remote_ref(person: &str) -> String {
    format!("{NAMESPACE}/{person}")
}

fn tracking_ref(remote: &str, person: &str) -> String {
    format!("refs/ai-session-manager/remotes/{remote}/{person}")
}

fn name_of(manifest: &Manifest) -> String {
    format!("{}/{}", manifest.tool, manifest.id)
}

/// The folders a session's lines name on this machine, and the placeholders they become.
fn neutral_paths(scope: &Scope) -> Vec<(String, String)> {
    let mut paths = Vec::new();
    if let Some(root) = scope.root.to_str() {
        paths.push((root.to_owned(), PROJECT.to_owned()));
    }
    if let Some(home) = dirs::home_dir().and_then(|home| home.to_str().map(str::to_owned)) {
        paths.push((home, HOME.to_owned()));
    }
    paths
}

fn pairs(paths: &[(String, String)], back: bool) -> Vec<(&str, &str)> {
    paths
        .iter()
        .map(|(a, b)| match back {
            false => (a.as_str(), b.as_str()),
            true => (b.as_str(), a.as_str()),
        })
        .collect()
}

/// What a push did, or would do.
#[derive(Debug, Default)]
pub struct PushReport {
    /// The sessions sent, as `tool/id`.
    pub sent: Vec<String>,
    pub unchanged: usize,
    /// Sessions not sent, each with why.
    pub held_back: Vec<String>,
    pub redacted: Counts,
    /// Whether the remote's ref changed.
    pub moved: bool,
    pub attempts: usize,
}

/// Sends this project's archived sessions of `tools` that the remote does not hold yet,
/// neutral and redacted; retries when another push moved the remote's ref meanwhile.
pub fn push(
    scope: &Scope,
    tools: &[&'static dyn Tool],
    peer: &Peer,
    dry_run: bool,
    interactive: bool,
) -> Result<PushReport> {
    let repo = archive::repo_of(scope)?;
    let tools = archived_tools(tools);
    let rules = ArchiveRulesOf(&tools);
    let mut report = PushReport::default();
    let run = archive_run(scope, &tools)?;
    let local = archive::read(&repo, &rules)?;
    let own = keeping::own_dir(&repo.git_dir);
    let mut record = PushedRecord::load(&own, &peer.remote, &peer.person);
    let forks = Forks::load(&own);
    let paths = neutral_paths(scope);
    let neutral = Rewrite::new(&pairs(&paths, false), None);
    let (target, tracking) = (
        remote_ref(&peer.person),
        tracking_ref(&peer.remote, &peer.person),
    );
    for attempt in 1..=ATTEMPTS {
        report.attempts = attempt;
        report.sent.clear();
        report.held_back.clone_from(&run.skipped);
        report.redacted.clear();
        report.unchanged = 0;
        let tip = repo.fetch(&peer.remote, &target, &tracking, interactive)?;
        let theirs: HashMap<String, Archived> = match &tip {
            Some(_) => archive::read_ref(&repo, &rules, &tracking)?
                .sessions
                .into_iter()
                .map(|a| (name_of(&a.manifest), a))
                .collect(),
            None => HashMap::new(),
        };
        let mut import = None;
        let mut changes = Vec::new();
        let mut sources = Vec::new();
        for ours in &local.sessions {
            let name = name_of(&ours.manifest);
            let their = theirs.get(&name);
            let sent_before = record.redacted_of(&name, &ours.blob);
            if sent_before.is_some() && their.map(|t| t.blob.as_str()) == sent_before {
                report.unchanged += 1;
                continue;
            }
            let mut counts = Counts::new();
            let (mut copy, size) = prepared(&repo, &ours.blob, &neutral, &mut counts)
                .with_context(|| format!("cannot redact {name}; nothing is pushed"))?;
            if let Some(their) = their {
                copy.rewind()?;
                let mut remote = BufReader::new(repo.blob_reader(&their.blob)?);
                match compare(&mut remote, &mut BufReader::new(&copy))? {
                    Standing::Same => {
                        report.unchanged += 1;
                        sources.push((name, ours.blob.clone(), Some(their.blob.clone())));
                        continue;
                    }
                    Standing::FirstIsPrefix => {}
                    Standing::SecondIsPrefix => {
                        report.held_back.push(format!(
                            "{name}: the remote's copy went on further; `sync pull` brings it"
                        ));
                        continue;
                    }
                    Standing::Diverged if forks.forked(&name, &their.blob) => {}
                    Standing::Diverged => {
                        report.held_back.push(format!(
                            "{name}: went on both here and on the remote; `sync pull` keeps both, \
                             then push"
                        ));
                        continue;
                    }
                }
            }
            for (kind, count) in counts {
                *report.redacted.entry(kind).or_default() += count;
            }
            report.sent.push(name.clone());
            if dry_run {
                continue;
            }
            let import = match &mut import {
                Some(import) => import,
                None => import.insert(repo.import_forced()?),
            };
            copy.rewind()?;
            let mark = import.blob(size, &mut BufReader::new(&copy))?;
            let manifest = pushed_manifest(&ours.manifest, size);
            changes.push((format!("{name}/session"), Change::Mark(mark)));
            changes.push((
                format!("{name}/manifest.json"),
                Change::Inline(serde_json::to_vec_pretty(&manifest)?),
            ));
            sources.push((name, ours.blob.clone(), None));
        }
        let Some(import) = import else {
            remember(&mut record, &sources, &[]);
            if !dry_run {
                record.save()?;
            }
            return Ok(report);
        };
        let message = format!("Sync {} session(s)", report.sent.len());
        import.finish(OUTGOING, tip.as_deref(), &message, &changes)?;
        let commit = repo
            .resolve(OUTGOING)?
            .context("git fast-import wrote no commit")?;
        match repo.push(&peer.remote, &commit, &target, interactive)? {
            Pushed::Done => {
                let tree = repo.tree(&commit)?;
                remember(&mut record, &sources, &tree);
                record.save()?;
                report.moved = true;
                return Ok(report);
            }
            Pushed::Rejected => continue,
        }
    }
    bail!("the remote's {target} kept moving while this pushed ({ATTEMPTS} tries); try again")
}

/// Notes, per session sent or found the same, the redacted object the remote holds for it.
fn remember(
    record: &mut PushedRecord,
    sources: &[(String, String, Option<String>)],
    tree: &[archive::git::TreeEntry],
) {
    for (name, source, known) in sources {
        let path = format!("{name}/session");
        let redacted = known
            .clone()
            .or_else(|| tree.iter().find(|e| e.path == path).map(|e| e.oid.clone()));
        if let Some(redacted) = redacted {
            record.sent.insert(name.clone(), (source.clone(), redacted));
        }
    }
}

/// The archived object `blob`, made neutral and redacted, in an anonymous temporary file.
fn prepared(
    repo: &Repo,
    blob: &str,
    neutral: &Rewrite,
    counts: &mut Counts,
) -> Result<(File, u64)> {
    let mut neutral_copy = tempfile::tempfile().context("cannot make a temporary file")?;
    {
        let mut out = BufWriter::new(&mut neutral_copy);
        neutral.copy(&mut BufReader::new(repo.blob_reader(blob)?), &mut out)?;
        out.flush()?;
    }
    neutral_copy.rewind()?;
    let mut copy = tempfile::tempfile().context("cannot make a temporary file")?;
    let size = {
        let mut out = BufWriter::new(&mut copy);
        let size = redact::redact(&mut BufReader::new(&neutral_copy), &mut out, counts)?;
        out.flush()?;
        size
    };
    Ok((copy, size))
}

fn pushed_manifest(manifest: &Manifest, size: u64) -> Manifest {
    let mut pushed = manifest.clone();
    pushed.size_bytes = size;
    pushed.title = manifest.title.as_ref().map(|title| {
        let mut out = Vec::new();
        redact::redact_line(title.as_bytes(), &mut out, &mut Counts::new());
        String::from_utf8_lossy(&out).into_owned()
    });
    pushed
}
