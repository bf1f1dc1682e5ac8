//! Settings: a per-user default (`~/.config/ai-session-manager/config.toml`) and per-project
//! overrides (`.ai-session-manager/config.toml`, git-ignored like the rest of the folder).
//!
//! A launch reads them, so a missing file costs one failed open, and a bad one (unknown key, bad
//! value, bad TOML, not a regular file) costs one warning and counts as absent.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::{Context as _, Result, bail};
use serde::{Deserialize, Serialize};

use crate::base::files::{self, Unread};
use crate::base::platform;

/// The name of a settings file, in both places.
pub const FILE_NAME: &str = "config.toml";
/// A settings file is a few lines; anything bigger is not one.
const CAP: u64 = 64 * 1024;

/// Which session a launch resumes: the project's, or one per branch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ScopeSetting {
    #[default]
    Project,
    Branch,
}

/// What the first launch in a new git worktree does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WorktreeStart {
    #[default]
    Fresh,
    /// Fork the session of the main worktree.
    Fork,
}

/// What the first launch on a new branch does, with `scope = branch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BranchStart {
    /// Fork the session of the branch it was made from.
    #[default]
    Fork,
    Fresh,
}

/// Whether a git project's sessions are kept in its repository (`sessions::archive`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ArchiveSetting {
    #[default]
    On,
    Off,
}

/// One settings file: each key may be absent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SettingsFile {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<ScopeSetting>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worktree: Option<WorktreeStart>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub branch_start: Option<BranchStart>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub archive: Option<ArchiveSetting>,
    /// `sync`: honoured only in the user's file (see [`SyncSettings`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sync: Option<SyncFile>,
}

/// The `[sync]` table of a settings file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyncFile {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remote: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto: Option<ArchiveSetting>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
}

/// Where `sync` sends and takes sessions. Only the user's own file says: a project's file can
/// arrive with a download, and must not choose where this machine's sessions go, nor turn on
/// the network.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncSettings {
    /// The git remote, by name (default `origin`).
    pub remote: Option<String>,
    /// Whether the background archive run also syncs.
    pub auto: bool,
    /// Whose refs this machine's sessions go on (default: git's `user.email`).
    pub user: Option<String>,
}

/// The keys, as users write them.
pub const KEYS: [&str; 7] = [
    "scope",
    "worktree",
    "branch-start",
    "archive",
    "sync.remote",
    "sync.auto",
    "sync.user",
];

/// The keys only the user's own file may set.
pub fn is_user_only(key: &str) -> bool {
    key.starts_with("sync.")
}

/// A git remote's name as `sync.remote` takes it: never a URL, a path or a flag.
pub fn is_remote_name(name: &str) -> bool {
    is_plain_word(name, "._-")
}

/// A person's name for `sync.user` and `--from`: one part of a ref name (an email fits).
pub fn is_person(name: &str) -> bool {
    is_plain_word(name, "._@+-") && !name.contains("..") && !name.ends_with(".lock")
}

fn is_plain_word(name: &str, also: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && name.len() <= 100
        && chars.all(|c| c.is_ascii_alphanumeric() || also.contains(c))
}

/// Where a value in effect comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Source {
    #[default]
    Default,
    User,
    Project,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Source::Default => "default",
            Source::User => "user",
            Source::Project => "project",
        })
    }
}

/// The settings in effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Settings {
    pub scope: ScopeSetting,
    pub worktree: WorktreeStart,
    pub branch_start: BranchStart,
    pub archive: ArchiveSetting,
}

/// The settings in effect, each with where it came from, and the warnings reading them gave.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    pub settings: Settings,
    pub sources: [(&'static str, String, Source); 7],
    pub sync: SyncSettings,
    pub warnings: Vec<String>,
}

/// The per-user settings file.
pub fn user_file() -> Option<PathBuf> {
    platform::user_config_dir().map(|dir| dir.join(FILE_NAME))
}

/// The settings file of a project whose state folder is `state_dir`.
pub fn project_file(state_dir: &Path) -> PathBuf {
    state_dir.join(FILE_NAME)
}

/// Reads one settings file: `Ok(None)` when there is none; an error says why it is unusable.
/// The project's file arrives with the repository, so links are not followed there.
pub fn read_file(path: &Path, follow: bool) -> Result<Option<SettingsFile>, String> {
    let bytes = match files::read_regular(path, CAP, follow) {
        Ok((bytes, _)) => bytes,
        Err(Unread::Missing) => return Ok(None),
        Err(why) => return Err(why.to_string()),
    };
    let text = std::str::from_utf8(&bytes).map_err(|_| "it is not UTF-8".to_owned())?;
    toml::from_str(text)
        .map(Some)
        .map_err(|error| error.message().to_owned())
}

/// The settings in effect for a project: the user's, overridden by the project's.
pub fn load(state_dir: &Path) -> Loaded {
    load_from(user_file().as_deref(), state_dir)
}

fn load_from(user_file: Option<&Path>, state_dir: &Path) -> Loaded {
    let mut loaded = Loaded::default();
    let mut layers = Vec::new();
    for (path, follow, source) in [
        (user_file.map(Path::to_path_buf), true, Source::User),
        (Some(project_file(state_dir)), false, Source::Project),
    ] {
        let Some(path) = path else { continue };
        match read_file(&path, follow) {
            Ok(Some(file)) => layers.push((file, source)),
            Ok(None) => {}
            Err(why) => loaded.warnings.push(format!(
                "ignoring the settings in {}: {why}; using the defaults",
                path.display()
            )),
        }
    }
    let mut settings = Settings::default();
    let mut sources = [Source::Default; 7];
    let mut sync = SyncSettings::default();
    for (file, source) in &layers {
        match (&file.sync, source) {
            (Some(table), Source::User) => {
                if let Some(remote) = table.remote.as_deref().filter(|r| is_remote_name(r)) {
                    sync.remote = Some(remote.to_owned());
                    sources[4] = Source::User;
                }
                if let Some(auto) = table.auto {
                    sync.auto = auto == ArchiveSetting::On;
                    sources[5] = Source::User;
                }
                if let Some(user) = table.user.as_deref().filter(|u| is_person(u)) {
                    sync.user = Some(user.to_owned());
                    sources[6] = Source::User;
                }
            }
            (Some(_), _) => loaded.warnings.push(
                "ignoring the sync settings of the project's file: only the user's own file \
                 (config set --global) says where sessions go"
                    .to_owned(),
            ),
            (None, _) => {}
        }
        if let Some(value) = file.scope {
            settings.scope = value;
            sources[0] = *source;
        }
        if let Some(value) = file.worktree {
            settings.worktree = value;
            sources[1] = *source;
        }
        if let Some(value) = file.branch_start {
            settings.branch_start = value;
            sources[2] = *source;
        }
        if let Some(value) = file.archive {
            settings.archive = value;
            sources[3] = *source;
        }
    }
    loaded.sources = [
        (KEYS[0], settings.scope.to_string(), sources[0]),
        (KEYS[1], settings.worktree.to_string(), sources[1]),
        (KEYS[2], settings.branch_start.to_string(), sources[2]),
        (KEYS[3], settings.archive.to_string(), sources[3]),
        (
            KEYS[4],
            sync.remote.clone().unwrap_or_else(|| "origin".to_owned()),
            sources[4],
        ),
        (
            KEYS[5],
            if sync.auto { "on" } else { "off" }.to_owned(),
            sources[5],
        ),
        (
            KEYS[6],
            sync.user
                .clone()
                .unwrap_or_else(|| "(git's user.email)".to_owned()),
            sources[6],
        ),
    ];
    loaded.settings = settings;
    loaded.sync = sync;
    loaded
}

impl SettingsFile {
    /// The value of `key`, as written.
    pub fn get(&self, key: &str) -> Result<Option<String>> {
        Ok(match key {
            "scope" => self.scope.map(|v| v.to_string()),
            "worktree" => self.worktree.map(|v| v.to_string()),
            "branch-start" => self.branch_start.map(|v| v.to_string()),
            "archive" => self.archive.map(|v| v.to_string()),
            "sync.remote" => self.sync.as_ref().and_then(|s| s.remote.clone()),
            "sync.auto" => self
                .sync
                .as_ref()
                .and_then(|s| s.auto)
                .map(|v| v.to_string()),
            "sync.user" => self.sync.as_ref().and_then(|s| s.user.clone()),
            _ => bail!(unknown_key(key)),
        })
    }

    /// Sets `key` to `value`, or removes it with `None`; both are checked.
    pub fn set(&mut self, key: &str, value: Option<&str>) -> Result<()> {
        fn parse<T: FromStr<Err = String>>(value: Option<&str>) -> Result<Option<T>> {
            value
                .map(|value| value.parse().map_err(anyhow::Error::msg))
                .transpose()
        }
        match key {
            "scope" => self.scope = parse(value)?,
            "worktree" => self.worktree = parse(value)?,
            "branch-start" => self.branch_start = parse(value)?,
            "archive" => self.archive = parse(value)?,
            "sync.remote" => {
                if let Some(name) = value.filter(|name| !is_remote_name(name)) {
                    bail!("{name:?} is not a git remote's name (see `git remote`)");
                }
                self.sync.get_or_insert_default().remote = value.map(str::to_owned);
            }
            "sync.auto" => self.sync.get_or_insert_default().auto = parse(value)?,
            "sync.user" => {
                if let Some(name) = value.filter(|name| !is_person(name)) {
                    bail!("{name:?} cannot name a person's refs (letters, digits, . _ @ + -)");
                }
                self.sync.get_or_insert_default().user = value.map(str::to_owned);
            }
            _ => bail!(unknown_key(key)),
        }
        if self
            .sync
            .as_ref()
            .is_some_and(|sync| *sync == SyncFile::default())
        {
            self.sync = None;
        }
        Ok(())
    }

    /// Writes the file atomically.
    pub fn save(&self, path: &Path) -> Result<()> {
        let text = toml::to_string(self).context("cannot write the settings as TOML")?;
        files::write_atomic(path, text.as_bytes())
    }
}

fn unknown_key(key: &str) -> String {
    format!(
        "unknown setting {key:?}; the settings are {}",
        KEYS.join(", ")
    )
}

/// Text forms, as in the settings file.
macro_rules! text_form {
    ($type:ty, $($variant:ident => $text:literal),+) => {
        impl fmt::Display for $type {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(match self { $(Self::$variant => $text),+ })
            }
        }
        impl FromStr for $type {
            type Err = String;
            fn from_str(text: &str) -> Result<Self, String> {
                match text {
                    $($text => Ok(Self::$variant),)+
                    _ => Err(format!(
                        "{text:?} is not one of: {}",
                        [$($text),+].join(", ")
                    )),
                }
            }
        }
    };
}

text_form!(ScopeSetting, Project => "project", Branch => "branch");
text_form!(WorktreeStart, Fresh => "fresh", Fork => "fork");
text_form!(BranchStart, Fork => "fork", Fresh => "fresh");
text_form!(ArchiveSetting, On => "on", Off => "off");

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Option<SettingsFile>, String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        std::fs::write(&path, text).unwrap();
        read_file(&path, false)
    }

    #[test]
    fn a_settings_file_gives_each_key() {
        let file = parse("scope = \"branch\"\nworktree = \"fork\"\nbranch-start = \"fresh\"\n")
            .unwrap()
            .unwrap();
        assert_eq!(file.scope, Some(ScopeSetting::Branch));
        assert_eq!(file.worktree, Some(WorktreeStart::Fork));
        assert_eq!(file.branch_start, Some(BranchStart::Fresh));
    }

    #[test]
    fn unknown_keys_bad_values_and_bad_syntax_are_refused_with_a_reason() {
        for (text, reason) in [
            ("scop = \"branch\"", "unknown field"),
            ("scope = \"trunk\"", "unknown variant"),
            ("scope = 1", "wanted string"),
            ("scope = ", "string"),
        ] {
            let error = parse(text).unwrap_err();
            assert!(error.contains(reason), "{text}: {error}");
        }
    }

    #[test]
    fn set_checks_keys_and_values_and_round_trips_through_toml() {
        let mut file = SettingsFile::default();
        file.set("scope", Some("branch")).unwrap();
        file.set("branch-start", Some("fresh")).unwrap();
        assert!(file.set("scope", Some("trunk")).is_err());
        assert!(file.set("colour", Some("blue")).is_err());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        file.save(&path).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "scope = \"branch\"\nbranch-start = \"fresh\"\n"
        );
        assert_eq!(read_file(&path, false).unwrap(), Some(file.clone()));
        file.set("scope", None).unwrap();
        assert_eq!(file.get("scope").unwrap(), None);
    }

    #[test]
    fn the_project_overrides_the_user_and_a_bad_file_is_skipped_with_one_warning() {
        let dir = tempfile::tempdir().unwrap();
        let user = dir.path().join("user.toml");
        std::fs::write(&user, "scope = \"project\"\nworktree = \"fork\"\n").unwrap();
        std::fs::write(project_file(dir.path()), "scope = \"branch\"\n").unwrap();
        let loaded = load_from(Some(&user), dir.path());
        assert_eq!(loaded.settings.scope, ScopeSetting::Branch);
        assert_eq!(loaded.settings.worktree, WorktreeStart::Fork);
        assert_eq!(loaded.sources[0].2, Source::Project);
        assert_eq!(loaded.sources[1].2, Source::User);
        assert_eq!(loaded.sources[2].2, Source::Default);

        std::fs::write(project_file(dir.path()), "scope = \"trunk\"\n").unwrap();
        let loaded = load_from(Some(&user), dir.path());
        assert_eq!(loaded.settings.scope, ScopeSetting::Project);
        assert_eq!(loaded.settings.worktree, WorktreeStart::Fork);
        assert_eq!(loaded.warnings.len(), 1, "{:?}", loaded.warnings);
    }
}
