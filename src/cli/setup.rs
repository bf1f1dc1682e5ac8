//! `setup` and `teardown`: wrap and unwrap the installed tools (docs/behaviour.md §7).

use std::io::ErrorKind;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use clap::Args;

use super::args::ToolList;
use crate::base::failure::{failure, report};
use crate::base::platform;
use crate::base::visible::outln;
use crate::install::{self, Site, Situation, Step, StepError};

#[derive(Args)]
pub struct ChangeArgs {
    #[command(flatten)]
    pub tools: ToolList,
    /// Print the plan and change nothing
    #[arg(long)]
    pub dry_run: bool,
}

pub fn setup(args: &ChangeArgs) -> Result<ExitCode> {
    for_each_site(args, |site, exe| {
        let tool = crate::tools::find(site.tool).context("unknown tool")?;
        if let Some((message, help)) = tool.wrap_refusal(&site.layout.dir) {
            return Err(failure(message, help));
        }
        let Some(steps) = site.setup_steps() else {
            return Err(refusal(site));
        };
        if steps.is_empty() {
            outln!(
                "{}: already set up ({})",
                site.tool,
                site.layout.wrapper.display()
            );
            return Ok(());
        }
        if args.dry_run {
            print_plan(site, &steps, exe, "set it up");
            return Ok(());
        }
        install::apply(&steps, &site.spec(exe)).map_err(|error| explain(site, "setup", error))?;
        check_installed(site, exe)?;
        outln!("{}: {}", site.tool, setup_done(site));
        Ok(())
    })
}

pub fn teardown(args: &ChangeArgs) -> Result<ExitCode> {
    for_each_site(args, |site, exe| {
        let steps = site.teardown_steps();
        let real = site.layout.real.display();
        let note = match site.situation {
            Situation::Unwrapped => Some("not set up; nothing to restore".to_owned()),
            Situation::Tangled => Some(format!("not wrapped, and left alone: {}", site.describe())),
            Situation::Overwritten => Some(format!(
                "not wrapped: an update replaced the wrapper. The previous binary stays at \
                 {real}; delete it if you no longer need it"
            )),
            _ => None,
        };
        if args.dry_run && !steps.is_empty() {
            print_plan(site, &steps, exe, "restore it");
        } else if !steps.is_empty() {
            install::apply(&steps, &site.spec(exe))
                .map_err(|error| explain(site, "teardown", error))?;
        }
        if site.situation == Situation::RealMissing {
            let done = if args.dry_run {
                "would remove"
            } else {
                "removed"
            };
            return Err(failure(
                format!(
                    "{real} is missing, so {} cannot be restored; {done} the wrapper at {}",
                    site.tool,
                    site.layout.wrapper.display()
                ),
                format!("reinstall {}", site.tool),
            ));
        }
        if let Some(note) = note {
            outln!("{}: {note}", site.tool);
        } else if !args.dry_run {
            outln!("{}: {}", site.tool, teardown_done(site));
        }
        Ok(())
    })
}

/// Why setup leaves a folder alone, and what the user can do.
fn refusal(site: &Site) -> anyhow::Error {
    let tool = site.tool;
    let real = site.layout.real.display();
    if site.situation == Situation::Tangled {
        return failure(
            format!(
                "{} and {real} lead to the same file, but not as setup links them; \
                 nothing changed",
                site.layout.original.display()
            ),
            format!(
                "make {} the tool and delete {real} (or reinstall {tool}), then run \
                 'ai-session-manager setup {tool}'",
                site.layout.original.display()
            ),
        );
    }
    failure(
        format!(
            "{} is a wrapper, but {real} is missing or cannot run; nothing changed",
            site.layout.wrapper.display()
        ),
        format!(
            "reinstall {tool} (that replaces the wrapper), then run \
             'ai-session-manager setup {tool}'"
        ),
    )
}

/// Runs `act` for every selected tool found on PATH. A named tool that is absent is an error;
/// without names, absent tools are skipped and only finding none at all is an error (docs/behaviour.md §1).
fn for_each_site(
    args: &ChangeArgs,
    mut act: impl FnMut(&Site, &Path) -> Result<()>,
) -> Result<ExitCode> {
    let exe = install::this_executable()?;
    let explicit = args.tools.explicit();
    let mut found_any = false;
    let mut failed = false;
    for tool in args.tools.selected() {
        let result = match install::locate(tool.name(), &exe) {
            Some(site) if args.dry_run => {
                found_any = true;
                act(&site, &exe)
            }
            Some(site) => {
                found_any = true;
                // Another setup or teardown may be changing the folder: wait for it, then act
                // on what is there now.
                match install::lock(&site, &exe) {
                    Ok(Some(locked)) => act(&locked.site, &exe),
                    Ok(None) => Err(install::not_found(tool.name(), tool.display_name())),
                    Err(error) => Err(error),
                }
            }
            None if explicit => Err(install::not_found(tool.name(), tool.display_name())),
            None => continue,
        };
        if let Err(error) = result {
            report(&error);
            failed = true;
        }
    }
    if !found_any && !explicit {
        return Err(failure(
            "No supported tool binaries were found on PATH",
            format!(
                "install one of {}, check that its folder is on PATH, then run this again",
                crate::tools::names().collect::<Vec<_>>().join(", ")
            ),
        ));
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// What a dry run would do.
fn print_plan(site: &Site, steps: &[Step], exe: &Path, goal: &str) {
    outln!(
        "{}: {}; to {goal}, would (dry run, nothing changed):",
        site.tool,
        site.describe()
    );
    for step in steps {
        outln!("  - {}", step.describe(exe));
    }
}

fn setup_done(site: &Site) -> String {
    let wrapper = site.layout.wrapper.display();
    let real = site.layout.real.display();
    match site.situation {
        Situation::Overwritten => format!(
            "an update had replaced the wrapper: the new binary is now {real}, and {wrapper} \
             is wrapped again"
        ),
        Situation::Interrupted => {
            format!("finished setting up {wrapper}; the real binary is {real}")
        }
        Situation::RealOnly => format!("put the wrapper back at {wrapper} for {real}"),
        Situation::WrappedByOtherCopy => {
            format!("{wrapper} now starts this copy of ai-session-manager")
        }
        _ => format!("wrapped {wrapper}; the original is now {real}"),
    }
}

fn teardown_done(site: &Site) -> String {
    let original = site.layout.original.display();
    match site.situation {
        Situation::Interrupted => format!(
            "removed {}, a second name for {original}",
            site.layout.real.display()
        ),
        Situation::RealOnly => format!("restored {original} (its wrapper was already gone)"),
        _ => format!("restored {original}"),
    }
}

/// Right after installing: the wrapper must start this executable, and the real binary must
/// be there to run.
fn check_installed(site: &Site, exe: &Path) -> Result<()> {
    let wrapper = &site.layout.wrapper;
    if install::wrapper_is_current(wrapper, &site.spec(exe))
        && platform::is_executable_file(&site.layout.real)
    {
        return Ok(());
    }
    Err(failure(
        format!(
            "after setup, {} does not lead back to {} with {} beside it",
            wrapper.display(),
            exe.display(),
            site.layout.real.display()
        ),
        format!(
            "see 'ai-session-manager status {tool}'; 'ai-session-manager teardown {tool}' \
             restores the original",
            tool = site.tool
        ),
    ))
}

/// A failed step, as the user can act on it: a folder they may not write names the folder.
fn explain(site: &Site, command: &str, error: StepError) -> anyhow::Error {
    let dir = site.layout.dir.display();
    let tool = site.tool;
    let denied = matches!(
        error.source.kind(),
        ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem
    );
    let help = if error.changed {
        format!("fix the cause, then run 'ai-session-manager {command} {tool}' again to finish")
    } else if denied {
        format!(
            "run it as a user who may write to {dir} (for example with sudo), or install \
             {tool} in a folder you own"
        )
    } else {
        format!("nothing was changed; 'ai-session-manager status {tool}' shows the paths")
    };
    let message = if denied {
        let outcome = if error.changed {
            "stopped halfway"
        } else {
            "nothing changed"
        };
        format!("permission denied: cannot change {dir} ({outcome})")
    } else {
        error.to_string()
    };
    failure(message, help)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::install::Layout;
    use std::io;

    fn site() -> Site {
        let layout = Layout::new(Path::new("/opt/tools/bin"), "claude", None);
        Site {
            tool: "claude",
            found: Some(layout.original.clone()),
            layout,
            situation: Situation::Unwrapped,
            stray_wrapper: false,
        }
    }

    fn step_error(kind: ErrorKind, changed: bool) -> StepError {
        StepError {
            action: "write in",
            path: "/opt/tools/bin".into(),
            changed,
            source: io::Error::from(kind),
        }
    }

    fn help(error: &anyhow::Error) -> String {
        error
            .downcast_ref::<crate::base::failure::Failure>()
            .and_then(|failure| failure.help.clone())
            .unwrap_or_default()
    }

    #[test]
    fn a_denied_folder_is_named_with_a_way_out() {
        for kind in [ErrorKind::PermissionDenied, ErrorKind::ReadOnlyFilesystem] {
            let error = explain(&site(), "setup", step_error(kind, false));
            assert_eq!(
                error.to_string(),
                "permission denied: cannot change /opt/tools/bin (nothing changed)"
            );
            assert!(
                help(&error).contains("may write to /opt/tools/bin"),
                "{error:?}"
            );
        }
    }

    #[test]
    fn a_step_that_fails_after_a_change_asks_to_run_again() {
        let error = explain(
            &site(),
            "teardown",
            step_error(ErrorKind::PermissionDenied, true),
        );
        assert!(error.to_string().contains("stopped halfway"), "{error}");
        assert_eq!(
            help(&error),
            "fix the cause, then run 'ai-session-manager teardown claude' again to finish"
        );
    }

    #[test]
    fn other_failures_keep_the_system_message() {
        let error = explain(&site(), "setup", step_error(ErrorKind::StorageFull, false));
        assert!(
            error
                .to_string()
                .starts_with("cannot write in /opt/tools/bin:"),
            "{error}"
        );
    }
}
