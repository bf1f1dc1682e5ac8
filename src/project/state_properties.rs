//! Property tests: whatever bytes a cloned repository puts at the state path, loading never
//! panics, and only a state whose every value is valid comes back.

use proptest::prelude::*;
use serde_json::{Map, Value, json};

use super::*;

fn rules() -> StateRules {
    StateRules {
        tool: "claude",
        mode: SessionMode::ManagedId,
        accepts: |target, _| is_uuid(target),
        legacy_id_file: None,
    }
}

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,40}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(".{0,12}", inner, 0..6)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// Strings close to valid ones, where a careless check lets something through.
fn near_id() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("44444444-2222-4333-8444-555555555555".to_owned()),
        Just("--dangerously-skip-permissions".to_owned()),
        Just("-44444444-2222-4333-8444-555555555555".to_owned()),
        Just("44444444-2222-4333-8444-555555555555 --x".to_owned()),
        Just("44444444222243338444555555555555".to_owned()),
        Just("{44444444-2222-4333-8444-555555555555}".to_owned()),
        Just("../../etc/passwd".to_owned()),
        "[0-9a-f-]{30,40}",
        ".{0,40}",
    ]
}

fn near_cwd() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("/home/someone/project".to_owned()),
        Just("/home/someone/../../etc".to_owned()),
        Just("relative/path".to_owned()),
        Just("".to_owned()),
        "/[a-z./]{0,30}",
        ".{0,30}",
    ]
}

/// Objects shaped like a state file, each field valid, nearly valid, missing or any JSON.
fn state_like() -> impl Strategy<Value = Value> {
    fn field<S: Strategy<Value = Value> + 'static>(valid: S) -> BoxedStrategy<Option<Value>> {
        prop_oneof![
            3 => valid.prop_map(Some),
            1 => Just(None),
            1 => any_json().prop_map(Some),
        ]
        .boxed()
    }
    (
        field(prop_oneof![
            Just(json!(1)),
            Just(json!(2)),
            Just(json!("1"))
        ]),
        field(prop_oneof![Just(json!("claude")), Just(json!("codex"))]),
        field(prop_oneof![
            Just(json!("managed-id")),
            Just(json!("auto-resume"))
        ]),
        field(near_id().prop_map(Value::from)),
        field(near_cwd().prop_map(Value::from)),
        field(Just(json!("2026-11-30T07:00:00Z"))),
    )
        .prop_map(|(version, tool, mode, target, cwd, created)| {
            let mut object = Map::new();
            for (key, value) in [
                ("version", version),
                ("tool", tool),
                ("session_mode", mode),
                ("resume_target", target),
                ("cwd", cwd),
                ("created_at", created),
            ] {
                if let Some(value) = value {
                    object.insert(key.into(), value);
                }
            }
            Value::Object(object)
        })
}

fn state_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..200),
        any_json().prop_map(|value| value.to_string().into_bytes()),
        state_like().prop_map(|value| value.to_string().into_bytes()),
        // A valid state cut short, as a crash of a writer without atomic writes leaves it.
        (state_like(), 0usize..120).prop_map(|(value, cut)| {
            let mut bytes = value.to_string().into_bytes();
            bytes.truncate(cut.min(bytes.len()));
            bytes
        }),
    ]
}

fn repository() -> (tempfile::TempDir, Scope) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    let scope = Scope::containing(dir.path().to_path_buf());
    (dir, scope)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn loading_any_bytes_keeps_only_a_valid_state_and_sets_the_rest_aside(bytes in state_bytes()) {
        let (_dir, scope) = repository();
        let store = StateStore::new(&scope, rules());
        store.prepare_dir().unwrap();
        std::fs::write(store.path(), &bytes).unwrap();

        match store.load().unwrap() {
            Some(state) => {
                prop_assert_eq!(state.version, 1);
                prop_assert_eq!(state.tool.as_str(), "claude");
                prop_assert_eq!(state.session_mode, SessionMode::ManagedId);
                if let Some(target) = &state.resume_target {
                    prop_assert!(is_uuid(target), "{target:?}");
                    prop_assert!(!target.starts_with('-'));
                }
                if let Some(cwd) = &state.cwd {
                    let cwd = Path::new(cwd);
                    prop_assert!(cwd.is_absolute());
                    prop_assert!(!cwd.components().any(|c| c == Component::ParentDir));
                }
                prop_assert_eq!(std::fs::read(store.path()).unwrap(), bytes);
            }
            None => {
                // Nothing is lost: the bytes are kept under a set-aside name.
                prop_assert!(!store.path().exists());
                let kept: Vec<Vec<u8>> = std::fs::read_dir(store.dir())
                    .unwrap()
                    .flatten()
                    .filter(|entry| entry.file_name().to_string_lossy().starts_with("claude.json.bad-"))
                    .map(|entry| std::fs::read(entry.path()).unwrap())
                    .collect();
                prop_assert_eq!(kept, vec![bytes]);
            }
        }
    }

    #[test]
    fn a_valid_state_survives_a_save_and_load(
        target in prop::option::of("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"),
        extra_key in "[a-z_]{1,12}",
        extra_value in any_json(),
    ) {
        let (dir, scope) = repository();
        let store = StateStore::new(&scope, rules());
        let mut state = store.fresh(target);
        state.cwd = Some(dir.path().to_str().unwrap().to_owned());
        let known = ["version", "tool", "session_mode", "resume_target", "cwd", "created_at",
            "updated_at", "import", "pinned_at"];
        if !known.contains(&extra_key.as_str()) {
            state.extra.insert(extra_key, extra_value);
        }
        store.prepare_dir().unwrap();
        store.save(&state).unwrap();
        prop_assert_eq!(store.load().unwrap(), Some(state));
    }
}
