//! `reset`: forget this project's sessions, legacy files included.

use crate::common;

use common::*;
use serde_json::json;

const ID: &str = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";

#[test]
fn reset_removes_current_and_legacy_state_and_says_what() {
    let sb = Sandbox::new();
    sb.write_python_state("claude", "managed-id", Some(ID));
    let legacy_claude = sb.write(
        sb.project.join(".git/ai-session-manager/claude.json"),
        json!({"version": 1, "tool": "claude", "session_mode": "managed-id", "resume_target": ID})
            .to_string(),
    );
    let legacy_copilot = sb.write(sb.project.join(".git/copilot-session"), ID);
    let other_project_file = sb.write(sb.state_dir().join("codex.json"), "{}");

    let out = sb.manage(["reset", "claude", "copilot"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for removed in [&sb.state_path("claude"), &legacy_claude, &legacy_copilot] {
        assert!(!removed.exists(), "{}", removed.display());
        assert!(
            text.contains(&format!("removed {}", removed.display())),
            "{text}"
        );
    }
    assert!(
        text.contains("claude: the next launch in this repository starts a new session"),
        "{text}"
    );
    assert!(other_project_file.exists(), "codex was not named");

    let out = sb.manage(["reset", "claude"]);
    assert!(out.status.success());
    assert_eq!(
        stdout(&out),
        format!(
            "claude: no saved session for this repository ({})\n",
            sb.project.display()
        )
    );
}

#[test]
fn reset_in_a_plain_folder_removes_the_old_copilot_file() {
    let sb = Sandbox::without_git();
    let legacy = sb.write(sb.project.join(".copilot-session"), ID);
    let out = sb.manage(["reset"]);
    assert!(out.status.success());
    assert!(!legacy.exists());
    let text = stdout(&out);
    assert!(
        text.contains(&format!("copilot: removed {}", legacy.display())),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "claude: no saved session for this folder ({})",
            sb.project.display()
        )),
        "{text}"
    );
}
