//! The supported tools, one folder each: its identity, flags and launch rule (`mod.rs`), where it
//! keeps its sessions (`store.rs`), and how its transcripts are read and written
//! (`transcript.rs`). A new tool is a new folder plus its entry here: the module, and its place
//! in [`ALL`].

pub mod agy;
pub mod claude;
pub mod codex;
pub mod copilot;
pub mod gemini;
#[cfg(all(test, unix))]
mod properties;
#[cfg(test)]
pub mod sixth;

use crate::contract::Tool;

/// Every supported tool, in the order they are listed to users.
pub static ALL: &[&dyn Tool] = &[
    &claude::Claude,
    &codex::Codex,
    &gemini::Gemini,
    &copilot::Copilot,
    &agy::Agy,
    #[cfg(test)]
    &sixth::Sixth,
];

pub fn find(name: &str) -> Option<&'static dyn Tool> {
    ALL.iter().copied().find(|tool| tool.name() == name)
}

pub fn names() -> impl Iterator<Item = &'static str> {
    ALL.iter().map(|tool| tool.name())
}
