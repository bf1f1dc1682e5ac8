//! Helpers for the readers' tests.

use std::path::{Path, PathBuf};

use super::TranscriptSource;
use crate::base::time::format_time;
use crate::transcript::{Dropped, Tally, Transcript};

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A transcript as (role, text, time) triples, for exact comparisons.
pub fn read(source: &dyn TranscriptSource, path: &Path) -> (Vec<(String, String, String)>, Tally) {
    let transcript = Transcript::collect(|sink| {
        source.read_transcript(path, &crate::base::lines::ReadOptions::default(), sink)
    })
    .unwrap();
    let messages = transcript
        .messages
        .into_iter()
        .map(|message| {
            let time = message.timestamp.map(format_time).unwrap_or_default();
            (message.role.to_string(), message.text, time)
        })
        .collect();
    (messages, transcript.tally)
}

pub fn triples(expected: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
    expected
        .iter()
        .map(|(role, text, time)| (role.to_string(), text.to_string(), time.to_string()))
        .collect()
}

/// A tally with these counts.
pub fn tally(counts: &[(Dropped, u64)], malformed: u64) -> Tally {
    let mut tally = Tally::default();
    tally.malformed = malformed;
    for (kind, count) in counts {
        tally.add(*kind, *count);
    }
    tally
}
