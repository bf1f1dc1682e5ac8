//! The project the user stands in and the state it keeps for each tool.

pub mod scope;
pub mod state;

pub use scope::Scope;
pub use state::{LegacyIdFile, Pin, SessionMode, State, StateRules, StateStore};
