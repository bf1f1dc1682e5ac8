//! Property tests over every registered tool's command-line rules and target check: arbitrary
//! words, UTF-8 or not, never panic, and the verdicts follow the rules users rely on.

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;

use proptest::prelude::*;

use super::ALL;

/// Words a user types: the tools' own flags and subcommands, and arbitrary bytes.
fn word() -> impl Strategy<Value = OsString> {
    let known: Vec<OsString> = ALL
        .iter()
        .flat_map(|tool| {
            let rules = tool.arg_rules();
            rules
                .value_flags
                .iter()
                .chain(rules.subcommands)
                .chain(rules.pass_flags)
                .chain(rules.interactive_flags)
                .map(|word| OsString::from(*word))
                .collect::<Vec<_>>()
        })
        .chain(["--", "-", "", "--help=x", "-p", "hello world"].map(OsString::from))
        .collect();
    prop_oneof![
        2 => prop::sample::select(known),
        1 => prop::collection::vec(any::<u8>().prop_filter("no NUL", |b| *b != 0), 0..12)
            .prop_map(OsString::from_vec),
        1 => "[-=a-z]{0,12}".prop_map(OsString::from),
    ]
}

fn words() -> impl Strategy<Value = Vec<OsString>> {
    prop::collection::vec(word(), 0..8)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn words_after_a_double_dash_never_change_the_verdict(before in words(), after in words()) {
        for tool in ALL {
            let rules = tool.arg_rules();
            // After a flag that takes a value, `--` is that value, not the end of the options.
            if before.last().and_then(|w| w.to_str()).is_some_and(|w| rules.value_flags.contains(&w)) {
                continue;
            }
            let mut cut = before.clone();
            cut.push("--".into());
            let verdict = rules.passes_through(&cut);
            cut.extend(after.iter().cloned());
            prop_assert_eq!(rules.passes_through(&cut), verdict, "{}", tool.name());
        }
    }

    #[test]
    fn help_or_version_first_always_passes_through(flag in prop::sample::select(
        vec!["-h", "--help", "-V", "--version"]), rest in words()) {
        for tool in ALL {
            let mut args = vec![OsString::from(flag)];
            args.extend(rest.iter().cloned());
            prop_assert!(tool.arg_rules().passes_through(&args), "{}", tool.name());
        }
    }

    #[test]
    fn a_target_that_could_be_read_as_a_flag_is_never_accepted(target in ".{0,48}") {
        let dir = tempfile::tempdir().unwrap();
        for tool in ALL {
            if tool.accepts_target(&target, dir.path()) {
                prop_assert!(!target.starts_with('-'), "{} took {target:?}", tool.name());
                prop_assert!(!target.contains(char::is_whitespace), "{} took {target:?}", tool.name());
                prop_assert!(!target.contains(".."), "{} took {target:?}", tool.name());
            }
        }
    }
}
