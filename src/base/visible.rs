//! Text made safe for a terminal. Titles, messages, paths, branch names, settings keys and
//! state fields come from places the user does not control (a model's reply, a cloned file, a
//! folder name), and a terminal obeys the control codes in them: OSC 52 writes the clipboard,
//! CSI moves the cursor, BiDi overrides reorder what is read. Every human-readable line we print
//! goes through here, to a terminal and to a pipe alike (`| less -R` obeys them too).
//!
//! Each such character is shown instead of emitted: C0 and DEL in caret notation (`^[` for
//! ESC, `^?` for DEL), C1, BiDi controls and invisible characters as `<U+202E>`. Printable text
//! is returned unchanged, without a copy.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether tab and newline may stay: a message's own layout keeps them, a one-line field
/// (a title, a table cell, a warning) shows them too.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Layout {
    KeepLines,
    OneLine,
}

/// `text` with every control, BiDi and invisible character shown visibly.
pub fn visible(text: &str, layout: Layout) -> Cow<'_, str> {
    let Some(first) = text.find(|c| hidden(c, layout)) else {
        return Cow::Borrowed(text);
    };
    let mut out = String::with_capacity(text.len() + 8);
    out.push_str(&text[..first]);
    for c in text[first..].chars() {
        if hidden(c, layout) {
            show(c, &mut out);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// [`visible`] keeping tab and newline.
pub fn lines(text: &str) -> Cow<'_, str> {
    visible(text, Layout::KeepLines)
}

/// [`visible`] for a one-line field.
pub fn one_line(text: &str) -> Cow<'_, str> {
    visible(text, Layout::OneLine)
}

fn hidden(c: char, layout: Layout) -> bool {
    match c {
        '\t' | '\n' => layout == Layout::OneLine,
        _ => c.is_control() || invisible(c),
    }
}

/// BiDi controls, zero-width and other format characters a terminal draws as nothing, and the
/// line and paragraph separators some terminals treat as a newline.
pub fn invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{E0000}'..='\u{E007F}'
    )
}

fn show(c: char, out: &mut String) {
    match c as u32 {
        code @ 0..=0x1f => {
            out.push('^');
            out.push(char::from(b'@' + code as u8));
        }
        0x7f => out.push_str("^?"),
        code => {
            let _ = write!(out, "<U+{code:04X}>");
        }
    }
}

/// `println!` for text that may hold what a terminal obeys: the whole line made [`visible`],
/// tab and newline kept.
macro_rules! outln {
    () => {
        $crate::base::visible::print_out("")
    };
    ($($arg:tt)*) => {
        $crate::base::visible::print_out(&format!($($arg)*))
    };
}

/// `eprintln!`, made [`visible`] like [`outln!`].
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::base::visible::print_err(&format!($($arg)*))
    };
}

pub(crate) use {errln, outln};

/// One line on stdout, made visible; a reader that went away (`| head`) is not an error.
pub fn print_out(text: &str) {
    use std::io::Write as _;
    let line = format!("{}\n", lines(text));
    let _ = std::io::stdout().lock().write_all(line.as_bytes());
}

/// One line on stderr, made visible, in a single write.
pub fn print_err(text: &str) {
    use std::io::Write as _;
    let line = format!("{}\n", lines(text));
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn terminal_attacks_are_shown_not_emitted() {
        let cases = [
            ("\x1b]52;c;aGVsbG8=\x07", "^[]52;c;aGVsbG8=^G"),
            (
                "\x1b]8;;https://evil\x1b\\link\x1b]8;;\x1b\\",
                "^[]8;;https://evil^[\\link^[]8;;^[\\",
            ),
            ("\x1b]0;title\x07", "^[]0;title^G"),
            ("\x1b[2J\x1b[H", "^[[2J^[[H"),
            (
                "\x1b]1337;File=name=x:AAAA\x07",
                "^[]1337;File=name=x:AAAA^G",
            ),
            ("a\u{9b}31mb", "a<U+009B>31mb"),
            ("\x7f", "^?"),
            ("evil\u{202e}txt.exe", "evil<U+202E>txt.exe"),
            ("zero\u{200b}width", "zero<U+200B>width"),
            ("cr\rover", "cr^Mover"),
            ("nul\0", "nul^@"),
        ];
        for (input, shown) in cases {
            assert_eq!(lines(input), shown, "{input:?}");
        }
        assert_eq!(lines(&"\x07".repeat(500)), "^G".repeat(500));
    }

    #[test]
    fn layout_decides_tab_and_newline() {
        assert_eq!(lines("a\tb\nc"), "a\tb\nc");
        assert_eq!(one_line("a\tb\nc"), "a^Ib^Jc");
    }

    #[test]
    fn printable_text_is_borrowed() {
        for text in ["plain", "日本語 — «ü» 👍", ""] {
            assert!(matches!(lines(text), Cow::Borrowed(t) if t == text));
        }
    }

    fn forbidden(c: char, layout: Layout) -> bool {
        let code = c as u32;
        let allowed = layout == Layout::KeepLines && (c == '\t' || c == '\n');
        (code < 0x20 && !allowed)
            || code == 0x7f
            || (0x80..=0x9f).contains(&code)
            || matches!(code, 0x061C | 0x200E | 0x200F | 0x202A..=0x202E | 0x2066..=0x2069)
            || matches!(code, 0x200B..=0x200D | 0x2060 | 0xFEFF)
    }

    proptest! {
        #[test]
        fn nothing_a_terminal_obeys_survives(text in any::<String>()) {
            for layout in [Layout::KeepLines, Layout::OneLine] {
                let shown = visible(&text, layout);
                prop_assert!(!shown.chars().any(|c| forbidden(c, layout)), "{shown:?}");
            }
        }

        #[test]
        fn printable_text_passes_unchanged(text in "[^\\p{Cc}\\p{Cf}\\u{2028}\\u{2029}\\u{3164}\\u{FFA0}\\u{115F}\\u{1160}\\u{FE00}-\\u{FE0F}\\u{180B}-\\u{180F}\\u{034F}\\u{17B4}\\u{17B5}\\u{E0000}-\\u{E007F}\\u{2060}-\\u{206F}]*") {
            prop_assert_eq!(lines(&text), text.as_str());
        }

        #[test]
        fn hostile_bytes_in_a_mix(parts in proptest::collection::vec(
            prop_oneof![
                Just("\x1b]52;c;QUFB\x07".to_owned()),
                Just("\u{9b}2J".to_owned()),
                Just("\u{202e}".to_owned()),
                Just("\u{200d}".to_owned()),
                "[a-z ]{0,8}",
            ],
            0..20,
        )) {
            let text = parts.concat();
            let shown = lines(&text);
            let planted = ['\x1b', '\u{9b}', '\u{202e}', '\u{200d}'];
            prop_assert!(!shown.contains(planted), "{:?}", shown);
        }
    }
}
