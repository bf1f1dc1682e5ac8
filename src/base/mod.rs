//! The ground floor: what every other part stands on and that knows nothing of them. Errors and
//! how they are reported, environment variable names, everything that differs between
//! platforms, file primitives, times, and the readers of lines and JSON prefixes.

pub mod env;
pub mod failure;
pub mod files;
pub mod ids;
pub mod json_prefix;
pub mod layout;
pub mod lines;
pub mod platform;
pub mod reverse_lines;
pub mod spill;
pub mod time;
pub mod ui;
pub mod visible;
