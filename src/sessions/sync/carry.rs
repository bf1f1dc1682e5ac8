//! A session carried to this machine: its lines with the other machine's folder of the project
//! turned into this machine's (and, for a fork, its id into the fork's), and how two copies of
//! an append-only session compare.

use std::io::{BufRead, Read, Write};

use anyhow::{Context as _, Result};
use memchr::memmem;

use super::redact::LINE_CAP;

/// What changes in each line of a carried session.
pub struct Rewrite {
    /// Folders as the lines have them and as they become, each as the inside of a JSON string,
    /// replaced in this order.
    paths: Vec<(Vec<u8>, Vec<u8>)>,
    /// The session's id, quoted, and the fork's.
    id: Option<(Vec<u8>, Vec<u8>)>,
}

/// The inside of `text` as a JSON string: what a session's lines hold.
fn json_inside(text: &str) -> Vec<u8> {
    let quoted = serde_json::to_vec(text).unwrap_or_default();
    quoted[1..quoted.len().saturating_sub(1).max(1)].to_vec()
}

impl Rewrite {
    /// Each folder of `paths` (from, to) replaced in turn; with `fork` (old, new), the id too.
    pub fn new(paths: &[(&str, &str)], fork: Option<(&str, &str)>) -> Rewrite {
        let paths = paths
            .iter()
            .filter(|(from, to)| from.len() > 1 && from != to)
            .map(|(from, to)| (json_inside(from), json_inside(to)))
            .collect();
        let id = fork.map(|(old, new)| {
            let quote = |id: &str| [b"\"", json_inside(id).as_slice(), b"\""].concat();
            (quote(old), quote(new))
        });
        Rewrite { paths, id }
    }

    /// Whether the lines are carried as they are.
    pub fn is_none(&self) -> bool {
        self.paths.is_empty() && self.id.is_none()
    }

    /// `line` with the folder replaced where a string starts with it (followed by the string's
    /// end or a separator), and the id where a whole string is it.
    pub fn line(&self, line: &[u8], out: &mut Vec<u8>) {
        let mut current = line.to_vec();
        for (from, to) in &self.paths {
            let needle = [b"\"", from.as_slice()].concat();
            let mut next = Vec::with_capacity(current.len());
            let mut written = 0;
            for at in memmem::find_iter(&current, &needle) {
                let after = current.get(at + needle.len()).copied();
                if at < written || !matches!(after, Some(b'"' | b'/' | b'\\')) {
                    continue;
                }
                next.extend_from_slice(&current[written..=at]);
                next.extend_from_slice(to);
                written = at + needle.len();
            }
            next.extend_from_slice(&current[written..]);
            current = next;
        }
        let line = current.as_slice();
        match &self.id {
            Some((old, new)) => {
                let mut written = 0;
                for at in memmem::find_iter(line, old) {
                    out.extend_from_slice(&line[written..at]);
                    out.extend_from_slice(new);
                    written = at + old.len();
                }
                out.extend_from_slice(&line[written..]);
            }
            None => out.extend_from_slice(line),
        }
    }

    /// Copies `input` to `output` a line at a time, rewritten; returns the bytes written.
    pub fn copy(&self, input: &mut dyn BufRead, output: &mut dyn Write) -> Result<u64> {
        if self.is_none() {
            return std::io::copy(input, output).context("cannot copy the session");
        }
        let (mut line, mut out, mut total) = (Vec::new(), Vec::new(), 0u64);
        loop {
            line.clear();
            if Read::take(&mut *input, LINE_CAP).read_until(b'\n', &mut line)? == 0 {
                return Ok(total);
            }
            out.clear();
            self.line(&line, &mut out);
            output.write_all(&out)?;
            total += out.len() as u64;
        }
    }
}

/// How two copies of one append-only session stand to each other.
#[derive(Debug, PartialEq, Eq)]
pub enum Standing {
    Same,
    /// The first is where the second began: the second went on after it.
    FirstIsPrefix,
    /// The second is where the first began.
    SecondIsPrefix,
    /// Both went on from where they agree.
    Diverged,
}

/// Reads both to where they differ or end, a block at a time.
pub fn compare(first: &mut dyn Read, second: &mut dyn Read) -> Result<Standing> {
    let mut a = vec![0u8; 64 * 1024];
    let mut b = vec![0u8; 64 * 1024];
    let (mut a_len, mut b_len) = (0usize, 0usize);
    let (mut a_done, mut b_done) = (false, false);
    loop {
        if a_len == 0 && !a_done {
            a_len = first.read(&mut a)?;
            a_done = a_len == 0;
        }
        if b_len == 0 && !b_done {
            b_len = second.read(&mut b)?;
            b_done = b_len == 0;
        }
        match (a_done, b_done) {
            (true, true) => return Ok(Standing::Same),
            (true, false) => return Ok(Standing::FirstIsPrefix),
            (false, true) => return Ok(Standing::SecondIsPrefix),
            _ => {}
        }
        let n = a_len.min(b_len);
        if a[..n] != b[..n] {
            return Ok(Standing::Diverged);
        }
        a.copy_within(n..a_len, 0);
        b.copy_within(n..b_len, 0);
        a_len -= n;
        b_len -= n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_folder_is_rewritten_where_a_string_starts_with_it_and_the_id_where_it_is_whole() {
        let rewrite = Rewrite::new(
            &[("/home/a/proj", "{project}"), ("/home/a", "{home}")],
            Some(("s1", "f2")),
        );
        let line = br#"{"cwd":"/home/a/proj","file":"/home/a/proj/src/x.rs","other":"/home/a/project","sessionId":"s1","text":"s1 stays"}"#;
        let mut out = Vec::new();
        rewrite.line(line, &mut out);
        let neutral = r#"{"cwd":"{project}","file":"{project}/src/x.rs","other":"{home}/project","sessionId":"f2","text":"s1 stays"}"#;
        assert_eq!(String::from_utf8(out).unwrap(), neutral);
        let back = Rewrite::new(&[("{project}", "/srv/b/p"), ("{home}", "/srv/b")], None);
        let mut out = Vec::new();
        back.line(neutral.as_bytes(), &mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{"cwd":"/srv/b/p","file":"/srv/b/p/src/x.rs","other":"/srv/b/project","sessionId":"f2","text":"s1 stays"}"#
        );
    }

    #[test]
    fn copies_compare_as_prefixes_or_diverged() {
        let cmp = |a: &[u8], b: &[u8]| compare(&mut &a[..], &mut &b[..]).unwrap();
        assert_eq!(cmp(b"abc", b"abc"), Standing::Same);
        assert_eq!(cmp(b"ab", b"abc"), Standing::FirstIsPrefix);
        assert_eq!(cmp(b"abc", b""), Standing::SecondIsPrefix);
        assert_eq!(cmp(b"abd", b"abc"), Standing::Diverged);
        let long: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        assert_eq!(cmp(&long[..150_000], &long), Standing::FirstIsPrefix);
    }
}
