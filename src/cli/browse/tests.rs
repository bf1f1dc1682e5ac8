//! The browser driven by keys and drawn on ratatui's test backend at 80×24.

use std::collections::HashSet;
use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Color;

use super::app::{Action, App, Entry, FORMATS, Mode};
use super::view;
use crate::sessions::render::Format;
use crate::transcript::listing::{SessionInfo, Title};

fn entry(tool: &str, id: &str, title: &str, current: bool) -> Entry {
    let mut info = SessionInfo::new(id.to_owned(), PathBuf::from("/nowhere"), None);
    info.title = Title::Prompt(title.to_owned());
    Entry {
        tool: crate::tools::find(tool).unwrap(),
        info,
        current,
    }
}

fn app() -> App {
    App::new(
        vec![
            entry(
                "claude",
                "0b5c6f0e-3f7e-4c1b-9d55-2f5a8f1e9c11",
                "Fix the coupon rounding",
                true,
            ),
            entry(
                "codex",
                "019a8f10-1111-7222-8333-444455556666",
                "Rename foo to bar",
                false,
            ),
            entry(
                "gemini",
                "7c9e6679-7425-40de-944b-e07fc1f90ae7",
                "Summarise README.md",
                false,
            ),
        ],
        false,
        vec!["claude", "codex", "gemini"],
    )
}

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn type_text(app: &mut App, text: &str) -> Option<Action> {
    let mut last = None;
    for c in text.chars() {
        last = app.on_key(key(KeyCode::Char(c)));
    }
    last
}

fn screen(app: &App, preview: &str, colour: bool) -> (String, ratatui::buffer::Buffer) {
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    terminal
        .draw(|frame| view::draw(frame, app, preview, colour))
        .unwrap();
    let buffer = terminal.backend().buffer().clone();
    let mut text = String::new();
    for y in 0..24 {
        for x in 0..80 {
            text.push_str(buffer[(x, y)].symbol());
        }
        text.push('\n');
    }
    (text, buffer)
}

#[test]
fn the_list_the_preview_and_the_keys_fit_80_by_24() {
    let app = app();
    let (text, _) = screen(
        &app,
        "Claude Code session 0b5c6f0e\n\n── User ──\nWhy?",
        true,
    );
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].contains("3 sessions of this project"), "{text}");
    assert!(lines[1].starts_with("*claude  0b5c6f0e"), "{text}");
    assert!(lines[1].contains("Fix the coupon"), "{text}");
    assert!(lines[2].starts_with(" codex   019a8f10"), "{text}");
    assert!(text.contains("Claude Code session 0b5c6f0e"), "{text}");
    assert!(
        lines[23].starts_with("↑↓ move  / filter  ⏎ resume  c convert"),
        "{text}"
    );
    assert!(lines[23].contains("q quit"), "{text}");
}

#[test]
fn no_color_draws_without_colours() {
    let app = app();
    let (_, coloured) = screen(&app, "preview", true);
    assert!(coloured.content.iter().any(|cell| cell.fg != Color::Reset));
    let (_, plain) = screen(&app, "preview", false);
    assert!(
        plain
            .content
            .iter()
            .all(|cell| cell.fg == Color::Reset && cell.bg == Color::Reset),
        "a colour with NO_COLOR"
    );
}

#[test]
fn moving_and_entering_resumes_the_selected_session() {
    let mut app = app();
    assert_eq!(app.on_key(key(KeyCode::Down)), None);
    assert_eq!(app.on_key(key(KeyCode::Down)), None);
    assert_eq!(app.on_key(key(KeyCode::Down)), None, "stays on the last");
    assert_eq!(
        app.on_key(key(KeyCode::Enter)),
        Some(Action::ResumeSession {
            tool: "gemini",
            id: "7c9e6679-7425-40de-944b-e07fc1f90ae7".into()
        })
    );
    app.on_key(key(KeyCode::Home));
    assert_eq!(app.selection().unwrap().tool.name(), "claude");
}

#[test]
fn typing_filters_by_title_at_once_and_by_full_text_when_it_comes() {
    let mut app = app();
    app.on_key(key(KeyCode::Char('/')));
    assert_eq!(app.mode, Mode::Filter);
    let asked = type_text(&mut app, "readme");
    assert_eq!(
        asked,
        Some(Action::FullText {
            pattern: "readme".into()
        })
    );
    let shown: Vec<&str> = app.visible().iter().map(|e| e.tool.name()).collect();
    assert_eq!(shown, ["gemini"]);
    // The full-text search finds the word inside the codex session too.
    let found: HashSet<(String, String)> = [(
        "codex".to_owned(),
        "019a8f10-1111-7222-8333-444455556666".to_owned(),
    )]
    .into();
    app.full_text_found("readme".into(), found.clone());
    let shown: Vec<&str> = app.visible().iter().map(|e| e.tool.name()).collect();
    assert_eq!(shown, ["codex", "gemini"]);
    // A late answer for an older filter is dropped.
    type_text(&mut app, "x");
    app.full_text_found("readme".into(), found);
    assert!(app.visible().is_empty());
    let (text, _) = screen(&app, "", false);
    assert!(text.contains("No sessions."), "{text}");
    // Esc clears the filter and goes back to the list.
    app.on_key(key(KeyCode::Esc));
    assert_eq!(app.mode, Mode::List);
    assert_eq!(app.visible().len(), 3);
    // Letters are commands again.
    assert_eq!(app.on_key(key(KeyCode::Char('q'))), Some(Action::Quit));
}

#[test]
fn c_converts_after_picking_the_target() {
    let mut app = app();
    app.on_key(key(KeyCode::Char('c')));
    let (text, _) = screen(&app, "", false);
    assert!(text.contains("Convert to"), "{text}");
    app.on_key(key(KeyCode::Down));
    assert_eq!(
        app.on_key(key(KeyCode::Enter)),
        Some(Action::Convert {
            tool: "claude",
            id: "0b5c6f0e-3f7e-4c1b-9d55-2f5a8f1e9c11".into(),
            to: "codex"
        })
    );
    // Then the loop asks whether to start it.
    app.mode = Mode::Confirm {
        question: "Start codex now?".into(),
        yes: Action::Start { tool: "codex" },
    };
    assert_eq!(
        app.on_key(key(KeyCode::Char('y'))),
        Some(Action::Start { tool: "codex" })
    );
    app.mode = Mode::Confirm {
        question: "Start codex now?".into(),
        yes: Action::Start { tool: "codex" },
    };
    assert_eq!(app.on_key(key(KeyCode::Char('n'))), None);
}

#[test]
fn e_exports_in_the_chosen_format_to_the_named_file() {
    let mut app = app();
    app.on_key(key(KeyCode::Char('e')));
    app.on_key(key(KeyCode::Down));
    app.on_key(key(KeyCode::Enter));
    assert_eq!(FORMATS[1], Format::Html);
    assert_eq!(
        app.mode,
        Mode::ExportPath {
            format: Format::Html,
            path: "claude-0b5c6f0e.html".into()
        }
    );
    let (text, _) = screen(&app, "", false);
    assert!(text.contains("claude-0b5c6f0e.html"), "{text}");
    for _ in 0.."html".len() {
        app.on_key(key(KeyCode::Backspace));
    }
    type_text(&mut app, "htm");
    assert_eq!(
        app.on_key(key(KeyCode::Enter)),
        Some(Action::Export {
            tool: "claude",
            id: "0b5c6f0e-3f7e-4c1b-9d55-2f5a8f1e9c11".into(),
            format: Format::Html,
            path: "claude-0b5c6f0e.htm".into()
        })
    );
}

#[test]
fn a_toggles_every_project_help_shows_and_ctrl_c_quits() {
    let mut app = app();
    assert_eq!(
        app.on_key(key(KeyCode::Char('a'))),
        Some(Action::Reload { all_projects: true })
    );
    app.on_key(key(KeyCode::Char('?')));
    let (text, _) = screen(&app, "", false);
    assert!(
        text.contains("make the session this project's and start its tool"),
        "{text}"
    );
    app.on_key(key(KeyCode::Char('x')));
    assert_eq!(app.mode, Mode::List);
    let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    app.on_key(key(KeyCode::Char('/')));
    assert_eq!(app.on_key(ctrl_c), Some(Action::Quit));
}

#[test]
fn bidi_overrides_and_zero_width_characters_in_a_title_are_drawn_visibly() {
    let titles = ["a\u{202e}exe", "z\u{200b}w", "\u{1b}]0;x\u{7}"];
    let entries = titles
        .iter()
        .map(|title| {
            entry(
                "claude",
                "0b5c6f0e-3f7e-4c1b-9d55-2f5a8f1e9c11",
                title,
                false,
            )
        })
        .collect();
    let app = App::new(entries, false, vec!["claude"]);
    let (text, _) = screen(&app, "", false);
    assert!(text.contains("a<U+202E>exe"), "{text}");
    assert!(text.contains("z<U+200B>w"), "{text}");
    assert!(text.contains("^[]0;x^G"), "{text}");
    assert!(!text.contains(['\u{202e}', '\u{200b}', '\u{1b}']), "{text}");
}
