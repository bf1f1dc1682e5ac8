//! The project the user stands in, its settings, and the state it keeps for each tool.

pub mod archive;
pub mod git;
pub mod keeping;
pub mod pins;
mod quarantine;
pub mod scope;
pub mod settings;
pub mod state;
pub mod whereabouts;

pub use scope::{Branch, Scope};
pub use state::{Arrival, LegacyIdFile, Origin, Pin, SessionMode, State, StateRules, StateStore};
pub use whereabouts::Whereabouts;
