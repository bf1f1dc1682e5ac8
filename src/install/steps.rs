//! The changes setup and teardown make to a tool's folder, made in crash-safe order.

use std::io;
use std::path::{Path, PathBuf};

use super::wrapper::{self, WrapperSpec};
use crate::base::files::temp_path;

/// One change to a tool's folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Make `to` the same install as `from`: a hard link, or a link with the same target.
    LinkReal {
        from: PathBuf,
        to: PathBuf,
    },
    /// Put a wrapper for this executable at `at`.
    PlaceWrapper {
        at: PathBuf,
    },
    Rename {
        from: PathBuf,
        to: PathBuf,
    },
    Remove {
        path: PathBuf,
    },
}

impl Step {
    pub fn describe(&self, exe: &Path) -> String {
        match self {
            Step::LinkReal { from, to } => format!(
                "link {} to the same {} as {}",
                to.display(),
                if is_symlink(from) { "target" } else { "file" },
                from.display()
            ),
            Step::PlaceWrapper { at } => {
                format!(
                    "put a wrapper at {} that starts {}",
                    at.display(),
                    exe.display()
                )
            }
            Step::Rename { from, to } => format!("rename {} to {}", from.display(), to.display()),
            Step::Remove { path } => format!("remove {}", path.display()),
        }
    }
}

fn is_symlink(path: &Path) -> bool {
    path.symlink_metadata()
        .is_ok_and(|meta| meta.file_type().is_symlink())
}

/// A step that failed; `changed` says whether earlier steps had already changed the folder.
#[derive(Debug, thiserror::Error)]
#[error("cannot {action} {}: {source}", path.display())]
pub struct StepError {
    pub action: &'static str,
    pub path: PathBuf,
    pub changed: bool,
    #[source]
    pub source: io::Error,
}

/// Temp files that are removed unless they were renamed into place.
struct Temps(Vec<PathBuf>);

impl Drop for Temps {
    fn drop(&mut self) {
        for temp in &self.0 {
            let _ = std::fs::remove_file(temp);
        }
    }
}

/// Runs `steps` in two phases. First everything new is made under a temp name beside its
/// target, so a refusal (a read-only folder) changes nothing. Then the renames and removals run
/// in order; each leaves a state that the next `setup` or `teardown` recognises.
pub fn apply(steps: &[Step], spec: &WrapperSpec) -> Result<(), StepError> {
    enum Commit<'a> {
        Rename(PathBuf, &'a Path),
        Remove(&'a Path),
    }
    let mut temps = Temps(Vec::new());
    let mut prepare = |target: &Path, make: &dyn Fn(&Path) -> io::Result<()>| {
        let temp = temp_path(target);
        temps.0.push(temp.clone());
        make(&temp).map_err(|source| StepError {
            action: "write in",
            path: target.parent().unwrap_or(target).to_path_buf(),
            changed: false,
            source,
        })?;
        Ok::<_, StepError>(temp)
    };
    let mut commits = Vec::with_capacity(steps.len());
    for step in steps {
        commits.push(match step {
            Step::LinkReal { from, to } => {
                Commit::Rename(prepare(to, &|temp| wrapper::copy_install(from, temp))?, to)
            }
            Step::PlaceWrapper { at } => {
                Commit::Rename(prepare(at, &|temp| wrapper::make_wrapper(temp, spec))?, at)
            }
            Step::Rename { from, to } => Commit::Rename(from.clone(), to),
            Step::Remove { path } => Commit::Remove(path),
        });
    }
    for (done, commit) in commits.into_iter().enumerate() {
        let (action, path, result) = match commit {
            Commit::Rename(from, to) => ("replace", to, std::fs::rename(&from, to)),
            Commit::Remove(path) => ("remove", path, std::fs::remove_file(path)),
        };
        result.map_err(|source| StepError {
            action,
            path: path.to_path_buf(),
            changed: done > 0,
            source,
        })?;
    }
    Ok(())
}
