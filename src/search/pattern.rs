//! What a search looks for: the pattern as a matcher over message text, and the gate that lets a
//! reader skip lines that cannot hold it before parsing them.

use std::sync::Arc;

use anyhow::{Context as _, Result};
use regex::{Regex, RegexBuilder};

use crate::base::lines::Gate;

/// A compiled search pattern.
pub struct Query {
    matcher: Regex,
    gate: Option<Gate>,
}

impl Query {
    /// `pattern` as a literal (or a regular expression with `regex`), smart-case unless
    /// `case_sensitive`: case-insensitive when the pattern has no upper-case letter, as ripgrep
    /// does.
    pub fn new(pattern: &str, regex: bool, case_sensitive: bool) -> Result<Query> {
        let insensitive = !case_sensitive && !pattern.chars().any(char::is_uppercase);
        let source = match regex {
            true => pattern.to_owned(),
            false => regex::escape(pattern),
        };
        let matcher = RegexBuilder::new(&source)
            .case_insensitive(insensitive)
            .build()
            .with_context(|| format!("{pattern:?} is not a valid pattern"))?;
        let gate = match regex {
            true => None,
            false => line_gate(pattern, insensitive)?,
        };
        Ok(Query { matcher, gate })
    }

    /// The byte ranges of every match in `text`.
    pub fn find(&self, text: &str) -> Vec<(usize, usize)> {
        self.matcher
            .find_iter(text)
            .filter(|found| !found.is_empty())
            .map(|found| (found.start(), found.end()))
            .collect()
    }

    pub fn is_match(&self, text: &str) -> bool {
        self.matcher.is_match(text)
    }

    /// The line gate, when the pattern allows one; `None` means every line may hold a match.
    pub fn gate(&self) -> Option<Gate> {
        self.gate.clone()
    }
}

/// Characters no JSON encoder the tools use writes as an escape (`\"`, `\\`, `\/`, `\n`, `\u…`):
/// printable ASCII but the quote, the backslash, the slash and the three Go's encoder escapes.
/// Text made of them appears in a line's raw bytes exactly as in the decoded message.
fn never_escaped(c: char) -> bool {
    (c == ' ' || c.is_ascii_graphic()) && !matches!(c, '"' | '\\' | '/' | '<' | '>' | '&')
}

/// A conservative gate for a literal pattern: the longest run of characters that are never
/// escaped must appear in the raw line (in either case, when the search ignores case), or the
/// line cannot hold the match. A pattern with no such run gets no gate.
fn line_gate(pattern: &str, insensitive: bool) -> Result<Option<Gate>> {
    let run = pattern
        .split(|c: char| !never_escaped(c))
        .max_by_key(|run| run.len())
        .unwrap_or_default();
    if run.is_empty() {
        return Ok(None);
    }
    let finder = regex::bytes::RegexBuilder::new(&regex::escape(run))
        .case_insensitive(insensitive)
        .build()?;
    Ok(Some(Arc::new(move |line: &[u8]| finder.is_match(line))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn passes(query: &Query, line: &str) -> bool {
        query.gate().is_none_or(|gate| gate(line.as_bytes()))
    }

    #[test]
    fn smart_case_ignores_case_unless_the_pattern_has_an_upper_case_letter() {
        let lower = Query::new("coupon", false, false).unwrap();
        assert!(lower.is_match("The COUPON code"));
        let upper = Query::new("Coupon", false, false).unwrap();
        assert!(!upper.is_match("the coupon code"));
        assert!(upper.is_match("a Coupon"));
        let forced = Query::new("coupon", false, true).unwrap();
        assert!(!forced.is_match("COUPON"));
    }

    #[test]
    fn a_literal_is_literal_and_a_regex_is_not() {
        let literal = Query::new("a.b", false, false).unwrap();
        assert!(!literal.is_match("axb"));
        assert_eq!(literal.find("x a.b y a.b"), [(2, 5), (8, 11)]);
        let regex = Query::new("a.b", true, false).unwrap();
        assert!(regex.is_match("axb"));
        assert!(Query::new("(", true, false).is_err());
    }

    #[test]
    fn the_gate_passes_every_line_whose_decoded_text_could_match() {
        // The match lies behind JSON escapes in the raw line: the gate must still pass it.
        let quoted = Query::new(r#"say "hi" to a/b"#, false, false).unwrap();
        assert!(passes(&quoted, r#"{"text":"say \"hi\" to a\/b"}"#));
        assert!(!passes(&quoted, r#"{"text":"nothing here"}"#));
        let accented = Query::new("café crème", false, false).unwrap();
        assert!(passes(&accented, r#"{"text":"caf\u00e9 cr\u00e8me"}"#));
        let insensitive = Query::new("coupon", false, false).unwrap();
        assert!(passes(&insensitive, r#"{"text":"COUPON"}"#));
        // Nothing in the pattern appears unescaped for sure: every line passes.
        let all_escaped = Query::new("é", false, false).unwrap();
        assert!(all_escaped.gate().is_none());
        assert!(Query::new("x.*y", true, false).unwrap().gate().is_none());
    }
}
