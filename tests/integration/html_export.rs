//! `export --format html` and `show --format html`: one self-contained page in which nothing
//! from the transcript runs.

use crate::common;

use common::*;

const ID: &str = "0b5c6f0e-3f7e-4c1b-9d55-2f5a8f1e9c11";

fn session(sb: &Sandbox) {
    let fixture = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/html/claude-session.jsonl"
    ))
    .unwrap();
    let body = fixture.replace("__PROJECT__", sb.project.to_str().unwrap());
    sb.write(claude_transcript(&sb.home, &sb.project, ID), body);
}

#[test]
fn an_html_export_is_one_safe_self_contained_page() {
    let sb = Sandbox::new();
    session(&sb);
    let file = sb.root.join("session.html");
    let out = sb.manage(["export", "claude", &ID[..8], "-o", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("(html, 4 messages)"),
        "{}",
        stdout(&out)
    );
    let page = std::fs::read_to_string(&file).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"));
    for expected in [
        "<title>Claude Code session 0b5c6f0e-3f7e-4c1b-9d55-2f5a8f1e9c11</title>",
        "<dt>Messages</dt><dd>4</dd>",
        "<section class=\"message user\">",
        "<section class=\"message assistant\">",
        "<pre><code class=\"language-rust\">for i in 0..coupons.len() - 1 {",
        "&lt;script&gt;alert('xss')&lt;/script&gt; see</p>",
        "<time>2026-11-21 09:00:00 UTC</time>",
    ] {
        assert!(page.contains(expected), "{expected} not in\n{page}");
    }
    let lower = page.to_ascii_lowercase();
    assert!(!lower.contains("<script"));
    assert!(!lower.contains("javascript:alert(1)\""), "{page}");
    assert!(!lower.contains("<img"));
    assert!(!lower.contains("<link"));
    assert!(!lower.contains("src=\"http"));

    // show prints the same page.
    let shown = sb.manage(["show", "claude", ID, "--format", "html"]);
    assert_eq!(stdout(&shown), page);
}
