//! Sorting more records than memory should hold: records are gathered up to a byte budget,
//! each full batch is sorted and written to an anonymous temporary file (a run), and the runs
//! are merged as they are read back. What is held at once is one batch, or one record per run,
//! whatever the count; a listing of a million sessions sorts in the memory of a few thousand.

use std::cmp::Ordering;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, Write};

/// A record that can be written to a run and read back, by the same process.
pub trait Spill: Sized {
    fn write_to(&self, out: &mut dyn Write) -> io::Result<()>;
    /// The next record, or `None` at the end of the run.
    fn read_from(input: &mut dyn Read) -> io::Result<Option<Self>>;
    /// About how many bytes of memory it holds.
    fn weight(&self) -> usize;
}

/// How many runs are merged at once; more are first merged into one.
const FAN_IN: usize = 64;

/// Records put in any order, taken out in `order`'s (stable: equal records keep the order they
/// were put in).
pub struct SpillSort<T, F> {
    order: F,
    budget: usize,
    batch: Vec<T>,
    weight: usize,
    runs: Vec<File>,
    /// The temporary files could not be written: everything stays in memory.
    in_memory: bool,
}

impl<T: Spill, F: Fn(&T, &T) -> Ordering> SpillSort<T, F> {
    /// Holds up to about `budget` bytes of records before it writes a run.
    pub fn new(budget: usize, order: F) -> Self {
        SpillSort {
            order,
            budget,
            batch: Vec::new(),
            weight: 0,
            runs: Vec::new(),
            in_memory: false,
        }
    }

    /// Adds a record. When a run cannot be written (no temporary folder, a full disk) the
    /// records stay in memory: the result is the same, only larger.
    pub fn push(&mut self, record: T) -> io::Result<()> {
        self.weight += record.weight();
        self.batch.push(record);
        if self.weight < self.budget || self.in_memory {
            return Ok(());
        }
        match self.spill() {
            Ok(()) => Ok(()),
            Err(error) => {
                self.in_memory = true;
                Err(error)
            }
        }
    }

    fn spill(&mut self) -> io::Result<()> {
        self.batch.sort_by(&self.order);
        let run = write_run(self.batch.iter())?;
        self.batch.clear();
        self.weight = 0;
        self.runs.push(run);
        if self.runs.len() >= FAN_IN {
            let runs = std::mem::take(&mut self.runs);
            let merged = Merge::new(runs, &self.order)?;
            let mut failed = None;
            let run = write_run_owned(merged.map_while(|record| match record {
                Ok(record) => Some(record),
                Err(error) => {
                    failed = Some(error);
                    None
                }
            }))?;
            if let Some(error) = failed {
                return Err(error);
            }
            self.runs.push(run);
        }
        Ok(())
    }

    /// Every record, in order. A run that cannot be read back ends the records with an error.
    pub fn sorted(mut self) -> io::Result<Sorted<T, F>> {
        self.batch.sort_by(&self.order);
        if self.runs.is_empty() {
            return Ok(Sorted::Memory(self.batch.into_iter()));
        }
        // The last batch is a run too, so that the merge sees every record in one way; older
        // runs come first, so that equal records keep the order they were put in.
        if !self.batch.is_empty() {
            let run = write_run(self.batch.iter())?;
            self.runs.push(run);
        }
        Ok(Sorted::Merged(Merge::new(self.runs, self.order)?))
    }
}

fn write_run<'a, T: Spill + 'a>(records: impl Iterator<Item = &'a T>) -> io::Result<File> {
    let mut out = BufWriter::with_capacity(64 * 1024, tempfile::tempfile()?);
    for record in records {
        record.write_to(&mut out)?;
    }
    rewound(out)
}

fn write_run_owned<T: Spill>(records: impl Iterator<Item = T>) -> io::Result<File> {
    let mut out = BufWriter::with_capacity(64 * 1024, tempfile::tempfile()?);
    for record in records {
        record.write_to(&mut out)?;
    }
    rewound(out)
}

fn rewound(out: BufWriter<File>) -> io::Result<File> {
    let mut file = out.into_inner().map_err(|error| error.into_error())?;
    file.rewind()?;
    Ok(file)
}

/// The sorted records.
pub enum Sorted<T, F> {
    Memory(std::vec::IntoIter<T>),
    Merged(Merge<T, F>),
}

impl<T: Spill, F: Fn(&T, &T) -> Ordering> Iterator for Sorted<T, F> {
    type Item = io::Result<T>;

    fn next(&mut self) -> Option<io::Result<T>> {
        match self {
            Sorted::Memory(records) => records.next().map(Ok),
            Sorted::Merged(merge) => merge.next(),
        }
    }
}

/// A k-way merge of sorted runs. With at most [`FAN_IN`] runs, the smallest next record is
/// found by looking at each; on a tie the older run wins, which keeps the sort stable.
pub struct Merge<T, F> {
    order: F,
    runs: Vec<BufReader<File>>,
    heads: Vec<Option<T>>,
    failed: bool,
}

impl<T: Spill, F: Fn(&T, &T) -> Ordering> Merge<T, F> {
    fn new(files: Vec<File>, order: F) -> io::Result<Self> {
        let mut runs: Vec<BufReader<File>> = files
            .into_iter()
            .map(|file| BufReader::with_capacity(16 * 1024, file))
            .collect();
        let heads = runs
            .iter_mut()
            .map(|run| T::read_from(run))
            .collect::<io::Result<_>>()?;
        Ok(Merge {
            order,
            runs,
            heads,
            failed: false,
        })
    }
}

impl<T: Spill, F: Fn(&T, &T) -> Ordering> Iterator for Merge<T, F> {
    type Item = io::Result<T>;

    fn next(&mut self) -> Option<io::Result<T>> {
        if self.failed {
            return None;
        }
        let mut smallest: Option<usize> = None;
        for (run, head) in self.heads.iter().enumerate() {
            let Some(record) = head else { continue };
            let smaller = match smallest.and_then(|best| self.heads[best].as_ref()) {
                Some(best) => (self.order)(record, best) == Ordering::Less,
                None => true,
            };
            if smaller {
                smallest = Some(run);
            }
        }
        let run = smallest?;
        let record = self.heads[run].take()?;
        match T::read_from(&mut self.runs[run]) {
            Ok(next) => self.heads[run] = next,
            Err(error) => {
                self.failed = true;
                return Some(Err(error));
            }
        }
        Some(Ok(record))
    }
}

/// The pieces a record is written in: numbers little-endian, byte strings after their length.
pub mod codec {
    use std::io::{self, Read, Write};

    /// Longer than any field this program writes: a run that says more is not ours.
    const MAX_FIELD: u64 = 1 << 30;

    pub fn write_u64(out: &mut dyn Write, value: u64) -> io::Result<()> {
        out.write_all(&value.to_le_bytes())
    }

    pub fn write_bytes(out: &mut dyn Write, bytes: &[u8]) -> io::Result<()> {
        write_u64(out, bytes.len() as u64)?;
        out.write_all(bytes)
    }

    /// A number, or `None` at a clean end of the run.
    pub fn read_first_u64(input: &mut dyn Read) -> io::Result<Option<u64>> {
        let mut bytes = [0; 8];
        let mut filled = 0;
        while filled < bytes.len() {
            match input.read(&mut bytes[filled..]) {
                Ok(0) if filled == 0 => return Ok(None),
                Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
                Ok(read) => filled += read,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => return Err(error),
            }
        }
        Ok(Some(u64::from_le_bytes(bytes)))
    }

    pub fn read_u64(input: &mut dyn Read) -> io::Result<u64> {
        let mut bytes = [0; 8];
        input.read_exact(&mut bytes)?;
        Ok(u64::from_le_bytes(bytes))
    }

    pub fn read_bytes(input: &mut dyn Read) -> io::Result<Vec<u8>> {
        let len = read_u64(input)?;
        if len > MAX_FIELD {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "a temporary run holds a field longer than this program writes",
            ));
        }
        let mut bytes = Vec::with_capacity(len as usize);
        input.take(len).read_to_end(&mut bytes)?;
        match bytes.len() as u64 == len {
            true => Ok(bytes),
            false => Err(io::ErrorKind::UnexpectedEof.into()),
        }
    }

    pub fn read_string(input: &mut dyn Read) -> io::Result<String> {
        String::from_utf8(read_bytes(input)?)
            .map_err(|error| io::Error::new(io::ErrorKind::InvalidData, error))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A key and the order it was put in, to see that the sort is stable.
    #[derive(Debug, Clone, PartialEq)]
    struct Record {
        key: u64,
        put: u64,
        text: String,
    }

    impl Spill for Record {
        fn write_to(&self, out: &mut dyn Write) -> io::Result<()> {
            codec::write_u64(out, self.key)?;
            codec::write_u64(out, self.put)?;
            codec::write_bytes(out, self.text.as_bytes())
        }

        fn read_from(input: &mut dyn Read) -> io::Result<Option<Self>> {
            let Some(key) = codec::read_first_u64(input)? else {
                return Ok(None);
            };
            Ok(Some(Record {
                key,
                put: codec::read_u64(input)?,
                text: codec::read_string(input)?,
            }))
        }

        fn weight(&self) -> usize {
            16 + self.text.len()
        }
    }

    fn sorted(records: &[Record], budget: usize) -> Vec<Record> {
        let mut sort = SpillSort::new(budget, |a: &Record, b: &Record| b.key.cmp(&a.key));
        for record in records {
            sort.push(record.clone()).unwrap();
        }
        sort.sorted().unwrap().map(Result::unwrap).collect()
    }

    proptest! {
        /// Whatever the budget (a run per record, past the fan-in, or none), the result is the
        /// stable in-memory sort.
        #[test]
        fn a_spilled_sort_is_the_stable_sort_in_memory(
            keys in proptest::collection::vec((0u64..20, ".{0,12}"), 0..400),
            budget in prop_oneof![Just(1usize), 1usize..2000, Just(usize::MAX)],
        ) {
            let records: Vec<Record> = keys
                .into_iter()
                .enumerate()
                .map(|(put, (key, text))| Record { key, put: put as u64, text })
                .collect();
            let mut expected = records.clone();
            expected.sort_by_key(|record| std::cmp::Reverse(record.key));
            prop_assert_eq!(sorted(&records, budget), expected);
        }
    }

    #[test]
    fn more_runs_than_the_fan_in_are_merged_in_steps() {
        let records: Vec<Record> = (0..(FAN_IN as u64 * 3 + 5))
            .map(|put| Record {
                key: put % 7,
                put,
                text: "x".repeat(30),
            })
            .collect();
        let mut sort = SpillSort::new(1, |a: &Record, b: &Record| a.key.cmp(&b.key));
        for record in &records {
            sort.push(record.clone()).unwrap();
        }
        assert!(sort.runs.len() < FAN_IN, "{} runs open", sort.runs.len());
        let out: Vec<Record> = sort.sorted().unwrap().map(Result::unwrap).collect();
        let mut expected = records;
        expected.sort_by_key(|record| record.key);
        assert_eq!(out, expected);
    }

    #[test]
    fn a_run_that_says_more_than_it_holds_is_an_error_not_an_allocation() {
        let mut bytes = Vec::new();
        codec::write_u64(&mut bytes, u64::MAX).unwrap();
        assert!(codec::read_bytes(&mut bytes.as_slice()).is_err());
        let mut short = Vec::new();
        codec::write_bytes(&mut short, b"abcdef").unwrap();
        short.truncate(10);
        assert!(codec::read_bytes(&mut short.as_slice()).is_err());
        assert_eq!(codec::read_first_u64(&mut &b""[..]).unwrap(), None);
        assert!(codec::read_first_u64(&mut &b"abc"[..]).is_err());
    }
}
