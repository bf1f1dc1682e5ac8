//! Reading a file one line at a time, holding only the current line.

use std::fs::File;
use std::io::{BufRead, BufReader, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};

/// A line buffer that grew for one huge line is not kept for the rest of the file.
const KEEP_BUFFER: usize = 1024 * 1024;

/// Reads a file's non-blank lines one at a time, with their byte offsets, holding only the
/// current line.
pub struct LineReader {
    path: PathBuf,
    reader: BufReader<File>,
    line: Vec<u8>,
    /// The offset of the next unread byte.
    offset: u64,
}

impl LineReader {
    pub fn open(path: &Path) -> Result<LineReader> {
        let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        Ok(LineReader {
            path: path.to_path_buf(),
            reader: BufReader::with_capacity(64 * 1024, file),
            line: Vec::new(),
            offset: 0,
        })
    }

    /// The next non-blank line, without its line ending, and the offset it starts at.
    pub fn next_line(&mut self) -> Result<Option<(u64, &[u8])>> {
        if self.line.capacity() > KEEP_BUFFER {
            self.line = Vec::new();
        }
        loop {
            self.line.clear();
            let read = self
                .reader
                .read_until(b'\n', &mut self.line)
                .with_context(|| format!("cannot read {}", self.path.display()))?;
            if read == 0 {
                return Ok(None);
            }
            let start = self.offset;
            self.offset += read as u64;
            if !self.line.iter().all(u8::is_ascii_whitespace) {
                return Ok(Some((start, trim_line_end(&self.line))));
            }
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

/// Calls `each` with the offset and the bytes of every non-blank line of `path`.
pub fn for_each_line(path: &Path, mut each: impl FnMut(u64, &[u8]) -> Result<()>) -> Result<()> {
    let mut lines = LineReader::open(path)?;
    while let Some((offset, line)) = lines.next_line()? {
        each(offset, line)?;
    }
    Ok(())
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
    fn lines_are_read_one_at_a_time_with_offsets() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.jsonl");
        std::fs::write(&path, "a\r\n\n  \nbb\nlast").unwrap();
        let mut seen = Vec::new();
        for_each_line(&path, |offset, line| {
            seen.push((offset, String::from_utf8(line.to_vec()).unwrap()));
            Ok(())
        })
        .unwrap();
        assert_eq!(
            seen,
            [(0, "a".into()), (7, "bb".into()), (10, "last".into())]
        );
    }
}
