//! `session convert` for every one of the 15 pairs: five sources, three targets. Each test
//! converts a fixture session shaped like the real files, checks the exact message sequence the
//! target file holds, then launches the target tool through the wrapper and checks the flags it
//! gets.

use crate::common;
use crate::convert_support;

use std::path::PathBuf;

use common::*;
use convert_support::*;

fn convert_pair(from: &str, to: &str) {
    let sb = Sandbox::new();
    sb.wrap(to);
    let source = place_source(&sb, from);
    let mut args = Vec::new();
    if let Some(reference) = &source.reference {
        args.extend(["--source-session", reference.as_str()]);
    }
    let out = convert(&sb, from, to, &args);
    assert!(out.status.success(), "{}", stderr(&out));

    // One warning line per kind of item not carried, and nothing else on stderr.
    let err = stderr(&out);
    assert_eq!(err.lines().collect::<Vec<_>>(), source.warnings);

    let target = sb.target(to).expect("applied to the target's state");
    let (file, written) = match to {
        "claude" => {
            let file = claude_transcript(&sb.home, &sb.project, &target);
            let written = claude_messages(&file, &target, &sb.project);
            (file, written)
        }
        "codex" => {
            let file = codex_rollout(&sb, &target);
            let written = codex_messages(&file, &target, &sb.project);
            (file, written)
        }
        "gemini" => {
            let file = PathBuf::from(&target);
            assert_eq!(file.parent(), Some(sb.state_dir().as_path()));
            (file.clone(), gemini_messages(&file))
        }
        other => panic!("no target {other}"),
    };
    assert_eq!(written, source.expected);

    let summary = stdout(&out);
    assert!(
        summary.contains(&format!("file:     {}", file.display())),
        "{summary}"
    );
    assert!(
        summary.contains(&format!("messages: {}\n", source.expected.len())),
        "{summary}"
    );
    assert!(summary.contains("applied:  yes"), "{summary}");
    assert_eq!(sb.state(to)["cwd"], sb.project.to_str().unwrap());

    // The next launch resumes the converted session, the user's arguments after the injected
    // ones.
    let (user_args, expected): (&[&str], Vec<&str>) = match to {
        "claude" => (&["--model", "opus"], vec!["--resume", &target]),
        "codex" => (&["-m", "o3"], vec!["resume", &target]),
        _ => (&["-m", "pro"], vec!["--session-file", &target]),
    };
    let launch = sb.run(to, user_args);
    assert!(launch.status.success(), "{}", stderr(&launch));
    let mut expected: Vec<String> = expected.into_iter().map(str::to_owned).collect();
    expected.extend(user_args.iter().map(|arg| arg.to_string()));
    assert_eq!(sb.args(to), expected);
}

macro_rules! pairs {
    ($($name:ident: $from:literal -> $to:literal;)*) => {
        $(
            #[test]
            fn $name() {
                convert_pair($from, $to);
            }
        )*
    };
}

pairs! {
    claude_to_claude: "claude" -> "claude";
    claude_to_codex: "claude" -> "codex";
    claude_to_gemini: "claude" -> "gemini";
    codex_to_claude: "codex" -> "claude";
    codex_to_codex: "codex" -> "codex";
    codex_to_gemini: "codex" -> "gemini";
    gemini_to_claude: "gemini" -> "claude";
    gemini_to_codex: "gemini" -> "codex";
    gemini_to_gemini: "gemini" -> "gemini";
    copilot_to_claude: "copilot" -> "claude";
    copilot_to_codex: "copilot" -> "codex";
    copilot_to_gemini: "copilot" -> "gemini";
    agy_to_claude: "agy" -> "claude";
    agy_to_codex: "agy" -> "codex";
    agy_to_gemini: "agy" -> "gemini";
}
