//! What the commands do with sessions, on a floor of its own between the tools (and the launch
//! path) and the CLI: the catalog of every tool's sessions, locating one by id, prefix or path,
//! pinning one as a project's, converting between tools, rendering for people and programs, and
//! full-text search. The CLI parses arguments and prints; the work is here.

pub mod archive;
pub mod catalog;
pub mod convert;
pub mod locate;
pub mod pin;
pub mod render;
pub mod search;
pub mod sync;

pub use catalog::{Catalog, Listed, Order, Sessions, catalog};
