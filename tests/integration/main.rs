//! The integration tests, as one crate: the built binary, run against fake tools in a temp HOME.
//! One crate so that the shared support is compiled and linked once, not once a file.

mod common;
mod convert_support;
mod sessions_support;

// The fake tools are shell scripts, and these tests look at modes, links, ptys and signals:
// they are Unix's. The support above builds everywhere.
#[cfg(unix)]
mod archive;
#[cfg(unix)]
mod browse_pty;
#[cfg(unix)]
mod convert_errors;
#[cfg(unix)]
mod convert_gemini_import;
#[cfg(unix)]
mod convert_pairs;
#[cfg(unix)]
mod follow_project;
#[cfg(unix)]
mod hostile;
#[cfg(unix)]
mod html_export;
#[cfg(unix)]
mod newcomer;
#[cfg(unix)]
mod privacy;
#[cfg(unix)]
mod properties;
#[cfg(unix)]
mod races;
#[cfg(unix)]
mod real_fixtures;
#[cfg(unix)]
mod search;
#[cfg(unix)]
mod sessions_list;
#[cfg(unix)]
mod sessions_show;
#[cfg(unix)]
mod sessions_use;
#[cfg(unix)]
mod setup_cli;
#[cfg(unix)]
mod setup_reset;
#[cfg(unix)]
mod setup_teardown;
#[cfg(unix)]
mod status_report;
#[cfg(unix)]
mod sync;
#[cfg(unix)]
mod terminal_escapes;
#[cfg(unix)]
mod wrapper_launch;
#[cfg(unix)]
mod wrapper_safety;
