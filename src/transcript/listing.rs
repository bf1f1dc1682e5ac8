//! What `sessions`, `show` and `use` know about a stored session, read metadata-first: the id,
//! the folder and the title from the first lines of its file, the size and the times from the
//! file system. A listing never reads a whole transcript: each tool's lister hands the lines of
//! a bounded head to its own transcript reader, one line at a time, and stops at the first prompt.

use std::io::{BufRead, BufReader, Read};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use anyhow::Result;
use chrono::{DateTime, Utc};

use super::{Message, Role};
use crate::base::files;
use crate::base::lines::trim_line_end;
use crate::project::Scope;

/// How much of a session file a listing reads at most. The id, the folder and the first prompt
/// sit near the start; codex puts ~25 KB of instructions and the injected AGENTS.md before it.
pub const HEAD_BYTES: u64 = 256 * 1024;
/// Titles are cut here, whatever the terminal; tables cut them further.
const TITLE_CHARS: usize = 200;

/// A session's title: the first real prompt, on one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Title {
    Prompt(String),
    /// The file holds no prompt in its head: empty, just started, or only the tool's own lines.
    NoPrompt,
    /// The file could not be read, or its head holds nothing the tool's reader recognises.
    Unreadable,
}

impl Title {
    pub fn prompt(&self) -> Option<&str> {
        match self {
            Title::Prompt(text) => Some(text),
            Title::NoPrompt | Title::Unreadable => None,
        }
    }

    /// The prompt, or a placeholder in parentheses.
    pub fn shown(&self) -> &str {
        match self {
            Title::Prompt(text) => text,
            Title::NoPrompt => "(no prompt yet)",
            Title::Unreadable => "(unreadable)",
        }
    }
}

/// One session in a tool's store.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    /// The tool's own id for it, which `use`, `show` and the tool take.
    pub id: String,
    /// The file `show` reads.
    pub path: PathBuf,
    /// The folder the session started in, as the tool recorded it.
    pub cwd: Option<PathBuf>,
    pub started_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
    pub size_bytes: u64,
    pub title: Title,
}

impl SessionInfo {
    /// A session whose file is `path`: the head read from it (`None` if it could not be read),
    /// completed with the file's size and times.
    pub fn new(id: String, path: PathBuf, head: Option<SessionHead>) -> SessionInfo {
        let meta = std::fs::metadata(&path).ok().filter(|meta| meta.is_file());
        let size_bytes = meta.as_ref().map_or(0, |meta| meta.len());
        let time = |time: std::io::Result<SystemTime>| time.ok().map(DateTime::<Utc>::from);
        let updated_at = meta.as_ref().and_then(|meta| time(meta.modified()));
        let created = meta.as_ref().and_then(|meta| time(meta.created()));
        let title = match &head {
            None => Title::Unreadable,
            Some(SessionHead {
                prompt: Some(prompt),
                ..
            }) => Title::Prompt(prompt.clone()),
            Some(head) if head.recognised || size_bytes == 0 => Title::NoPrompt,
            Some(_) => Title::Unreadable,
        };
        let head = head.unwrap_or_default();
        SessionInfo {
            id,
            path,
            cwd: head.cwd,
            started_at: head.started_at.or(created),
            updated_at,
            size_bytes,
            title,
        }
    }
}

/// What the first lines of a session file say; each tool's lister fills it in.
#[derive(Debug, Default)]
pub struct SessionHead {
    pub cwd: Option<PathBuf>,
    pub started_at: Option<DateTime<Utc>>,
    /// The first user prompt, already on one line.
    pub prompt: Option<String>,
    /// Whether the head held a line the tool's reader recognised.
    pub recognised: bool,
}

impl SessionHead {
    /// Hands each complete, non-blank line of the first [`HEAD_BYTES`] of `path` to `each`,
    /// until it breaks. `None` if the file cannot be read.
    pub fn read(
        path: &Path,
        mut each: impl FnMut(&mut SessionHead, &[u8]) -> ControlFlow<()>,
    ) -> Option<SessionHead> {
        let (file, _) = files::open_regular(path, true).ok()?;
        let mut reader = BufReader::with_capacity(32 * 1024, file.take(HEAD_BYTES));
        let mut head = SessionHead::default();
        let mut line = Vec::new();
        loop {
            line.clear();
            if reader.read_until(b'\n', &mut line).ok()? == 0 {
                break;
            }
            // A line the limit cut off is not a line.
            let cut = line.last() != Some(&b'\n') && reader.get_ref().limit() == 0;
            if cut {
                break;
            }
            let text = trim_line_end(&line);
            if text.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            if each(&mut head, text).is_break() {
                break;
            }
        }
        Some(head)
    }

    /// Takes `message` as the title if it is the first user message.
    pub fn offer(&mut self, message: Option<Message>) {
        if self.prompt.is_none()
            && let Some(message) = message.filter(|message| message.role == Role::User)
        {
            self.prompt = Some(title_line(&message.text));
        }
    }

    /// Reading stops once the title and the folder are known.
    pub fn until_known(&self) -> ControlFlow<()> {
        until(self.prompt.is_some() && self.cwd.is_some())
    }
}

pub fn until(done: bool) -> ControlFlow<()> {
    if done {
        ControlFlow::Break(())
    } else {
        ControlFlow::Continue(())
    }
}

/// A prompt on one line: runs of white space become one space, and past [`TITLE_CHARS`] it is
/// cut with an ellipsis.
pub fn title_line(text: &str) -> String {
    let mut line = String::new();
    for (count, word) in text.split_whitespace().enumerate() {
        if count > 0 {
            line.push(' ');
        }
        line.push_str(word);
        if line.len() > TITLE_CHARS * 4 {
            break;
        }
    }
    match line.char_indices().nth(TITLE_CHARS) {
        Some((end, _)) => {
            line.truncate(end);
            line.push('…');
            line
        }
        None => line,
    }
}

/// The entries of a store folder, read as they are taken: none if the tool has not made it yet;
/// an error if it exists but cannot be read.
pub fn store_entries(dir: &Path) -> Result<impl Iterator<Item = std::fs::DirEntry>> {
    match std::fs::read_dir(dir) {
        Ok(entries) => Ok(Some(entries).into_iter().flatten().flatten()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            Ok(None.into_iter().flatten().flatten())
        }
        Err(error) => {
            Err(anyhow::Error::new(error).context(format!("cannot read {}", dir.display())))
        }
    }
}

/// Which projects' sessions a listing keeps.
pub enum Projects {
    /// Sessions that started in this folder or below it.
    Within {
        root: PathBuf,
        /// The same folder with links resolved, when that differs.
        real: Option<PathBuf>,
    },
    All,
}

impl Projects {
    pub fn of(scope: &Scope) -> Projects {
        let real = scope
            .root
            .canonicalize()
            .ok()
            .filter(|real| *real != scope.root);
        Projects::Within {
            root: scope.root.clone(),
            real,
        }
    }

    /// The project folder, unless every project counts.
    pub fn root(&self) -> Option<&Path> {
        match self {
            Projects::Within { root, .. } => Some(root),
            Projects::All => None,
        }
    }

    /// Whether a session that started in `dir` belongs. A session whose folder is unknown
    /// belongs only to the listing of every project.
    pub fn includes(&self, dir: Option<&Path>) -> bool {
        match (self, dir) {
            (Projects::All, _) => true,
            (Projects::Within { .. }, None) => false,
            (Projects::Within { root, real }, Some(dir)) => {
                dir.starts_with(root) || real.as_ref().is_some_and(|real| dir.starts_with(real))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_one_line_and_cut() {
        assert_eq!(title_line("  fix\n\tthe   bug \n"), "fix the bug");
        let long = "é".repeat(300);
        let cut = title_line(&long);
        assert_eq!(cut.chars().count(), TITLE_CHARS + 1);
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn the_head_stops_at_the_limit_and_skips_a_cut_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.jsonl");
        let first = "a".repeat(10);
        let second = "b".repeat(HEAD_BYTES as usize);
        std::fs::write(&path, format!("{first}\n\n{second}\nc\n")).unwrap();
        let mut seen = Vec::new();
        SessionHead::read(&path, |_, line| {
            seen.push(line.len());
            ControlFlow::Continue(())
        })
        .unwrap();
        assert_eq!(seen, [10]);

        // The last line counts without a line end when the file ends there.
        std::fs::write(&path, "x\r\nlast").unwrap();
        let mut seen = Vec::new();
        SessionHead::read(&path, |_, line| {
            seen.push(String::from_utf8(line.to_vec()).unwrap());
            ControlFlow::Continue(())
        })
        .unwrap();
        assert_eq!(seen, ["x", "last"]);
        assert!(
            SessionHead::read(&dir.path().join("missing"), |_, _| ControlFlow::Break(())).is_none()
        );
    }

    #[test]
    fn empty_and_unrecognised_files_get_placeholders() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.jsonl");
        std::fs::write(&empty, "").unwrap();
        let info = SessionInfo::new("e".into(), empty.clone(), Some(SessionHead::default()));
        assert_eq!(info.title, Title::NoPrompt);
        assert_eq!(info.size_bytes, 0);

        let garbage = dir.path().join("garbage.jsonl");
        std::fs::write(&garbage, "not json\n").unwrap();
        let info = SessionInfo::new("g".into(), garbage, Some(SessionHead::default()));
        assert_eq!(info.title, Title::Unreadable);
        assert_eq!(info.size_bytes, 9);
        assert!(info.updated_at.is_some());

        let info = SessionInfo::new("m".into(), dir.path().join("missing"), None);
        assert_eq!(info.title.shown(), "(unreadable)");
    }

    #[test]
    fn a_project_holds_its_subfolders_only() {
        let projects = Projects::Within {
            root: PathBuf::from("/src/shop"),
            real: Some(PathBuf::from("/data/shop")),
        };
        assert!(projects.includes(Some(Path::new("/src/shop"))));
        assert!(projects.includes(Some(Path::new("/src/shop/api"))));
        assert!(projects.includes(Some(Path::new("/data/shop/api"))));
        assert!(!projects.includes(Some(Path::new("/src/shop-old"))));
        assert!(!projects.includes(None));
        assert!(Projects::All.includes(None));
    }
}
