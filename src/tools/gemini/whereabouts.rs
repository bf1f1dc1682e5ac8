//! A gemini session carried to another folder: gemini files sessions under the exact folder they
//! ran in, so a moved or copied project cannot `--resume` them. The session's own file becomes an
//! import file, which gemini's `--session-file` takes in whole (messages, tool calls, thoughts)
//! under a new id, the way a converted session gets in.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

use crate::base::files::NewFile;
use crate::base::lines::LineReader;
use crate::transcript::write::json_line;

/// The messages gemini keeps when it imports a file; others it drops, so the import file holds
/// only these (its first message must be one gemini keeps, to recognise the import by).
fn is_kept(record: &serde_json::Value) -> bool {
    matches!(
        record.get("type").and_then(|t| t.as_str()),
        Some("user" | "gemini")
    ) && record.get("content").is_some()
}

/// Writes `<state_dir>/<name>` from session file `source`, as gemini would load it: messages
/// re-appended with the same id replace the earlier one in place, and `$rewindTo` removes that
/// message and everything after it. Returns the file, with the number of messages in it.
pub fn import_copy(source: &Path, state_dir: &Path, name: &str) -> Result<(PathBuf, usize)> {
    let mut lines = LineReader::open(source)?;
    let mut header: Option<serde_json::Value> = None;
    let mut order: Vec<String> = Vec::new();
    let mut messages: HashMap<String, serde_json::Value> = HashMap::new();
    while let Some((_, line)) = lines.next_line()? {
        let Ok(record) = serde_json::from_slice::<serde_json::Value>(line) else {
            continue;
        };
        if let Some(rewind) = record.get("$rewindTo") {
            let at = order
                .iter()
                .position(|id| Some(id.as_str()) == rewind.as_str());
            for id in order.drain(at.unwrap_or(0)..) {
                messages.remove(&id);
            }
            continue;
        }
        if record.get("sessionId").is_some() && header.is_none() {
            header = Some(record);
            continue;
        }
        let Some(id) = record
            .get("id")
            .and_then(|id| id.as_str())
            .map(str::to_owned)
        else {
            continue;
        };
        if !messages.contains_key(&id) {
            order.push(id.clone());
        }
        messages.insert(id, record);
    }
    let Some(header) = header else {
        bail!("{} is not a gemini session file", source.display());
    };
    let kept: Vec<&serde_json::Value> = order
        .iter()
        .filter_map(|id| messages.get(id))
        .filter(|record| is_kept(record))
        .collect();
    if kept.is_empty() {
        bail!("{} holds no message", source.display());
    }
    let path = state_dir.join(name);
    let mut file = NewFile::create(&path)?;
    for record in std::iter::once(&header).chain(kept.iter().copied()) {
        json_line(file.out(), record)?;
    }
    if !file.commit()? {
        bail!("{} already exists", path.display());
    }
    Ok((path, kept.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_copy_holds_what_gemini_would_load_and_keep() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("session.jsonl");
        let lines = [
            r#"{"sessionId":"s1","projectHash":"h","startTime":"t","kind":"main"}"#,
            r#"{"id":"i0","type":"info","content":"started"}"#,
            r#"{"id":"u1","type":"user","content":[{"text":"first"}]}"#,
            r#"{"id":"g1","type":"gemini","content":"draft","toolCalls":[{"id":"c"}]}"#,
            r#"{"$set":{"lastUpdated":"t2"}}"#,
            r#"{"id":"g1","type":"gemini","content":"answer","toolCalls":[{"id":"c"}]}"#,
            r#"{"id":"u2","type":"user","content":[{"text":"rewound"}]}"#,
            r#"{"$rewindTo":"u2"}"#,
            r#"{"id":"u3","type":"user","content":[{"text":"second"}]}"#,
        ];
        std::fs::write(&source, lines.join("\n") + "\n").unwrap();
        let (copy, count) = import_copy(&source, dir.path(), "gemini-moved-s1.jsonl").unwrap();
        assert_eq!(count, 3);
        let written: Vec<serde_json::Value> = std::fs::read_to_string(&copy)
            .unwrap()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        let ids: Vec<&str> = written[1..]
            .iter()
            .map(|record| record["id"].as_str().unwrap())
            .collect();
        assert_eq!(written[0]["sessionId"], "s1");
        assert_eq!(ids, ["u1", "g1", "u3"]);
        assert_eq!(written[2]["content"], "answer");
        assert_eq!(written[2]["toolCalls"][0]["id"], "c");
        assert!(import_copy(&source, dir.path(), "gemini-moved-s1.jsonl").is_err());
    }
}
