//! Wrapping and unwrapping a tool's own install (docs/behaviour.md §7): find it on PATH, tell what
//! state its folder is in, and change that folder in crash-safe steps.
//!
//! `<tool>` exists at every instant. The original is first linked to `<tool>-real`, then a
//! wrapper prepared beside it is renamed over `<tool>`. Every state a crash can leave behind is
//! recognised by [`classify`], and the next `setup` finishes the job.
//!
//! Everything here is platform-neutral; the few file operations that differ live in
//! [`crate::base::platform`]. On Unix the wrapper takes the tool's own name; on Windows the tool is
//! `<tool>.exe` or `<tool>.cmd` and the wrapper is always `<tool>.cmd`.

mod steps;
mod wrapper;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};

use crate::base::env;
use crate::base::platform;
pub use wrapper::{WrapperSpec, wrapper_is_current};

pub use steps::{Step, StepError, apply};

/// Where a tool's files sit in one folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    pub dir: PathBuf,
    /// The tool's own file: `<tool>` (on Windows `<tool>.exe`, `.cmd` or `.bat`).
    pub original: PathBuf,
    /// Where setup keeps the original while the wrapper stands in: `<tool>-real`, with the same
    /// extension.
    pub real: PathBuf,
    /// The wrapper: `<tool>` itself, or `<tool>.cmd` when tools have extensions (Windows).
    pub wrapper: PathBuf,
}

impl Layout {
    /// `ext` is the extension of the tool's file; Unix tools have none.
    pub fn new(dir: &Path, tool: &str, ext: Option<&OsStr>) -> Layout {
        let named = |stem: String| {
            let mut name = PathBuf::from(stem);
            if let Some(ext) = ext {
                name.set_extension(ext);
            }
            dir.join(name)
        };
        let original = named(tool.to_owned());
        Layout {
            dir: dir.to_path_buf(),
            real: named(format!("{tool}-real")),
            wrapper: match ext {
                Some(_) => dir.join(format!("{tool}.cmd")),
                None => original.clone(),
            },
            original,
        }
    }
}

/// What is at the path PATH finds for the tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AtTool {
    /// Not ours: the tool itself, as its installer left it.
    Foreign,
    /// A wrapper setup made; `current` when it starts this very executable.
    OurWrapper { current: bool },
}

/// What is at `<tool>-real`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RealFile {
    Absent,
    /// An executable that is not one of our wrappers.
    Usable,
    /// Something is there, but it cannot run the tool: a dangling link, a file that is not
    /// executable, or a link back to a wrapper.
    Unusable,
}

/// The state of a tool's folder, and so what setup and teardown do there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Situation {
    /// Our wrapper for this executable, with the real binary beside it.
    Wrapped,
    /// Our wrapper, but for another copy of ai-session-manager (perhaps one that is gone).
    WrappedByOtherCopy,
    /// The tool as installed; no wrapper yet.
    Unwrapped,
    /// `<tool>` and `<tool>-real` are one file (or two links with one target): a setup stopped
    /// before its rename, or a reinstall that wrote the same link again.
    Interrupted,
    /// Something replaced the wrapper while `<tool>-real` stayed: an update or a reinstall.
    Overwritten,
    /// Only `<tool>-real` is left; the wrapper was removed.
    RealOnly,
    /// Our wrapper, with no usable real binary beside it.
    RealMissing,
    /// `<tool>` and `<tool>-real` lead to one file, but not as setup links them (say, one is a
    /// link to the other). Any change could leave the only copy reachable only through a name
    /// that is about to be replaced, so this is left to the user.
    Tangled,
}

/// How `<tool>` and `<tool>-real` relate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pair {
    Distinct,
    /// One file under two names, or two links with the same target: as setup makes them.
    Same,
    /// They resolve to one file some other way.
    Tangled,
}

/// The situation for what was found. `None` when there is nothing of the tool here.
pub fn classify(at_tool: Option<AtTool>, real: RealFile, pair: Pair) -> Option<Situation> {
    Some(match (at_tool, real) {
        (Some(AtTool::OurWrapper { current: true }), RealFile::Usable) => Situation::Wrapped,
        (Some(AtTool::OurWrapper { current: false }), RealFile::Usable) => {
            Situation::WrappedByOtherCopy
        }
        (Some(AtTool::OurWrapper { .. }), _) => Situation::RealMissing,
        (Some(AtTool::Foreign), RealFile::Absent) => Situation::Unwrapped,
        (Some(AtTool::Foreign), _) => match pair {
            Pair::Same => Situation::Interrupted,
            Pair::Tangled => Situation::Tangled,
            Pair::Distinct => Situation::Overwritten,
        },
        (None, RealFile::Usable) => Situation::RealOnly,
        (None, _) => return None,
    })
}

/// One tool's install in the first PATH folder that has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    pub tool: &'static str,
    /// The path PATH finds for the tool, exactly as found (never resolved); `None` when only
    /// `<tool>-real` is left.
    pub found: Option<PathBuf>,
    pub layout: Layout,
    pub situation: Situation,
    /// Windows only: our `<tool>.cmd` left behind a `<tool>.exe` that now shadows it.
    pub stray_wrapper: bool,
}

impl Site {
    /// How the tool's folder stands, in words.
    pub fn describe(&self) -> String {
        let site = self;
        let tool = site.tool;
        let real = site.layout.real.display();
        match site.situation {
            Situation::Wrapped => format!("wrapped; the real binary is {real}"),
            Situation::WrappedByOtherCopy => {
                format!(
                    "wrapped by another ai-session-manager (another copy, or the Python tool); \
                     the real binary is {real}"
                )
            }
            Situation::Unwrapped => "not set up".to_owned(),
            Situation::Interrupted => {
                format!("{tool} and {real} are the same file: an unfinished setup, or a reinstall")
            }
            Situation::Overwritten => format!(
                "the wrapper was replaced, probably by an update; {real} holds the previous binary"
            ),
            Situation::RealOnly => format!("the wrapper is gone; only {real} is left"),
            Situation::RealMissing => format!("wrapper present, but {real} is missing"),
            Situation::Tangled => {
                format!("{tool} and {real} lead to the same file, but not as setup links them")
            }
        }
    }

    pub fn spec<'a>(&'a self, exe: &'a Path) -> WrapperSpec<'a> {
        WrapperSpec {
            exe,
            tool: self.tool,
            real: &self.layout.real,
        }
    }

    /// The steps that wrap the tool; none when it is already wrapped. `None` when it cannot be
    /// wrapped safely (the real binary is missing, or the two names are tangled).
    pub fn setup_steps(&self) -> Option<Vec<Step>> {
        let layout = &self.layout;
        let mut steps = Vec::new();
        match self.situation {
            Situation::Wrapped => return Some(steps),
            Situation::RealMissing | Situation::Tangled => return None,
            Situation::Unwrapped | Situation::Overwritten => steps.push(Step::LinkReal {
                from: layout.original.clone(),
                to: layout.real.clone(),
            }),
            Situation::Interrupted | Situation::WrappedByOtherCopy | Situation::RealOnly => {}
        }
        steps.push(Step::PlaceWrapper {
            at: layout.wrapper.clone(),
        });
        // Windows: the original `<tool>.exe` would shadow `<tool>.cmd`; it is safe in
        // `<tool>-real.exe` by now.
        if layout.wrapper != layout.original
            && matches!(
                self.situation,
                Situation::Unwrapped | Situation::Overwritten | Situation::Interrupted
            )
        {
            steps.push(Step::Remove {
                path: layout.original.clone(),
            });
        }
        Some(steps)
    }

    /// The steps that put the original back. Where there is none to restore, only our own
    /// wrapper is removed; a binary that differs from `<tool>` is never deleted.
    pub fn teardown_steps(&self) -> Vec<Step> {
        let layout = &self.layout;
        let mut steps = Vec::new();
        let remove_wrapper = match self.situation {
            // On Unix the rename replaces the wrapper itself; on Windows `<tool>.cmd` is left.
            Situation::Wrapped | Situation::WrappedByOtherCopy => {
                steps.push(Step::Rename {
                    from: layout.real.clone(),
                    to: layout.original.clone(),
                });
                layout.wrapper != layout.original
            }
            Situation::RealOnly => {
                steps.push(Step::Rename {
                    from: layout.real.clone(),
                    to: layout.original.clone(),
                });
                false
            }
            Situation::Interrupted => {
                steps.push(Step::Remove {
                    path: layout.real.clone(),
                });
                self.stray_wrapper
            }
            Situation::RealMissing => true,
            Situation::Unwrapped | Situation::Overwritten | Situation::Tangled => {
                self.stray_wrapper
            }
        };
        if remove_wrapper {
            steps.push(Step::Remove {
                path: layout.wrapper.clone(),
            });
        }
        steps
    }
}

/// The running executable, resolved: what wrappers start.
pub fn this_executable() -> Result<PathBuf> {
    let exe = std::env::current_exe().context("cannot tell where this program is")?;
    exe.canonicalize()
        .with_context(|| format!("cannot resolve {}", exe.display()))
}

/// Where `tool` is installed: the first PATH folder whose `<tool>` runs (or is our wrapper);
/// else the first one where only `<tool>-real` is left.
pub fn locate(tool: &'static str, exe: &Path) -> Option<Site> {
    let path = env::os(env::PATH)?;
    let mut real_only = None;
    // A relative PATH entry depends on where setup happens to run; wrapping there is a trap.
    for dir in std::env::split_paths(&path).filter(|dir| dir.is_absolute()) {
        match site_in(&dir, tool, exe) {
            Some(site) if site.found.is_some() => return Some(site),
            Some(site) => {
                real_only.get_or_insert(site);
            }
            None => {}
        }
    }
    real_only
}

/// How long setup or teardown waits for another one changing the same folder.
const LOCK_PATIENCE: std::time::Duration = std::time::Duration::from_secs(10);

/// A tool's folder, locked against every other setup and teardown, and examined afresh under the
/// lock: what was seen before taking it may be stale.
pub struct Locked {
    pub site: Site,
    _lock: platform::FolderLock,
}

/// Locks the folder of `site` and examines it again; `None` when the tool has gone meanwhile.
/// Temp files an interrupted run left are removed first: under the lock, none is in use.
pub fn lock(site: &Site, exe: &Path) -> Result<Option<Locked>> {
    let dir = &site.layout.dir;
    let lock = platform::lock_folder(dir, LOCK_PATIENCE)
        .with_context(|| format!("cannot lock {}", dir.display()))?
        .ok_or_else(|| {
            crate::base::failure::failure(
                format!("another ai-session-manager is changing {}", dir.display()),
                "run this again when it is done",
            )
        })?;
    remove_leftovers(&site.layout);
    Ok(site_in(dir, site.tool, exe).map(|site| Locked { site, _lock: lock }))
}

/// Removes the temp names setup and teardown use beside a tool's files (`.<name>.tmp-…`), which
/// an interrupted run can leave behind; one may be a second name of the original binary.
fn remove_leftovers(layout: &Layout) {
    let names: Vec<String> = [&layout.original, &layout.real, &layout.wrapper]
        .iter()
        .filter_map(|path| path.file_name()?.to_str())
        .map(|name| format!(".{name}.tmp-"))
        .collect();
    let Ok(entries) = std::fs::read_dir(&layout.dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if names.iter().any(|prefix| name.starts_with(prefix.as_str())) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

fn is_present(path: &Path) -> bool {
    path.symlink_metadata().is_ok()
}

fn site_in(dir: &Path, tool: &'static str, exe: &Path) -> Option<Site> {
    let tool_paths: Vec<PathBuf> = platform::tool_file_names(tool)
        .into_iter()
        .map(|name| dir.join(name))
        .collect();
    let found = tool_paths
        .iter()
        .find(|path| platform::is_executable_file(path) || wrapper::is_our_wrapper(path, exe))
        .cloned();
    if found.is_none() && tool_paths.iter().any(|path| is_present(path)) {
        // Something that cannot run sits at `<tool>`: not ours to replace.
        return None;
    }
    let found_is_ours = found
        .as_deref()
        .is_some_and(|path| wrapper::is_our_wrapper(path, exe));
    // The original's extension: the tool's own, or, behind our wrapper, the real binary's.
    let ext_from = match &found {
        Some(path) if !found_is_ours => Some(path.clone()),
        _ => tool_paths
            .iter()
            .map(|path| Layout::new(dir, tool, path.extension()).real)
            .find(|real| is_present(real))
            .or_else(|| found.clone()),
    };
    let layout = Layout::new(dir, tool, ext_from.as_deref().and_then(Path::extension));
    let spec = WrapperSpec {
        exe,
        tool,
        real: &layout.real,
    };

    let at_tool = found.as_deref().map(|path| match found_is_ours {
        true => AtTool::OurWrapper {
            current: wrapper::wrapper_is_current(path, &spec),
        },
        false => AtTool::Foreign,
    });
    let real = if !is_present(&layout.real) {
        RealFile::Absent
    } else if platform::is_executable_file(&layout.real)
        && !wrapper::is_our_wrapper(&layout.real, exe)
    {
        RealFile::Usable
    } else {
        RealFile::Unusable
    };
    let foreign = at_tool == Some(AtTool::Foreign);
    let pair = if !foreign || real == RealFile::Absent {
        Pair::Distinct
    } else if wrapper::same_install(&layout.original, &layout.real) {
        Pair::Same
    } else if platform::file_id(&layout.original).is_some()
        && platform::file_id(&layout.original) == platform::file_id(&layout.real)
    {
        Pair::Tangled
    } else {
        Pair::Distinct
    };
    let situation = classify(at_tool, real, pair)?;
    let stray_wrapper = foreign
        && layout.wrapper != layout.original
        && wrapper::is_our_wrapper(&layout.wrapper, exe);
    Some(Site {
        tool,
        found,
        layout,
        situation,
        stray_wrapper,
    })
}

/// The error for a tool PATH does not find: `tool` is its binary, `display_name` its name.
pub fn not_found(tool: &str, display_name: &str) -> anyhow::Error {
    crate::base::failure::failure(
        format!("{tool} was not found on PATH"),
        format!("install {display_name} first, or check that its folder is on PATH"),
    )
}

#[cfg(test)]
mod tests;
