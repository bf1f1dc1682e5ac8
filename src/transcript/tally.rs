//! What a conversion cannot carry: a count for each kind of dropped item, and of lines that
//! could not be parsed.

use serde::Serialize;

/// Kinds of items a conversion cannot carry: only visible text crosses between tools.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Dropped {
    ToolCalls,
    ToolResults,
    Thinking,
    Attachments,
    Images,
    /// Slash commands and their local output.
    Commands,
    /// Notices the tool itself wrote into the conversation: API errors, info lines.
    Notices,
    /// Messages of sub-agents, which are not part of the main conversation.
    Subagents,
}

impl Dropped {
    const ALL: [Dropped; 8] = [
        Dropped::ToolCalls,
        Dropped::ToolResults,
        Dropped::Thinking,
        Dropped::Attachments,
        Dropped::Images,
        Dropped::Commands,
        Dropped::Notices,
        Dropped::Subagents,
    ];

    /// The key of the kind in `show --format json`'s `not_shown`.
    fn key(self) -> &'static str {
        match self {
            Dropped::ToolCalls => "tool_calls",
            Dropped::ToolResults => "tool_results",
            Dropped::Thinking => "thinking",
            Dropped::Attachments => "attachments",
            Dropped::Images => "images",
            Dropped::Commands => "commands",
            Dropped::Notices => "notices",
            Dropped::Subagents => "subagents",
        }
    }

    /// Singular and plural names for warnings.
    fn names(self) -> (&'static str, &'static str) {
        match self {
            Dropped::ToolCalls => ("tool call", "tool calls"),
            Dropped::ToolResults => ("tool result", "tool results"),
            Dropped::Thinking => ("thinking block", "thinking blocks"),
            Dropped::Attachments => ("attachment", "attachments"),
            Dropped::Images => ("image", "images"),
            Dropped::Commands => ("slash command or its output", "slash commands and outputs"),
            Dropped::Notices => ("error or info notice", "error and info notices"),
            Dropped::Subagents => ("sub-agent message", "sub-agent messages"),
        }
    }
}

/// What a reader could not carry, by kind, and how many lines it could not parse.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    counts: [u64; Dropped::ALL.len()],
    pub malformed: u64,
}

impl Tally {
    pub fn add(&mut self, kind: Dropped, count: u64) {
        self.counts[kind as usize] += count;
    }

    pub fn count(&self, kind: Dropped) -> u64 {
        self.counts[kind as usize]
    }

    /// One line per kind that occurred, with its count; then the malformed lines.
    pub fn warnings(&self) -> Vec<String> {
        let mut lines: Vec<String> = self
            .counted()
            .into_iter()
            .map(|counted| format!("{counted} not carried"))
            .collect();
        lines.extend(self.malformed_note());
        lines
    }

    /// Each kind that occurred with its count, such as "3 tool calls".
    pub fn counted(&self) -> Vec<String> {
        Dropped::ALL
            .iter()
            .filter(|kind| self.count(**kind) > 0)
            .map(|kind| {
                let count = self.count(*kind);
                let (one, many) = kind.names();
                format!("{count} {}", if count == 1 { one } else { many })
            })
            .collect()
    }

    /// "2 malformed lines skipped", if there were any.
    pub fn malformed_note(&self) -> Option<String> {
        let lines_word = if self.malformed == 1 { "line" } else { "lines" };
        (self.malformed > 0).then(|| format!("{} malformed {lines_word} skipped", self.malformed))
    }
}

/// Every kind by its key, malformed lines included, so that the keys are always there.
impl Serialize for Tally {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(Dropped::ALL.len() + 1))?;
        for kind in Dropped::ALL {
            map.serialize_entry(kind.key(), &self.count(kind))?;
        }
        map.serialize_entry("malformed_lines", &self.malformed)?;
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warnings_name_each_kind_once_with_its_count() {
        let mut tally = Tally::default();
        tally.add(Dropped::ToolCalls, 2);
        tally.add(Dropped::ToolCalls, 1);
        tally.add(Dropped::Images, 1);
        tally.malformed = 1;
        assert_eq!(
            tally.warnings(),
            [
                "3 tool calls not carried",
                "1 image not carried",
                "1 malformed line skipped"
            ]
        );
        assert!(Tally::default().warnings().is_empty());
    }
}
