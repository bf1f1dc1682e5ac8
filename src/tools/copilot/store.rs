//! Where copilot keeps sessions: `<root>/session-state/<id>/`, holding `events.jsonl` and
//! `workspace.yaml`, where `<root>` is `$COPILOT_HOME` (the `.copilot` folder itself) or
//! `~/.copilot`.

use std::path::PathBuf;

use anyhow::Result;

use crate::contract::root_from;

/// Copilot's folder itself.
pub const HOME_VARIABLE: &str = "COPILOT_HOME";

/// `$COPILOT_HOME`, else `~/.copilot`.
pub fn root() -> Result<PathBuf> {
    root_from(HOME_VARIABLE, ".copilot")
}

pub fn session_dir(id: &str) -> Result<PathBuf> {
    Ok(root()?.join("session-state").join(id))
}

pub const EVENTS: &str = "events.jsonl";
pub const WORKSPACE: &str = "workspace.yaml";

/// A top-level `key: value` of a YAML file as copilot writes `workspace.yaml`; quotes removed.
pub fn yaml_scalar(text: &str, key: &str) -> Option<String> {
    let value = text.lines().find_map(|line| {
        let rest = line.strip_prefix(key)?.strip_prefix(':')?;
        Some(rest.trim())
    })?;
    let value = if let Some(quoted) = value.strip_prefix('"') {
        // Double quotes escape as JSON does.
        serde_json::from_str::<String>(&format!("\"{quoted}")).ok()?
    } else if let Some(quoted) = value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')) {
        quoted.replace("''", "'")
    } else {
        value.to_owned()
    };
    (!value.is_empty() && value != "null" && value != "~").then_some(value)
}
