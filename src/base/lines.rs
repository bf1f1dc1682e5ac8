//! Reading a file one line at a time, holding only the current line.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Seek, SeekFrom};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, anyhow};

use crate::base::files;

/// A line buffer that grew for one huge line is not kept for the rest of the file.
const KEEP_BUFFER: usize = 1024 * 1024;
/// A longer line is not held in memory: it is skipped, and counted.
pub const MAX_LINE: usize = 64 * 1024 * 1024;

/// A test a line must pass to be read at all: a search skips lines that cannot hold what it looks
/// for, before anything parses them.
pub type Gate = std::sync::Arc<dyn Fn(&[u8]) -> bool + Send + Sync>;

/// How a reader reads a file's lines: what it skips, and how long a line it holds. Passed to
/// each reader that should obey it, never set around it.
#[derive(Clone)]
pub struct ReadOptions {
    /// Lines this refuses are skipped unparsed (a file's first line excepted: a header says
    /// what the file is).
    pub gate: Option<Gate>,
    /// A longer line is skipped, and counted.
    pub max_line: usize,
}

impl Default for ReadOptions {
    fn default() -> ReadOptions {
        ReadOptions {
            gate: None,
            max_line: MAX_LINE,
        }
    }
}

impl ReadOptions {
    /// Options that skip the lines `gate` refuses.
    pub fn gated(gate: Option<Gate>) -> ReadOptions {
        ReadOptions {
            gate,
            ..ReadOptions::default()
        }
    }

    /// Whether the gate lets a line through.
    pub fn admits(&self, line: &[u8]) -> bool {
        self.gate.as_ref().is_none_or(|gate| gate(line))
    }
}

/// Reads a file's non-blank lines one at a time, with their byte offsets, holding only the
/// current line.
pub struct LineReader {
    path: PathBuf,
    reader: BufReader<File>,
    line: Vec<u8>,
    /// The offset of the next unread byte.
    offset: u64,
    options: ReadOptions,
    oversized: u64,
}

impl LineReader {
    /// Opens a regular file (following links, never waiting on a FIFO), to read every line.
    pub fn open(path: &Path) -> Result<LineReader> {
        LineReader::open_with(path, &ReadOptions::default())
    }

    pub fn open_with(path: &Path, options: &ReadOptions) -> Result<LineReader> {
        let (file, _) = files::open_regular(path, true)
            .map_err(|why| anyhow!("cannot open {}: {why}", path.display()))?;
        Ok(LineReader {
            path: path.to_path_buf(),
            reader: BufReader::with_capacity(64 * 1024, file),
            line: Vec::new(),
            offset: 0,
            options: options.clone(),
            oversized: 0,
        })
    }

    /// How many lines were longer than the limit, and skipped.
    pub fn oversized(&self) -> u64 {
        self.oversized
    }

    /// Reads one line into `self.line`, unless it is longer than the limit; returns the bytes
    /// consumed and whether the line was kept.
    fn read_line(&mut self) -> io::Result<(usize, bool)> {
        self.line.clear();
        let (mut consumed, mut kept) = (0, true);
        loop {
            let available = self.reader.fill_buf()?;
            if available.is_empty() {
                break;
            }
            let (len, ends) = match memchr::memchr(b'\n', available) {
                Some(at) => (at + 1, true),
                None => (available.len(), false),
            };
            if kept && self.line.len() + len > self.options.max_line {
                kept = false;
                self.line = Vec::new();
            }
            if kept {
                self.line.extend_from_slice(&available[..len]);
            }
            self.reader.consume(len);
            consumed += len;
            if ends {
                break;
            }
        }
        Ok((consumed, kept))
    }

    /// The next non-blank line, without its line ending, and the offset it starts at.
    pub fn next_line(&mut self) -> Result<Option<(u64, &[u8])>> {
        if self.line.capacity() > KEEP_BUFFER {
            self.line = Vec::new();
        }
        loop {
            let (read, kept) = self
                .read_line()
                .with_context(|| format!("cannot read {}", self.path.display()))?;
            if read == 0 {
                return Ok(None);
            }
            let start = self.offset;
            self.offset += read as u64;
            if !kept {
                self.oversized += 1;
                continue;
            }
            if self.line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            // A file's first line (a header: what the file is) always passes the gate.
            if start > 0 && !self.options.admits(&self.line) {
                continue;
            }
            return Ok(Some((start, trim_line_end(&self.line))));
        }
    }

    /// Continues reading at `offset`, which must be the start of a line.
    pub fn seek(&mut self, offset: u64) -> Result<()> {
        if offset != self.offset {
            self.reader
                .seek(SeekFrom::Start(offset))
                .with_context(|| format!("cannot read {}", self.path.display()))?;
            self.offset = offset;
        }
        Ok(())
    }
}

/// Calls `each` with the offset and the bytes of every non-blank line of `path` that `options`
/// admits, until it says `Break`; returns how many lines were too long to read.
pub fn for_each_line(
    path: &Path,
    options: &ReadOptions,
    mut each: impl FnMut(u64, &[u8]) -> Result<ControlFlow<()>>,
) -> Result<u64> {
    let mut lines = LineReader::open_with(path, options)?;
    while let Some((offset, line)) = lines.next_line()? {
        if each(offset, line)?.is_break() {
            break;
        }
    }
    Ok(lines.oversized())
}

/// A line without its `\n` or `\r\n`.
pub fn trim_line_end(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gate_skips_the_lines_it_refuses_but_never_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, "head\nkeep a\ndrop\nkeep b\n").unwrap();
        let read = |options: &ReadOptions| {
            let mut seen = Vec::new();
            for_each_line(&path, options, |_, line| {
                seen.push(String::from_utf8(line.to_vec()).unwrap());
                Ok(ControlFlow::Continue(()))
            })
            .unwrap();
            seen
        };
        let gate: Gate = std::sync::Arc::new(|line: &[u8]| line.starts_with(b"keep"));
        let gated = ReadOptions::gated(Some(gate));
        assert_eq!(read(&gated), ["head", "keep a", "keep b"]);
        assert_eq!(
            read(&ReadOptions::default()),
            ["head", "keep a", "drop", "keep b"]
        );
    }

    #[test]
    fn a_line_sink_that_says_break_stops_the_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, "a\nb\nc\n").unwrap();
        let mut seen = Vec::new();
        for_each_line(&path, &ReadOptions::default(), |_, line| {
            seen.push(line.to_vec());
            Ok(match line {
                b"b" => ControlFlow::Break(()),
                _ => ControlFlow::Continue(()),
            })
        })
        .unwrap();
        assert_eq!(seen, [b"a".to_vec(), b"b".to_vec()]);
    }

    #[test]
    fn a_line_past_the_limit_is_skipped_and_counted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.jsonl");
        std::fs::write(
            &path,
            format!("short\n{}\nafter\n{}", "x".repeat(100), "y".repeat(50)),
        )
        .unwrap();
        let options = ReadOptions {
            max_line: 40,
            ..ReadOptions::default()
        };
        let mut lines = LineReader::open_with(&path, &options).unwrap();
        let mut seen = Vec::new();
        while let Some((offset, line)) = lines.next_line().unwrap() {
            seen.push((offset, String::from_utf8(line.to_vec()).unwrap()));
        }
        assert_eq!(seen, [(0, "short".to_owned()), (107, "after".to_owned())]);
        assert_eq!(lines.oversized(), 2);
    }

    #[test]
    fn lines_are_read_one_at_a_time_with_offsets() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.jsonl");
        std::fs::write(&path, "a\r\n\n  \nbb\nlast").unwrap();
        let mut seen = Vec::new();
        for_each_line(&path, &ReadOptions::default(), |offset, line| {
            seen.push((offset, String::from_utf8(line.to_vec()).unwrap()));
            Ok(ControlFlow::Continue(()))
        })
        .unwrap();
        assert_eq!(
            seen,
            [(0, "a".into()), (7, "bb".into()), (10, "last".into())]
        );
    }
}
