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
    // Ignoring case, `k` also matches the Kelvin sign and `s` the long s, which an encoder may
    // write as `\u212a` and `\u017f`: those letters cannot be required in the raw line.
    let gated = |c: char| never_escaped(c) && !(insensitive && matches!(c, 'k' | 'K' | 's' | 'S'));
    let run = pattern
        .split(|c: char| !gated(c))
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

    #[test]
    fn a_literal_finds_what_unicode_case_folding_finds_behind_an_escape() {
        let line = r#"{"text":"300 \u212aelvin"}"#;
        let literal = Query::new("kelvin", false, false).unwrap();
        let regex = Query::new("kelvin", true, false).unwrap();
        assert!(regex.is_match("300 \u{212a}elvin"));
        assert!(literal.is_match("300 \u{212a}elvin"));
        assert!(passes(&literal, line));
        let long_s = Query::new("last", false, false).unwrap();
        assert!(passes(&long_s, r#"{"text":"la\u017ft"}"#));
    }

    /// JSON as the tools' encoders write it: Python's `ensure_ascii` escapes every non-ASCII
    /// character, Go's also `<`, `>` and `&`, and any may escape `/`.
    fn encoded(text: &str) -> String {
        let mut out = String::from("{\"text\":\"");
        for c in text.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '/' => out.push_str("\\/"),
                '\n' => out.push_str("\\n"),
                '<' | '>' | '&' => out.push_str(&format!("\\u{:04x}", c as u32)),
                c if c.is_ascii() && !c.is_ascii_control() => out.push(c),
                c => {
                    let mut units = [0u16; 2];
                    for unit in c.encode_utf16(&mut units) {
                        out.push_str(&format!("\\u{unit:04x}"));
                    }
                }
            }
        }
        out + "\"}"
    }

    proptest::proptest! {
        /// The gate never drops a line whose decoded message the full match accepts, so a
        /// literal search finds exactly what the same pattern as a regex finds.
        #[test]
        fn literal_and_regex_agree_behind_json_escapes(
            text in "[a-zA-Z kKsS\u{212a}\u{17f}\u{e9}\u{c9}\"\\/<&\n]{0,24}",
            start in 0usize..24,
            len in 1usize..8,
        ) {
            let chars: Vec<char> = text.chars().collect();
            let start = start.min(chars.len());
            let end = (start + len).min(chars.len());
            // The text's own letters, folded to lower-case ASCII where one folds to it: the
            // pattern `k` for the Kelvin sign in the text.
            let pattern: String = chars[start..end]
                .iter()
                .map(|&c| match c {
                    '\u{212a}' => 'k',
                    '\u{17f}' => 's',
                    c => c.to_ascii_lowercase(),
                })
                .collect();
            proptest::prop_assume!(!pattern.is_empty());
            let literal = Query::new(&pattern, false, false).unwrap();
            let regex = Query::new(&regex::escape(&pattern), true, false).unwrap();
            let line = encoded(&text);
            let decoded: serde_json::Value = serde_json::from_str(&line).unwrap();
            proptest::prop_assert_eq!(decoded["text"].as_str().unwrap(), text.as_str());
            proptest::prop_assert_eq!(literal.is_match(&text), regex.is_match(&text));
            if literal.is_match(&text) {
                proptest::prop_assert!(passes(&literal, &line), "{:?} in {}", pattern, line);
            }
        }
    }
}
