//! The catalog: every tool's sessions of some projects, in order, each marked when it is the one
//! its project resumes. `sessions`, `search` and `browse` list through here.
//!
//! The listers hand over one session at a time and the catalog sorts them through
//! [`SpillSort`]: past a few megabytes the sorted batches go to temporary files and are merged
//! as they are read back, so a store of any number of sessions lists in bounded memory.

use std::cmp::Ordering;
use std::io::{self, Read, Write};

use chrono::{DateTime, Utc};

use crate::base::platform;
use crate::base::spill::{Sorted, Spill, SpillSort, codec};
use crate::base::visible::errln;
use crate::contract::Tool;
use crate::project::Scope;
use crate::sessions::locate::resumed_session;
use crate::transcript::listing::{Projects, SessionInfo, Title};

/// One session of the catalog.
#[derive(Clone)]
pub struct Listed {
    pub tool: &'static dyn Tool,
    pub info: SessionInfo,
    /// It is the session `scope` resumes with its tool.
    pub current: bool,
}

/// In which order a catalog gives its sessions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    /// The tools in the order asked for, each one's newest first.
    ByTool,
    /// Newest first across the tools (a tie keeps the tools' order).
    NewestFirst,
}

/// What a listing found, and the tools whose store could not be listed (in whole or in part).
pub struct Catalog {
    pub sessions: Sessions,
    pub unlisted: Vec<(&'static dyn Tool, anyhow::Error)>,
}

/// How many bytes of sessions are held before a sorted batch goes to a temporary file.
const BUDGET: usize = 8 << 20;

/// Each tool's sessions of `projects` in `order` (at most `limit` of each tool, its newest), the
/// ones `scope` resumes marked. A state that cannot say which session it resumes marks none,
/// with a warning.
pub fn catalog(
    scope: &Scope,
    tools: &[&'static dyn Tool],
    projects: &Projects,
    limit: Option<usize>,
    order: Order,
) -> Catalog {
    catalog_within(scope, tools, projects, limit, order, BUDGET)
}

/// [`catalog`], holding about `budget` bytes before it spills (tests spill with a small one).
pub(crate) fn catalog_within(
    scope: &Scope,
    tools: &[&'static dyn Tool],
    projects: &Projects,
    limit: Option<usize>,
    order: Order,
    budget: usize,
) -> Catalog {
    let compare: EntryOrder = match order {
        Order::ByTool => |a, b| a.tool.cmp(&b.tool).then_with(|| newest_first(a, b)),
        Order::NewestFirst => |a, b| {
            b.info
                .updated_at
                .cmp(&a.info.updated_at)
                .then_with(|| a.tool.cmp(&b.tool))
                .then_with(|| a.info.id.cmp(&b.info.id))
        },
    };
    let mut sort = SpillSort::new(budget, compare);
    let mut spill_failed = false;
    let mut unlisted = Vec::new();
    for (index, &tool) in tools.iter().enumerate() {
        let Some(lister) = tool.session_lister() else {
            continue;
        };
        let resumed = current_id(tool, scope);
        let mut skipped = Vec::new();
        let listed = lister.list(projects, &mut skipped, &mut |info| {
            let current = resumed.as_deref() == Some(info.id.as_str());
            let entry = Entry {
                tool: index,
                current,
                info,
            };
            if let Err(error) = sort.push(entry)
                && !std::mem::replace(&mut spill_failed, true)
            {
                errln!(
                    "warning: cannot write the listing to a temporary file ({error}); \
                     holding it in memory"
                );
            }
        });
        unlisted.extend(skipped.into_iter().map(|error| (tool, error)));
        if let Err(error) = listed {
            unlisted.push((tool, error));
        }
    }
    let sorted = match sort.sorted() {
        Ok(sorted) => Some(sorted),
        Err(error) => {
            errln!("warning: cannot read the listing back from its temporary files: {error}");
            None
        }
    };
    Catalog {
        sessions: Sessions {
            incomplete: sorted.is_none(),
            sorted,
            tools: tools.to_vec(),
            limit,
            given: vec![0; tools.len()],
        },
        unlisted,
    }
}

/// Each tool's newest first; ids break a tie.
fn newest_first(a: &Entry, b: &Entry) -> Ordering {
    b.info
        .updated_at
        .cmp(&a.info.updated_at)
        .then_with(|| a.info.id.cmp(&b.info.id))
}

/// The sessions of a catalog, in its order, read as they are taken.
pub struct Sessions {
    sorted: Option<Sorted<Entry, EntryOrder>>,
    tools: Vec<&'static dyn Tool>,
    limit: Option<usize>,
    /// How many of each tool's sessions have been given.
    given: Vec<usize>,
    incomplete: bool,
}

impl Sessions {
    /// A temporary file of the listing could not be read back, so the sessions ended early
    /// (said on stderr when it happened).
    pub fn incomplete(&self) -> bool {
        self.incomplete
    }
}

impl Iterator for Sessions {
    type Item = Listed;

    fn next(&mut self) -> Option<Listed> {
        loop {
            let entry = match self.sorted.as_mut()?.next()? {
                Ok(entry) => entry,
                Err(error) => {
                    errln!(
                        "warning: cannot read the listing back from its temporary files: {error}; the list is cut short"
                    );
                    self.incomplete = true;
                    self.sorted = None;
                    return None;
                }
            };
            let given = &mut self.given[entry.tool];
            if self.limit.is_some_and(|limit| *given >= limit) {
                continue;
            }
            *given += 1;
            return Some(Listed {
                tool: self.tools[entry.tool],
                info: entry.info,
                current: entry.current,
            });
        }
    }
}

impl Listed {
    /// Which session it is: (tool, id).
    pub fn key(&self) -> (&'static str, &str) {
        (self.tool.name(), self.info.id.as_str())
    }
}

type EntryOrder = fn(&Entry, &Entry) -> Ordering;

/// A session as the sort holds it: its tool by its place in the catalog's list of tools.
struct Entry {
    tool: usize,
    current: bool,
    info: SessionInfo,
}

/// A time as nanoseconds since 1970, 0 for none (a time of exactly 1970 is not a session's).
fn write_time(out: &mut dyn Write, time: Option<DateTime<Utc>>) -> io::Result<()> {
    let nanos = time.and_then(|time| time.timestamp_nanos_opt());
    codec::write_u64(out, nanos.map_or(0, |nanos| nanos as u64))
}

fn read_time(input: &mut dyn Read) -> io::Result<Option<DateTime<Utc>>> {
    let nanos = codec::read_u64(input)? as i64;
    Ok((nanos != 0).then(|| DateTime::from_timestamp_nanos(nanos)))
}

impl Spill for Entry {
    fn write_to(&self, out: &mut dyn Write) -> io::Result<()> {
        let info = &self.info;
        codec::write_u64(out, self.tool as u64)?;
        let title_kind = match &info.title {
            Title::Prompt(_) => 0,
            Title::NoPrompt => 1,
            Title::Unreadable => 2,
        };
        let flags = u64::from(self.current) | title_kind << 1 | u64::from(info.cwd.is_some()) << 3;
        codec::write_u64(out, flags)?;
        codec::write_bytes(out, info.id.as_bytes())?;
        codec::write_bytes(out, &platform::path_bytes(&info.path))?;
        let cwd = info.cwd.as_deref().map(platform::path_bytes);
        codec::write_bytes(out, cwd.as_deref().unwrap_or_default())?;
        write_time(out, info.started_at)?;
        write_time(out, info.updated_at)?;
        codec::write_u64(out, info.size_bytes)?;
        codec::write_bytes(out, info.title.prompt().unwrap_or_default().as_bytes())
    }

    fn read_from(input: &mut dyn Read) -> io::Result<Option<Self>> {
        let Some(tool) = codec::read_first_u64(input)? else {
            return Ok(None);
        };
        let flags = codec::read_u64(input)?;
        let id = codec::read_string(input)?;
        let path = platform::path_from_bytes(codec::read_bytes(input)?);
        let cwd = codec::read_bytes(input)?;
        let cwd = (flags & 8 != 0).then(|| platform::path_from_bytes(cwd));
        let started_at = read_time(input)?;
        let updated_at = read_time(input)?;
        let size_bytes = codec::read_u64(input)?;
        let prompt = codec::read_string(input)?;
        let title = match flags >> 1 & 3 {
            0 => Title::Prompt(prompt),
            1 => Title::NoPrompt,
            _ => Title::Unreadable,
        };
        Ok(Some(Entry {
            tool: tool as usize,
            current: flags & 1 != 0,
            info: SessionInfo {
                id,
                path,
                cwd,
                started_at,
                updated_at,
                size_bytes,
                title,
            },
        }))
    }

    fn weight(&self) -> usize {
        let info = &self.info;
        let cwd = info.cwd.as_ref().map_or(0, |cwd| cwd.as_os_str().len());
        let title = info.title.prompt().map_or(0, str::len);
        std::mem::size_of::<Entry>() + info.id.len() + info.path.as_os_str().len() + cwd + title
    }
}

/// The id `scope` resumes with `tool`.
fn current_id(tool: &dyn Tool, scope: &Scope) -> Option<String> {
    match resumed_session(tool, scope) {
        Ok(id) => id,
        Err(error) => {
            errln!(
                "warning: cannot tell which {} session this project resumes: {error:#}",
                tool.name()
            );
            None
        }
    }
}
