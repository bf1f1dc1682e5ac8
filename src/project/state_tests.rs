//! Unit tests of the state files.

use super::*;

fn rules(legacy_id_file: Option<LegacyIdFile>) -> StateRules {
    StateRules {
        tool: "claude",
        mode: SessionMode::ManagedId,
        accepts: |target, _| is_uuid(target),
        legacy_id_file,
    }
}

const ID: &str = "44444444-2222-4333-8444-555555555555";

fn repository() -> (tempfile::TempDir, Scope) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    let scope = Scope::containing(dir.path().to_path_buf());
    (dir, scope)
}

#[test]
fn the_python_tools_repo_state_is_migrated_into_the_state_folder() {
    let (dir, scope) = repository();
    let legacy = dir.path().join(".git/ai-session-manager/claude.json");
    std::fs::create_dir_all(legacy.parent().unwrap()).unwrap();
    let python = format!(
        r#"{{"version": 1, "tool": "claude", "session_mode": "managed-id", "resume_target": "{ID}"}}"#
    );
    std::fs::write(&legacy, python).unwrap();
    let store = StateStore::new(&scope, rules(None));
    let state = store.load().unwrap().unwrap();
    assert_eq!(state.resume_target.as_deref(), Some(ID));
    assert!(!legacy.exists());
    let written: State = serde_json::from_slice(&std::fs::read(store.path()).unwrap()).unwrap();
    assert_eq!(written, state);
    assert!(dir.path().join(".ai-session-manager/.gitignore").is_file());
}

#[test]
fn a_bare_id_file_is_migrated_for_the_tool_that_had_one() {
    let (dir, scope) = repository();
    let legacy = dir.path().join(".git/copilot-session");
    std::fs::write(&legacy, format!("{ID}\n")).unwrap();
    let file = LegacyIdFile {
        in_git: "copilot-session",
        in_folder: ".copilot-session",
    };
    assert!(
        StateStore::new(&scope, rules(None))
            .load()
            .unwrap()
            .is_none()
    );
    assert!(legacy.exists(), "not this tool's file");
    let state = StateStore::new(&scope, rules(Some(file)))
        .load()
        .unwrap()
        .unwrap();
    assert_eq!(state.resume_target.as_deref(), Some(ID));
    // Its folder is unknown: the Python tool did not record one.
    assert_eq!(state.cwd, None);
    assert!(!legacy.exists());
}

#[test]
fn an_unusable_state_is_moved_aside_and_kept() {
    let (dir, scope) = repository();
    let store = StateStore::new(&scope, rules(None));
    store.prepare_dir().unwrap();
    let state_dir = dir.path().join(".ai-session-manager");
    for body in [
        "not json",
        r#"{"version": 1, "tool": "codex", "session_mode": "managed-id"}"#,
    ] {
        std::fs::write(store.path(), body).unwrap();
        assert!(store.load().unwrap().is_none());
        assert!(!store.path().exists());
    }
    let mut aside: Vec<String> = std::fs::read_dir(&state_dir)
        .unwrap()
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("claude.json.bad-"))
        .collect();
    aside.sort();
    assert_eq!(aside.len(), 2, "{aside:?}");
    let kept: Vec<String> = aside
        .iter()
        .map(|name| std::fs::read_to_string(state_dir.join(name)).unwrap())
        .collect();
    assert!(kept.contains(&"not json".to_owned()), "{kept:?}");
}

#[test]
fn pointing_at_a_session_keeps_the_rest_and_a_pin_only_for_the_same_session() {
    let state = State::new(&rules(None), Some(ID.into()), Path::new("/p")).pointed_at(
        Some(ID.into()),
        Some("/p".into()),
        None,
        Pin::Now,
    );
    assert!(state.pinned_at.is_some());
    let same = state
        .clone()
        .pointed_at(Some(ID.into()), Some("/p/a".into()), None, Pin::Keep);
    assert_eq!(same.pinned_at, state.pinned_at);
    assert_eq!(same.created_at, state.created_at);
    let other = state.pointed_at(Some("other".into()), None, None, Pin::Keep);
    assert_eq!(other.pinned_at, None);
    assert_eq!(other.cwd, None);
}

#[test]
fn an_origin_is_one_of_four_arrivals_and_an_unknown_one_is_dropped() {
    let origin = |how: &str| {
        let text = format!(
            r#"{{"version": 1, "tool": "claude", "session_mode": "managed-id",
                "origin": {{"how": "{how}", "from": "/old", "at": "2026-11-20T09:00:00Z"}}}}"#
        );
        serde_json::from_str::<State>(&text).unwrap().origin
    };
    assert_eq!(origin("moved").unwrap().how, Arrival::Moved);
    assert_eq!(origin("copied").unwrap().how, Arrival::Copied);
    assert_eq!(origin("worktree").unwrap().how, Arrival::Worktree);
    assert_eq!(origin("branch").unwrap().how, Arrival::Branch);
    // A state that arrived with a clone may say anything; the state stays usable.
    assert_eq!(origin("--resume"), None);
    let written = Origin::now(Arrival::Copied, "/old".into(), None);
    let json = serde_json::to_value(&written).unwrap();
    assert_eq!(json["how"], "copied");
}
