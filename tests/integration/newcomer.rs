//! The README's promise to a newcomer: `scripts/try.sh` shows a new session, then its resume,
//! with a stand-in claude and nothing installed.

use crate::common;

use std::process::Command;

#[test]
fn try_script_shows_a_new_session_then_its_resume() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/try.sh");
    // Run as a newcomer would, not inside a wrapped tool: none of the wrapper's variables.
    let out = Command::new("bash")
        .env_clear()
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .arg(script)
        .env("ASM_BIN", common::BIN)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");

    let after = |marker: &str| -> String {
        let at = text
            .find(marker)
            .unwrap_or_else(|| panic!("no {marker:?} in:\n{text}"));
        text[at + marker.len()..]
            .split_whitespace()
            .next()
            .unwrap()
            .to_owned()
    };
    let id = after("[ai-session-manager] New session ");
    assert!(common::is_uuid(&id), "{text}");
    assert_eq!(after("[ai-session-manager] Resuming session "), id);
    assert_eq!(after("started with: --session-id "), id);
    assert_eq!(after("started with: --resume "), id);
    let new_at = text.find("New session").unwrap();
    let resume_at = text.find("Resuming session").unwrap();
    assert!(new_at < resume_at, "{text}");
    assert!(text.contains("claude: restored"), "{text}");
}
