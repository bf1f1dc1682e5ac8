//! Reads a few fields from the start of a JSON object without parsing the rest of it.
//!
//! Codex writes ~25 KB of instructions into the first line of every rollout, after the `cwd` the
//! wrapper needs; scanning only the first few KB keeps discovery cheap across thousands of files.

/// A field's value, if it was reached before the bytes ran out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    Str(String),
    /// Present, but not a string.
    Other,
}

/// The values at `wanted` paths (such as `["payload", "cwd"]`) in the object that starts
/// `bytes`. Stops as soon as every path is found; a truncated or malformed input yields what was
/// found before the damage.
pub fn scan(bytes: &[u8], wanted: &[&[&str]]) -> Vec<Option<Found>> {
    let mut scanner = Scanner {
        bytes,
        at: 0,
        wanted,
        found: vec![None; wanted.len()],
        path: Vec::new(),
    };
    let _ = scanner.object();
    scanner.found
}

/// The string values at `wanted` paths; anything else, or a path not reached, is `None`.
pub fn strings<const N: usize>(bytes: &[u8], wanted: &[&[&str]; N]) -> [Option<String>; N] {
    let mut found = scan(bytes, wanted).into_iter();
    std::array::from_fn(|_| match found.next().flatten() {
        Some(Found::Str(text)) => Some(text),
        _ => None,
    })
}

struct Scanner<'a, 'w> {
    bytes: &'a [u8],
    at: usize,
    wanted: &'w [&'w [&'w str]],
    found: Vec<Option<Found>>,
    path: Vec<String>,
}

/// `None` means the input ended or broke; scanning stops there.
type Step = Option<()>;

impl Scanner<'_, '_> {
    fn done(&self) -> bool {
        self.found.iter().all(Option::is_some)
    }

    fn peek(&mut self) -> Option<u8> {
        while let Some(&byte) = self.bytes.get(self.at) {
            if !byte.is_ascii_whitespace() {
                return Some(byte);
            }
            self.at += 1;
        }
        None
    }

    fn expect(&mut self, byte: u8) -> Step {
        (self.peek()? == byte).then(|| self.at += 1)
    }

    /// The index just past the closing quote of the string starting at `self.at`.
    fn string_end(&self) -> Option<usize> {
        let mut at = self.at + 1;
        loop {
            at += memchr::memchr2(b'"', b'\\', self.bytes.get(at..)?)?;
            if self.bytes[at] == b'"' {
                return Some(at + 1);
            }
            at += 2;
        }
    }

    fn string(&mut self) -> Option<String> {
        if self.peek()? != b'"' {
            return None;
        }
        let end = self.string_end()?;
        let text = serde_json::from_slice(&self.bytes[self.at..end]).ok()?;
        self.at = end;
        Some(text)
    }

    fn skip_value(&mut self) -> Step {
        match self.peek()? {
            b'"' => self.at = self.string_end()?,
            b'{' | b'[' => {
                let mut depth = 0usize;
                loop {
                    match self.peek()? {
                        b'"' => {
                            self.at = self.string_end()?;
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => depth -= 1,
                        _ => {}
                    }
                    self.at += 1;
                    if depth == 0 {
                        break;
                    }
                }
            }
            _ => {
                let rest = self.bytes.get(self.at..)?;
                let len = rest
                    .iter()
                    .position(|b| matches!(b, b',' | b'}' | b']') || b.is_ascii_whitespace())?;
                self.at += len;
            }
        }
        Some(())
    }

    fn object(&mut self) -> Step {
        self.expect(b'{')?;
        if self.peek()? == b'}' {
            self.at += 1;
            return Some(());
        }
        loop {
            let key = self.string()?;
            self.expect(b':')?;
            self.path.push(key);
            let depth = self.path.len();
            let on_path = |want: &[&str]| {
                want.len() >= depth && want.iter().zip(&self.path).all(|(a, b)| a == b)
            };
            let exact = self
                .wanted
                .iter()
                .position(|want| want.len() == depth && on_path(want));
            let leads_somewhere = self
                .wanted
                .iter()
                .any(|want| want.len() > depth && on_path(want));
            let step = match exact {
                Some(index) if self.peek()? == b'"' => {
                    let value = self.string()?;
                    self.found[index] = Some(Found::Str(value));
                    Some(())
                }
                Some(index) => {
                    self.found[index] = Some(Found::Other);
                    self.skip_value()
                }
                None if leads_somewhere && self.peek()? == b'{' => self.object(),
                None => self.skip_value(),
            };
            self.path.pop();
            step?;
            if self.done() {
                return None;
            }
            match self.peek()? {
                b',' => self.at += 1,
                b'}' => {
                    self.at += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WANTED: &[&[&str]] = &[&["type"], &["payload", "cwd"], &["payload", "source"]];

    #[test]
    fn finds_nested_fields_and_stops() {
        let line = br#"{"timestamp":"t","type":"session_meta","payload":{"id":"x","git":{"cwd":"no"},"cwd":"/p \"q\"","source":{"subagent":1},"base":"#;
        assert_eq!(
            scan(line, WANTED),
            vec![
                Some(Found::Str("session_meta".into())),
                Some(Found::Str("/p \"q\"".into())),
                Some(Found::Other),
            ]
        );
    }

    #[test]
    fn truncated_input_keeps_what_was_found() {
        let line = br#"{"type":"session_meta","payload":{"cwd":"/a","instructions":"very lo"#;
        assert_eq!(
            scan(line, WANTED),
            vec![
                Some(Found::Str("session_meta".into())),
                Some(Found::Str("/a".into())),
                None
            ]
        );
    }

    #[test]
    fn garbage_finds_nothing() {
        assert_eq!(scan(b"not json", WANTED), vec![None, None, None]);
        assert_eq!(scan(b"", WANTED), vec![None, None, None]);
    }
}
