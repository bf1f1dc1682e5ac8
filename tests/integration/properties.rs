//! Property tests through the real wrapper binary: whatever the user types and whatever the
//! repository's state file holds, the tool receives the user's words byte for byte, after at most
//! one injected session of a known shape.

use crate::common;

use std::ffi::OsString;
use std::os::unix::ffi::{OsStrExt, OsStringExt};

use common::*;
use proptest::prelude::*;

fn word() -> impl Strategy<Value = OsString> {
    let known = [
        "--resume",
        "-r",
        "-c",
        "--continue",
        "--session-id",
        "--conversation",
        "--",
        "-",
        "",
        "-p",
        "--print",
        "resume",
        "exec",
        "--model",
        "-m",
        "hello world",
        "--prompt-interactive",
        "-i",
        "--yolo",
        "--session-file",
    ]
    .map(OsString::from)
    .to_vec();
    prop_oneof![
        2 => prop::sample::select(known),
        1 => prop::collection::vec(any::<u8>().prop_filter("no NUL", |b| *b != 0), 0..10)
            .prop_map(OsString::from_vec),
    ]
}

const ID: &str = "44444444-2222-4333-8444-555555555555";

fn state_file() -> impl Strategy<Value = Option<Vec<u8>>> {
    prop_oneof![
        Just(None),
        prop::collection::vec(any::<u8>(), 0..64).prop_map(Some),
        prop::sample::select(vec![ID, "--dangerously-skip-permissions", "-c", "../../x"]).prop_map(
            |target| {
                Some(
                    format!(r#"{{"version": 1, "tool": "TOOL", "resume_target": "{target}"}}"#)
                        .into_bytes(),
                )
            }
        ),
    ]
}

/// What the wrapper may put before the user's words.
fn is_known_injection(inject: &[OsString]) -> bool {
    let words: Vec<&str> = inject
        .iter()
        .map(|word| word.to_str().unwrap_or("\u{0}"))
        .collect();
    match words.as_slice() {
        [] | ["-c"] => true,
        [
            "--session-id" | "--resume" | "--conversation" | "resume",
            id,
        ] => is_uuid(id),
        _ => false,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn the_users_words_arrive_byte_for_byte_after_a_known_injection(
        args in prop::collection::vec(word(), 0..6),
        state in state_file(),
    ) {
        for tool in registered_tools() {
            let sb = Sandbox::new();
            sb.wrap(&tool);
            if let Some(bytes) = &state {
                let bytes = String::from_utf8_lossy(bytes).replace("TOOL", &tool);
                sb.write(sb.state_path(&tool), bytes);
            }
            let out = sb.run(&tool, &args);
            prop_assert!(out.status.success(), "{tool}: {}", stderr(&out));
            prop_assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
            let received = sb.argv(&tool);
            prop_assert!(received.len() >= args.len(), "{tool}: {received:?}");
            let (inject, users) = received.split_at(received.len() - args.len());
            let users: Vec<&[u8]> = users.iter().map(|word| word.as_bytes()).collect();
            let typed: Vec<&[u8]> = args.iter().map(|word| word.as_bytes()).collect();
            prop_assert_eq!(users, typed, "{}", tool);
            prop_assert!(is_known_injection(inject), "{tool}: injected {inject:?}");
        }
    }
}
