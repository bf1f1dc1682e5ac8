//! `browse` (also `sessions -i`): every tool's sessions of this project in one list, filtered as
//! you type, with a preview, and keys that resume, convert or export the selected one.
//!
//! The terminal is put back on every way out: the end of the loop, an error, a panic (a hook),
//! and SIGINT, SIGTERM or SIGHUP (a flag the loop watches).

mod app;
mod view;

use std::collections::HashSet;
use std::io::{IsTerminal, Stdout};
use std::path::PathBuf;
use std::process::{Command, ExitCode};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, anyhow};
use clap::Args;
use crossterm::event::{self, Event, KeyEventKind};
use crossterm::terminal::{EnterAlternateScreen, LeaveAlternateScreen};
use crossterm::{cursor, execute};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

use super::args::ToolList;
use crate::base::env;
use crate::base::failure::failure;
use crate::base::platform::{self, Input};
use crate::base::visible::errln;
use crate::install::{self, Situation};
use crate::project::Scope;
use crate::sessions::convert::{self, Request};
use crate::sessions::pin;
use crate::sessions::render;
use crate::sessions::search::{self, Query};
use crate::sessions::{self, Order};
use crate::tools;
use crate::transcript::listing::Projects;
pub use app::{Action, App, Entry, Mode};

#[derive(Args)]
pub struct BrowseArgs {
    #[command(flatten)]
    pub tools: ToolList,
    /// Start with the sessions of every project
    #[arg(long)]
    pub all_projects: bool,
}

/// The exit status after an interrupt, as shells report SIGINT.
const INTERRUPTED: i32 = 130;

/// How often the loop looks at interrupts and searches while nothing is typed.
const TICK: Duration = Duration::from_millis(100);

/// How long typing must pause before the full-text search runs.
const SEARCH_PAUSE: Duration = Duration::from_millis(250);

/// How the browser ended.
enum Exit {
    Quit,
    /// SIGINT, SIGTERM or SIGHUP.
    Interrupted,
    /// Start `tool` in `cwd`, with `args` (none when its wrapper resumes the project's session).
    Launch {
        tool: &'static str,
        cwd: PathBuf,
        args: Vec<String>,
    },
}

pub fn run(args: &BrowseArgs) -> Result<ExitCode> {
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        return Err(failure(
            "browse needs a terminal",
            "list the sessions with 'ai-session-manager sessions' instead",
        ));
    }
    let scope = Scope::current()?;
    let tools = args.tools.selected();
    let entries = list(&scope, &tools, args.all_projects);
    let targets = tools::ALL
        .iter()
        .filter(|tool| tool.conversion_target().is_some())
        .map(|tool| tool.name())
        .collect();
    let mut app = App::new(entries, args.all_projects, targets);
    let colour = env::os(env::NO_COLOR).is_none();
    platform::catch_interrupts();
    // Should the loop be stuck where it cannot see the interrupt (inside the terminal library),
    // the terminal is put back from here.
    std::thread::spawn(|| {
        loop {
            std::thread::sleep(TICK);
            if platform::interrupted() {
                std::thread::sleep(Duration::from_millis(500));
                restore_terminal();
                std::process::exit(INTERRUPTED);
            }
        }
    });
    let exit = with_terminal(|terminal| event_loop(terminal, &mut app, &scope, &tools, colour))?;
    match exit {
        Exit::Quit => Ok(ExitCode::SUCCESS),
        Exit::Interrupted => Ok(ExitCode::from(INTERRUPTED as u8)),
        Exit::Launch { tool, cwd, args } => launch(tool, cwd, args),
    }
}

/// The tools' sessions, newest first, this project's resumed ones marked.
fn list(scope: &Scope, tools: &[&'static dyn crate::contract::Tool], all: bool) -> Vec<Entry> {
    let projects = match all {
        true => Projects::All,
        false => Projects::of(scope),
    };
    // Browse filters as one types, so it holds the whole list.
    sessions::catalog(scope, tools, &projects, None, Order::NewestFirst)
        .sessions
        .collect()
}

type Screen = Terminal<CrosstermBackend<Stdout>>;

fn restore_terminal() {
    let _ = crossterm::terminal::disable_raw_mode();
    let _ = execute!(std::io::stdout(), LeaveAlternateScreen, cursor::Show);
}

/// Runs `body` on the alternate screen in raw mode, and puts the terminal back however it ends.
fn with_terminal<T>(body: impl FnOnce(&mut Screen) -> Result<T>) -> Result<T> {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_terminal();
        previous(info);
    }));
    crossterm::terminal::enable_raw_mode().context("cannot use the terminal")?;
    let result = (|| {
        execute!(std::io::stdout(), EnterAlternateScreen, cursor::Hide)?;
        let mut terminal = Terminal::new(CrosstermBackend::new(std::io::stdout()))?;
        let result = body(&mut terminal);
        // `restore_terminal` shows the cursor. Dropped, the terminal would try that itself and
        // print to stderr when it fails, which on a terminal that has gone fails in turn.
        std::mem::forget(terminal);
        result
    })();
    restore_terminal();
    let _ = std::panic::take_hook();
    result
}

fn event_loop(
    terminal: &mut Screen,
    app: &mut App,
    scope: &Scope,
    tools: &[&'static dyn crate::contract::Tool],
    colour: bool,
) -> Result<Exit> {
    let mut previews = Previews::default();
    let (found_tx, found_rx) = mpsc::channel();
    let mut wanted: Option<(String, Instant)> = None;
    let mut searching = false;
    let mut dirty = true;
    let mut draining = false;
    let mut size = terminal.size()?;
    loop {
        if platform::interrupted() {
            return Ok(Exit::Interrupted);
        }
        // A resize is a signal, not input: our wait on stdin never sees it, so each tick looks.
        let now = terminal.size()?;
        if now != size {
            size = now;
            dirty = true;
        }
        if let Ok((pattern, found)) = found_rx.try_recv() {
            searching = false;
            app.full_text_found(pattern, found);
            dirty = true;
        }
        if dirty {
            let width = view::preview_width(terminal.size()?.width);
            let preview = previews.of(app, width);
            terminal.draw(|frame| view::draw(frame, app, &preview, colour))?;
            dirty = false;
        }
        if let Some((pattern, since)) = &wanted
            && !searching
            && since.elapsed() >= SEARCH_PAUSE
        {
            searching = true;
            spawn_search(pattern.clone(), app, found_tx.clone());
            wanted = None;
        }
        // Our own wait first: crossterm would spin forever on a terminal that has gone. Right
        // after an event, crossterm may hold more it read at once, which our wait cannot see.
        let wait = match draining {
            true => Duration::ZERO,
            false => match platform::stdin_input(TICK) {
                Input::Gone => return Ok(Exit::Quit),
                Input::Quiet => continue,
                Input::Ready => Duration::ZERO,
                Input::Unchecked => TICK,
            },
        };
        if !event::poll(wait)? {
            draining = false;
            continue;
        }
        draining = true;
        let key = match event::read()? {
            Event::Key(key) if key.kind == KeyEventKind::Press => key,
            Event::Resize(..) => {
                dirty = true;
                continue;
            }
            _ => continue,
        };
        dirty = true;
        app.message = None;
        if let Some(action) = app.on_key(key)
            && let Some(exit) = act(action, app, scope, tools, &mut wanted)?
        {
            return Ok(exit);
        }
    }
}

/// Carries out one action of the browser; how it ends, if it does.
fn act(
    action: Action,
    app: &mut App,
    scope: &Scope,
    tools: &[&'static dyn crate::contract::Tool],
    wanted: &mut Option<(String, Instant)>,
) -> Result<Option<Exit>> {
    match action {
        Action::Quit => return Ok(Some(Exit::Quit)),
        Action::FullText { pattern } => *wanted = Some((pattern, Instant::now())),
        Action::CommitFilter { pattern } => {
            *wanted = None;
            let found = full_text(&pattern, candidates(app));
            app.full_text_found(pattern, found);
        }
        Action::Reload { all_projects } => {
            app.replace_entries(list(scope, tools, all_projects), all_projects);
        }
        Action::ResumeSession { tool, id } => match resume(scope, tool, &id) {
            Ok(exit) => return Ok(Some(exit)),
            Err(error) => app.message = Some(format!("error: {error:#}")),
        },
        Action::Start { tool } => {
            return Ok(Some(Exit::Launch {
                tool,
                cwd: scope.cwd.clone(),
                args: Vec::new(),
            }));
        }
        Action::Convert { tool, id, to } => match convert_session(app, scope, tool, &id, to) {
            Ok(question) => {
                app.mode = Mode::Confirm {
                    question,
                    yes: Action::Start { tool: to },
                }
            }
            Err(error) => app.message = Some(format!("error: {error:#}")),
        },
        Action::Export {
            tool,
            id,
            format,
            path,
        } => {
            let entry = app
                .entries
                .iter()
                .find(|entry| entry.key() == (tool, id.as_str()));
            let path = scope.cwd.join(path);
            app.message = Some(match entry {
                Some(entry) => match render::export(entry.tool, &entry.info, format, &path) {
                    Ok(count) => format!("Wrote {} ({count} messages)", path.display()),
                    Err(error) => format!("error: {error:#}"),
                },
                None => "error: that session is no longer listed".to_owned(),
            });
        }
    }
    Ok(None)
}

/// The selected session's preview, rendered once per session and width.
#[derive(Default)]
struct Previews {
    key: Option<(String, String, u16)>,
    text: String,
}

impl Previews {
    fn of(&mut self, app: &App, width: u16) -> String {
        let Some(entry) = app.selection() else {
            return String::new();
        };
        let key = (entry.tool.name().to_owned(), entry.info.id.clone(), width);
        if self.key.as_ref() != Some(&key) {
            self.text = render::preview(entry.tool, &entry.info, usize::from(width).max(20))
                .unwrap_or_else(|error| format!("cannot show this session: {error:#}"));
            self.key = Some(key);
        }
        self.text.clone()
    }
}

/// Searches the listed sessions' full text on another thread; the answer comes back tagged with
/// its pattern, so a stale one is dropped.
fn spawn_search(
    pattern: String,
    app: &App,
    found: mpsc::Sender<(String, HashSet<(String, String)>)>,
) {
    let candidates = candidates(app);
    std::thread::spawn(move || {
        let keys = full_text(&pattern, candidates);
        let _ = found.send((pattern, keys));
    });
}

fn candidates(app: &App) -> Vec<Entry> {
    app.entries.clone()
}

/// The (tool, id) of each candidate whose conversation holds `pattern`.
fn full_text(pattern: &str, candidates: Vec<Entry>) -> HashSet<(String, String)> {
    let matched = match Query::new(pattern, false, false) {
        Ok(query) => search::matching(&query, candidates),
        Err(_) => Vec::new(),
    };
    matched
        .into_iter()
        .map(|found| (found.tool.name().to_owned(), found.info.id))
        .collect()
}

/// `use`, then the launch that resumes it: the tool by name, through its wrapper, in the
/// session's folder; where the tool is not wrapped, with the resume arguments themselves.
fn resume(scope: &Scope, tool: &'static str, id: &str) -> Result<Exit> {
    let found = tools::find(tool).ok_or_else(|| anyhow!("unknown tool {tool}"))?;
    let pinned = pin::pin(found, scope, id)?;
    let wrapped = install::this_executable()
        .ok()
        .and_then(|exe| install::locate(tool, &exe))
        .is_some_and(|site| site.situation == Situation::Wrapped);
    let args = match wrapped {
        true => Vec::new(),
        false => pinned.command.into_iter().skip(1).collect(),
    };
    Ok(Exit::Launch {
        tool,
        cwd: pinned.run_in,
        args,
    })
}

/// Converts the session into `to` for this project; the question that offers to start it.
fn convert_session(
    app: &App,
    scope: &Scope,
    tool: &'static str,
    id: &str,
    to: &'static str,
) -> Result<String> {
    let entry = app
        .entries
        .iter()
        .find(|entry| entry.key() == (tool, id))
        .ok_or_else(|| anyhow!("that session is no longer listed"))?;
    let to_tool = tools::find(to).ok_or_else(|| anyhow!("unknown tool {to}"))?;
    let path = entry.info.path.to_string_lossy().into_owned();
    let outcome = convert::convert(
        &Request {
            from: entry.tool,
            to: to_tool,
            source_session: Some(&path),
            target_session: None,
            apply: true,
        },
        scope,
    )?;
    Ok(format!(
        "Converted to {to} session {} ({} messages). Start {to} now?",
        outcome.target_id, outcome.messages
    ))
}

fn launch(tool: &str, cwd: PathBuf, args: Vec<String>) -> Result<ExitCode> {
    errln!("Starting {tool} in {}", cwd.display());
    let mut command = Command::new(tool);
    command.args(&args).current_dir(&cwd);
    let error = platform::run_replacing(command);
    Err(anyhow::Error::new(error).context(format!("cannot start {tool}")))
}

#[cfg(test)]
mod tests;
