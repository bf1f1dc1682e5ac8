//! `--format html`: one self-contained page. Messages are Markdown, rendered with pulldown-cmark;
//! everything from a transcript is escaped, raw HTML is shown as text, links go only to http,
//! https, mailto or within the page, and images become links. A Content-Security-Policy that
//! allows no script and no fetch backs all that up.

use std::fmt::Write as _;

use pulldown_cmark::{CowStr, Event, LinkType, Options, Parser, Tag, TagEnd, html};

/// The page's style, inline: the page fetches nothing.
const STYLE: &str = "
:root { color-scheme: light dark; --user: #e8f0fe; --assistant: #f1f3f4; --line: #d0d7de; }
@media (prefers-color-scheme: dark) {
  :root { --user: #1c2b41; --assistant: #22272e; --line: #444c56; }
}
body { font: 16px/1.5 system-ui, -apple-system, 'Segoe UI', sans-serif; max-width: 52rem;
  margin: 2rem auto; padding: 0 1rem; }
header h1 { font-size: 1.4rem; margin-bottom: .5rem; }
header dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: 0; }
header dt { font-weight: 600; }
header dd { margin: 0; font-family: ui-monospace, monospace; overflow-wrap: anywhere; }
.message { border: 1px solid var(--line); border-radius: 8px; padding: .2rem 1rem;
  margin: 1rem 0; }
.message.user { background: var(--user); }
.message.assistant { background: var(--assistant); }
.message h2 { font-size: .9rem; margin: .6rem 0 .2rem; display: flex; gap: .8rem; }
.message h2 time { font-weight: normal; opacity: .7; }
pre { overflow-x: auto; padding: .6rem; border-radius: 6px; background: rgba(127,127,127,.15); }
code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .9em; }
table { border-collapse: collapse; } td, th { border: 1px solid var(--line); padding: .2rem .5rem; }
footer { opacity: .7; font-size: .9rem; margin-top: 2rem; }
";

/// What the page shows of a session.
pub struct Page<'a> {
    pub title: String,
    /// (label, value) rows of the header.
    pub facts: Vec<(&'a str, String)>,
    /// (role class, role name, time, Markdown text).
    pub messages: Vec<(&'a str, &'a str, Option<String>, &'a str)>,
    pub footer: Option<String>,
}

impl Page<'_> {
    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        out.push_str(
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
             style-src 'unsafe-inline'\">\n",
        );
        out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        let _ = writeln!(out, "<title>{}</title>", escape(&self.title));
        let _ = writeln!(out, "<style>{STYLE}</style>\n</head>\n<body>");
        let _ = writeln!(out, "<header>\n<h1>{}</h1>\n<dl>", escape(&self.title));
        for (label, value) in &self.facts {
            let _ = writeln!(out, "<dt>{}</dt><dd>{}</dd>", escape(label), escape(value));
        }
        out.push_str("</dl>\n</header>\n<main>\n");
        for (class, name, time, text) in &self.messages {
            let _ = write!(out, "<section class=\"message {class}\">\n<h2>{name}");
            if let Some(time) = time {
                let _ = write!(out, " <time>{}</time>", escape(time));
            }
            out.push_str("</h2>\n");
            out.push_str(&markdown(text));
            out.push_str("</section>\n");
        }
        out.push_str("</main>\n");
        if let Some(footer) = &self.footer {
            let _ = writeln!(out, "<footer>{}</footer>", escape(footer));
        }
        out.push_str("</body>\n</html>\n");
        out
    }
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    html::push_html(&mut out, std::iter::once(Event::Text(text.into())));
    out
}

/// Markdown as safe HTML (see the module's note).
pub fn markdown(text: &str) -> String {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    // Links whose target was refused: their text stays, as text.
    let mut refused = 0usize;
    let events = Parser::new_ext(text, options).filter_map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Some(Event::Text(raw)),
        // An image would be fetched: it becomes a link to it, with its text.
        Event::Start(
            Tag::Link {
                dest_url, title, ..
            }
            | Tag::Image {
                dest_url, title, ..
            },
        ) => {
            if safe_url(&dest_url) {
                Some(Event::Start(link(dest_url, title)))
            } else {
                refused += 1;
                None
            }
        }
        Event::End(TagEnd::Link | TagEnd::Image) if refused > 0 => {
            refused -= 1;
            None
        }
        Event::End(TagEnd::Image) => Some(Event::End(TagEnd::Link)),
        other => Some(other),
    });
    let mut out = String::new();
    html::push_html(&mut out, events);
    out
}

fn link<'a>(dest_url: CowStr<'a>, title: CowStr<'a>) -> Tag<'a> {
    Tag::Link {
        link_type: LinkType::Inline,
        dest_url,
        title,
        id: CowStr::Borrowed(""),
    }
}

/// http, https and mailto links, and links within the page or relative ones; never
/// `javascript:`, `data:` or any other scheme, however it is spelled (browsers drop whitespace
/// and control characters inside a scheme).
fn safe_url(url: &str) -> bool {
    let squeezed: String = url
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect::<String>()
        .to_ascii_lowercase();
    match squeezed.find(':') {
        None => true,
        Some(colon) => {
            let scheme = &squeezed[..colon];
            // A colon after a path, query or fragment starts no scheme.
            scheme.contains(['/', '?', '#']) || matches!(scheme, "http" | "https" | "mailto")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_is_rendered_and_code_blocks_kept() {
        let html = markdown("**Fixed**: see `main.rs`\n\n```rust\nfn main() {}\n```\n");
        assert!(html.contains("<strong>Fixed</strong>"), "{html}");
        assert!(html.contains("<code>main.rs</code>"), "{html}");
        assert!(
            html.contains("<pre><code class=\"language-rust\">fn main() {}"),
            "{html}"
        );
    }

    #[test]
    fn scripts_raw_html_and_unsafe_links_never_become_live() {
        let hostile = "<script>alert(1)</script>\n\nHi <img src=x onerror=alert(2)> there\n\n\
            [click](javascript:alert(3)) [tab](java\tscript:alert(4)) [data](DATA:text/html,x)\n\n\
            ![pic](https://example.com/p.png) [ok](https://example.com/?a=1&b=\"2\")\n\n\
            <a href=\"javascript:alert(5)\">raw</a>";
        let html = markdown(hostile);
        for live in ["<script", "<img", "<iframe"] {
            assert!(
                !html.to_ascii_lowercase().contains(live),
                "{live} in {html}"
            );
        }
        // Every live link goes to the web.
        for link in html.split("<a href=\"").skip(1) {
            assert!(link.starts_with("https://"), "{link} in {html}");
        }
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{html}"
        );
        assert!(
            html.contains("&lt;img src=x onerror=alert(2)&gt;"),
            "{html}"
        );
        assert!(
            html.contains("click"),
            "the refused link's text stays: {html}"
        );
        assert!(
            html.contains("<a href=\"https://example.com/p.png\">pic</a>"),
            "{html}"
        );
        assert!(
            html.contains("href=\"https://example.com/?a=1&amp;b=%222%22\""),
            "{html}"
        );
    }

    #[test]
    fn the_page_is_self_contained_and_escapes_its_header() {
        let page = Page {
            title: "Claude Code session <x>".into(),
            facts: vec![("Project", "/src/a&b".into())],
            messages: vec![("user", "User", Some("2026-11-21 10:00".into()), "hello")],
            footer: None,
        }
        .render();
        assert!(page.contains("<title>Claude Code session &lt;x&gt;</title>"));
        assert!(page.contains("<dd>/src/a&amp;b</dd>"));
        assert!(page.contains("default-src 'none'"));
        assert!(!page.contains("<script"));
        assert!(!page.contains("src=\"http"));
        assert!(!page.contains("<link"));
    }
}
