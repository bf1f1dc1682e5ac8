//! Drawing the browser: a line for the filter, the session list beside a preview of the selected
//! session (as `show` prints it), a status line, and the dialogs on top. It fits 80×24; without
//! colour (`NO_COLOR`) it uses only bold and reverse video.

use chrono::Utc;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, List, ListItem, ListState, Paragraph, Wrap};

use super::app::{App, FORMATS, Mode};
use crate::base::layout;
use crate::base::visible;

pub const KEYS: &str = "↑↓ move  / filter  ⏎ resume  c convert  e export  a all  ? help  q quit";

const HELP: &[&str] = &[
    "Enter      make the session this project's and start its tool",
    "/          filter: by title at once, by full text in a moment",
    "           (Enter keeps the filter, Esc clears it)",
    "↑ ↓ j k    move; PgUp PgDn Home End too",
    "c          convert the session to another tool, then start it",
    "e          export the session (markdown, html, text, json)",
    "a          this project's sessions, or every project's",
    "?          this help",
    "q Esc      quit",
];

/// How wide the preview is for a terminal `width` wide: what the preview text is wrapped to.
pub fn preview_width(width: u16) -> u16 {
    let (_, right) = columns(Rect::new(0, 0, width, 3));
    right.width.saturating_sub(2)
}

fn columns(area: Rect) -> (Rect, Rect) {
    // Half the width at 80 columns, for titles; less of it on wide terminals, for the preview.
    let list = (area.width / 2).clamp(36, 60).min(area.width);
    let [left, right] =
        Layout::horizontal([Constraint::Length(list), Constraint::Min(0)]).areas(area);
    (left, right)
}

pub fn draw(frame: &mut Frame, app: &App, preview: &str, colour: bool) {
    let paint = |color: Color| match colour {
        true => Style::default().fg(color),
        false => Style::default(),
    };
    let [top, main, bottom] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(frame.area());

    let visible = app.visible();
    let whose = match app.all_projects {
        true => "every project",
        false => "this project",
    };
    let mut head = vec![Span::styled(
        format!(" {} sessions of {whose} ", visible.len()),
        Style::default().add_modifier(Modifier::BOLD),
    )];
    if app.mode == Mode::Filter || !app.filter.is_empty() {
        head.push(Span::raw(" / "));
        head.push(Span::styled(
            visible::one_line(&app.filter).into_owned(),
            paint(Color::Yellow),
        ));
        if app.mode == Mode::Filter {
            head.push(Span::styled(
                "▏",
                Style::default().add_modifier(Modifier::SLOW_BLINK),
            ));
        }
    }
    frame.render_widget(Paragraph::new(Line::from(head)), top);

    let (left, right) = columns(main);
    let now = Utc::now();
    let items: Vec<ListItem> = visible
        .iter()
        .map(|entry| {
            let mark = if entry.current { "*" } else { " " };
            let short: String = entry.info.id.chars().take(8).collect();
            let age = entry
                .info
                .updated_at
                .map_or_else(|| "?".to_owned(), |time| layout::short_age(time, now));
            let prefix = format!("{mark}{:<7} {short} {age:>4} ", entry.tool.name());
            let room = (left.width as usize).saturating_sub(prefix.chars().count() + 2);
            let title = layout::cut(&visible::one_line(entry.info.title.shown()), room);
            ListItem::new(Line::from(vec![
                Span::styled(prefix, paint(Color::Cyan)),
                Span::raw(title),
            ]))
        })
        .collect();
    let mut state =
        ListState::default().with_selected((!visible.is_empty()).then_some(app.selected));
    let list = List::new(items)
        .block(Block::default().borders(Borders::RIGHT))
        .highlight_style(Style::default().add_modifier(Modifier::REVERSED));
    frame.render_stateful_widget(list, left, &mut state);
    let preview = match visible.is_empty() {
        true => "No sessions. Press a to list every project's, / to change the filter.",
        false => preview,
    };
    frame.render_widget(
        Paragraph::new(preview).wrap(Wrap { trim: false }),
        right.inner(ratatui::layout::Margin::new(1, 0)),
    );

    let status = match &app.message {
        Some(message) => Line::from(Span::styled(
            visible::one_line(message).into_owned(),
            paint(Color::Yellow),
        )),
        None => Line::from(Span::styled(
            KEYS,
            Style::default().add_modifier(Modifier::DIM),
        )),
    };
    frame.render_widget(Paragraph::new(status), bottom);

    match &app.mode {
        Mode::Help => dialog(
            frame,
            "Keys",
            HELP.iter().map(|line| line.to_string()).collect(),
        ),
        Mode::PickTarget { targets, at } => choose(frame, "Convert to", targets, *at),
        Mode::PickFormat { at } => {
            let names: Vec<&str> = FORMATS.iter().map(|format| format.name()).collect();
            choose(frame, "Export as", &names, *at)
        }
        Mode::ExportPath { path, .. } => {
            dialog(frame, "Export to file (Enter)", vec![format!("{path}▏")])
        }
        Mode::Confirm { question, .. } => {
            dialog(frame, "Confirm", vec![question.clone(), "y / n".to_owned()])
        }
        Mode::List | Mode::Filter => {}
    }
}

fn centered(frame: &Frame, width: u16, height: u16) -> Rect {
    let area = frame.area();
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    )
}

fn dialog(frame: &mut Frame, title: &str, lines: Vec<String>) {
    let lines: Vec<String> = lines
        .iter()
        .map(|line| visible::one_line(line).into_owned())
        .collect();
    let widest = lines
        .iter()
        .map(|line| line.chars().count())
        .max()
        .unwrap_or(0);
    let area = centered(frame, widest as u16 + 4, lines.len() as u16 + 2);
    frame.render_widget(Clear, area);
    let text: Vec<Line> = lines.into_iter().map(Line::from).collect();
    frame.render_widget(
        Paragraph::new(text)
            .wrap(Wrap { trim: false })
            .block(Block::bordered().title(title.to_owned())),
        area,
    );
}

fn choose(frame: &mut Frame, title: &str, options: &[&str], at: usize) {
    let area = centered(frame, 30, options.len() as u16 + 2);
    frame.render_widget(Clear, area);
    let items: Vec<ListItem> = options
        .iter()
        .map(|option| ListItem::new(*option))
        .collect();
    let mut state = ListState::default().with_selected(Some(at));
    frame.render_stateful_widget(
        List::new(items)
            .block(Block::bordered().title(title.to_owned()))
            .highlight_style(Style::default().add_modifier(Modifier::REVERSED)),
        area,
        &mut state,
    );
}
