//! Claude Code (`claude`): the wrapper picks the session UUID.
//!
//! Transcripts live at `<root>/projects/<name>/<id>.jsonl`, where `<root>` is `$CLAUDE_CONFIG_DIR`
//! or `~/.claude` and `<name>` is derived from the working directory. The file only appears once
//! the first message is recorded, so `--resume` is used only while it exists.

use std::path::{Path, PathBuf};

use anyhow::Result;
use unicode_normalization::UnicodeNormalization;

use super::{ArgRules, Context, Existing, Plan, SessionMode, Tool, plan_managed};
use crate::env;

pub struct Claude;

static RULES: ArgRules = ArgRules {
    value_flags: &[
        "--add-dir",
        "--advisor",
        "--agent",
        "--agents",
        "--allowedTools",
        "--allowed-tools",
        "--append-system-prompt",
        "--append-system-prompt-file",
        "--betas",
        "--disallowedTools",
        "--disallowed-tools",
        "--effort",
        "--fallback-model",
        "--file",
        "--input-format",
        "--json-schema",
        "--max-budget-usd",
        "--max-turns",
        "--mcp-config",
        "--model",
        "--output-format",
        "--permission-mode",
        "--permission-prompt-tool",
        "--plugin-dir",
        "--setting-sources",
        "--settings",
        "--system-prompt",
        "--system-prompt-file",
        "--tools",
    ],
    subcommands: &[
        "agents",
        "attach",
        "auth",
        "auto-mode",
        "doctor",
        "gateway",
        "import",
        "install",
        "logs",
        "mcp",
        "plugin",
        "plugins",
        "purge",
        "respawn",
        "rm",
        "setup-token",
        "stop",
        "kill",
        "ultrareview",
        "update",
        "upgrade",
        "remote-control",
        "rc",
        "remote",
        "sync",
        "bridge",
        "self-hosted-runner",
        "daemon",
        "sandbox",
        "project",
        "import-conversations",
    ],
    pass_flags: &[
        // explicit sessions
        "-c",
        "--continue",
        "-r",
        "--resume",
        "--session-id",
        "--fork-session",
        "--from-pr",
        "--teleport",
        // non-interactive
        "-p",
        "--print",
        // Claude's own relaunches of itself
        "--daemon-worker",
        "--bg-pty-host",
        "--bg-spare",
        "--preload",
        "--chrome-native-host",
        "--claude-in-chrome-mcp",
    ],
    positional_prompt_is_one_shot: false,
    interactive_flags: &[],
};

impl Tool for Claude {
    fn name(&self) -> &'static str {
        "claude"
    }

    fn display_name(&self) -> &'static str {
        "Claude Code"
    }

    fn session_mode(&self) -> SessionMode {
        SessionMode::ManagedId
    }

    fn arg_rules(&self) -> &'static ArgRules {
        &RULES
    }

    fn plan(&self, context: &Context, stored: Option<&str>, fresh: bool) -> Result<Plan> {
        plan_managed(stored, fresh, "--session-id", |id| {
            Ok(match transcript(&context.session_cwd, id)? {
                Some(_) => Existing::Resume(vec!["--resume".into(), id.into()]),
                // Never `-c` and never a new id: the same id starts the conversation afresh.
                None => Existing::NotStarted,
            })
        })
    }

    fn has_session(&self, context: &Context, id: &str) -> Result<bool> {
        Ok(transcript(&context.session_cwd, id)?.is_some())
    }
}

/// `$CLAUDE_CONFIG_DIR`, else `~/.claude`.
pub fn root() -> Result<PathBuf> {
    super::root_from(env::CLAUDE_CONFIG_DIR, ".claude")
}

/// The folder Claude keeps this directory's transcripts in.
pub fn project_dir(cwd: &Path) -> Result<PathBuf> {
    let name = match (
        env::path(env::CLAUDE_CONFIG_DIR),
        env::os(env::CLAUDE_CODE_PROJECT_DIR_NAME),
    ) {
        // The override counts only together with CLAUDE_CONFIG_DIR (2.1.234+).
        (Some(_), Some(name)) if Path::new(&name).components().count() == 1 => {
            name.to_string_lossy().into_owned()
        }
        _ => project_dir_name(&cwd.canonicalize().unwrap_or_else(|_| cwd.to_path_buf())),
    };
    Ok(root()?.join("projects").join(name))
}

/// The transcript of session `id` for a launch in `cwd`. Claude 2.1.240+ also resumes a session
/// filed under another directory's folder when exactly one folder holds it.
pub fn transcript(cwd: &Path, id: &str) -> Result<Option<PathBuf>> {
    let file_name = format!("{id}.jsonl");
    let primary = project_dir(cwd)?.join(&file_name);
    if primary.is_file() {
        return Ok(Some(primary));
    }
    let Ok(folders) = std::fs::read_dir(root()?.join("projects")) else {
        return Ok(None);
    };
    let mut found = folders
        .flatten()
        .map(|folder| folder.path().join(&file_name))
        .filter(|path| path.is_file());
    match (found.next(), found.next()) {
        (Some(only), None) => Ok(Some(only)),
        _ => Ok(None),
    }
}

/// Claude's folder name for a directory: the NFC form of its real path with every UTF-16 code
/// unit that is not an ASCII letter or digit turned into `-`; past 200 characters it is cut and
/// gets `-` plus the base-36 of the absolute Java `hashCode` of the path.
pub fn project_dir_name(real_path: &Path) -> String {
    let text = real_path.to_string_lossy();
    let text: String = if text.is_ascii() {
        text.into_owned()
    } else {
        text.nfc().collect()
    };
    let units: Vec<u16> = text.encode_utf16().collect();
    let mut name: String = units
        .iter()
        .map(|&unit| match u8::try_from(unit) {
            Ok(byte) if byte.is_ascii_alphanumeric() => byte as char,
            _ => '-',
        })
        .collect();
    if name.len() > 200 {
        let hash = units.iter().fold(0i32, |hash, &unit| {
            hash.wrapping_mul(31).wrapping_add(unit as i32)
        });
        name.truncate(200);
        name.push('-');
        name.push_str(&base36(u64::from(hash.unsigned_abs())));
    }
    name
}

fn base36(mut value: u64) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    loop {
        out.push(DIGITS[(value % 36) as usize]);
        value /= 36;
        if value == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).expect("ascii digits")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_names_follow_claude() {
        assert_eq!(
            project_dir_name(Path::new("/tmp/work/My.Proj_dir-1")),
            "-tmp-work-My-Proj-dir-1"
        );
        assert_eq!(project_dir_name(Path::new("/a b/ü😀")), "-a-b----");
    }

    /// Expected values computed by an independent implementation of the FORMATS.md rule.
    #[test]
    fn folder_names_match_the_documented_rule() {
        let cases = [
            ("/home/dev/with space/naïve", "-home-dev-with-space-na-ve"),
            // A decomposed é is NFC-normalised to one code unit first.
            ("/home/dev/cafe\u{301}", "-home-dev-caf-"),
            ("/home/dev/emoji😀x", "-home-dev-emoji--x"),
        ];
        for (path, expected) in cases {
            assert_eq!(project_dir_name(Path::new(path)), expected, "{path}");
        }
        let long: Vec<String> = (0..12)
            .map(|i| format!("segment{i:02}_long.name"))
            .collect();
        let long = format!("/srv/{}", long.join("/"));
        assert_eq!(
            project_dir_name(Path::new(&long)),
            "-srv-segment00-long-name-segment01-long-name-segment02-long-name-segment03-long-name-\
             segment04-long-name-segment05-long-name-segment06-long-name-segment07-long-name-\
             segment08-long-name-segment09-long--hnwnak"
        );
    }

    #[test]
    fn long_names_get_the_hash_suffix() {
        let path = format!("/{}", "x".repeat(250));
        let name = project_dir_name(Path::new(&path));
        assert_eq!(&name[..200], &format!("-{}", "x".repeat(199)));
        assert_eq!(
            name.len(),
            200 + 1 + base36(java_hash_reference(&path)).len()
        );
    }

    fn java_hash_reference(text: &str) -> u64 {
        let mut hash: i64 = 0;
        for unit in text.encode_utf16() {
            hash = (hash * 31 + i64::from(unit)) & 0xffff_ffff;
        }
        let signed = hash as u32 as i32;
        u64::from(signed.unsigned_abs())
    }

    #[test]
    fn base36_matches_javascript() {
        assert_eq!(base36(0), "0");
        assert_eq!(base36(35), "z");
        assert_eq!(base36(2147483648), "zik0zk");
    }
}
