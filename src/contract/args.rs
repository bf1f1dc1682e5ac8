//! A tool's command line as the wrapper reads it: which launches it leaves alone.

use std::ffi::{OsStr, OsString};

/// What the wrapper needs to know about a tool's command line.
pub struct ArgRules {
    /// Flags that take a value in the next word, so that word is not a positional one.
    pub value_flags: &'static [&'static str],
    /// First positional words that are subcommands rather than prompts.
    pub subcommands: &'static [&'static str],
    /// Flags after which the launch is left alone: explicit sessions, non-interactive runs,
    /// internal relaunches.
    pub pass_flags: &'static [&'static str],
    /// A positional prompt makes a one-shot, non-interactive run (gemini) ...
    pub positional_prompt_is_one_shot: bool,
    /// ... unless one of these flags asks for an interactive session anyway.
    pub interactive_flags: &'static [&'static str],
}

/// Help and version flags every tool understands.
const HELP_AND_VERSION: &[&str] = &["-h", "--help", "-v", "-V", "--version"];

impl ArgRules {
    /// Whether the wrapper must leave this launch exactly as typed.
    pub fn passes_through(&self, args: &[OsString]) -> bool {
        let mut words = args.iter();
        let mut first_positional: Option<&OsStr> = None;
        let mut asked_interactive = false;
        while let Some(word) = words.next() {
            let Some(text) = word.to_str() else {
                first_positional.get_or_insert(word);
                continue;
            };
            if text == "--" {
                break;
            }
            if text.len() > 1 && text.starts_with('-') {
                let (name, inline_value) = match text.split_once('=') {
                    Some((name, _)) => (name, true),
                    None => (text, false),
                };
                if HELP_AND_VERSION.contains(&name) || self.pass_flags.contains(&name) {
                    return true;
                }
                asked_interactive |= self.interactive_flags.contains(&name);
                if !inline_value && self.value_flags.contains(&name) {
                    words.next();
                }
                continue;
            }
            if first_positional.is_none() {
                if self.subcommands.contains(&text) {
                    return true;
                }
                first_positional = Some(word);
            }
        }
        self.positional_prompt_is_one_shot && first_positional.is_some() && !asked_interactive
    }
}
