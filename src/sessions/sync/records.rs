//! What `sync` remembers in the repository's `.git/ai-session-manager/`, this machine's alone:
//! what it pushed (each session's archived object and the redacted object sent for it, so a push
//! with nothing new reads no session), and the forks it made of sessions from a remote (so a
//! pull never takes one continuation twice).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::base::files;

const CAP: u64 = 64 << 20;

fn lines(path: &Path) -> Vec<Vec<String>> {
    let Ok((bytes, _)) = files::read_regular(path, CAP, false) else {
        return Vec::new();
    };
    String::from_utf8_lossy(&bytes)
        .lines()
        .map(|line| line.split('\t').map(str::to_owned).collect())
        .collect()
}

fn save(path: &Path, rows: impl Iterator<Item = String>) -> Result<()> {
    let mut text: Vec<String> = rows.collect();
    text.sort();
    let mut text = text.join("\n");
    text.push('\n');
    files::write_atomic(path, text.as_bytes())
}

/// Per session (`tool/id`), the archived object last pushed and the redacted object sent for it.
pub struct Pushed {
    path: PathBuf,
    pub sent: HashMap<String, (String, String)>,
}

impl Pushed {
    pub fn load(own_dir: &Path, remote: &str, person: &str) -> Pushed {
        let path = own_dir.join(format!("sync-pushed-{remote}-{person}"));
        let sent = lines(&path)
            .into_iter()
            .filter_map(|row| match row.as_slice() {
                [name, source, redacted] => {
                    Some((name.clone(), (source.clone(), redacted.clone())))
                }
                _ => None,
            })
            .collect();
        Pushed { path, sent }
    }

    /// The redacted object sent for `name` when its archived object was `source`.
    pub fn redacted_of(&self, name: &str, source: &str) -> Option<&str> {
        self.sent
            .get(name)
            .filter(|(sent_source, _)| sent_source == source)
            .map(|(_, redacted)| redacted.as_str())
    }

    /// Whether `blob` on the remote is what this machine sent for `name`.
    pub fn sent_as(&self, name: &str, blob: &str) -> bool {
        self.sent
            .get(name)
            .is_some_and(|(_, redacted)| redacted == blob)
    }

    pub fn save(&self) -> Result<()> {
        let rows = self
            .sent
            .iter()
            .map(|(name, (source, redacted))| format!("{name}\t{source}\t{redacted}"));
        save(&self.path, rows)
    }
}

/// Per copy of a session taken from a remote as a fork: whose it was, the session, its object,
/// and the fork's id.
pub struct Forks {
    path: PathBuf,
    rows: Vec<[String; 4]>,
}

impl Forks {
    pub fn load(own_dir: &Path) -> Forks {
        let path = own_dir.join("sync-forks");
        let rows = lines(&path)
            .into_iter()
            .filter_map(|row| <[String; 4]>::try_from(row).ok())
            .collect();
        Forks { path, rows }
    }

    /// The fork made of `person`'s `name` when it was `blob`.
    pub fn fork_of(&self, person: &str, name: &str, blob: &str) -> Option<&str> {
        self.rows
            .iter()
            .find(|row| row[0] == person && row[1] == name && row[2] == blob)
            .map(|row| row[3].as_str())
    }

    /// Whether this machine took some copy of `name` from a remote as a fork: then its own
    /// continuation may take the session's place on the remote, the other kept as the fork.
    pub fn forked(&self, name: &str, blob: &str) -> bool {
        self.rows.iter().any(|row| row[1] == name && row[2] == blob)
    }

    pub fn add(&mut self, person: &str, name: &str, blob: &str, fork: &str) {
        self.rows
            .push([person.into(), name.into(), blob.into(), fork.into()]);
    }

    pub fn save(&self) -> Result<()> {
        save(&self.path, self.rows.iter().map(|row| row.join("\t")))
    }
}
