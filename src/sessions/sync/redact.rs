//! Redaction of what `sync push` sends: every secret a session may hold is replaced by a visible
//! `[REDACTED:kind]` before its bytes enter an object that can be pushed. The local archive keeps
//! the exact bytes; only the pushed copy is redacted.
//!
//! Sessions are JSON lines, so a replacement never takes a `"` or a `\` that ends or escapes a
//! string: what was valid JSON stays valid JSON. A line is read whole up to [`LINE_CAP`]; a longer
//! line is scanned in pieces of that size.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::sync::LazyLock;

use anyhow::{Context as _, Result};
use regex::bytes::Regex;

/// The longest piece of a line scanned at once.
pub const LINE_CAP: u64 = 16 * 1024 * 1024;

/// What was redacted, per kind.
pub type Counts = BTreeMap<&'static str, u64>;

/// The kinds and their patterns, most specific first: a match is named by the first that takes
/// it whole.
const KINDS: &[(&str, &str)] = &[
    (
        "private-key",
        r"-----BEGIN[A-Z ]{0,40}PRIVATE KEY-----(?:[A-Za-z0-9+/= \t\r\n:,.-]|\\[nrt])*?-----END[A-Z ]{0,40}PRIVATE KEY-----",
    ),
    (
        "private-key",
        r"-----BEGIN[A-Z ]{0,40}PRIVATE KEY-----(?:[A-Za-z0-9+/= \t\r\n:,.-]|\\[nrt])+",
    ),
    ("anthropic-key", r"sk-ant-[A-Za-z0-9_-]{20,}"),
    (
        "openai-key",
        r"sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}",
    ),
    ("google-key", r"AIza[0-9A-Za-z_-]{35}"),
    ("google-oauth-token", r"ya29\.[0-9A-Za-z_-]{20,}"),
    (
        "github-token",
        r"gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,}",
    ),
    ("gitlab-token", r"gl(?:pat|ptt|dt|rt)-[A-Za-z0-9_-]{20,}"),
    ("aws-access-key", r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    (
        "aws-secret",
        r"(?i:aws_?secret_?access_?key|aws_?secret)\s*[=:]\s*(?:\\?[\x22'])?[A-Za-z0-9/+]{40}",
    ),
    (
        "azure-key",
        r"(?i:AccountKey|SharedAccessKey|SharedAccessSignature)=[A-Za-z0-9+/%=]{20,}",
    ),
    ("slack-token", r"xox[abposr]-[A-Za-z0-9-]{10,}"),
    (
        "slack-webhook",
        r"https://hooks\.slack\.com/services/[A-Za-z0-9/_-]{20,}",
    ),
    (
        "stripe-key",
        r"\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}",
    ),
    ("twilio-key", r"\bSK[0-9a-f]{32}\b"),
    (
        "jwt",
        r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}",
    ),
    (
        "url-credentials",
        r"\b[a-zA-Z][a-zA-Z0-9+.-]{1,20}://[^\s:/@\x22\\<>]{1,100}:[^\s/@\x22\\<>]{1,200}@",
    ),
    (
        "assignment",
        r"\b[A-Za-z0-9_]*(?:_KEY|_TOKEN|_SECRET|(?i:PASSWORD|_PASSWD|_PWD))=(?:\\?[\x22'])?[^\s\x22\\',;&)$\[]{3,}",
    ),
    ("high-entropy", r"[A-Za-z0-9_+=-]{40,100}"),
];

struct Patterns {
    any: Regex,
    each: Vec<(&'static str, Regex)>,
}

static PATTERNS: LazyLock<Patterns> = LazyLock::new(|| {
    let joined: Vec<String> = KINDS.iter().map(|(_, p)| format!("(?:{p})")).collect();
    Patterns {
        any: Regex::new(&joined.join("|")).expect("the redaction patterns compile"),
        each: KINDS
            .iter()
            .map(|(kind, p)| {
                let whole = Regex::new(&format!("^(?:{p})$")).expect("the pattern compiles");
                (*kind, whole)
            })
            .collect(),
    }
});

fn is_token_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"_+=-".contains(&byte)
}

/// Whether a run of token characters reads as a random secret rather than a word, a path, an
/// id or a hash: upper and lower case letters and digits mixed, and about as varied as random
/// base-62 text is.
fn looks_random(token: &[u8]) -> bool {
    let has = |test: fn(&u8) -> bool| token.iter().any(test);
    if !(has(u8::is_ascii_uppercase) && has(u8::is_ascii_lowercase) && has(u8::is_ascii_digit)) {
        return false;
    }
    let mut counts = [0u32; 256];
    for &byte in token {
        counts[byte as usize] += 1;
    }
    let len = token.len() as f64;
    let entropy: f64 = counts
        .iter()
        .filter(|&&n| n > 0)
        .map(|&n| {
            let p = f64::from(n) / len;
            -p * p.log2()
        })
        .sum();
    entropy >= 4.3
}

/// The kind of secret `found` is, if it is one; `before` and `after` are the bytes around it.
fn kind_of(found: &[u8], before: Option<u8>, after: Option<u8>) -> Option<&'static str> {
    let patterns = &*PATTERNS;
    let kind = patterns
        .each
        .iter()
        .find(|(_, whole)| whole.is_match(found))
        .map(|(kind, _)| *kind)?;
    if kind == "high-entropy" {
        // Part of a longer run (an image, a signature) is data, not a key.
        let inside_run = before.is_some_and(is_token_byte) || after.is_some_and(is_token_byte);
        if inside_run || !looks_random(found) {
            return None;
        }
    }
    Some(kind)
}

/// Writes `line` to `out` with each secret replaced; counts them in `counts`.
pub fn redact_line(line: &[u8], out: &mut Vec<u8>, counts: &mut Counts) {
    let mut written = 0;
    for found in PATTERNS.any.find_iter(line) {
        let (start, end) = (found.start(), found.end());
        let before = start.checked_sub(1).map(|at| line[at]);
        let Some(kind) = kind_of(found.as_bytes(), before, line.get(end).copied()) else {
            continue;
        };
        out.extend_from_slice(&line[written..start]);
        let text = found.as_bytes();
        match kind {
            // The name stays, so that a reader sees what was set.
            "assignment" => {
                let equals = text.iter().position(|&b| b == b'=').unwrap_or(0);
                out.extend_from_slice(&text[..=equals]);
            }
            "url-credentials" => {
                let scheme = text.windows(3).position(|w| w == b"://").unwrap_or(0);
                out.extend_from_slice(&text[..scheme + 3]);
            }
            _ => {}
        }
        out.extend_from_slice(b"[REDACTED:");
        out.extend_from_slice(kind.as_bytes());
        out.push(b']');
        if kind == "url-credentials" {
            out.push(b'@');
        }
        *counts.entry(kind).or_default() += 1;
        written = end;
    }
    out.extend_from_slice(&line[written..]);
}

/// Copies `input` to `output` a line at a time with every secret redacted; returns the bytes
/// written. Any failure to read or write is an error, and the caller pushes nothing.
pub fn redact(input: &mut dyn BufRead, output: &mut dyn Write, counts: &mut Counts) -> Result<u64> {
    let mut line = Vec::new();
    let mut redacted = Vec::new();
    let mut total = 0u64;
    loop {
        line.clear();
        let read = std::io::Read::take(&mut *input, LINE_CAP)
            .read_until(b'\n', &mut line)
            .context("cannot read the session to redact it")?;
        if read == 0 {
            return Ok(total);
        }
        redacted.clear();
        redact_line(&line, &mut redacted, counts);
        output
            .write_all(&redacted)
            .context("cannot write the redacted session")?;
        total += redacted.len() as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redacted(text: &str) -> (String, Counts) {
        let mut counts = Counts::new();
        let mut out = Vec::new();
        redact_line(text.as_bytes(), &mut out, &mut counts);
        (String::from_utf8(out).unwrap(), counts)
    }

    #[test]
    fn each_kind_is_replaced_visibly() {
        let cases = [
            (
                "key sk-ant-api03-abcdefghijklmnopqrstuvwxyz012345 end",
                "anthropic-key",
            ),
            ("sk-proj-abcdefghijklmnopqrstuvwxyz0123456789", "openai-key"),
            ("AIzaSyA1234567890abcdefghijklmnopqrstuv", "google-key"),
            ("ghp_abcdefghijklmnopqrstuvwxyz0123456789", "github-token"),
            (
                "github_pat_11ABCDEFG0123456789_abcdefghijklmnop",
                "github-token",
            ),
            ("glpat-abcdefghij0123456789", "gitlab-token"),
            ("id AKIAIOSFODNN7EXAMPLE here", "aws-access-key"),
            (
                "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                "aws-secret",
            ),
            (
                "AccountKey=abcdefghijklmnopqrstuvwxyz0123456789+/==",
                "azure-key",
            ),
            ("xoxb-123456789012-abcdefghijkl", "slack-token"),
            (
                "https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX",
                "slack-webhook",
            ),
            ("sk_live_abcdefghijklmnop1234", "stripe-key"),
            ("SK0123456789abcdef0123456789abcdef", "twilio-key"),
            (
                "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
                "jwt",
            ),
            (
                "postgres://admin:hunter2@db.example.com/app",
                "url-credentials",
            ),
            ("export OPENAI_API_KEY=abc123def", "assignment"),
            ("DB_PASSWORD=correct-horse", "assignment"),
            (
                "token: Zx9Qw3Er7Ty1Ui5Op0As2Df4Gh6Jk8LzXcVbNm1234Qa",
                "high-entropy",
            ),
        ];
        for (text, kind) in cases {
            let (out, counts) = redacted(text);
            assert!(
                out.contains(&format!("[REDACTED:{kind}]")),
                "{text} → {out}"
            );
            assert_eq!(counts.get(kind), Some(&1), "{text}: {counts:?}");
        }
    }

    #[test]
    fn names_and_the_url_around_a_secret_stay() {
        assert_eq!(
            redacted("A_TOKEN=s3cr3tvalue x").0,
            "A_TOKEN=[REDACTED:assignment] x"
        );
        assert_eq!(
            redacted("git clone https://me:pw123@github.com/x").0,
            "git clone https://[REDACTED:url-credentials]@github.com/x"
        );
    }

    #[test]
    fn a_private_key_block_inside_a_json_string_keeps_the_json_valid() {
        let key = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA0123456789abcdef\nQWERTY==\n-----END RSA PRIVATE KEY-----";
        let line =
            serde_json::json!({"message": {"content": format!("here: {key} ok")}}).to_string();
        let (out, counts) = redacted(&line);
        let value: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(
            value["message"]["content"],
            "here: [REDACTED:private-key] ok"
        );
        assert_eq!(counts.get("private-key"), Some(&1));
    }

    #[test]
    fn ids_hashes_paths_words_and_long_data_are_left_alone() {
        let kept = [
            r#"{"sessionId":"0b6a2f9e-3c1d-4f8e-9a7b-1c2d3e4f5a6b","uuid":"7f3e2d1c-0b9a-4876-a5b4-c3d2e1f0a9b8"}"#,
            "commit 9fceb02d0ae598e95dc970b74767f19372d61af8 and sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "/home/someone/projects/ai-session-manager/src/sessions/sync/redact.rs",
            "the_function_name_that_is_rather_long_but_plain_words",
            "API_KEY=$API_KEY and TOKEN=${TOKEN}",
        ];
        for text in kept {
            let (out, counts) = redacted(text);
            assert_eq!(out, text);
            assert!(counts.is_empty(), "{text}: {counts:?}");
        }
        let image = format!(
            "\"data\":\"{}\"",
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk".repeat(20)
        );
        assert_eq!(redacted(&image).0, image);
    }

    #[test]
    fn a_stream_is_redacted_line_by_line_and_every_line_stays_json() {
        let input = format!(
            "{}\n{}\n",
            serde_json::json!({"text": "ANTHROPIC_API_KEY=sk-ant-api03-aaaaaaaaaaaaaaaaaaaaaaaa"}),
            serde_json::json!({"text": "nothing here"})
        );
        let mut counts = Counts::new();
        let mut out = Vec::new();
        let size = redact(&mut input.as_bytes(), &mut out, &mut counts).unwrap();
        assert_eq!(size, out.len() as u64);
        for line in String::from_utf8(out).unwrap().lines() {
            serde_json::from_str::<serde_json::Value>(line).unwrap();
        }
        assert_eq!(counts.values().sum::<u64>(), 1);
    }
}
