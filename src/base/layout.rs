//! Text laid out for people: styles, relative times, sizes, cutting and wrapping by display
//! width. Nothing here writes; the commands and the renderers share it.

use chrono::{DateTime, Utc};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::base::visible;

/// ANSI styles, or none.
#[derive(Clone, Copy)]
pub struct Style {
    pub colour: bool,
}

impl Style {
    pub const BOLD: &'static str = "1";
    pub const DIM: &'static str = "2";
    pub const CYAN: &'static str = "1;36";
    pub const GREEN: &'static str = "1;32";
    /// A search match: bold red, as grep and ripgrep show them.
    pub const MATCH: &'static str = "1;31";

    /// `text` made [`visible`](crate::base::visible) on one line, then styled: the only escape
    /// codes in the result are ours.
    pub fn paint(self, text: &str, code: &str) -> String {
        let text = visible::one_line(text);
        if self.colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.into_owned()
        }
    }
}

/// How long ago `then` was, in the largest whole unit: "3 h ago".
pub fn relative_time(then: DateTime<Utc>, now: DateTime<Utc>) -> String {
    match age(then, now) {
        None => "just now".to_owned(),
        Some((count, unit)) => format!("{count} {unit} ago"),
    }
}

/// [`relative_time`] in a few columns: "3h", "now".
pub fn short_age(then: DateTime<Utc>, now: DateTime<Utc>) -> String {
    match age(then, now) {
        None => "now".to_owned(),
        Some((count, "min")) => format!("{count}m"),
        Some((count, unit)) => format!("{count}{unit}"),
    }
}

/// The largest whole unit of the time since `then`; `None` under a minute.
fn age(then: DateTime<Utc>, now: DateTime<Utc>) -> Option<(i64, &'static str)> {
    let seconds = (now - then).num_seconds();
    Some(match seconds {
        ..60 => return None,
        60..3_600 => (seconds / 60, "min"),
        3_600..86_400 => (seconds / 3_600, "h"),
        86_400..2_592_000 => (seconds / 86_400, "d"),
        2_592_000..31_536_000 => (seconds / 2_592_000, "mo"),
        _ => (seconds / 31_536_000, "y"),
    })
}

/// A size in bytes, in decimal units: "812 B", "9.4 KB", "23 MB".
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if bytes < 1000 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64;
    let mut unit = "B";
    for next in UNITS {
        if value < 1000.0 {
            break;
        }
        value /= 1000.0;
        unit = next;
    }
    if value < 10.0 {
        format!("{value:.1} {unit}")
    } else {
        format!("{value:.0} {unit}")
    }
}

pub fn width(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}

/// `text` cut to at most `max` columns, with an ellipsis where it was cut.
pub fn cut(text: &str, max: usize) -> String {
    if width(text) <= max {
        return text.to_owned();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > max {
            break;
        }
        out.push(c);
        used += w;
    }
    if max > 0 {
        out.push('…');
    }
    out
}

/// Wraps each line of `text` at word boundaries to `columns` columns. Lines inside ``` fences
/// are kept as they are, and a wrapped line's continuation keeps its indentation. A word longer
/// than a line stands alone on its line.
pub fn wrap(text: &str, columns: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut in_fence = false;
    for line in text.lines() {
        let fence = line.trim_start().starts_with("```");
        if in_fence || fence || width(line) <= columns {
            lines.push(line.trim_end().to_owned());
            in_fence ^= fence;
            continue;
        }
        let indent: String = line.chars().take_while(|c| c.is_whitespace()).collect();
        let mut current = indent.clone();
        for word in line.split_whitespace() {
            let fits = width(&current) + 1 + width(word) <= columns;
            if current.trim().is_empty() {
                current.push_str(word);
            } else if fits {
                current.push(' ');
                current.push_str(word);
            } else {
                lines.push(std::mem::replace(&mut current, format!("{indent}{word}")));
            }
        }
        lines.push(current);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_times_use_the_largest_unit() {
        let now = Utc::now();
        let ago = |seconds| relative_time(now - chrono::Duration::seconds(seconds), now);
        assert_eq!(ago(5), "just now");
        assert_eq!(ago(-30), "just now");
        assert_eq!(ago(125), "2 min ago");
        assert_eq!(ago(3 * 3_600 + 59), "3 h ago");
        assert_eq!(ago(2 * 86_400), "2 d ago");
        assert_eq!(ago(65 * 86_400), "2 mo ago");
        assert_eq!(ago(800 * 86_400), "2 y ago");
    }

    #[test]
    fn sizes_are_decimal() {
        assert_eq!(human_size(0), "0 B");
        assert_eq!(human_size(999), "999 B");
        assert_eq!(human_size(9_368), "9.4 KB");
        assert_eq!(human_size(23_456_789), "23 MB");
    }

    #[test]
    fn cutting_counts_display_columns() {
        assert_eq!(cut("hello world", 20), "hello world");
        assert_eq!(cut("hello world", 8), "hello w…");
        // Wide characters take two columns each.
        assert_eq!(cut("日本語のテキスト", 7), "日本語…");
        assert_eq!(width(&cut("日本語のテキスト", 7)), 7);
    }

    #[test]
    fn wrapping_keeps_code_and_indentation() {
        let text = "one two three four five\n  indented words that wrap\n```\na very long code line stays\n```";
        assert_eq!(
            wrap(text, 14),
            [
                "one two three",
                "four five",
                "  indented",
                "  words that",
                "  wrap",
                "```",
                "a very long code line stays",
                "```"
            ]
        );
        assert_eq!(
            wrap("unbreakable-long-word x", 5),
            ["unbreakable-long-word", "x"]
        );
    }
}
