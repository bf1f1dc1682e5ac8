//! The browser's state and what each key does to it. Nothing here touches the terminal or the
//! disk: the loop in `mod.rs` draws the state and carries out the actions it asks for, so the
//! tests drive this with keys alone.

use std::collections::HashSet;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::sessions::render::Format;

/// One session in the list: the catalog's.
pub use crate::sessions::Listed as Entry;

/// The export formats offered, in order.
pub const FORMATS: [Format; 5] = [
    Format::Markdown,
    Format::Html,
    Format::Text,
    Format::Json,
    Format::Jsonl,
];

/// What the keys act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    List,
    /// Typing edits the filter.
    Filter,
    Help,
    /// Choosing the tool to convert the selected session to.
    PickTarget {
        targets: Vec<&'static str>,
        at: usize,
    },
    PickFormat {
        at: usize,
    },
    /// Typing edits the export file name.
    ExportPath {
        format: Format,
        path: String,
    },
    /// A yes/no question; `yes` is what `y` does.
    Confirm {
        question: String,
        yes: Action,
    },
}

/// Work the loop carries out for the browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Make the session this project's (as `use` does), then start its tool through its wrapper.
    ResumeSession {
        tool: &'static str,
        id: String,
    },
    Convert {
        tool: &'static str,
        id: String,
        to: &'static str,
    },
    Export {
        tool: &'static str,
        id: String,
        format: Format,
        path: String,
    },
    /// Start `tool` through its wrapper here: it resumes the project's session.
    Start {
        tool: &'static str,
    },
    /// List the sessions again, of every project or of this one.
    Reload {
        all_projects: bool,
    },
    /// Search the full text of the listed sessions for the filter, once typing pauses.
    FullText {
        pattern: String,
    },
    /// The filter is done: finish its full-text search now, before the next key.
    CommitFilter {
        pattern: String,
    },
    Quit,
}

pub struct App {
    pub entries: Vec<Entry>,
    pub all_projects: bool,
    pub filter: String,
    /// Sessions whose text matches the filter, from the last full-text search, and its pattern.
    pub full_text: Option<(String, HashSet<(String, String)>)>,
    /// Index into `visible()`.
    pub selected: usize,
    pub mode: Mode,
    /// The last outcome or error, for the status line.
    pub message: Option<String>,
    /// Tools that conversions can write, by name.
    pub convert_targets: Vec<&'static str>,
}

impl App {
    pub fn new(entries: Vec<Entry>, all_projects: bool, convert_targets: Vec<&'static str>) -> App {
        App {
            entries,
            all_projects,
            filter: String::new(),
            full_text: None,
            selected: 0,
            mode: Mode::List,
            message: None,
            convert_targets,
        }
    }

    /// The entries the filter lets through, in list order: by title at once, and by full text
    /// once the search for this filter has come back.
    pub fn visible(&self) -> Vec<&Entry> {
        let needle = self.filter.to_lowercase();
        let by_text = self
            .full_text
            .as_ref()
            .filter(|(pattern, _)| *pattern == self.filter);
        self.entries
            .iter()
            .filter(|entry| {
                needle.is_empty()
                    || entry.info.title.shown().to_lowercase().contains(&needle)
                    || entry.info.id.starts_with(&needle)
                    || by_text.is_some_and(|(_, found)| {
                        found.contains(&(entry.tool.name().to_owned(), entry.info.id.clone()))
                    })
            })
            .collect()
    }

    pub fn selection(&self) -> Option<&Entry> {
        self.visible().get(self.selected).copied()
    }

    /// New entries, after a reload; the selection goes back to the top.
    pub fn replace_entries(&mut self, entries: Vec<Entry>, all_projects: bool) {
        self.entries = entries;
        self.all_projects = all_projects;
        self.full_text = None;
        self.selected = 0;
    }

    /// Takes the result of a full-text search; a result for an older filter is dropped.
    pub fn full_text_found(&mut self, pattern: String, found: HashSet<(String, String)>) {
        if pattern == self.filter {
            self.full_text = Some((pattern, found));
            self.clamp();
        }
    }

    fn clamp(&mut self) {
        let count = self.visible().len();
        self.selected = self.selected.min(count.saturating_sub(1));
    }

    fn move_by(&mut self, delta: isize) {
        let count = self.visible().len() as isize;
        if count == 0 {
            self.selected = 0;
            return;
        }
        self.selected = (self.selected as isize + delta).clamp(0, count - 1) as usize;
    }

    /// What a key does; an action for the loop to carry out, if any.
    pub fn on_key(&mut self, key: KeyEvent) -> Option<Action> {
        if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
            return Some(Action::Quit);
        }
        match self.mode.clone() {
            Mode::List => self.list_key(key),
            Mode::Filter => self.filter_key(key),
            Mode::Help => {
                self.mode = Mode::List;
                None
            }
            Mode::PickTarget { targets, at } => {
                let pick = pick(key, at, targets.len());
                match pick {
                    Pick::Move(at) => self.mode = Mode::PickTarget { targets, at },
                    Pick::Cancel => self.mode = Mode::List,
                    Pick::Chosen(at) => {
                        self.mode = Mode::List;
                        let entry = self.selection()?;
                        return Some(Action::Convert {
                            tool: entry.tool.name(),
                            id: entry.info.id.clone(),
                            to: targets[at],
                        });
                    }
                }
                None
            }
            Mode::PickFormat { at } => {
                match pick(key, at, FORMATS.len()) {
                    Pick::Move(at) => self.mode = Mode::PickFormat { at },
                    Pick::Cancel => self.mode = Mode::List,
                    Pick::Chosen(at) => {
                        let entry = self.selection()?;
                        let short: String = entry.info.id.chars().take(8).collect();
                        let path =
                            format!("{}-{short}.{}", entry.tool.name(), FORMATS[at].extension());
                        self.mode = Mode::ExportPath {
                            format: FORMATS[at],
                            path,
                        };
                    }
                }
                None
            }
            Mode::ExportPath { format, mut path } => match key.code {
                KeyCode::Enter if !path.trim().is_empty() => {
                    self.mode = Mode::List;
                    let entry = self.selection()?;
                    Some(Action::Export {
                        tool: entry.tool.name(),
                        id: entry.info.id.clone(),
                        format,
                        path,
                    })
                }
                KeyCode::Esc => {
                    self.mode = Mode::List;
                    None
                }
                KeyCode::Backspace => {
                    path.pop();
                    self.mode = Mode::ExportPath { format, path };
                    None
                }
                KeyCode::Char(c) => {
                    path.push(c);
                    self.mode = Mode::ExportPath { format, path };
                    None
                }
                _ => None,
            },
            Mode::Confirm { yes, .. } => {
                self.mode = Mode::List;
                matches!(key.code, KeyCode::Char('y' | 'Y') | KeyCode::Enter).then_some(yes)
            }
        }
    }

    fn list_key(&mut self, key: KeyEvent) -> Option<Action> {
        match key.code {
            KeyCode::Char('q') | KeyCode::Esc => return Some(Action::Quit),
            KeyCode::Down | KeyCode::Char('j') => self.move_by(1),
            KeyCode::Up | KeyCode::Char('k') => self.move_by(-1),
            KeyCode::PageDown => self.move_by(10),
            KeyCode::PageUp => self.move_by(-10),
            KeyCode::Home | KeyCode::Char('g') => self.selected = 0,
            KeyCode::End | KeyCode::Char('G') => self.move_by(isize::MAX / 2),
            KeyCode::Char('/') => self.mode = Mode::Filter,
            KeyCode::Char('?') => self.mode = Mode::Help,
            KeyCode::Char('a') => {
                return Some(Action::Reload {
                    all_projects: !self.all_projects,
                });
            }
            KeyCode::Char('c') if self.selection().is_some() => {
                self.mode = Mode::PickTarget {
                    targets: self.convert_targets.clone(),
                    at: 0,
                };
            }
            KeyCode::Char('e') if self.selection().is_some() => {
                self.mode = Mode::PickFormat { at: 0 };
            }
            KeyCode::Enter => {
                let entry = self.selection()?;
                return Some(Action::ResumeSession {
                    tool: entry.tool.name(),
                    id: entry.info.id.clone(),
                });
            }
            _ => {}
        }
        None
    }

    fn filter_key(&mut self, key: KeyEvent) -> Option<Action> {
        match key.code {
            KeyCode::Enter | KeyCode::Down => {
                self.mode = Mode::List;
                let searched = self
                    .full_text
                    .as_ref()
                    .is_some_and(|(pattern, _)| *pattern == self.filter);
                (!self.filter.trim().is_empty() && !searched).then(|| Action::CommitFilter {
                    pattern: self.filter.clone(),
                })
            }
            KeyCode::Esc => {
                self.filter.clear();
                self.mode = Mode::List;
                self.clamp();
                None
            }
            KeyCode::Backspace => {
                self.filter.pop();
                self.filter_changed()
            }
            KeyCode::Char(c) => {
                self.filter.push(c);
                self.filter_changed()
            }
            _ => None,
        }
    }

    fn filter_changed(&mut self) -> Option<Action> {
        self.selected = 0;
        self.clamp();
        (!self.filter.trim().is_empty()).then(|| Action::FullText {
            pattern: self.filter.clone(),
        })
    }
}

enum Pick {
    Move(usize),
    Chosen(usize),
    Cancel,
}

/// Up, down, Enter and Esc in a short list of choices.
fn pick(key: KeyEvent, at: usize, count: usize) -> Pick {
    match key.code {
        KeyCode::Down | KeyCode::Char('j') => Pick::Move((at + 1).min(count.saturating_sub(1))),
        KeyCode::Up | KeyCode::Char('k') => Pick::Move(at.saturating_sub(1)),
        KeyCode::Enter => Pick::Chosen(at),
        KeyCode::Esc | KeyCode::Char('q') => Pick::Cancel,
        _ => Pick::Move(at),
    }
}
