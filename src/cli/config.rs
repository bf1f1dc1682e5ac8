//! `ai-session-manager config`: the settings in effect, and changing them for this project or,
//! with `--global`, for every project of this user.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, anyhow};
use clap::{Args, Subcommand};

use crate::base::failure::failure;
use crate::base::visible::outln;
use crate::project::settings::{self, SettingsFile};
use crate::project::{Scope, state};

#[derive(Args)]
pub struct ConfigArgs {
    #[command(subcommand)]
    action: Option<Action>,
}

#[derive(Subcommand)]
enum Action {
    /// Print a setting's value in effect (with --global, the user's own)
    Get {
        #[arg(value_parser = clap::builder::PossibleValuesParser::new(settings::KEYS))]
        key: String,
        #[arg(long)]
        global: bool,
    },
    /// Set a setting for this project (with --global, for every project)
    Set {
        #[arg(value_parser = clap::builder::PossibleValuesParser::new(settings::KEYS))]
        key: String,
        value: String,
        #[arg(long)]
        global: bool,
    },
    /// Remove a setting from this project's file (with --global, from the user's)
    Unset {
        #[arg(value_parser = clap::builder::PossibleValuesParser::new(settings::KEYS))]
        key: String,
        #[arg(long)]
        global: bool,
    },
}

pub fn run(args: &ConfigArgs) -> Result<ExitCode> {
    let scope = Scope::current()?;
    match &args.action {
        None => {
            let loaded = settings::load(&scope.state_dir());
            for (key, value, from) in &loaded.sources {
                outln!("{key} = {value}  ({from})");
            }
            outln!();
            outln!(
                "project file: {}",
                settings::project_file(&scope.state_dir()).display()
            );
            if let Some(user) = settings::user_file() {
                outln!("user file:    {}", user.display());
            }
        }
        Some(Action::Get { key, global: false }) => {
            let loaded = settings::load(&scope.state_dir());
            let (_, value, _) = loaded
                .sources
                .iter()
                .find(|(name, _, _)| name == key)
                .ok_or_else(|| anyhow!("unknown setting {key}"))?;
            outln!("{value}");
        }
        Some(Action::Get { key, global: true }) => {
            let path = user_file()?;
            match read(&path)?.get(key)? {
                Some(value) => outln!("{value}"),
                None => return Ok(ExitCode::FAILURE),
            }
        }
        Some(Action::Set {
            key, global: false, ..
        }) if settings::is_user_only(key) => {
            return Err(failure(
                format!("{key} is the user's own setting, not a project's"),
                format!("set it for every project: ai-session-manager config set --global {key} …"),
            ));
        }
        Some(Action::Set { key, value, global }) => {
            let path = file_for(&scope, *global)?;
            let mut file = read(&path)?;
            file.set(key, Some(value)).map_err(|error| {
                failure(
                    format!("{error:#}"),
                    "see `ai-session-manager config --help`",
                )
            })?;
            file.save(&path)?;
            outln!("{key} = {value}  (in {})", path.display());
        }
        Some(Action::Unset { key, global }) => {
            let path = file_for(&scope, *global)?;
            let mut file = read(&path)?;
            file.set(key, None)?;
            file.save(&path)?;
            outln!("{key} unset  (in {})", path.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn user_file() -> Result<PathBuf> {
    settings::user_file()
        .ok_or_else(|| anyhow!("cannot tell where this user's settings go (is HOME set?)"))
}

/// The file a change goes to; this project's lives in its git-ignored state folder.
fn file_for(scope: &Scope, global: bool) -> Result<PathBuf> {
    if global {
        let path = user_file()?;
        if let Some(dir) = path.parent() {
            fs_err::create_dir_all(dir)?;
        }
        return Ok(path);
    }
    state::prepare_state_dir(&scope.state_dir())?;
    Ok(settings::project_file(&scope.state_dir()))
}

/// A settings file to change: a bad one is an error here, never silently replaced.
fn read(path: &std::path::Path) -> Result<SettingsFile> {
    let follow = settings::user_file().as_deref() == Some(path);
    settings::read_file(path, follow)
        .map(Option::unwrap_or_default)
        .map_err(|why| {
            failure(
                format!("cannot use {}: {why}", path.display()),
                "fix or remove that file, then run this again",
            )
        })
}
