//! Reads a file's lines from the end, newest first, in blocks, so that finding the latest entry of
//! an append-only history costs a few blocks rather than the whole file.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

use crate::base::files;

const BLOCK: u64 = 64 * 1024;

pub struct ReverseLines {
    file: File,
    /// Bytes before this offset have not been read yet.
    unread: u64,
    /// Bytes read but not yet handed out; the first line in it may be incomplete.
    pending: Vec<u8>,
    /// How many more bytes may be read.
    budget: u64,
}

impl ReverseLines {
    /// Lines of `path`, last first, reading at most `budget` bytes.
    pub fn open(path: &Path, budget: u64) -> io::Result<ReverseLines> {
        let (file, meta) =
            files::open_regular(path, true).map_err(|why| io::Error::other(why.to_string()))?;
        let unread = meta.len();
        Ok(ReverseLines {
            file,
            unread,
            pending: Vec::new(),
            budget,
        })
    }

    fn read_block(&mut self) -> io::Result<bool> {
        if self.unread == 0 || self.budget == 0 {
            return Ok(false);
        }
        let size = BLOCK.min(self.unread).min(self.budget);
        self.unread -= size;
        self.budget -= size;
        let mut block = vec![0; size as usize];
        self.file.seek(SeekFrom::Start(self.unread))?;
        self.file.read_exact(&mut block)?;
        block.extend_from_slice(&self.pending);
        self.pending = block;
        Ok(true)
    }
}

impl Iterator for ReverseLines {
    type Item = Vec<u8>;

    fn next(&mut self) -> Option<Vec<u8>> {
        loop {
            // Drop the trailing newline of the last line.
            if self.pending.last() == Some(&b'\n') {
                self.pending.pop();
                continue;
            }
            if let Some(newline) = memchr::memrchr(b'\n', &self.pending) {
                let line = self.pending.split_off(newline + 1);
                self.pending.pop();
                return Some(line);
            }
            match self.read_block() {
                Ok(true) => continue,
                // The start of the file: what is left is the first line.
                _ if self.unread == 0 && !self.pending.is_empty() => {
                    return Some(std::mem::take(&mut self.pending));
                }
                _ => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yields_lines_last_first_across_blocks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.jsonl");
        let lines: Vec<String> = (0..20_000).map(|n| format!("line {n}")).collect();
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
        let read: Vec<Vec<u8>> = ReverseLines::open(&path, u64::MAX).unwrap().collect();
        let expected: Vec<Vec<u8>> = lines.iter().rev().map(|l| l.clone().into_bytes()).collect();
        assert_eq!(read, expected);
    }

    #[test]
    fn stops_at_the_budget() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h");
        std::fs::write(&path, "a\nbb\nccc\n").unwrap();
        let read: Vec<Vec<u8>> = ReverseLines::open(&path, 5).unwrap().collect();
        assert_eq!(read, vec![b"ccc".to_vec()]);
    }
}
